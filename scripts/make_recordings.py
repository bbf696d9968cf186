"""Build the real-recordings set, esc50/data/recordings/, from Debian packages (maintainers only).

Real recordings from outside ESC-50, to measure how the models do on sounds people record:
they are for evaluation only, never for training or tuning. Three free-licensed sources, all
in Debian main: OpenTTD's OpenSFX sound set, the Tux Paint stamps, and SuperTuxKart's data.
Each file is labelled by hand with the nearest ESC-50 class, only where one clearly fits: what
its name and its credits say it is (spectrograms were looked at where a name left doubt), never
what a model says. Of two edits of one original recording only one is kept, and none comes from
a Freesound recording that ESC-50 also cut clips from (checked against ``src_file``).

Each file is mixed to mono, resampled to 22.05 kHz, cut to its first 10 s and stored as Ogg
Vorbis, to keep the set small (under 2 MB); recordings.csv lists file, label, source, author,
licence and where in the package it came from.

    python scripts/make_recordings.py [DEST]     # needs `apt-get download` (Debian's archive)
"""
import csv
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from esc50.audio import resample
from esc50.dataset import load_meta, sample_dir

RATE = 22050
MAX_SECONDS = 10.0
DEST = Path(__file__).resolve().parents[1] / "esc50" / "data" / "recordings"
OPENSFX = "openttd-opensfx"
TUXPAINT = "tuxpaint-stamps-default"
STK = "supertuxkart-data"
OPENSFX_CAT = "usr/share/games/openttd/baseset/opensfx/opensfx.cat"
TUXPAINT_DIR = "usr/share/tuxpaint/stamps"
STK_DIR = "usr/share/games/supertuxkart/data"
TUXPAINT_AUTHOR = "Bill Kendrick and the Tux Paint contributors"

# (package, path in the package or OpenSFX entry number, ESC-50 label, author, licence)
RECORDINGS = [
    (OPENSFX, 4, "train", "eliasheuninck; edited by Wuzzy", "CC BY 3.0"),
    (OPENSFX, 8, "airplane", "Cheeseheadburger; edited by Wuzzy", "CC BY 3.0"),
    (OPENSFX, 9, "airplane", "www.digifishmusic.com; edited by Wuzzy", "CC BY 3.0"),
    (OPENSFX, 10, "train", "patchen; edited by Janis Lukss", "CC BY 3.0"),
    (OPENSFX, 24, "helicopter", "lorenzosu; edited by Wuzzy", "CC BY-SA 3.0"),
    (OPENSFX, 25, "engine", "saphix; edited by Wuzzy", "CC0 1.0"),
    (OPENSFX, 27, "engine", "icmusic; edited by Janis Lukss", "CC BY 3.0"),
    (OPENSFX, 28, "engine", "roscoetoon; edited by Janis Lukss", "CC BY 3.0"),
    (OPENSFX, 29, "clapping", "lonemonk; edited by Wuzzy", "CC BY 3.0"),
    (OPENSFX, 35, "car_horn", "han1; edited by Janis Lukss", "CC BY 3.0"),
    (OPENSFX, 36, "sheep", "David R Barnes; edited by Wuzzy", "CC0 1.0"),
    (OPENSFX, 37, "cow", "Jarred Gib; edited by Wuzzy", "CC0 1.0"),
    (OPENSFX, 52, "wind", "Anton; edited by Janis Lukss", "CC BY 3.0"),
    (OPENSFX, 56, "chainsaw", "JFBSAUVE; edited by Janis Lukss", "CC BY 3.0"),
    (OPENSFX, 59, "airplane", "bigpickle51; edited by Wuzzy", "CC BY 3.0"),
    (OPENSFX, 61, "airplane", "ibisradio; edited by Wuzzy", "CC0 1.0"),
    (OPENSFX, 71, "train", "Metzik; edited by Wuzzy", "CC BY 3.0"),
    (TUXPAINT, "animals/mammals/dogs/dog.ogg", "dog", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "animals/mammals/pig.ogg", "pig", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "animals/mammals/bovines/cow.ogg", "cow", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "animals/amphibians/frog.ogg", "frog", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "animals/birds/rooster.ogg", "rooster", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "animals/birds/hen.ogg", "hen", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "animals/birds/crow.ogg", "crow", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "animals/mammals/bovines/sheep.ogg", "sheep", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "seasonal/halloween/blackcat.ogg", "cat", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "animals/insects/bee.ogg", "insects", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "animals/insects/mosquito.ogg", "insects", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "household/vacuum_cleaner.ogg", "vacuum_cleaner", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "household/toilet.ogg", "toilet_flush", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "household/Washing-machine.ogg", "washing_machine", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "household/tools/saw.ogg", "hand_saw", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "seasonal/newyears/fireworks.ogg", "fireworks", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "vehicles/emergency/firetruck.ogg", "siren", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (TUXPAINT, "naturalforces/lightningbolt.ogg", "thunderstorm", TUXPAINT_AUTHOR, "GPL-2.0-or-later"),
    (STK, "sfx/airplane_jetEngine.ogg", "airplane", "Fritz Schlüter", "CC BY-SA 3.0"),
    (STK, "sfx/clock.ogg", "clock_tick", "Natalie (pdsounds.org)", "public domain"),
    (STK, "sfx/exotic-birds.ogg", "chirping_birds", "James \"swiftoid\" Swift", "CC0 1.0"),
    (STK, "sfx/exotic-birds_2.ogg", "chirping_birds", "mpfeiffer (www.monoacustico.com)", "CC0 1.0"),
    (STK, "sfx/fireworks_show.ogg", "fireworks", "sl130594", "CC0 1.0"),
    (STK, "sfx/horn.ogg", "car_horn", "Mike Koenig; edited by Marianne Gagnon and Magne Djupvik", "CC BY 3.0"),
    (STK, "sfx/rain.ogg", "rain", "Mike Koenig; edited by Dawid Gan", "CC BY 3.0"),
    (STK, "sfx/thunder.ogg", "thunderstorm", "Mike Koenig; edited by Marianne Gagnon", "CC BY 3.0"),
    (STK, "tracks/black_forest/cow.ogg", "cow", "Secretlondon, Buffbill84", "CC BY-SA 3.0"),
    (STK, "tracks/black_forest/steamLocomotive.ogg", "train", "Daniel Simion", "CC BY-SA 3.0"),
]
SOURCES = {OPENSFX: "OpenSFX 1.0.3 (Debian openttd-opensfx)", TUXPAINT: "Tux Paint stamps 2022.06.04 "
           "(Debian tuxpaint-stamps-default)", STK: "SuperTuxKart 1.4 (Debian supertuxkart-data)"}
FREESOUND_IDS = {"387878", "507257", "333203", "328446", "233146", "182501", "115758", "132273"}
"""Freesound ids of the originals whose credits give one: none may be an ESC-50 source."""


def opensfx_entries(cat):
    """OpenSFX's sound .cat: a table of (offset, size), each entry a title, then a RIFF WAV."""
    data = cat.read_bytes()
    count = (struct.unpack("<I", data[:4])[0] & 0x7FFFFFFF) // 8
    entries = {}
    for i in range(count):
        offset, size = struct.unpack("<II", data[8 * i:8 * i + 8])
        chunk = data[offset & 0x7FFFFFFF:(offset & 0x7FFFFFFF) + size]
        title = chunk[1:1 + chunk[0]].split(b"\0")[0].decode("latin-1")
        riff = chunk.find(b"RIFF")
        entries[i] = (title, chunk[riff:] if riff >= 0 else None)
    return entries


def fetch(packages, folder):
    subprocess.run(["apt-get", "download", *packages], cwd=folder, check=True)
    for deb in Path(folder).glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(folder) / deb.name.split("_")[0])], check=True)


