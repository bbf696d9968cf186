"""Data augmentation: new training examples from old ones, reproducible from a seed.

Waveform augmentations (the seed notebook's noise, shift and volume scaling, plus the time
stretching it described) work on one clip and return a new one, so a notebook can play and
plot the result. On log-mel spectrograms, the training pipeline uses their exact or cheap
counterparts (a volume change is a constant dB offset; a time shift is a shift of frames),
:class:`SpecAugment` masks bands and frames inside the model, and :func:`mixup` blends
pairs of examples and their labels.

Every function takes ``rng``: a :class:`numpy.random.Generator` or a seed.
"""
from __future__ import annotations

import librosa
import numpy as np

from .audio import fix_length
from .quiet import keras_quietly

keras = keras_quietly()


def _rng(rng):
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def add_noise(y, noise_std=0.005, rng=None):
    """Add white Gaussian noise of standard deviation ``noise_std`` (full scale is 1).

    The seed notebook used 0.1, louder than most ESC-50 clips themselves (their median
    RMS is about 0.05), which buries quiet sounds; 0.005 is audible but leaves them
    recognisable.
    """
    if noise_std < 0:
        raise ValueError(f"noise_std must be >= 0, got {noise_std}")
    return (y + _rng(rng).normal(0.0, noise_std, size=y.shape)).astype(y.dtype, copy=False)


def time_shift(y, max_fraction=0.2, rng=None, *, fill=0.0):
    """Shift along the last axis by up to ``max_fraction`` of its length, either way.

    The seed's random shift. The gap is filled with ``fill``: silence (0) for a waveform,
    the floor level for a spectrogram in dB, whose last axis is time too.
    """
    if not 0 <= max_fraction < 1:
        raise ValueError(f"max_fraction must be in [0, 1), got {max_fraction}")
    n = y.shape[-1]
    shift = int(round(_rng(rng).uniform(-max_fraction, max_fraction) * n))
    out = np.full_like(y, fill)
    if shift >= 0:
        out[..., shift:] = y[..., :n - shift]
    else:
        out[..., :shift] = y[..., -shift:]
    return out


def scale_volume(y, low=1.5, high=2.5, rng=None):
    """Multiply by a random gain in ``[low, high]`` (the seed's range), clipping to [-1, 1].

    On a log-mel spectrogram in dB the same change is adding ``20 * log10(gain)``; see
    :func:`gain_db`.
    """
    if not 0 < low <= high:
        raise ValueError(f"need 0 < low <= high, got low={low}, high={high}")
    return np.clip(y * _rng(rng).uniform(low, high), -1.0, 1.0).astype(y.dtype, copy=False)


def gain_db(low=1.5, high=2.5, rng=None, size=None):
    """Random volume gains in ``[low, high]``, expressed in dB (what they add to a log-mel)."""
    return 20.0 * np.log10(_rng(rng).uniform(low, high, size=size))


def random_crop(y, length, rng=None, *, floor=None, min_share=0.5):
    """A random window of ``length`` steps along the last axis that keeps the sound.

    Training on crops shorter than the clip is cheaper per example and shows the model each
    sound at many positions; a model with global pooling still classifies whole clips.
    Windows are drawn among those holding at least ``min_share`` of the energy of the
    loudest window, so a short event padded with silence is not cropped away.

    Parameters
    ----------
    y : np.ndarray
        A waveform ``(samples,)``, or a spectrogram in dB whose last axis is time (set ``floor``).
    length : int
        Window length in samples or frames, at most the length of ``y``.
    floor : float, optional
        Silence level of a spectrogram in dB; None means ``y`` is a waveform.
    min_share : float, default 0.5
        0 draws any window; 1 only the loudest.
    """
    n = y.shape[-1]
    if not 0 < length <= n:
        raise ValueError(f"crop length must be in [1, {n}] for this input, got {length}")
    if not 0 <= min_share <= 1:
        raise ValueError(f"min_share must be in [0, 1], got {min_share}")
    flat = y.reshape(-1, n)
    # Per-step energy: a waveform's power, or the power of a spectrogram frame's loudest band.
    energy = np.square(flat, dtype=np.float64).sum(0) if floor is None else 10.0 ** (flat.max(0) / 10.0)
    total = np.concatenate([[0.0], np.cumsum(energy)])
    windows = total[length:] - total[:-length]
    start = _rng(rng).choice(np.flatnonzero(windows >= min_share * windows.max()))
    return y[..., start:start + length]


def time_stretch(y, low=0.8, high=1.25, rng=None):
    """Play faster or slower by a random rate in ``[low, high]`` without changing pitch,
    keeping the clip's length (a sped-up clip is padded with silence, a slowed one trimmed).
    """
    if not 0 < low <= high:
        raise ValueError(f"need 0 < low <= high, got low={low}, high={high}")
    rate = _rng(rng).uniform(low, high)
    return fix_length(librosa.effects.time_stretch(y, rate=rate), len(y)).astype(y.dtype, copy=False)


