"""Reading audio files into clean, fixed-size NumPy arrays.

Every error names the file and says what is wrong with it, because a student staring at a
stack trace from deep inside libsndfile learns nothing.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 44100
"""ESC-50's native sample rate, in Hz."""

CLIP_SECONDS = 5.0
"""Length of every ESC-50 clip, in seconds."""

SILENCE_DBFS = -60.0
"""Peak level (dB full scale) below which a clip counts as silent."""


class AudioError(ValueError):
    """An audio file that cannot be used. The message names the file and the problem."""


def load_audio(path, sr=SAMPLE_RATE, *, mono=True, duration=CLIP_SECONDS, res_type="soxr_hq"):
    """Load an audio file as float32 samples, resampled and fixed in length.

    Parameters
    ----------
    path : str or Path
        Any file libsndfile reads: WAV, FLAC, Ogg Vorbis, MP3, AIFF...
    sr : int or None, default 44100
        Target sample rate in Hz; ``None`` keeps the file's own rate.
    mono : bool, default True
        Average the channels into one. If False the result is ``(channels, samples)``.
    duration : float or None, default 5.0
        Zero-pad or trim to exactly this many seconds; ``None`` keeps the full length.
    res_type : str, default "soxr_hq"
        Resampler passed to :func:`librosa.resample`. The seed notebook's features were
        computed with librosa < 0.10, whose default was "kaiser_best".

    Returns
    -------
    y : np.ndarray of float32
        Shape ``(samples,)`` if mono, else ``(channels, samples)``.
    sr : int
        The sample rate of ``y``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    AudioError
        If the file is empty, truncated, not audio, has no samples, or holds NaN or infinite
        values.
    """
    path = Path(path)
    y, native_sr = read_audio(path)
    y = y.T  # soundfile gives (samples, channels); librosa wants channels first
    if mono:
        y = y.mean(axis=0)
    if sr is not None and sr != native_sr:
        import librosa  # imported late: it takes a second, and reading a file doesn't need it

        y = librosa.resample(y, orig_sr=native_sr, target_sr=sr, res_type=res_type, axis=-1)
    else:
        sr = native_sr
    if duration is not None:
        y = fix_length(y, round(duration * sr))
    return np.ascontiguousarray(y, dtype=np.float32), int(sr)


def fix_length(y, size):
    """Zero-pad or trim the last axis of ``y`` to exactly ``size`` samples."""
    n = y.shape[-1]
    if n >= size:
        return y[..., :size]
    pad = [(0, 0)] * (y.ndim - 1) + [(0, size - n)]
    return np.pad(y, pad)


def peak_dbfs(y):
    """Peak level of ``y`` in dB relative to full scale (``-inf`` for digital silence)."""
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def is_silent(y, threshold_dbfs=SILENCE_DBFS):
    """True if the loudest sample of ``y`` is below ``threshold_dbfs``."""
    return peak_dbfs(y) < threshold_dbfs


def read_audio(path):
    """Read a file's samples as stored, ``(samples, channels)`` float32, with its rate.

    Raises the same errors as :func:`load_audio`; nothing is resampled or trimmed.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file (0 bytes)")
    _check_wav_complete(path)
    try:
        y, sr = sf.read(path, dtype="float32", always_2d=True)
    except sf.SoundFileError as err:
        raise AudioError(f"{path}: not a readable audio file ({err})") from None
    if y.shape[0] == 0:
        raise AudioError(f"{path}: contains no audio samples")
    if not np.isfinite(y).all():
        raise AudioError(f"{path}: contains NaN or infinite samples")
    return y, sr


def _check_wav_complete(path):
    """Refuse a RIFF/WAVE file whose data chunk is shorter than its header says.

    libsndfile silently returns whatever samples are present, so a half-copied WAV would
    otherwise load as a shorter clip padded with silence.
    """
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return
        offset = 12
        while offset + 8 <= size:
            f.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", f.read(8))
            if chunk_id == b"data":
                # 0 and 0xFFFFFFFF mean "unknown length" (streamed writers); trust the file.
                available = size - offset - 8
                if chunk_size not in (0, 0xFFFFFFFF) and available < chunk_size:
                    raise AudioError(
                        f"{path}: truncated WAV file (header promises {chunk_size} bytes of "
                        f"audio, only {available} present)"
                    )
                return
            offset += 8 + chunk_size + (chunk_size & 1)
