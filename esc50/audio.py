"""Reading audio files into clean, fixed-size NumPy arrays.

Every error names the file and says what is wrong with it, because a student staring at a
stack trace from deep inside libsndfile learns nothing.
"""
from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 44100
"""ESC-50's native sample rate, in Hz."""

CLIP_SECONDS = 5.0
"""Length of every ESC-50 clip, in seconds."""

DURATION_TOLERANCE = 0.05
"""Seconds a clip may differ from 5 s and still count as one clip (Ogg Vorbis pads its last block)."""

SILENCE_DBFS = -60.0
"""Peak level (dB full scale) below which a clip counts as silent."""


class AudioError(ValueError):
    """An audio file that cannot be used. The message names the file and the problem."""


class AudioWarning(UserWarning):
    """An audio file that was read, but not quite as it says it is (a truncated WAV)."""


def load_audio(path, sr=SAMPLE_RATE, *, mono=True, duration=CLIP_SECONDS, res_type="soxr_hq", strict=False):
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
        Resampler, as :func:`librosa.resample` names them (see :func:`resample`). The seed
        notebook's features were computed with librosa < 0.10, whose default was "kaiser_best".
    strict : bool, default False
        Refuse a WAV file whose header promises more audio than the file holds; by default it
        is read as far as it goes, with an :class:`AudioWarning` (see :func:`read_audio`).

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
        If the path is a directory, or the file is empty, not audio, has no samples, holds NaN
        or infinite values, or (with ``strict``) is a truncated WAV.
    """
    path = Path(path)
    y, native_sr = read_audio(path, strict=strict)
    y = y.T  # soundfile gives (samples, channels); librosa wants channels first
    if mono:
        y = y.mean(axis=0)
    if sr is not None and sr != native_sr:
        y = resample(y, native_sr, sr, res_type)
    else:
        sr = native_sr
    if duration is not None:
        y = fix_length(y, round(duration * sr))
    return np.ascontiguousarray(y, dtype=np.float32), int(sr)


def resample(y, orig_sr, target_sr, res_type="soxr_hq"):
    """Resample the last axis of ``y`` from ``orig_sr`` to ``target_sr`` Hz.

    The same numbers as :func:`librosa.resample`: soxr's resamplers are called directly, so that
    reading a file for a prediction does not import librosa (a second, and 100 MB); others go
    through librosa.
    """
    if res_type.startswith("soxr"):
        import soxr

        out = np.apply_along_axis(soxr.resample, -1, y, in_rate=orig_sr, out_rate=target_sr, quality=res_type)
        return fix_length(out, int(np.ceil(y.shape[-1] * float(target_sr) / orig_sr)))
    import librosa

    return librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type=res_type, axis=-1)


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


def read_audio(path, *, strict=False):
    """Read a file's samples as stored, ``(samples, channels)`` float32, with its rate.

    Raises the same errors as :func:`load_audio`; nothing is resampled or trimmed. A WAV file
    whose header promises more audio than the file holds (an interrupted recorder, a streaming
    writer, an asset extractor) is read as far as it goes, as soundfile, sox and audio players
    read it, with an :class:`AudioWarning` that names the file and the shortfall; ``strict``
    refuses it instead, as the dataset check does.
    """
    path = Path(path)
    if path.is_dir():
        raise AudioError(f"{path}: is a directory, not an audio file")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file (0 bytes)")
    shortfall = _wav_shortfall(path)
    if shortfall:
        promised, present = shortfall
        message = f"{path}: truncated WAV file (header promises {promised} bytes of audio, only {present} present)"
        if strict:
            raise AudioError(message)
        warnings.warn(f"{message}; read the {present} bytes there are", AudioWarning, stacklevel=3)
    try:
        y, sr = sf.read(path, dtype="float32", always_2d=True)
    except sf.SoundFileError as err:
        raise AudioError(f"{path}: not a readable audio file ({err})") from None
    if y.shape[0] == 0:
        raise AudioError(f"{path}: contains no audio samples")
    if not np.isfinite(y).all():
        raise AudioError(f"{path}: contains NaN or infinite samples")
    return y, sr


def _wav_shortfall(path):
    """``(promised, present)`` bytes of a RIFF/WAVE file's data chunk when it is shorter than its
    header says, else None.

    libsndfile silently returns whatever samples are present, so a half-copied WAV would
    otherwise pass for a shorter recording.
    """
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        offset = 12
        while offset + 8 <= size:
            f.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", f.read(8))
            if chunk_id == b"data":
                # 0 and 0xFFFFFFFF mean "unknown length" (streamed writers); trust the file.
                available = size - offset - 8
                if chunk_size not in (0, 0xFFFFFFFF) and available < chunk_size:
                    return chunk_size, available
                return None
            offset += 8 + chunk_size + (chunk_size & 1)
    return None
