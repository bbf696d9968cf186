"""Audio features of one clip: log-mel spectrograms, MFCCs and handcrafted summaries.

Every function takes a mono waveform and returns NumPy data; whole-dataset extraction with
caching lives in :mod:`esc50.extraction`.
"""
from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from functools import lru_cache

import librosa
import numpy as np

from .audio import CLIP_SECONDS, SAMPLE_RATE


@dataclass(frozen=True)
class FeatureConfig:
    """Parameters of the time-frequency features, in one place.

    Parameters
    ----------
    sample_rate : int, default 44100
        Clips are resampled to this rate (Hz) before analysis. ESC-50 is recorded at 44.1 kHz.
    n_fft : int, default 2048
        FFT window, in samples (46 ms at 44.1 kHz): long enough to resolve low hums.
    hop_length : int, default 512
        Step between frames, in samples (11.6 ms): 431 frames per 5 s clip.
    n_mels : int, default 128
        Mel bands of the log-mel spectrogram.
    fmin, fmax : float, default 0 and None
        Frequency range of the mel bands in Hz; ``fmax=None`` means ``sample_rate / 2``.
    n_mfcc : int, default 20
        MFCC coefficients (the seed notebook and Piczak's baselines use 20).
    duration : float, default 5.0
        Every clip is zero-padded or trimmed to this many seconds, so all feature arrays of
        a dataset share one shape.
    """

    sample_rate: int = SAMPLE_RATE
    n_fft: int = 2048
    hop_length: int = 512
    n_mels: int = 128
    fmin: float = 0.0
    fmax: float | None = None
    n_mfcc: int = 20
    duration: float = CLIP_SECONDS

    def __post_init__(self):
        for name in ("sample_rate", "n_fft", "hop_length", "n_mels", "n_mfcc"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"FeatureConfig.{name} must be a positive integer, got {value!r}")
        if self.hop_length > self.n_fft:
            raise ValueError(f"hop_length ({self.hop_length}) must not exceed n_fft ({self.n_fft})")
        if self.n_mfcc > self.n_mels:
            raise ValueError(f"n_mfcc ({self.n_mfcc}) must not exceed n_mels ({self.n_mels})")
        if not 0 <= self.fmin < self.top_frequency <= self.sample_rate / 2:
            raise ValueError(
                f"need 0 <= fmin < fmax <= sample_rate / 2; got fmin={self.fmin}, "
                f"fmax={self.fmax}, sample_rate={self.sample_rate}"
            )
        if self.duration <= 0:
            raise ValueError(f"duration must be positive, got {self.duration}")

    @property
    def top_frequency(self):
        """``fmax``, or the Nyquist frequency when ``fmax`` is None."""
        return self.sample_rate / 2 if self.fmax is None else self.fmax

    @property
    def n_samples(self):
        return round(self.duration * self.sample_rate)

    @property
    def n_frames(self):
        """Frames per clip (librosa centres frames, hence the extra one)."""
        return 1 + self.n_samples // self.hop_length

    def to_dict(self):
        return asdict(self)


DEFAULT_CONFIG = FeatureConfig()

SEED_SAMPLE_RATE = 22050
SEED_RESAMPLER = "kaiser_best"
"""The seed notebook loaded clips with librosa < 0.10, whose default was 22.05 kHz through
resampy's "kaiser_best" filter; with it we reproduce the seed's values (see the tests)."""

SEED_COLUMNS = (
    ["zero_crossing_rate", "chroma_stft", "rmse", "spectral_centroid", "spectral_bandwidth",
     "beat_per_minute", "rolloff"]
    + [f"mfcc_{i}" for i in range(20)]
)


@lru_cache(maxsize=8)
def _mel_filterbank(sr, n_fft, n_mels, fmin, fmax):
    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)


def mel_power(y, config=DEFAULT_CONFIG):
    """Mel-scaled power spectrogram, shape ``(n_mels, frames)``."""
    stft = librosa.stft(y, n_fft=config.n_fft, hop_length=config.hop_length)
    fb = _mel_filterbank(config.sample_rate, config.n_fft, config.n_mels, config.fmin, config.top_frequency)
    return fb @ (np.abs(stft) ** 2)


def log_mel(y, config=DEFAULT_CONFIG):
    """Log-mel spectrogram in dB (relative to full scale), shape ``(n_mels, frames)``.

    No per-clip normalisation: loudness is information, and the model's input
    normalisation is fitted on the training folds. Digital silence floors at -100 dB.
    """
    return librosa.power_to_db(mel_power(y, config), ref=1.0, amin=1e-10, top_db=None).astype(np.float32)


