"""Transfer learning: YAMNet's AudioSet embeddings of every clip, for a small Keras head.

YAMNet (Google, trained on AudioSet's 2 million clips and 521 classes) turns 16 kHz audio
into one 1024-value embedding per 0.96 s frame, every 0.48 s. A clip's embedding here is the
mean and the maximum over its frames (2048 values); :func:`esc50.models.yamnet_head` learns
ESC-50's classes from them. Embeddings are features like any other: computed once by
:func:`esc50.extraction.extract` (kind ``"yamnet"``) and cached per model.

Which model: ``$ESC50_YAMNET`` when set, else :data:`YAMNET_HANDLE` (TensorFlow Hub, which
needs the internet). A local folder holding a SavedModel works too, such as the stand-in of
:func:`build_standin`, which has YAMNet's signature but none of its knowledge: tests and
offline machines use it to run the whole path, and its accuracy means nothing.
"""
from __future__ import annotations

import os
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np

YAMNET_HANDLE = "https://tfhub.dev/google/yamnet/1"
"""YAMNet on TensorFlow Hub (also on Kaggle Models as ``google/yamnet/tensorFlow2/yamnet``)."""
HANDLE_ENV = "ESC50_YAMNET"
SAMPLE_RATE = 16000
EMBEDDING_SIZE = 1024
N_AUDIOSET_CLASSES = 521


def yamnet_handle():
    """The embedding model in use: ``$ESC50_YAMNET``, else :data:`YAMNET_HANDLE`."""
    return os.environ.get(HANDLE_ENV) or YAMNET_HANDLE


def load_yamnet(handle=None):
    """Load YAMNet (or a model with its signature) from a URL or a local SavedModel folder
    (default :func:`yamnet_handle`); loaded once per handle.

    Raises
    ------
    RuntimeError
        If it cannot be loaded, saying how to work offline.
    """
    return _load(handle or yamnet_handle())


@lru_cache(maxsize=2)
def _load(handle):
    import tensorflow as tf

    try:
        if Path(handle).expanduser().is_dir():
            return tf.saved_model.load(str(Path(handle).expanduser()))
        import tensorflow_hub as hub

        return hub.load(handle)
    except Exception as err:  # network, proxy, missing or broken SavedModel: one clear message
        raise RuntimeError(
            f"could not load the embedding model {handle!r} ({type(err).__name__}: {err}). "
            f"Without internet, set {HANDLE_ENV} to a local copy of YAMNet's SavedModel, or to a "
            "stand-in made with esc50.transfer.build_standin(folder) to try the code path") from err


def frame_embeddings(y, handle=None):
    """YAMNet's per-frame embeddings of a 16 kHz waveform: ``(frames, 1024)``."""
    _, embeddings, _ = load_yamnet(handle)(np.asarray(y, dtype=np.float32))
    return np.asarray(embeddings)


def clip_embedding(y, config=None):
    """One clip's embedding: mean and maximum over its frames, ``(2048,)``.

    ``y`` is sampled at 16 kHz; ``config`` is accepted for :mod:`esc50.extraction`.
    """
    frames = frame_embeddings(y)
    if len(frames) == 0:
        raise ValueError(f"the embedding model returned no frames for {len(y)} samples")
    return np.concatenate([frames.mean(axis=0), frames.max(axis=0)]).astype(np.float32)


def build_standin(path, seed=0):
    """Save a stand-in for YAMNet at ``path``: same input and outputs, no knowledge.

    Input: a 1-D float32 waveform at 16 kHz. Outputs, as YAMNet's: AudioSet ``scores``
    ``(frames, 521)``, ``embeddings`` ``(frames, 1024)`` and the ``log_mel_spectrogram``
    ``(steps, 64)``, with YAMNet's framing (25 ms windows every 10 ms; 0.96 s frames every
    0.48 s). Each frame's embedding is a fixed random projection of its mean log-mel
    spectrum, so a head trained on it learns something, but far less than from YAMNet.
    """
    import librosa
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    mel = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=512, n_mels=64, fmin=125, fmax=7500).T.astype(np.float32)

    class StandIn(tf.Module):
        def __init__(self):
            super().__init__()
            self.mel = tf.constant(mel)
            self.projection = tf.constant(rng.normal(0, 0.125, (64, EMBEDDING_SIZE)).astype(np.float32))
            self.classifier = tf.constant(rng.normal(0, 0.03, (EMBEDDING_SIZE, N_AUDIOSET_CLASSES)).astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, waveform):
            # Like YAMNet, pad so that even a short input gives one whole 0.96 s frame.
            waveform = tf.pad(waveform, [[0, tf.maximum(0, 15600 - tf.shape(waveform)[0])]])
            power = tf.abs(tf.signal.stft(waveform, 400, 160, 512)) ** 2
            log_mel = tf.math.log(tf.matmul(power, self.mel) + 1e-3)
            frames = tf.signal.frame(log_mel, 96, 48, axis=0)
            embeddings = tf.nn.relu(tf.matmul(tf.reduce_mean(frames, axis=1) + 4.0, self.projection))
            scores = tf.sigmoid(tf.matmul(embeddings, self.classifier))
            return scores, embeddings, log_mel

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tf.saved_model.save(StandIn(), str(tmp))
        shutil.rmtree(path, ignore_errors=True)
        tmp.rename(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path