def change_speed(S, factor, band_freqs, *, floor, rng=None):
    """A log-mel spectrogram as if its audio were played ``factor`` times slower: every
    sound lasts ``factor`` times longer and sits ``factor`` times lower in frequency, as when
    a waveform is resampled (the time-scale augmentation of EnvNet and BC learning, +-25 %).

    Done on the spectrogram itself, by interpolating frames and bands (``band_freqs``: each
    band's centre in Hz, :func:`librosa.mel_frequencies`), so it costs microseconds rather
    than a resampling and a new spectrogram. ``S`` is ``(bands, frames, ...)`` in dB, the
    result the same shape: a slower sound is a random window of the stretched one, a faster
    one is padded with ``floor`` at a random offset.
    """
    if factor <= 0:
        raise ValueError(f"factor must be positive, got {factor}")
    band_freqs = np.asarray(band_freqs, dtype=np.float64)
    if len(band_freqs) != S.shape[0]:
        raise ValueError(f"{len(band_freqs)} band frequencies for a spectrogram of {S.shape[0]} bands")
    rng = _rng(rng)
    bands, frames = S.shape[:2]
    # Band b now holds what was at frequency factor * f_b; above the top band there was nothing.
    source = np.interp(band_freqs * factor, band_freqs, np.arange(bands), right=np.inf)
    inside = np.isfinite(source)
    out = np.full((bands, max(1, round(frames * factor))) + S.shape[2:], floor, dtype=S.dtype)
    stretched = _interp_axis(S, np.linspace(0, frames - 1, out.shape[1]), 1)
    out[inside] = np.maximum(_interp_axis(stretched, source[inside], 0), floor)  # rounding: never below silence
    if out.shape[1] >= frames:
        start = rng.integers(0, out.shape[1] - frames + 1)
        return out[:, start:start + frames]
    padded = np.full(S.shape, floor, dtype=S.dtype)
    start = rng.integers(0, frames - out.shape[1] + 1)
    padded[:, start:start + out.shape[1]] = out
    return padded


def _interp_axis(a, positions, axis):
    """``a`` linearly interpolated at fractional ``positions`` along ``axis``."""
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, a.shape[axis] - 1)
    w = (positions - low).reshape([-1 if i == axis else 1 for i in range(a.ndim)])
    return (np.take(a, low, axis=axis) * (1 - w) + np.take(a, high, axis=axis) * w).astype(a.dtype)


def mixup(x, y, alpha=0.2, rng=None):
    """Blend each example with another one of the batch, labels included (Zhang et al., 2018).

    Parameters
    ----------
    x : np.ndarray
        A batch of inputs, ``(batch, ...)``.
    y : np.ndarray
        Their one-hot (or already soft) labels, ``(batch, classes)``.
    alpha : float, default 0.2
        Mixing weights are drawn from Beta(alpha, alpha): small values keep most pairs
        close to one of the two originals.

    Returns
    -------
    x_mixed, y_mixed : np.ndarray
        ``lam * x + (1 - lam) * x[perm]``, and the same for ``y``.
    """
    if alpha <= 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    if len(x) != len(y):
        raise ValueError(f"{len(x)} inputs but {len(y)} labels")
    rng = _rng(rng)
    lam = rng.beta(alpha, alpha, size=len(x)).astype(np.float32)
    perm = rng.permutation(len(x))
    lx = lam.reshape((-1,) + (1,) * (x.ndim - 1))
    ly = lam.reshape(-1, 1)
    return lx * x + (1 - lx) * x[perm], ly * y + (1 - ly) * y[perm]


