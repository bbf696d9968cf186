"""Features of a whole dataset: computed on all cores, cached on disk, rebuilt when stale.

The cache key covers the feature kind, its parameters, this module's feature version and
each clip's name, size and modification time, so changing any of them recomputes. Each
cache file carries a CRC-32 of its array, so a damaged file is noticed and rebuilt.
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import transfer
from .audio import load_audio
from .dataset import data_dir, load_meta
from .features import (
    DEFAULT_CONFIG,
    SEED_RESAMPLER,
    SEED_SAMPLE_RATE,
    log_mel,
    mfcc,
    seed_features,
    summary_features,
)
from .fileio import atomic_write

FEATURES_VERSION = 1
"""Bump when a feature function changes its output, to invalidate every cache."""

CACHE_ENV = "ESC50_CACHE"


@dataclass(frozen=True)
class _Kind:
    compute: Callable  # (waveform, config) -> array or dict
    tabular: bool  # dict of named values (a DataFrame row) rather than an array
    seed_audio: bool = False  # load audio the way the seed notebook did
    model: Callable | None = None  # () -> name of the model that computes it, part of the cache key

    def load(self, path, config):
        if self.seed_audio:
            return load_audio(path, SEED_SAMPLE_RATE, duration=config.duration, res_type=SEED_RESAMPLER, strict=True)[0]
        return load_audio(path, config.sample_rate, duration=config.duration, strict=True)[0]


KINDS = {
    "logmel": _Kind(log_mel, tabular=False),
    "mfcc": _Kind(mfcc, tabular=False),
    "summary": _Kind(summary_features, tabular=True),
    "seed": _Kind(lambda y, config: seed_features(y), tabular=True, seed_audio=True),
    "waveform": _Kind(lambda y, config: y.astype(np.float32), tabular=False),
    "yamnet": _Kind(transfer.frame_features, tabular=False, model=transfer.model_id),
    "yamnet_shifted": _Kind(transfer.shifted_frame_features, tabular=False, model=transfer.model_id),
}
"""Feature kinds :func:`extract` knows: log-mel and MFCC (with deltas) arrays, the waveform
itself (resampled to ``config.sample_rate``), and the summary statistics and the seed's 27
handcrafted features as tables; and YAMNet's embeddings and AudioSet scores per frame
(:mod:`esc50.transfer`), and the same of three copies of each clip framed later (training
copies for the YAMNet head), cached per model file and computed in this process, which holds
the loaded model."""


def default_cache_dir():
    """``$ESC50_CACHE`` if set, else a ``features`` folder in the per-user cache."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    import pooch

    return Path(pooch.os_cache("esc50")) / "features"


