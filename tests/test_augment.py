"""Augmentations: what each one changes, what it keeps, and that a seed reproduces it."""
import keras
import numpy as np
import pytest
from conftest import tone

from esc50 import augment as aug


def test_noise_has_the_asked_level_and_is_reproducible():
    y = np.zeros(44100, np.float32)
    a, b = aug.add_noise(y, 0.01, rng=1), aug.add_noise(y, 0.01, rng=1)
    assert a.dtype == np.float32 and np.array_equal(a, b)
    assert a.std() == pytest.approx(0.01, rel=0.05)
    assert not np.array_equal(a, aug.add_noise(y, 0.01, rng=2))
    with pytest.raises(ValueError, match="noise_std"):
        aug.add_noise(y, -1)


@pytest.mark.parametrize("seed", range(5))
def test_time_shift_moves_the_signal_and_fills_the_gap(seed):
    y = np.arange(1, 101, dtype=np.float32)
    out = aug.time_shift(y, 0.2, rng=seed, fill=-1.0)
    assert out.shape == y.shape
    gap = out == -1.0
    shift = int(gap.sum())
    assert shift <= 20
    kept = out[~gap]
    assert np.array_equal(kept, y[:100 - shift]) or np.array_equal(kept, y[shift:])


def test_time_shift_works_on_the_frames_of_a_spectrogram():
    S = np.tile(np.arange(50, dtype=np.float32), (8, 1))
    out = aug.time_shift(S, 0.5, rng=3, fill=-100.0)
    assert out.shape == S.shape
    assert (out == out[0]).all()  # every band moved together
    assert not np.array_equal(out, S)
    assert np.array_equal(aug.time_shift(S, 0.0, rng=3), S)


def test_volume_scaling_is_within_the_seeds_range_and_clips():
    y = tone(amplitude=0.1)
    for seed in range(10):
        ratio = np.abs(aug.scale_volume(y, rng=seed)).max() / np.abs(y).max()
        assert 1.5 <= ratio <= 2.5
    assert np.abs(aug.scale_volume(tone(amplitude=0.9), rng=0)).max() <= 1.0
    gains = aug.gain_db(0.5, 2.0, rng=0, size=1000)
    assert gains.min() >= -6.03 and gains.max() <= 6.03