def between_class(x, y, rng=None, *, floor=None):
    """Mix each example with one of another class, at a ratio drawn from U(0, 1): between-class
    learning (Tokozume, Ushiku and Harada, 2018), the mixing of EnvNet-v2's 84.9 % on ESC-50.

    Unlike :func:`mixup`, the partner always has another label and mixes are even, not mostly
    one of the two. The ratio ``r`` is the first sound's share of the mix's energy, as BC
    learning sets it with the two sounds' levels, and the target is ``r * y1 + (1 - r) * y2``.
    Waveforms (``floor`` None) are summed, each scaled to its share; spectrograms in dB
    (``floor`` their silence level) are summed as powers, which is how the spectrogram of the
    waveforms' sum comes out, give or take their phases.

    Parameters
    ----------
    x : np.ndarray
        A batch of inputs ``(batch, ...)``: waveforms, or spectrograms in dB.
    y : np.ndarray
        Their one-hot labels ``(batch, classes)``.
    floor : float, optional
        For spectrograms in dB: the silence level, the least a mix can be.

    Returns
    -------
    x_mixed, y_mixed : np.ndarray
        A batch with only one class in it is returned as it is.
    """
    if len(x) != len(y):
        raise ValueError(f"{len(x)} inputs but {len(y)} labels")
    rng = _rng(rng)
    labels = np.asarray(y).argmax(1)
    n = len(x)
    partner = rng.permutation(n)
    for _ in range(10):  # redraw the partners that share a label; a few rounds leave almost none
        same = np.flatnonzero(labels[partner] == labels)
        if not len(same) or len(set(labels)) == 1:
            break
        partner[same] = rng.integers(0, n, size=len(same))
    differ = labels[partner] != labels
    r = np.where(differ, rng.random(n), 1.0).astype(np.float32)
    axes = tuple(range(1, x.ndim))
    power = 10.0 ** (x.astype(np.float32) / 10.0) if floor is not None else np.square(x, dtype=np.float32)
    energy = np.maximum(power.mean(axis=axes), 1e-12)
    # Weights that give the first sound share r of the mix's energy whatever the two levels.
    w1 = r / energy
    w2 = (1 - r) / energy[partner]
    scale = 1.0 / (w1 + w2) if floor is not None else 1.0 / np.sqrt(w1 + w2)
    shape = (-1,) + (1,) * (x.ndim - 1)
    if floor is None:
        k1, k2 = np.sqrt(w1) * scale, np.sqrt(w2) * scale
        mixed = (k1.reshape(shape) * x + k2.reshape(shape) * x[partner]).astype(x.dtype)
    else:
        # The mix's energy lies between the two sounds' (their r-weighted harmonic mean).
        mixed_power = ((w1 * scale).reshape(shape) * power + (w2 * scale).reshape(shape) * power[partner])
        mixed = np.maximum(10.0 * np.log10(np.maximum(mixed_power, 1e-30)), floor).astype(x.dtype)
    rr = r.reshape(-1, 1)
    return mixed, (rr * y + (1 - rr) * y[partner]).astype(np.float32)


@keras.saving.register_keras_serializable(package="esc50")
class SpecAugment(keras.layers.Layer):
    """SpecAugment masking (Park et al., 2019) as a layer: active in training only.

    Sets ``freq_masks`` random bands of up to ``max_freq`` bins and ``time_masks`` random
    stretches of up to ``max_time`` frames to ``mask_value``, independently for each
    example. Inputs are ``(batch, bins, frames, channels)``. Place it after the input
    normalisation, so that the mask value 0 is the average level.
    """

    def __init__(self, freq_masks=2, max_freq=16, time_masks=2, max_time=40, mask_value=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        for name, value in dict(freq_masks=freq_masks, max_freq=max_freq, time_masks=time_masks,
                                max_time=max_time).items():
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"SpecAugment {name} must be a non-negative integer, got {value!r}")
        self.freq_masks, self.max_freq = freq_masks, max_freq
        self.time_masks, self.max_time = time_masks, max_time
        self.mask_value = mask_value
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _masks(self, batch, size, count, width, axis):
        ops = keras.ops
        keep = ops.ones((batch, size), dtype="bool")
        positions = ops.arange(size)[None, :]
        for _ in range(count):
            w = keras.random.randint((batch, 1), 0, width + 1, seed=self.seed_generator)
            start = ops.floor(keras.random.uniform((batch, 1), seed=self.seed_generator)
                              * ops.cast(ops.maximum(size - w, 0) + 1, "float32"))
            start = ops.cast(start, "int32")
            keep = ops.logical_and(keep, ops.logical_or(positions < start, positions >= start + w))
        shape = [batch, 1, 1, 1]
        shape[axis] = size
        return ops.reshape(keep, shape)

    def call(self, inputs, training=False):
        if not training or (self.freq_masks == 0 and self.time_masks == 0):
            return inputs
        ops = keras.ops
        shape = ops.shape(inputs)
        batch, bins, frames = shape[0], shape[1], shape[2]
        keep = ops.logical_and(self._masks(batch, bins, self.freq_masks, self.max_freq, 1),
                               self._masks(batch, frames, self.time_masks, self.max_time, 2))
        return ops.where(keep, inputs, ops.cast(self.mask_value, inputs.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return super().get_config() | dict(freq_masks=self.freq_masks, max_freq=self.max_freq,
                                           time_masks=self.time_masks, max_time=self.max_time,
                                           mask_value=self.mask_value, seed=self.seed)


def spec_augment(S, freq_masks=2, max_freq=16, time_masks=2, max_time=40, mask_value=None, rng=None):
    """Mask one spectrogram ``(bins, frames)`` the way :class:`SpecAugment` does in training.

    ``mask_value`` defaults to the spectrogram's mean, the value the layer's 0 stands for
    after normalisation.
    """
    S = np.asarray(S, dtype=np.float32)
    if S.ndim != 2:
        raise ValueError(f"expected one spectrogram (bins, frames), got shape {S.shape}")
    seed = int(_rng(rng).integers(2**31))
    layer = SpecAugment(freq_masks, max_freq, time_masks, max_time,
                        mask_value=float(S.mean() if mask_value is None else mask_value), seed=seed)
    return keras.ops.convert_to_numpy(layer(S[None, :, :, None], training=True))[0, :, :, 0]