def convert(path):
    """Mono, 22.05 kHz, the first 10 s: as leniently read as any audio tool reads it."""
    y, sr = sf.read(path, dtype="float32", always_2d=True)
    y = resample(y.mean(axis=1), sr, RATE)[:round(MAX_SECONDS * RATE)]
    return y / max(1.0, float(np.abs(y).max()))


def main(dest=DEST):
    dest = Path(dest)
    ids = set(load_meta(sample_dir())["src_file"].astype(str))  # the sample's; the full list is checked below
    try:
        from esc50.dataset import data_dir

        ids = set(load_meta(data_dir())["src_file"].astype(str))
    except FileNotFoundError:
        print("warning: no full ESC-50 here; Freesound ids checked against the sample only", file=sys.stderr)
    if FREESOUND_IDS & ids:
        raise SystemExit(f"recordings from ESC-50 sources: {sorted(FREESOUND_IDS & ids)}")
    with tempfile.TemporaryDirectory() as tmp:
        fetch(sorted(SOURCES), tmp)
        opensfx = opensfx_entries(Path(tmp) / OPENSFX / OPENSFX_CAT)
        tmp_dest = Path(tmp) / "out"
        tmp_dest.mkdir()
        rows = []
        for k, (package, where, label, author, licence) in enumerate(RECORDINGS, 1):
            if package == OPENSFX:
                title, wav = opensfx[where]
                source_path = Path(tmp) / f"opensfx_{where}.wav"
                source_path.write_bytes(wav)
                original = f"{OPENSFX_CAT} #{where}: {title.split('. ')[0]}"
                stem = re.sub(r"[^a-z0-9]+", "_", title.split('"')[1].lower()).strip("_")
            else:
                base = TUXPAINT_DIR if package == TUXPAINT else STK_DIR
                source_path = Path(tmp) / package / base / where
                original = f"{base}/{where}"
                stem = re.sub(r"[^a-z0-9]+", "_", Path(where).stem.lower()).strip("_")
            name = f"{k:02d}_{label}_{stem}.ogg"
            sf.write(tmp_dest / name, convert(source_path), RATE, format="OGG", subtype="VORBIS")
            rows.append({"file": name, "label": label, "source": SOURCES[package], "author": author,
                         "licence": licence, "original": original})
        with open(tmp_dest / "recordings.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        readme = dest / "README.md"
        kept = readme.read_text(encoding="utf-8") if readme.exists() else None
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(tmp_dest, dest)
        if kept:
            readme.write_text(kept, encoding="utf-8")
    size = sum(p.stat().st_size for p in dest.iterdir())
    print(f"{len(rows)} recordings, {len({r['label'] for r in rows})} classes, {size / 1e6:.1f} MB in {dest}")


if __name__ == "__main__":
    main(*sys.argv[1:])
