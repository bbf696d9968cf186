"""Classify any audio file: which of ESC-50's 50 classes does it sound like?

Any format soundfile reads, any sample rate, channel count and length: the file is resampled
and mixed to mono, and a recording longer than 5 s is cut into overlapping 5 s windows whose
probabilities are averaged (each window's are kept too, for a timeline). Shorter ones are
zero-padded, as ESC-50's own short clips were.

Two kinds of classifier answer (:func:`load_classifier`):

- :class:`YamnetClassifier`, the default wherever YAMNet is (``$ESC50_YAMNET``, the cache, or
  a download): YAMNet's embeddings and the course's head trained on them, both TFLite models
  run by LiteRT, so that a prediction needs neither TensorFlow nor Keras;
- :class:`KerasClassifier`: any Keras model of the course, by default the from-scratch
  ``mel_cnn`` shipped with the package (the fallback without YAMNet).

Both shipped models were trained on all 2000 clips of ESC-50 (:func:`esc50.training.train_final`,
``scripts/ship_model.py``); their accuracy is that of their cross-validation, recorded in the
JSON file beside each.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import transfer
from .audio import CLIP_SECONDS, DURATION_TOLERANCE, AudioError, fix_length, is_silent, load_audio

MIN_SECONDS = 0.25
"""Shorter recordings are refused: there is too little sound to classify."""
MODELS_DIR = Path(__file__).parent / "data" / "models"
SHIPPED_HEAD = MODELS_DIR / "yamnet_head.tflite"
"""The YAMNet head trained on all of ESC-50, as TFLite (its ``.keras`` original lies beside it)."""
SHIPPED_SCRATCH = MODELS_DIR / "mel_cnn.keras"
"""``mel_cnn`` trained from scratch on all of ESC-50: the classifier when YAMNet is not available."""


@dataclass
class Prediction:
    """Class probabilities for one file: overall and per window, and which model gave them."""

    path: str
    names: list
    probabilities: np.ndarray  # (classes,), the mean over windows
    window_probabilities: np.ndarray  # (windows, classes)
    window_starts: np.ndarray  # seconds
    model: str = ""

    def top(self, k=5):
        """The ``k`` most probable classes as ``[(name, probability), ...]``."""
        order = np.argsort(-self.probabilities)[:k]
        return [(self.names[i], float(self.probabilities[i])) for i in order]


def model_info(path):
    """The JSON file written beside a model (``<model>.json``), or ``{}``."""
    sidecar = Path(path).with_suffix(".json")
    return json.loads(sidecar.read_text()) if sidecar.is_file() else {}


def _describe(name, info):
    cv = info.get("cross_validation")
    if not cv:
        return name
    acc = cv["accuracy"]
    return (f"{name}, trained on {info['n_clips']} clips for {info['epochs']} epochs "
            f"(5-fold cross-validation: {acc['mean']:.1%} +- {acc['std']:.1%})")


class YamnetClassifier:
    """YAMNet's frame embeddings, then a trained head, both run by LiteRT.

    Parameters
    ----------
    head : str or Path
        The head as a ``.tflite`` file (:func:`esc50.export.to_tflite` of a ``yamnet_head``),
        with its JSON file beside it (its class names, and the YAMNet it learned from).
    yamnet : esc50.transfer.YAMNet, optional
        Default: :func:`esc50.transfer.load_yamnet`.

    Raises
    ------
    ValueError
        If the head learned from another model's embeddings than ``yamnet``'s.
    """

    sample_rate = transfer.SAMPLE_RATE

    def __init__(self, head=SHIPPED_HEAD, yamnet=None):
        self.path = Path(head)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such model file")
        self.yamnet = yamnet or transfer.load_yamnet()
        info = model_info(self.path)
        trained_on = info.get("config", {}).get("embedding_model")
        if trained_on and trained_on != self.yamnet.id:
            raise ValueError(f"{self.path}: this head learned from the embeddings of {trained_on}, "
                             f"not of {self.yamnet.id} ({self.yamnet.path})")
        self.names = info.get("classes") or _esc50_names()
        self.description = _describe("YAMNet + yamnet_head (transfer learning)", info)
        self._head = transfer.interpreter(self.path)
        self._input = self._head.get_input_details()[0]["index"]
        self._output = self._head.get_output_details()[0]["index"]

    def __call__(self, windows):
        """Class probabilities ``(windows, classes)`` of 16 kHz windows ``(windows, samples)``: for
        each window, the mean over its four views (:func:`esc50.transfer.views`), each the mean
        and maximum over its frames, as the head was cross-validated."""
        out = []
        for window in windows:
            proba = []
            for view in transfer.mean_max(transfer.views(self.yamnet, window)):
                self._head.set_tensor(self._input, view[None])
                self._head.invoke()
                proba.append(self._head.get_tensor(self._output)[0].copy())
            out.append(np.mean(proba, axis=0))
        return np.stack(out)


class KerasClassifier:
    """A Keras model of the course (:data:`esc50.inputs.MODEL_INPUTS`), on its own features.

    Parameters
    ----------
    model : keras.Model
        From :func:`load_model`.
    description : str, optional
        What the output says answered (default: the model's name).
    names : list of str, optional
        Class names by index (default: ESC-50's 50 categories).
    test_crops, crop_length : int, optional
        Judge each window by the mean over this many evenly spaced crops of ``crop_length``
        frames, as the model was tested (its ``all.json``); default: the whole window.
    """

    def __init__(self, model, description=None, names=None, test_crops=1, crop_length=None):
        from .inputs import MODEL_INPUTS

        self.model, self.spec = model, MODEL_INPUTS[model.name]
        self.sample_rate = self.spec.config.sample_rate
        self.description = description or model.name
        self.names = names or _esc50_names()
        if test_crops > 1 and not crop_length:
            raise ValueError(f"{test_crops} test crops need their crop_length")
        self.test_crops, self.crop_length = test_crops, crop_length

    @classmethod
    def from_file(cls, path, name=None):
        """The ``.keras`` model at ``path``, described (as ``name``, default the model's) and
        predicting as the JSON file beside it says it was trained and tested."""
        model, info = load_model(path), model_info(path)
        return cls(model, _describe(name or model.name, info), info.get("classes"),
                   info.get("test_crops", 1), info.get("crop_length"))

    def __call__(self, windows):
        """Class probabilities ``(windows, classes)`` of windows ``(windows, samples)``."""
        from .training import predict_clips

        X = np.concatenate([self.spec.from_waveform(w) for w in windows])
        return predict_clips(self.model, X, self.spec, crops=self.test_crops, crop_length=self.crop_length)


def load_model(path):
    """Load a ``.keras`` model of the course (saved by :mod:`esc50.training`)."""
    from .quiet import keras_quietly

    keras = keras_quietly()

    from . import augment  # noqa: F401  registers SpecAugment for deserialisation
    from .inputs import MODEL_INPUTS

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    model = keras.saving.load_model(path)
    if model.name not in MODEL_INPUTS:
        raise ValueError(f"{path}: model {model.name!r} is not one of this course's ({sorted(MODEL_INPUTS)})")
    return model


def load_classifier(path=None):
    """The classifier ``python -m esc50 predict`` uses.

    ``path`` None: YAMNet and the shipped head when YAMNet is available (``$ESC50_YAMNET``,
    cached, or downloadable now), else the shipped from-scratch ``mel_cnn``. A ``.tflite``
    path is a YAMNet head; a ``.keras`` path any model of the course.
    """
    if path is None:
        try:
            return YamnetClassifier(SHIPPED_HEAD, transfer.load_yamnet())
        except (FileNotFoundError, RuntimeError) as err:
            why = str(err).split(" (")[0]  # what failed, without the hint that follows
        return KerasClassifier.from_file(SHIPPED_SCRATCH, f"mel_cnn (from scratch; YAMNet is not available: {why})")
    path = Path(path)
    if path.suffix == ".tflite":
        return YamnetClassifier(path)
    return KerasClassifier.from_file(path)


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


def predict_file(path, classifier=None, *, names=None, hop_seconds=2.5):
    """Classify one audio file.

    Parameters
    ----------
    path : str or Path
    classifier : YamnetClassifier, KerasClassifier or keras.Model, optional
        Default: :func:`load_classifier`. A Keras model is wrapped in a :class:`KerasClassifier`.
    names : list of str, optional
        Class names by index (default: the classifier's).
    hop_seconds : float, default 2.5
        Step between the 5 s windows of a long recording.

    Raises
    ------
    AudioError
        If the file cannot be read, is shorter than :data:`MIN_SECONDS`, or is silent.
    """
    if classifier is None:
        classifier = load_classifier()
    elif hasattr(classifier, "predict_on_batch"):
        classifier = KerasClassifier(classifier)
    sr = classifier.sample_rate
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
    proba = classifier(windows)
    names = names or classifier.names
    if len(names) != proba.shape[1]:
        raise ValueError(f"the model has {proba.shape[1]} classes but {len(names)} names were given")
    return Prediction(str(path), list(names), proba.mean(axis=0), proba, starts / sr, classifier.description)


def _esc50_names():
    from .evaluation import class_names

    return class_names()
