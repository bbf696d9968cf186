"""Classify any audio file with a trained model.

Any sample rate, channel count and length: the file is resampled and mixed to mono, and a
recording longer than 5 s is cut into overlapping 5 s windows whose probabilities are
averaged (each window's are kept too, for a timeline). Shorter ones are zero-padded, as
ESC-50's own short clips were.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import CLIP_SECONDS, AudioError, fix_length, is_silent, load_audio
from .dataset import DURATION_TOLERANCE
from .evaluation import class_names
from .inputs import MODEL_INPUTS
from .training import models_dir, predict_clips

MIN_SECONDS = 0.25
"""Shorter recordings are refused: there is too little sound to classify."""
DEFAULT_RUNS = ("mel_cnn", "mel_cnn_quick")
"""Runs whose fold-1 model :func:`default_model_path` looks for, in this order."""
SHIPPED_MODEL = Path(__file__).parent / "data" / "models" / "mel_cnn_quick_fold1.keras"
"""The model that comes with the package: ``mel_cnn_quick`` trained for test fold 1 (see
``scripts/ship_model.py``), used when no model has been trained here."""


@dataclass
class Prediction:
    """Class probabilities for one file: overall and per window."""

    path: str
    names: list
    probabilities: np.ndarray  # (classes,), the mean over windows
    window_probabilities: np.ndarray  # (windows, classes)
    window_starts: np.ndarray  # seconds

    def top(self, k=5):
        """The ``k`` most probable classes as ``[(name, probability), ...]``."""
        order = np.argsort(-self.probabilities)[:k]
        return [(self.names[i], float(self.probabilities[i])) for i in order]


def default_model_path():
    """The first trained model found among :data:`DEFAULT_RUNS`, else :data:`SHIPPED_MODEL`,
    else a FileNotFoundError that says how to train one."""
    for path in [models_dir() / run / "fold1.keras" for run in DEFAULT_RUNS] + [SHIPPED_MODEL]:
        if path.exists():
            return path
    raise FileNotFoundError(
        f"no trained model in {models_dir()}: train one with "
        "`python -m esc50 train mel_cnn_quick` (54 minutes of training on 2 CPU cores), "
        "or pass --model PATH to a .keras file")


def load_model(path=None):
    """Load a ``.keras`` model saved by :func:`esc50.training.cross_validate`."""
    import keras

    from . import augment  # noqa: F401  registers SpecAugment for deserialisation

    path = Path(path) if path else default_model_path()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model file")
    model = keras.saving.load_model(path)
    if model.name not in MODEL_INPUTS:
        raise ValueError(f"{path}: model {model.name!r} is not one of this course's ({sorted(MODEL_INPUTS)})")
    return model


def sliding_windows(y, size, hop, *, min_tail=0):
    """Cut ``y`` into windows of ``size`` samples every ``hop``.

    When more than ``min_tail`` samples would be left after the last regular window, one more
    window ends exactly at the end (a resampled recording a few samples over a whole number
    of hops needs none). Returns ``(windows, starts)``; a signal shorter than ``size`` gives
    one zero-padded window.
    """
    if len(y) <= size:
        return np.pad(y, (0, size - len(y)))[None], np.array([0])
    starts = list(range(0, len(y) - size + 1, hop))
    if len(y) - (starts[-1] + size) > min_tail:
        starts.append(len(y) - size)
    return np.stack([y[s:s + size] for s in starts]), np.array(starts)


def predict_file(path, model, *, names=None, hop_seconds=2.5):
    """Classify one audio file.

    Parameters
    ----------
    path : str or Path
    model : keras.Model
        From :func:`load_model`.
    names : list of str, optional
        Class names by index (default: ESC-50's 50 categories).
    hop_seconds : float, default 2.5
        Step between the 5 s windows of a long recording.

    Raises
    ------
    AudioError
        If the file cannot be read, is shorter than :data:`MIN_SECONDS`, or is silent.
    """
    spec = MODEL_INPUTS[model.name]
    sr = spec.config.sample_rate
    y, _ = load_audio(path, sr, duration=None)
    if len(y) < MIN_SECONDS * sr:
        raise AudioError(f"{path}: {len(y) / sr:.2f} s of audio is too short to classify "
                         f"(need at least {MIN_SECONDS} s)")
    if is_silent(y):
        raise AudioError(f"{path}: the recording is silent (peak below -60 dBFS); nothing to classify")
    size = round(CLIP_SECONDS * sr)
    if len(y) <= size + DURATION_TOLERANCE * sr:
        y = fix_length(y, size)  # decoders add a few samples to 5 s clips: still one clip
    windows, starts = sliding_windows(y, size, round(hop_seconds * sr), min_tail=DURATION_TOLERANCE * sr)
    proba = predict_clips(model, np.concatenate([spec.from_waveform(w) for w in windows]), spec)
    names = names or class_names()
    if len(names) != proba.shape[1]:
        raise ValueError(f"the model has {proba.shape[1]} classes but {len(names)} names were given")
    return Prediction(str(path), names, proba.mean(axis=0), proba, starts / sr)
