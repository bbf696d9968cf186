"""UrbanSound8K in this package's shape: 8732 urban sound clips, 10 classes, 10 folds.

UrbanSound8K (Salamon, Jacoby and Bello, 2014; CC BY-NC 3.0) is the other classic
environmental sound benchmark. Its clips are up to 4 s long, at many sample rates and
channel counts, in folders ``audio/fold1`` to ``audio/fold10``, described by
``metadata/UrbanSound8K.csv``. :func:`load_urbansound8k` returns that metadata with the
columns the rest of the package reads (``filename`` relative to ``audio/``, ``fold``,
``target``, ``category``, ``src_file``), so features, baselines and cross-validation work
unchanged and honour its 10 predefined folds. Clips are zero-padded to 5 s, as ESC-50's
shorter sounds are. Results are reported, as for ESC-50, as the mean accuracy over its folds.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .dataset import DatasetError

COLUMNS = ("slice_file_name", "fsID", "start", "end", "salience", "fold", "classID", "class")
FOLDS = tuple(range(1, 11))
N_CLASSES = 10
CITATION = ("J. Salamon, C. Jacoby and J. P. Bello, \"A Dataset and Taxonomy for Urban Sound Research\", "
            "22nd ACM International Conference on Multimedia, Orlando, USA, 2014.")


def load_urbansound8k(root):
    """Read UrbanSound8K's metadata in the shape of :func:`esc50.dataset.load_meta`.

    Parameters
    ----------
    root : str or Path
        The ``UrbanSound8K`` folder, holding ``audio/fold*/`` and ``metadata/UrbanSound8K.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per clip: ``filename`` (``fold<k>/<slice_file_name>``), ``fold``, ``target``
        (``classID``), ``category`` (``class``), ``src_file`` (``fsID``, the Freesound
        recording: the folds keep a recording's slices together), and the original
        ``start``, ``end`` and ``salience``.

    Raises
    ------
    FileNotFoundError
        If the metadata file is missing.
    DatasetError
        If a column is missing, or a fold or class is out of range.
    """
    path = Path(root).expanduser() / "metadata" / "UrbanSound8K.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no UrbanSound8K metadata here; pass the folder that holds "
                                "audio/fold1..fold10 and metadata/UrbanSound8K.csv")
    raw = pd.read_csv(path)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)}")
    for column, allowed in (("fold", FOLDS), ("classID", range(N_CLASSES))):
        bad = ~raw[column].isin(allowed)
        if bad.any():
            raise DatasetError(f"{path}: {column} out of range in row(s) {list(raw.index[bad][:5])}")
    return pd.DataFrame({
        "filename": "fold" + raw["fold"].astype(str) + "/" + raw["slice_file_name"],
        "fold": raw["fold"], "target": raw["classID"], "category": raw["class"], "src_file": raw["fsID"],
        "start": raw["start"], "end": raw["end"], "salience": raw["salience"],
    })