def mfcc(y, config=DEFAULT_CONFIG, *, deltas=True):
    """MFCCs of the log-mel spectrogram, with first and second derivatives stacked below.

    Returns
    -------
    np.ndarray of float32
        ``(n_mfcc, frames)``, or ``(3 * n_mfcc, frames)`` with ``deltas=True``.
    """
    coeffs = librosa.feature.mfcc(S=log_mel(y, config), n_mfcc=config.n_mfcc)
    if deltas:
        coeffs = np.concatenate([coeffs, librosa.feature.delta(coeffs), librosa.feature.delta(coeffs, order=2)])
    return coeffs.astype(np.float32)


def tempo(y, sr):
    """Estimated tempo in beats per minute (a rough rhythm cue for environmental sounds)."""
    return float(np.atleast_1d(librosa.feature.tempo(y=y, sr=sr))[0])


def seed_features(y, sr=SEED_SAMPLE_RATE):
    """The seed notebook's 27 per-clip features: means of librosa's frame-wise features.

    Column names follow the seed's CSV (``rmse`` is librosa's RMS energy). One deliberate
    difference: the seed's ``beat_per_minute`` is 161.5 for every clip (it never varied, so
    it carried no information); here it is each clip's own tempo estimate.

    Parameters
    ----------
    y : np.ndarray
        Mono waveform. Load it at 22.05 kHz with ``res_type="kaiser_best"`` to reproduce the
        seed's values.
    sr : int, default 22050

    Returns
    -------
    dict of str to float
    """
    values = [
        librosa.feature.zero_crossing_rate(y).mean(),
        chroma(y=y, sr=sr).mean(),
        librosa.feature.rms(y=y).mean(),
        librosa.feature.spectral_centroid(y=y, sr=sr).mean(),
        librosa.feature.spectral_bandwidth(y=y, sr=sr).mean(),
        tempo(y, sr),
        librosa.feature.spectral_rolloff(y=y, sr=sr).mean(),
        *librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20).mean(axis=1),
    ]
    return dict(zip(SEED_COLUMNS, map(float, values)))


def chroma(**kwargs):
    """:func:`librosa.feature.chroma_stft`, without its warning on silent clips ("Trying to
    estimate tuning from empty frequency set"): a silent clip's tuning is 0, as librosa then
    assumes, and it says nothing wrong with the clip."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Trying to estimate tuning from empty frequency set", UserWarning)
        return librosa.feature.chroma_stft(**kwargs)


SUMMARY_STATS = ("mean", "std", "min", "max")


def summary_features(y, config=DEFAULT_CONFIG):
    """Richer per-clip statistics for classic machine learning.

    Frame-wise features (MFCCs with deltas, zero-crossing rate, RMS, spectral centroid,
    bandwidth, roll-off, flatness, 7 contrast bands, 12 chroma bins) are each summarised by
    their mean, standard deviation, minimum and maximum, plus the clip's tempo. A clip's
    dynamics (std, max) often tell classes apart where means alone cannot: a dog bark and a
    steady engine can share a mean spectrum.

    Returns
    -------
    dict of str to float
        ``4 * (3 * n_mfcc + 25) + 1`` values, named like ``"mfcc_3_std"``.
    """
    sr, kw = config.sample_rate, dict(n_fft=config.n_fft, hop_length=config.hop_length)
    S = np.abs(librosa.stft(y, **kw))
    n = config.n_mfcc
    names = [f"mfcc_{i}" for i in range(n)] + [f"mfcc_d1_{i}" for i in range(n)] + [f"mfcc_d2_{i}" for i in range(n)]
    frames = dict(zip(names, mfcc(y, config, deltas=True)))
    frames |= {
        "zcr": librosa.feature.zero_crossing_rate(y, frame_length=config.n_fft, hop_length=config.hop_length)[0],
        "rms": librosa.feature.rms(S=S, frame_length=config.n_fft)[0],
        "centroid": librosa.feature.spectral_centroid(S=S, sr=sr)[0],
        "bandwidth": librosa.feature.spectral_bandwidth(S=S, sr=sr)[0],
        "rolloff": librosa.feature.spectral_rolloff(S=S, sr=sr)[0],
        "flatness": librosa.feature.spectral_flatness(S=S)[0],
    }
    frames |= {f"contrast_{i}": row for i, row in enumerate(librosa.feature.spectral_contrast(S=S, sr=sr))}
    frames |= {f"chroma_{i}": row for i, row in enumerate(chroma(S=S**2, sr=sr))}
    out = {}
    for name, row in frames.items():
        for stat in SUMMARY_STATS:
            out[f"{name}_{stat}"] = float(getattr(np, stat)(row))
    out["tempo"] = tempo(y, sr)
    return out
