"""Pretrained knowledge: Google's YAMNet, from its official TFLite export.

YAMNet is a MobileNetV1 that Google trained on AudioSet (2 million YouTube clips, 521 sound
classes). Its TFLite export reads one frame of 0.975 s of 16 kHz audio and gives that frame's
521 AudioSet scores; just before them it computes a 1024-value **embedding**, a summary of the
sound that its last layer found useful for all 521 classes. This module runs it frame by frame
(a frame every 0.48 s, as YAMNet frames audio) and returns both, per frame:

- the embeddings are features for a small Keras head (:func:`esc50.models.yamnet_head`);
- the scores classify ESC-50 with no training at all (:mod:`esc50.zeroshot`).

Which model file: ``$ESC50_YAMNET`` (the path of a ``.tflite`` file) when set, else the copy in
the per-user cache, downloaded from :data:`YAMNET_URL` on first use and checked against
:data:`YAMNET_SHA256`. The file is run with LiteRT (``ai-edge-litert``), or TensorFlow's own
interpreter where LiteRT is not installed; neither needs Keras.

:func:`build_standin` writes a model with YAMNet's input, output and embedding tensor but none
of its knowledge, for tests on machines with neither the network nor a copy of YAMNet.

YAMNet is by Google, Apache License 2.0 (tensorflow/models, research/audioset/yamnet); AudioSet:
J. F. Gemmeke et al., "Audio Set: An ontology and human-labeled dataset for audio events",
ICASSP 2017.
"""
from __future__ import annotations

import hashlib
import io
import os
import warnings
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from .quiet import LITERT_DELEGATE, quiet_stderr

YAMNET_URL = ("https://storage.googleapis.com/download.tensorflow.org/models/tflite/task_library/"
              "audio_classification/android/lite-model_yamnet_classification_tflite_1.tflite")
"""TensorFlow Hub's ``google/lite-model/yamnet/classification/tflite/1``, where Google serves it."""
YAMNET_SHA256 = "10c95ea3eb9a7bb4cb8bddf6feb023250381008177ac162ce169694d05c317de"
YAMNET_ENV = "ESC50_YAMNET"
SAMPLE_RATE = 16000
FRAME_SAMPLES = 15600
"""0.975 s at 16 kHz: the model's input."""
HOP_SAMPLES = 7680
"""0.48 s: YAMNet's own step between frames."""
EMBEDDING_SIZE = 1024
N_AUDIOSET_CLASSES = 521
EMBEDDING_TENSOR = "tower0/network/layer28/reduce_mean"
"""The internal tensor that holds the embedding (int8, dequantised here): not a model output."""
SHIFTS = (1920, 3840, 5760)
"""Offsets in samples (0.12, 0.24 and 0.36 s) of :func:`shifted_frame_features`: a quarter, half
and three quarters of a hop, where the plain framing never puts a frame. With the plain framing
they are the four views of a clip that the head learns from and averages (:func:`views`)."""
LABELS_FILE = "yamnet_label_list.txt"
"""The AudioSet class names, packed in the model file's metadata (a zip after the flat buffer)."""


def default_yamnet_path():
    """Where the downloaded model is cached: a ``yamnet`` folder in the per-user cache."""
    import pooch

    return Path(pooch.os_cache("esc50")) / "yamnet" / Path(YAMNET_URL).name


