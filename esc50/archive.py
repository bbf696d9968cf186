"""The official ESC-50 archive: downloading, safe extraction, verification of its content."""
from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import soundfile as sf

from .audio import SAMPLE_RATE
from .dataset import data_dir

URL = "https://github.com/karoldvl/ESC-50/archive/master.zip"
ARCHIVE_NAME = "ESC-50-master.zip"
META_SHA256 = "ca660da60191a97de289983a05821c9382d852a38a2ba8428980816b68cf6246"
"""SHA-256 of the official ``meta/esc50.csv``.

GitHub builds its archives on the fly, so the zip itself has no stable hash; the content is
verified instead: this metadata file, then every clip it lists.
"""
CLIP_FRAMES = 220500


class DownloadError(RuntimeError):
    """A download that failed or produced something other than ESC-50."""


def download(root=None, *, url=URL, progress=True):
    """Make sure a complete copy of ESC-50 is on disk, fetching it if needed.

    Does nothing (and needs no network) when ``root`` already holds a complete copy.
    Otherwise the archive (about 600 MB) is downloaded with a progress bar, extracted into
    a temporary folder beside ``root``, verified, and only then moved to ``root``.

    Parameters
    ----------
    root : str or Path, optional
        Folder to hold ``audio/`` and ``meta/``. Default: ``$ESC50_DATA``, else a per-user
        cache folder (see :func:`esc50.dataset.data_dir`).
    url : str
        Where the zip archive is.
    progress : bool, default True
        Show a progress bar while downloading.

    Returns
    -------
    Path
        The dataset folder.

    Raises
    ------
    DownloadError
        If the download fails or is interrupted, the archive is corrupt or unsafe, its
        content is not ESC-50, or ``root`` exists with other content in it.
    """
    target = data_dir(root)
    if is_complete(target):
        return target
    if target.exists() and any(target.iterdir()):
        raise DownloadError(
            f"{target} exists but holds no complete copy of ESC-50; remove it or choose "
            "another folder (argument root or ESC50_DATA), then download again."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    archive = _fetch(url, target.parent, progress)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".esc50-extract-") as tmp:
        try:
            extract_zip(archive, tmp)
            top = _dataset_folder(Path(tmp), archive)
            problems = verify(top)
            if problems:
                raise DownloadError(
                    f"{archive} is not the ESC-50 dataset: {'; '.join(problems[:5])}"
                )
        except (DownloadError, zipfile.BadZipFile, zlib.error, EOFError) as err:
            archive.unlink(missing_ok=True)  # corrupt: a retry must fetch it afresh
            if isinstance(err, DownloadError):
                raise
            raise DownloadError(f"{archive}: corrupt zip archive ({err}); it was deleted, run again") from err
        if target.exists():
            target.rmdir()  # empty, checked above
        os.replace(top, target)
    archive.unlink()
    return target


def is_complete(folder):
    """True if ``folder`` holds the official metadata and every clip it lists.

    Cheap enough to call every time: it hashes one small file and lists one folder.
    """
    folder = Path(folder)
    meta = folder / "meta" / "esc50.csv"
    if not meta.is_file() or _sha256(meta) != META_SHA256:
        return False
    names = _listed_clips(meta)
    audio = folder / "audio"
    return audio.is_dir() and names <= {p.name for p in audio.iterdir()}


def verify(folder):
    """List what keeps ``folder`` from being a complete, well-formed copy of ESC-50."""
    folder = Path(folder)
    meta = folder / "meta" / "esc50.csv"
    if not meta.is_file():
        return [f"{meta} is missing"]
    if _sha256(meta) != META_SHA256:
        return [f"{meta} differs from the official metadata (SHA-256 mismatch)"]
    problems = []
    for name in sorted(_listed_clips(meta)):
        path = folder / "audio" / name
        try:
            info = sf.info(path)
        except (OSError, sf.SoundFileError) as err:
            problems.append(f"{path}: unreadable ({err})")
            continue
        if (info.samplerate, info.channels, info.frames) != (SAMPLE_RATE, 1, CLIP_FRAMES):
            problems.append(
                f"{path}: {info.samplerate} Hz, {info.channels} channel(s), {info.frames} "
                f"samples; expected {SAMPLE_RATE} Hz mono, {CLIP_FRAMES} samples"
            )
    return problems


def extract_zip(archive, dest):
    """Extract ``archive`` into ``dest``, refusing it whole if any member would land outside.

    A member named ``../x`` or ``/etc/x`` ("zip slip") is checked for before anything is
    written, so a hostile archive leaves nothing behind.
    """
    dest = Path(dest).resolve()
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            if not (dest / member).resolve().is_relative_to(dest):
                raise DownloadError(
                    f"{archive}: member {member!r} would be written outside {dest}; "
                    "refusing to extract this archive"
                )
        zf.extractall(dest)


def _fetch(url, folder, progress):
    import pooch
    import requests

    try:
        path = pooch.retrieve(
            url, known_hash=None, fname=ARCHIVE_NAME, path=folder, progressbar=progress
        )
    except (requests.exceptions.RequestException, OSError) as err:
        # pooch downloads into a temporary file and deletes it on failure.
        raise DownloadError(
            f"downloading {url} failed ({err}); nothing was kept. Check the network and run "
            "again, or download the zip yourself and set ESC50_DATA to its ESC-50-master folder."
        ) from err
    return Path(path)


def _dataset_folder(extracted, archive):
    """The archive's single top-level folder (``ESC-50-master`` for the official zip)."""
    entries = [p for p in extracted.iterdir() if not p.name.startswith("__MACOSX")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    raise DownloadError(f"{archive}: expected one top-level folder, found {sorted(p.name for p in entries)}")


def _listed_clips(meta):
    with open(meta, encoding="utf-8") as f:
        next(f, None)
        return {line.split(",", 1)[0] for line in f if line.strip()}


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
