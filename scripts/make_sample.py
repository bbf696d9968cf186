"""Build the small real sample of ESC-50 shipped inside the package (maintainers only).

    python scripts/make_sample.py [--source DIR] [--ogg DIR]

One clip per class, the classes spread so each fold holds ten: class ``t`` comes from fold
``t % 5 + 1``. Clips are stored as Ogg Vorbis (about 5 MB for all 50). Where the dataset's
original 2015 Ogg file is 44.1 kHz mono it is copied as it is (the official WAVs were decoded
from those very files); otherwise the official-layout WAV is encoded at Vorbis quality 0.9.
"""
import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import soundfile as sf

from esc50.archive import CLIP_FRAMES
from esc50.audio import SAMPLE_RATE
from esc50.dataset import CITATION, data_dir, load_meta, sample_dir

SHARED_OGG = Path(__file__).resolve().parents[1].parent / "shared" / "esc50" / "ogg"
MAX_VORBIS_PADDING = 2205  # samples past 5 s that the Vorbis encoder may add (50 ms)


def original_ogg(ogg_dir, filename):
    """The 2015 release's Ogg file for ``filename`` if it is 44.1 kHz mono and 5 s, else None."""
    path = ogg_dir / (Path(filename).stem + ".ogg")
    if not path.is_file():
        return None
    info = sf.info(path)
    ok = info.samplerate == SAMPLE_RATE and info.channels == 1 and 0 <= info.frames - CLIP_FRAMES <= MAX_VORBIS_PADDING
    return path if ok else None


def choose(meta, ogg_dir):
    """(row, original Ogg or None) for each class, preferring clips with a usable original."""
    picks = []
    for target in range(50):
        rows = meta[(meta["target"] == target) & (meta["fold"] == target % 5 + 1)].sort_values("filename")
        found = [(row, original_ogg(ogg_dir, row.filename)) for row in rows.itertuples()]
        picks.append(next(((r, o) for r, o in found if o is not None), found[0]))
    return picks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", help="full dataset folder (default: $ESC50_DATA)")
    parser.add_argument("--ogg", default=SHARED_OGG, type=Path, help="folder of the original Ogg files")
    args = parser.parse_args()
    source = data_dir(args.source)
    meta = load_meta(source)
    picks = choose(meta, args.ogg)
    out = sample_dir()
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        tmp = Path(tmp)
        (tmp / "audio").mkdir()
        (tmp / "meta").mkdir()
        rows, provenance = [], []
        for row, ogg in picks:
            name = Path(row.filename).stem + ".ogg"
            if ogg is not None:
                shutil.copyfile(ogg, tmp / "audio" / name)
                provenance.append(f"| {name} | original 2015 Ogg Vorbis file, unchanged |")
            else:
                y, sr = sf.read(source / "audio" / row.filename, dtype="float32")
                sf.write(tmp / "audio" / name, y, sr, format="OGG", subtype="VORBIS", compression_level=0.1)
                provenance.append(f"| {name} | official WAV encoded as Ogg Vorbis (quality 0.9) |")
            rows.append(row._asdict() | {"filename": name})
        import pandas as pd

        columns = ["filename", "fold", "target", "category", "esc10", "src_file", "take"]
        pd.DataFrame(rows)[columns].to_csv(tmp / "meta" / "esc50.csv", index=False)
        (tmp / "README.md").write_text(README.format(citation=CITATION, table="\n".join(provenance)))
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
        tmp.mkdir()  # so TemporaryDirectory's clean-up finds something to remove
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{out}: {len(rows)} clips, {size / 1e6:.1f} MB")
    return 0


README = """# ESC-50 sample

50 clips of ESC-50, one per class, ten per fold (class `t` comes from fold `t % 5 + 1`), in
the official layout (`audio/`, `meta/esc50.csv`), so that the tests and the quick mode of the
notebooks run offline on real sounds. Rebuild with `make sample` (needs the full dataset).

## Licence and attribution
These clips are part of ESC-50 by Karol J. Piczak, licensed under Creative Commons
Attribution-NonCommercial 3.0 (clips of the ESC-10 subset: CC BY 3.0). The clips come from
freesound.org; see the dataset's own README for the authors of each recording.

{citation}

## Provenance of each file
| file | source |
| --- | --- |
{table}
"""

if __name__ == "__main__":
    sys.exit(main())