def yamnet_path(*, download=True, progress=False):
    """The YAMNet model file: ``$ESC50_YAMNET``, else the cached download.

    Parameters
    ----------
    download : bool, default True
        Download the model (4 MB) into the cache if it is not there yet.
    progress : bool, default False
        Show a progress bar while downloading.

    Raises
    ------
    FileNotFoundError
        If ``$ESC50_YAMNET`` names no file, or the model is not cached and ``download`` is False.
    RuntimeError
        If the download fails; the message says how to work offline.
    """
    if os.environ.get(YAMNET_ENV):
        path = Path(os.environ[YAMNET_ENV]).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file ({YAMNET_ENV} must name YAMNet's .tflite file)")
        return path
    path = default_yamnet_path()
    if path.is_file() and _sha256(path) == YAMNET_SHA256:
        return path
    if not download:
        raise FileNotFoundError(f"{path}: YAMNet is not downloaded yet")
    import pooch

    try:  # pooch downloads to a temporary file, checks the hash, then renames: never half a model
        return Path(pooch.retrieve(YAMNET_URL, known_hash=f"sha256:{YAMNET_SHA256}", fname=path.name,
                                   path=path.parent, progressbar=progress))
    except Exception as err:  # network, proxy, hash mismatch: one clear message
        raise RuntimeError(
            f"could not download YAMNet from {YAMNET_URL} ({type(err).__name__}: {err}). Without "
            f"internet, set {YAMNET_ENV} to a local copy of lite-model_yamnet_classification_tflite_1.tflite "
            f"(SHA-256 {YAMNET_SHA256[:16]}...)") from None


def yamnet_available(*, download=True):
    """True if YAMNet can be loaded: named by ``$ESC50_YAMNET``, cached, or (with ``download``)
    downloadable now."""
    try:
        yamnet_path(download=download)
    except (FileNotFoundError, RuntimeError):
        return False
    return True


def model_id(path=None):
    """What identifies the model in caches and results: ``yamnet-<first 12 hex digits of SHA-256>``.

    The same file gives the same id on every machine, wherever it lies.
    """
    path = Path(path) if path else yamnet_path()
    return f"yamnet-{_sha256(path)[:12]}"


def interpreter(path, *, preserve_all_tensors=False):
    """A TFLite interpreter for ``path``, tensors allocated: LiteRT's, else TensorFlow's.

    ``preserve_all_tensors`` keeps internal tensors readable after ``invoke()`` (the embedding).
    """
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        from tensorflow.lite import Interpreter  # deprecated there, but as exact
    with warnings.catch_warnings(), quiet_stderr(LITERT_DELEGATE):
        # preserve_all_tensors "is intended for debugging", says a warning: here it is how the
        # embedding is read, and it costs 1 MB.
        warnings.simplefilter("ignore", UserWarning)
        try:
            it = Interpreter(model_path=str(path), experimental_preserve_all_tensors=preserve_all_tensors)
            it.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise ValueError(f"{path}: not a TFLite model ({err})") from None
    return it


class YAMNet:
    """YAMNet's TFLite model, run one 0.975 s frame at a time.

    Parameters
    ----------
    path : str or Path
        The ``.tflite`` file (see :func:`yamnet_path`).

    Attributes
    ----------
    labels : list of str
        The 521 AudioSet class names, in score order.
    id : str
        :func:`model_id` of the file.
    """

    def __init__(self, path):
        self.path = Path(path)
        self._it = interpreter(self.path, preserve_all_tensors=True)
        inp, out = self._it.get_input_details()[0], self._it.get_output_details()[0]
        if list(inp["shape"]) != [FRAME_SAMPLES] or list(out["shape"]) != [1, N_AUDIOSET_CLASSES]:
            raise ValueError(f"{self.path}: expected YAMNet's float32[{FRAME_SAMPLES}] -> [1, {N_AUDIOSET_CLASSES}], "
                             f"found {list(inp['shape'])} -> {list(out['shape'])}")
        found = [t for t in self._it.get_tensor_details() if t["name"] == EMBEDDING_TENSOR]
        if not found:
            raise ValueError(f"{self.path}: no tensor {EMBEDDING_TENSOR!r}, where YAMNet keeps its embedding")
        self._input, self._output, self._embedding = inp["index"], out["index"], found[0]["index"]
        self._scale, self._zero = found[0]["quantization"]
        self.labels = read_labels(self.path)
        self.id = model_id(self.path)

    def __call__(self, y):
        """Scores ``(frames, 521)`` and embeddings ``(frames, 1024)`` of a 16 kHz waveform,
        one frame every 0.48 s (see :func:`frames`)."""
        chunks = frames(y)
        scores = np.empty((len(chunks), N_AUDIOSET_CLASSES), np.float32)
        embeddings = np.empty((len(chunks), EMBEDDING_SIZE), np.float32)
        for i, chunk in enumerate(chunks):
            self._it.set_tensor(self._input, chunk)
            self._it.invoke()
            scores[i] = self._it.get_tensor(self._output)[0]
            q = self._it.get_tensor(self._embedding).reshape(-1)
            embeddings[i] = (q.astype(np.float32) - self._zero) * self._scale if self._scale else q
        return scores, embeddings


def load_yamnet(path=None):
    """:class:`YAMNet` from ``path`` (default :func:`yamnet_path`, downloading it if needed);
    loaded once per file and process."""
    return _load(str(Path(path) if path else yamnet_path(progress=True)))


@lru_cache(maxsize=4)
def _load(path):
    return YAMNet(path)


def frames(y, size=FRAME_SAMPLES, hop=HOP_SAMPLES):
    """Cut a 16 kHz waveform into YAMNet's frames: ``(n, 15600)`` float32, one every 0.48 s.

    Only whole frames: 5 s give 9. A waveform shorter than one frame is zero-padded to one.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected a mono waveform (samples,), got shape {y.shape}")
    if len(y) < size:
        y = np.pad(y, (0, size - len(y)))
    n = 1 + (len(y) - size) // hop
    return np.lib.stride_tricks.sliding_window_view(y, size)[::hop][:n]


def frame_features(y, config=None):
    """YAMNet's view of a 16 kHz clip, frame by frame: ``(frames, 1024 + 521)``, each frame's
    embedding followed by its AudioSet scores. ``config`` is accepted for :mod:`esc50.extraction`.
    """
    scores, embeddings = load_yamnet()(y)
    return np.concatenate([embeddings, scores], axis=1)


def shifted(y, samples):
    """``y`` started ``samples`` later, zero-padded at the end back to its length."""
    y = np.asarray(y, dtype=np.float32)
    return np.concatenate([y[samples:], np.zeros(min(samples, len(y)), np.float32)])


def shifted_frame_features(y, config=None):
    """:func:`frame_features` of ``y`` framed later by each of :data:`SHIFTS`:
    ``(3, frames, 1024 + 521)``. What YAMNet makes of the same sound caught at other moments of
    its frames: more examples to learn from, more views to average (``config`` as above)."""
    return np.stack([frame_features(shifted(y, s)) for s in SHIFTS])


def views(model, y):
    """The embeddings of the four views of a 16 kHz waveform that the YAMNet head averages:
    framed as YAMNet frames it, then 0.12, 0.24 and 0.36 s later: ``(4, frames, 1024)``."""
    return np.stack([model(shifted(y, s) if s else y)[1] for s in (0, *SHIFTS)])


def split(F):
    """``(..., 1024 + 521)`` frame features -> ``(embeddings, scores)``."""
    F = np.asarray(F)
    return F[..., :EMBEDDING_SIZE], F[..., EMBEDDING_SIZE:]


def mean_max(E):
    """``(..., frames, n)`` -> ``(..., 2 n)``: the mean and the maximum over frames, side by side.

    The mean says what a clip sounds like overall, the maximum what its most telling moment holds:
    a dog's single bark is clear in the maximum and faint in the mean.
    """
    E = np.asarray(E)
    return np.concatenate([E.mean(axis=-2), E.max(axis=-2)], axis=-1).astype(np.float32)


def pooled(F, scores=False):
    """Clip features from frame features ``(clips, frames, 1545)``: :func:`mean_max` of the
    embeddings, ``(clips, 2048)``, followed with ``scores`` by that of the AudioSet scores
    (``(clips, 3090)``)."""
    E, S = split(F)
    return np.concatenate([mean_max(E)] + ([mean_max(S)] if scores else []), axis=-1)


def read_labels(path):
    """The class names packed in a TFLite model's metadata (:data:`LABELS_FILE`)."""
    try:
        with zipfile.ZipFile(path) as z:
            return z.read(LABELS_FILE).decode("utf-8").splitlines()
    except (zipfile.BadZipFile, KeyError) as err:
        raise ValueError(f"{path}: no {LABELS_FILE} in the model's metadata ({err})") from None


def build_standin(path, labels=None, seed=0):
    """Write a stand-in for YAMNet at ``path``: its input, output and embedding tensor, no knowledge.

    Each frame's embedding is the mean over its 32 ms steps of a fixed random projection of their
    log-power spectra in 64 bands, so a head trained on it learns a little, far less than from
    YAMNet; the scores are a random linear readout of it. ``labels`` (521 names) are packed as
    YAMNet packs its own; by default, every AudioSet class that :mod:`esc50.zeroshot` names, then
    ``"class 1"``... Needs TensorFlow (to convert); runs as YAMNet does.
    """
    import tensorflow as tf

    from .zeroshot import AUDIOSET_CLASSES

    rng = np.random.default_rng(seed)
    if labels is None:
        labels = sorted({a for names in AUDIOSET_CLASSES.values() for a in names})
        labels += [f"class {i}" for i in range(len(labels), N_AUDIOSET_CLASSES)]
    labels = list(labels)
    if len(labels) != N_AUDIOSET_CLASSES:
        raise ValueError(f"a stand-in needs {N_AUDIOSET_CLASSES} labels, got {len(labels)}")
    bands = np.zeros((257, 64), np.float32)  # 257 FFT bins, 4 per band
    bands[np.arange(256), np.arange(256) // 4] = 1.0
    projection = rng.normal(0, 0.5, (64, EMBEDDING_SIZE)).astype(np.float32)
    readout = rng.normal(0, 0.05, (EMBEDDING_SIZE, N_AUDIOSET_CLASSES)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([FRAME_SAMPLES], tf.float32, name="waveform_binary")])
    def standin(waveform):
        power = tf.abs(tf.signal.rfft(tf.reshape(waveform[:15360], [30, 512]))) ** 2
        hidden = tf.nn.relu6(tf.matmul(tf.math.log(tf.matmul(power, bands) + 1e-6) / 4.0 + 2.0, projection))
        with tf.name_scope("tower0/network/layer28"):  # where YAMNet's embedding is, by name
            embedding = tf.reduce_mean(tf.reshape(hidden, [1, 1, 30, EMBEDDING_SIZE]), axis=[1, 2], keepdims=True,
                                       name="reduce_mean")
        return tf.sigmoid(tf.matmul(tf.reshape(embedding, [1, EMBEDDING_SIZE]), readout) - 2.0)

    converter = tf.lite.TFLiteConverter.from_concrete_functions([standin.get_concrete_function()], standin)
    flat = converter.convert()
    metadata = io.BytesIO()
    with zipfile.ZipFile(metadata, "w") as z:
        z.writestr(LABELS_FILE, "\n".join(labels))
    from .fileio import atomic_write

    with atomic_write(path) as f:
        f.write(flat + metadata.getvalue())
    return Path(path)


@lru_cache(maxsize=8)
def _sha256_cached(path, size, mtime_ns):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sha256(path):
    st = os.stat(path)
    return _sha256_cached(str(path), st.st_size, st.st_mtime_ns)
