"""Where ESC-50 lives on disk, its metadata, its subsets, and a check of its integrity.

A dataset folder holds ``audio/`` and ``meta/esc50.csv``: the layout of the official
``ESC-50-master`` archive. Three folders have that layout: a full download, the shipped
sample (:func:`sample_dir`) and any copy you point ``ESC50_DATA`` at.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .audio import CLIP_SECONDS, DURATION_TOLERANCE, SAMPLE_RATE, AudioError, is_silent, read_audio

N_CLASSES = 50
FOLDS = (1, 2, 3, 4, 5)
SUBSETS = (None, "esc10")
"""What :func:`load_meta` can select: everything, or ESC-10 (10 classes, 400 clips, CC BY)."""
GROUPS = ("animals", "natural soundscapes", "human non-speech", "domestic", "urban")
"""The five major groups; class ``target`` belongs to ``GROUPS[target // 10]``."""

META_COLUMNS = ("filename", "fold", "target", "category", "esc10", "src_file", "take")
DATA_ENV = "ESC50_DATA"
QUICK_ENV = "ESC50_QUICK"

CITATION = (
    'K. J. Piczak, "ESC: Dataset for Environmental Sound Classification", '
    "Proceedings of the 23rd ACM International Conference on Multimedia, 2015. "
    "Licensed CC BY-NC 3.0 (the ESC-10 subset: CC BY 3.0)."
)


class DatasetError(ValueError):
    """A dataset folder that is missing or inconsistent; the message lists every problem."""


def default_data_dir():
    """The per-user cache folder that :func:`esc50.download` uses when told nothing else."""
    import pooch

    return Path(pooch.os_cache("esc50")) / "ESC-50-master"


def data_dir(root=None):
    """Resolve the dataset folder: ``root`` if given, else ``$ESC50_DATA``, else the cache.

    Parameters
    ----------
    root : str or Path, optional
        A folder holding ``audio/`` and ``meta/esc50.csv``.

    Returns
    -------
    Path
    """
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    return default_data_dir()


def sample_dir():
    """The small real sample shipped inside the package (50 clips, one per class)."""
    return Path(__file__).parent / "data" / "sample"


def quick_mode():
    """True when ``$ESC50_QUICK`` asks notebooks for their fast, offline variant."""
    return os.environ.get(QUICK_ENV, "0").strip().lower() not in ("", "0", "false", "no")


def load_meta(root=None, subset=None):
    """Read ``meta/esc50.csv`` as a DataFrame, with each clip's major group added.

    Parameters
    ----------
    root : str or Path, optional
        Dataset folder, resolved by :func:`data_dir`.
    subset : {None, "esc10"}
        ``"esc10"``: only the ESC-10 subset, its targets renumbered 0-9 (see :func:`esc10`).

    Returns
    -------
    pandas.DataFrame
        One row per clip: the official columns ``filename, fold, target, category, esc10,
        src_file, take`` and ``group`` (an ordered categorical of :data:`GROUPS`).
    """
    path = data_dir(root) / "meta" / "esc50.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no ESC-50 metadata here. Download the dataset with esc50.download() "
            "or `python -m esc50 download`, or point ESC50_DATA at a folder holding "
            "audio/ and meta/esc50.csv."
        )
    meta = pd.read_csv(path)
    missing = [c for c in META_COLUMNS if c not in meta.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)}")
    bad = ~meta["target"].between(0, N_CLASSES - 1)
    if bad.any():
        raise DatasetError(f"{path}: target outside 0-49 in row(s) {list(meta.index[bad][:5])}")
    meta["esc10"] = meta["esc10"].astype(bool)
    meta["group"] = pd.Categorical.from_codes(meta["target"] // 10, categories=list(GROUPS), ordered=True)
    if subset not in SUBSETS:
        raise ValueError(f"unknown subset {subset!r}; choose one of {SUBSETS}")
    return esc10(meta) if subset == "esc10" else meta


def audio_path(root, filename):
    """Path of one clip of the dataset folder ``root``."""
    return data_dir(root) / "audio" / filename


def folds_of(clip_folds):
    """The distinct folds in ``clip_folds`` (a metadata ``fold`` column or any sequence), sorted.

    Every split of the package iterates over these, so a subset or a dataset with another
    number of folds (UrbanSound8K has 10) is cross-validated over exactly the folds it has.
    """
    return sorted({int(f) for f in np.asarray(clip_folds).ravel()})


def run_name(base, subset=None):
    """Name of a run on ``subset`` of the data: ``base`` itself, or ``base_<subset>``."""
    return f"{base}_{subset}" if subset else base


def esc10(meta):
    """Select the ESC-10 subset (10 classes, 400 clips in the full dataset).

    The returned frame renumbers ``target`` to 0-9 (in the order of the ESC-50 targets) so
    that models get contiguous labels; the original label is kept as ``esc50_target``.
    """
    sub = meta[meta["esc10"]].copy()
    sub["esc50_target"] = sub["target"]
    sub["target"] = np.searchsorted(np.sort(sub["target"].unique()), sub["target"])
    return sub.reset_index(drop=True)


def check_dataset(root=None, *, full=True):
    """List everything wrong with a dataset folder; an empty list means it is sound.

    Every clip is read: it must decode, be finite, mono, 44.1 kHz, 5 s long and not silent.
    Across clips, one source recording (``src_file``) must never give clips of one class to
    two folds, since that would leak between the cross-validation folds (see
    :func:`shared_sources`). With ``full=True`` the counts of the official release are
    checked too: 2000 clips, 400 per fold, 40 per class, 8 per class per fold.

    Parameters
    ----------
    root : str or Path, optional
        Dataset folder, resolved by :func:`data_dir`.
    full : bool, default True
        Check the counts of the complete dataset. Use False for the shipped sample or a
        subset.

    Returns
    -------
    list of str
        One line per problem, naming the file or the count at fault.
    """
    root = data_dir(root)
    meta = load_meta(root)
    problems = _check_labels(meta)
    problems += _check_clips(root, meta)
    if full:
        problems += _check_counts(meta)
    return problems


def validate_dataset(root=None, *, full=True):
    """Raise :class:`DatasetError` listing every problem :func:`check_dataset` finds."""
    problems = check_dataset(root, full=full)
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise DatasetError(f"{data_dir(root)}: {len(problems)} problem(s):\n  {shown}{more}")
    return data_dir(root)


def _check_labels(meta):
    problems = []
    bad_folds = sorted(set(meta["fold"]) - set(FOLDS))
    if bad_folds:
        problems.append(f"folds outside 1-5: {bad_folds}")
    per_target = meta.groupby("target")["category"].nunique()
    for target in per_target.index[per_target > 1]:
        problems.append(f"target {target} has several category names")
    per_category = meta.groupby("category")["target"].nunique()
    for category in per_category.index[per_category > 1]:
        problems.append(f"category {category!r} has several targets")
    dupes = meta["filename"][meta["filename"].duplicated()]
    problems += [f"{name}: listed twice in the metadata" for name in dupes]
    folds_of = meta.groupby(["src_file", "category"])["fold"].unique()
    for (src, category), folds in folds_of[folds_of.map(len) > 1].items():
        problems.append(
            f"src_file {src} ({category}) appears in folds {sorted(map(int, folds))}: "
            "its clips would leak across folds"
        )
    return problems


def shared_sources(meta):
    """Clips whose source recording (``src_file``) also has clips in another fold.

    Clips cut from one recording sound alike, so they must share a fold, or a model is
    tested on near-copies of its training data. The official release keeps this rule for
    every class, with four exceptions across classes: a recording cut into both
    clock_tick and clock_alarm clips (twice), and into hen and rooster clips (twice).
    Those are not leaks of a label, and :func:`check_dataset` accepts them.

    Returns
    -------
    pandas.DataFrame
        The rows of ``meta`` involved, sorted by ``src_file`` and fold.
    """
    folds_per_source = meta.groupby("src_file")["fold"].transform("nunique")
    return meta[folds_per_source > 1].sort_values(["src_file", "fold", "filename"])


def _check_clips(root, meta):
    problems = []
    audio = root / "audio"
    for name in meta["filename"]:
        path = audio / name
        try:
            y, sr = read_audio(path, strict=True)
        except (FileNotFoundError, AudioError) as err:
            problems.append(str(err))
            continue
        if sr != SAMPLE_RATE:
            problems.append(f"{path}: sample rate {sr} Hz, expected {SAMPLE_RATE} Hz")
        if y.shape[1] != 1:
            problems.append(f"{path}: {y.shape[1]} channels, expected mono")
        seconds = y.shape[0] / sr
        if abs(seconds - CLIP_SECONDS) > DURATION_TOLERANCE:
            problems.append(f"{path}: {seconds:.2f} s long, expected {CLIP_SECONDS:g} s")
        if is_silent(y):
            problems.append(f"{path}: silent (peak below -60 dBFS)")
    if audio.is_dir():
        extra = sorted({p.name for p in audio.iterdir() if p.is_file()} - set(meta["filename"]))
        problems += [f"{audio / name}: audio file not listed in the metadata" for name in extra]
    return problems


def _check_counts(meta):
    expected = {"clips": 2000, "per fold": 400, "per class": 40, "per class and fold": 8}
    problems = []
    if len(meta) != expected["clips"]:
        problems.append(f"{len(meta)} clips in the metadata, expected {expected['clips']}")
    per_fold = meta["fold"].value_counts().reindex(FOLDS, fill_value=0)
    problems += [f"fold {f}: {n} clips, expected 400" for f, n in per_fold.items() if n != 400]
    per_class = meta["target"].value_counts().reindex(range(N_CLASSES), fill_value=0)
    problems += [f"class {t}: {n} clips, expected 40" for t, n in per_class.items() if n != 40]
    grid = pd.crosstab(meta["target"], meta["fold"]).reindex(
        index=range(N_CLASSES), columns=list(FOLDS), fill_value=0
    )
    for (target, fold), n in grid.stack().items():
        if n != 8:
            problems.append(f"class {target} in fold {fold}: {n} clips, expected 8")
    return problems