def test_time_stretch_keeps_length_and_pitch_but_changes_duration():
    sr = 22050
    y = np.concatenate([tone(1.0, sr, 440), np.zeros(sr, np.float32)])
    fast = aug.time_stretch(y, 2.0, 2.0, rng=0)
    assert len(fast) == len(y)
    loud = np.abs(fast) > 0.1
    assert 0.4 * sr < loud.sum() < 0.6 * sr  # one second of tone now lasts half a second
    spectrum = np.abs(np.fft.rfft(fast[:sr // 2]))
    assert np.fft.rfftfreq(sr // 2, 1 / sr)[spectrum.argmax()] == pytest.approx(440, abs=5)


def test_mixup_blends_inputs_and_labels_alike():
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    y = np.eye(4, dtype=np.float32)
    xm, ym = aug.mixup(x, y, alpha=0.4, rng=0)
    assert xm.shape == x.shape and ym.shape == y.shape
    np.testing.assert_allclose(ym.sum(axis=1), 1.0, rtol=1e-6)
    # Each mixed row is the label-weighted blend of the originals.
    np.testing.assert_allclose(xm, ym @ x, rtol=1e-5)
    with pytest.raises(ValueError, match="alpha"):
        aug.mixup(x, y, alpha=0)
    with pytest.raises(ValueError, match="labels"):
        aug.mixup(x, y[:3])


def test_spec_augment_masks_whole_bands_and_frames_in_training_only():
    x = np.random.default_rng(0).normal(size=(4, 64, 100, 1)).astype(np.float32) + 5
    layer = aug.SpecAugment(freq_masks=2, max_freq=10, time_masks=2, max_time=20, seed=1)
    assert np.array_equal(np.asarray(layer(x, training=False)), x)
    out = np.asarray(layer(x, training=True))
    masked = out == 0
    assert masked.any()
    for example in masked[..., 0]:
        bands, frames = example.all(axis=1), example.all(axis=0)
        # every masked cell belongs to a fully masked band or frame
        assert np.array_equal(example, bands[:, None] | frames[None, :])
        assert bands.sum() <= 20 and frames.sum() <= 40


def test_spec_augment_layer_survives_saving(tmp_path):
    model = keras.Sequential([keras.Input((16, 20, 1)), aug.SpecAugment(1, 4, 1, 5, seed=3)])
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    with pytest.raises(ValueError, match="max_freq"):
        aug.SpecAugment(max_freq=-1)


def test_spec_augment_on_one_spectrogram_is_reproducible():
    S = np.random.default_rng(1).normal(size=(128, 431)).astype(np.float32)
    a, b = aug.spec_augment(S, rng=7), aug.spec_augment(S, rng=7)
    assert np.array_equal(a, b) and a.shape == S.shape
    changed = a != S
    assert changed.any()
    np.testing.assert_allclose(a[changed], S.mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="one spectrogram"):
        aug.spec_augment(S[None])


def test_random_crop_keeps_a_short_event_padded_with_silence():
    S = np.full((8, 200), -100.0, np.float32)
    S[:, 150:170] = -20.0  # a 20-frame event, then silence
    for seed in range(20):
        crop = aug.random_crop(S, 50, seed, floor=-100.0)
        assert crop.shape == (8, 50)
        assert (crop[0] == -20.0).sum() >= 10  # at least half the event


def test_random_crop_of_a_steady_sound_starts_anywhere_and_is_reproducible():
    y = np.sin(np.arange(1000) / 3.0).astype(np.float32)
    starts = {int(np.flatnonzero(y == aug.random_crop(y, 100, seed)[0])[0]) for seed in range(30)}
    assert len(starts) > 10
    np.testing.assert_array_equal(aug.random_crop(y, 100, 5), aug.random_crop(y, 100, 5))
    with pytest.raises(ValueError, match="crop length"):
        aug.random_crop(y, 1001)


@pytest.mark.parametrize("spectrogram", [False, True])
def test_between_class_mixes_different_classes_by_their_share_of_the_energy(spectrogram):
    rng = np.random.default_rng(0)
    labels = np.arange(16) % 4
    y = np.eye(4, dtype=np.float32)[labels]
    # Each class a tone of its own frequency and level: energies differ by up to 18 dB.
    t = np.arange(2000) / 8000
    waves = np.stack([(0.1 * 2 ** c) * np.sin(2 * np.pi * (300 + 400 * c) * t) for c in labels]).astype(np.float32)
    x = (10 * np.log10(np.maximum(waves ** 2, 1e-10))).astype(np.float32) if spectrogram else waves
    mixed, soft = aug.between_class(x, y, rng, floor=-100.0 if spectrogram else None)
    assert mixed.shape == x.shape and soft.shape == y.shape
    np.testing.assert_allclose(soft.sum(1), 1, rtol=1e-6)
    assert (np.count_nonzero(soft > 1e-6, axis=1) == 2).all()  # always two different classes
    # Recover each mix as a blend of its two clips (a sum of waveforms, or of powers) and check
    # that the first clip's share of the mix's energy is its weight in the target.
    first = soft[np.arange(16), labels]
    other = np.where(soft > 1e-6, soft, 0)
    other[np.arange(16), labels] = 0
    other = other.argmax(1)
    assert (other != labels).all()
    for i in range(16):
        j = next(k for k in range(16) if labels[k] == other[i] and np.allclose(x[k], x[labels == other[i]][0]))
        a, b = (x[i], x[j]) if not spectrogram else (10 ** (x[i] / 10), 10 ** (x[j] / 10))
        target = mixed[i] if not spectrogram else 10 ** (mixed[i] / 10)
        k1, k2 = np.linalg.lstsq(np.stack([a, b], 1), target, rcond=None)[0]
        e1, e2 = (k1 ** 2 * np.mean(a ** 2), k2 ** 2 * np.mean(b ** 2)) if not spectrogram else \
            (k1 * a.mean(), k2 * b.mean())
        assert e1 / (e1 + e2) == pytest.approx(first[i], abs=1e-3)
    if spectrogram:
        assert mixed.min() >= -100.0


def test_between_class_leaves_a_batch_of_one_class_alone():
    x = np.ones((4, 10), np.float32)
    y = np.eye(3, dtype=np.float32)[[1, 1, 1, 1]]
    mixed, soft = aug.between_class(x, y, 0)
    np.testing.assert_array_equal(mixed, x)
    np.testing.assert_array_equal(soft, y)


@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_change_speed_makes_sounds_longer_and_lower_as_resampling_does(factor):
    from esc50.features import DEFAULT_CONFIG, log_mel
    from esc50.inputs import MODEL_INPUTS

    sr = DEFAULT_CONFIG.sample_rate
    y = np.zeros(5 * sr, np.float32)
    y[sr:2 * sr] = tone(1.0, sr, 2000.0)
    S = log_mel(y, DEFAULT_CONFIG)[..., None]
    freqs = MODEL_INPUTS["mel_cnn"].band_freqs
    out = aug.change_speed(S, factor, freqs, floor=-100.0, rng=0)
    assert out.shape == S.shape and out.min() >= -100.0

    def peak_hz(X):
        return freqs[X[..., 0].mean(axis=1).argmax()]

    def loud_frames(X):
        return int((X[..., 0].max(axis=0) > X.max() - 30).sum())
    assert peak_hz(out) == pytest.approx(2000.0 / factor, rel=0.05)
    assert loud_frames(out) == pytest.approx(factor * loud_frames(S), rel=0.05)
    with pytest.raises(ValueError, match="band frequencies"):
        aug.change_speed(S, factor, freqs[:10], floor=-100.0)