def extract(kind="logmel", root=None, meta=None, config=DEFAULT_CONFIG, *, cache_dir=None,
            n_jobs=None, progress=True):
    """Compute (or load from cache) one kind of feature for every clip of a dataset.

    Parameters
    ----------
    kind : {"logmel", "mfcc", "waveform", "summary", "seed", "yamnet", "yamnet_shifted"}
    root : str or Path, optional
        Dataset folder, resolved by :func:`esc50.dataset.data_dir`.
    meta : pandas.DataFrame, optional
        The clips to process, in order (default: all of ``root``'s metadata).
    config : FeatureConfig
    cache_dir : str or Path or False, optional
        Where cached features live (default :func:`default_cache_dir`); False disables caching.
    n_jobs : int, optional
        Worker processes (default: one per CPU core).
    progress : bool, default True
        Show a progress bar while computing.

    Returns
    -------
    np.ndarray or pandas.DataFrame
        For "logmel" and "mfcc", a float32 array ``(clips, bands, frames)``, for "waveform"
        ``(clips, samples)``, for "yamnet" ``(clips, frames, 1024 + 521)`` (and ``(clips, 3, frames,
        1024 + 521)`` for "yamnet_shifted"); read from the
        cache it is a read-only memory map (``np.array(X)`` makes a writable copy). For "summary"
        and "seed", a DataFrame with one row per clip, indexed like ``meta``.

    Raises
    ------
    esc50.audio.AudioError, FileNotFoundError
        If a clip cannot be read; the message names it and nothing is cached.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown feature kind {kind!r}; choose one of {sorted(KINDS)}")
    root = data_dir(root)
    meta = load_meta(root) if meta is None else meta
    paths = [root / "audio" / name for name in meta["filename"]]
    cache = None
    if cache_dir is not False:
        key = cache_key(kind, config, paths)
        cache = Path(cache_dir or default_cache_dir()) / f"{kind}-{key[:20]}"
        hit = _read_cache(cache)
        if hit is not None:
            return _as_result(hit, kind, meta)
    values = _compute(kind, config, paths, n_jobs, progress)
    if cache is not None:
        _write_cache(cache, values, kind, config)
    return _as_result(values, kind, meta)


def cache_key(kind, config, paths):
    """A hash of everything the features depend on: kind (and the model computing it, if
    any), parameters and the audio files."""
    identity = [kind, FEATURES_VERSION, config.to_dict()]
    if KINDS[kind].model:
        identity.append(KINDS[kind].model())
    h = hashlib.sha256(json.dumps(identity, sort_keys=True).encode())
    for path in paths:
        st = os.stat(path)  # a missing clip fails here, naming the file
        h.update(f"{Path(path).name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _compute(kind, config, paths, n_jobs, progress):
    from tqdm.auto import tqdm

    n_jobs = 1 if KINDS[kind].model else n_jobs or os.cpu_count() or 1
    chunks = [paths[i:i + 16] for i in range(0, len(paths), 16)]
    bar = tqdm(total=len(paths), desc=f"{kind} features", unit="clip", disable=not progress)
    if n_jobs == 1 or len(chunks) == 1:
        results = (_compute_chunk(kind, config, chunk) for chunk in chunks)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_compute_chunk)(kind, config, chunk) for chunk in chunks
        )
    parts = []
    with bar:
        for part in results:
            parts.append(part)
            bar.update(len(part))
    if KINDS[kind].tabular:
        return pd.DataFrame([row for part in parts for row in part])
    return np.concatenate(parts).astype(np.float32, copy=False)


def _compute_chunk(kind, config, paths):
    spec = KINDS[kind]
    out = [spec.compute(spec.load(path, config), config) for path in paths]
    return out if spec.tabular else np.stack(out)


def _as_result(values, kind, meta):
    if KINDS[kind].tabular:
        values = values.copy()
        values.index = meta.index
    if len(values) != len(meta):
        raise RuntimeError(f"{len(values)} feature rows for {len(meta)} clips")
    return values


def _write_cache(stem, values, kind, config):
    columns = list(values.columns) if isinstance(values, pd.DataFrame) else None
    array = np.ascontiguousarray(values.to_numpy(np.float64) if columns else values)
    with atomic_write(stem.with_suffix(".npy")) as f:
        np.save(f, array)
    manifest = {
        "kind": kind,
        "config": config.to_dict(),
        "version": FEATURES_VERSION,
        "shape": list(array.shape),
        "dtype": str(array.dtype),
        "crc32": zlib.crc32(memoryview(array).cast("B")),
        "columns": columns,
    }
    # The manifest goes last: a cache without one is incomplete and never read.
    with atomic_write(stem.with_suffix(".json"), "w") as f:
        json.dump(manifest, f, indent=1)


def _read_cache(stem):
    manifest_path, array_path = stem.with_suffix(".json"), stem.with_suffix(".npy")
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text())
        # A memory map: materialising 441 MB of fresh memory costs ~1 s on a small machine,
        # mapping the file costs nothing, and the checksum reads it from the page cache.
        array = np.load(array_path, mmap_mode="r")
        if list(array.shape) != manifest["shape"] or str(array.dtype) != manifest["dtype"]:
            raise ValueError(f"array is {array.shape} {array.dtype}, manifest says "
                             f"{tuple(manifest['shape'])} {manifest['dtype']}")
        if zlib.crc32(memoryview(np.ascontiguousarray(array)).cast("B")) != manifest["crc32"]:
            raise ValueError("checksum mismatch")
    except (OSError, ValueError, KeyError, TypeError) as err:
        warnings.warn(f"{array_path}: corrupt feature cache ({err}); recomputing", stacklevel=3)
        return None
    if manifest["columns"] is not None:
        return pd.DataFrame(array, columns=manifest["columns"])
    return array
