"""What each model reads: features of whole clips, and the windows a clip is judged by.

A model's input for a clip comes from one feature kind and configuration (cached by
:mod:`esc50.extraction`), optionally transformed (Piczak's CNN adds deltas as a channel).
A clip is classified from one or more windows of that input (one for ``mel_cnn`` and
``seed_cnn``, Piczak's 0.95 s segments for ``piczak_cnn``) whose probabilities are averaged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import librosa
import numpy as np

from . import transfer
from .extraction import KINDS, extract
from .features import DEFAULT_CONFIG, FeatureConfig

LOG_MEL_FLOOR = -100.0
"""dB level of digital silence in :func:`esc50.features.log_mel`."""


def _with_deltas(X):
    """``(..., bands, frames)`` -> ``(..., bands, frames, 2)``: the log-mel and its deltas."""
    return np.stack([X, librosa.feature.delta(X, axis=-1)], axis=-1).astype(np.float32)


def segments(X, width=41, hop=20):
    """Cut ``(clips, bands, frames, ...)`` into overlapping windows along frames.

    Returns ``(clips, windows, bands, width, ...)``: Piczak's short segments are 41 frames
    with 50 % overlap.
    """
    X = np.asarray(X)
    if X.shape[2] < width:
        raise ValueError(f"clips of {X.shape[2]} frames are shorter than one {width}-frame segment")
    starts = range(0, X.shape[2] - width + 1, hop)
    return np.stack([X[:, :, s:s + width] for s in starts], axis=1)


@dataclass(frozen=True)
class ModelInput:
    """How one model's inputs are made.

    Attributes
    ----------
    kind : str
        Feature kind of :func:`esc50.extraction.extract`.
    config : FeatureConfig
    transform : callable, optional
        Whole-clip features -> model features (e.g. adding deltas).
    window : callable, optional
        ``(clips, ...)`` -> ``(clips, windows, ...)``; None means one window, the whole clip.
    channel : bool
        Add a trailing channel axis (a 2D CNN on a one-channel image).
    norm_axes : tuple of int, optional
        Axes of the model's input normalisation (see :func:`esc50.training.band_stats`);
        None: the model takes its input as it is.
    pool : callable, optional
        Examples ``(n, frames, ...)`` -> what the model reads, ``(n, ...)``: applied to training
        examples after their crops and before mixup, and to whole clips when validating and
        predicting (the YAMNet head reads the mean and the maximum over frames,
        :func:`esc50.transfer.mean_max`).
    views_kind : str, optional
        Feature kind of more views of each clip, ``(clips, views, ...)``: with the clip's own
        features first, they are its windows (the YAMNet head's are YAMNet's frames of the
        clip framed 0, 0.12, 0.24 and 0.36 s later). With ``window`` :func:`views` every view is
        a training example, and a clip's prediction is the mean over its views.
    """

    kind: str
    config: FeatureConfig
    transform: Callable | None = None
    window: Callable | None = None
    channel: bool = False
    norm_axes: tuple | None = None
    pool: Callable | None = None
    views_kind: str | None = None

    @property
    def floor(self):
        """Silence level of a spectrogram input in dB; None for waveforms and embeddings."""
        return LOG_MEL_FLOOR if self.kind in ("logmel", "mfcc") else None

    @property
    def band_freqs(self):
        """Centre frequency in Hz of each mel band of a log-mel input (None for other kinds)."""
        if self.kind != "logmel":
            return None
        c = self.config
        return librosa.mel_frequencies(c.n_mels + 2, fmin=c.fmin, fmax=c.fmax or c.sample_rate / 2)[1:-1]

    @property
    def crop_share(self):
        """``min_share`` of :func:`esc50.augment.random_crop`: crops of audio keep the sound;
        embeddings have no loudness to go by, so any crop of them will do."""
        return 0.0 if self.kind == "yamnet" else 0.5

    @property
    def frames_per_second(self):
        """Spectrogram frames in one second of audio."""
        return round(self.config.sample_rate / self.config.hop_length)

    @property
    def time_axis(self):
        """Time axis of one example: samples of a waveform, frames of a spectrogram or of YAMNet."""
        return 0 if self.kind in ("waveform", "yamnet") else 1

    def clips(self, root=None, meta=None, *, cache_dir=None, progress=True):
        """Model features of every clip of ``meta``: ``(clips, ...)``, or ``(clips, views, ...)``
        with :attr:`views_kind`."""
        X = extract(self.kind, root, meta, self.config, cache_dir=cache_dir, progress=progress)
        if self.views_kind:
            more = extract(self.views_kind, root, meta, self.config, cache_dir=cache_dir, progress=progress)
            X = np.concatenate([np.asarray(X)[:, None], more], axis=1)
        return self._finish(X)

    def from_waveform(self, y):
        """Model features of one waveform sampled at ``config.sample_rate``: ``(1, ...)``."""
        X = KINDS[self.kind].compute(y, self.config)[None]
        if self.views_kind:
            X = np.concatenate([X[:, None], KINDS[self.views_kind].compute(y, self.config)[None]], axis=1)
        return self._finish(X)

    def windows(self, X):
        """``(clips, ...)`` -> ``(clips, windows, ...)``."""
        return X[:, None] if self.window is None else self.window(X)

    def examples(self, X):
        """``(clips, ...)`` -> every window as one example, ``(clips * windows, ...)``, and the
        number of windows per clip."""
        W = self.windows(X)
        return W.reshape((-1,) + W.shape[2:]), W.shape[1]

    def _finish(self, X):
        if self.transform is not None:
            X = self.transform(X)
        return X[..., None] if self.channel else X


def _embeddings(F):
    """YAMNet frame features ``(..., frames, 1024 + 521)`` -> their embeddings ``(..., frames, 1024)``."""
    return transfer.split(F)[0]


def views(X):
    """The ``window`` of inputs with :attr:`ModelInput.views_kind`: ``(clips, views, ...)`` are
    already the windows."""
    return X


PICZAK_CONFIG = FeatureConfig(sample_rate=22050, n_fft=1024, hop_length=512, n_mels=60)
"""Piczak (2015): 22.05 kHz, 1024-sample windows, hop 512 (23 ms), 60 mel bands."""

WAVEFORM_CONFIG = FeatureConfig(sample_rate=16000)
"""The seed's CNN reads 80000 samples: 5 s at 16 kHz."""

MODEL_INPUTS = {
    "mel_cnn": ModelInput("logmel", DEFAULT_CONFIG, channel=True, norm_axes=(1,)),
    "piczak_cnn": ModelInput("logmel", PICZAK_CONFIG, transform=_with_deltas, window=segments, norm_axes=(1, 3)),
    "seed_cnn": ModelInput("waveform", WAVEFORM_CONFIG),
    "yamnet_head": ModelInput("yamnet", WAVEFORM_CONFIG, transform=_embeddings, norm_axes=(1,),
                              window=views, pool=transfer.mean_max, views_kind="yamnet_shifted"),
}
