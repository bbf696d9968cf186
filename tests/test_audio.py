"""Loading audio: conversions that must work, and bad files that must fail clearly."""
from pathlib import Path

import numpy as np
import pytest
from conftest import tone

from esc50 import AudioError, AudioWarning, fix_length, is_silent, load_audio, read_audio
from esc50.audio import resample


def test_loads_a_sample_clip_at_44k_for_5_seconds(sample):
    y, sr = load_audio(next((sample / "audio").glob("*.ogg")))
    assert sr == 44100 and y.shape == (220500,) and y.dtype == np.float32
    assert np.isfinite(y).all() and not is_silent(y)


def test_stereo_is_averaged_to_mono(write_wav):
    left, right = tone(1.0, amplitude=0.4), np.zeros(44100, np.float32)
    y, _ = load_audio(write_wav("stereo.wav", np.stack([left, right], axis=1)), duration=None)
    np.testing.assert_allclose(y, left / 2, atol=1e-4)
    y2, _ = load_audio(write_wav("stereo2.wav", np.stack([left, right], axis=1)), mono=False, duration=None)
    assert y2.shape == (2, 44100)


def test_8khz_is_resampled_and_keeps_its_pitch(write_wav):
    y, sr = load_audio(write_wav("low.wav", tone(5.0, sr=8000, freq=1000.0), sr=8000))
    assert sr == 44100 and y.shape == (220500,)
    peak_hz = np.argmax(np.abs(np.fft.rfft(y))) * sr / len(y)
    assert abs(peak_hz - 1000.0) < 1.0


@pytest.mark.parametrize("seconds", [1.0, 60.0])
def test_short_clips_are_padded_and_long_ones_trimmed(write_wav, seconds):
    path = write_wav(f"{seconds}.wav", tone(seconds))
    y, _ = load_audio(path)
    assert y.shape == (220500,)
    full, _ = load_audio(path, duration=None)
    assert full.shape == (round(seconds * 44100),)
    if seconds < 5:
        assert not y[44100:].any()  # zero padding after the first second


def test_fix_length_pads_and_trims_the_last_axis():
    assert fix_length(np.ones((2, 3)), 5).tolist() == [[1, 1, 1, 0, 0]] * 2
    assert fix_length(np.arange(6), 4).tolist() == [0, 1, 2, 3]


def test_silent_clip_loads_and_is_reported_silent(write_wav):
    y, _ = load_audio(write_wav("silence.wav", np.zeros(220500, np.float32)))
    assert is_silent(y) and not y.any()


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav: no such audio file"):
        load_audio(tmp_path / "nope.wav")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.touch()
    with pytest.raises(AudioError, match=r"empty.wav: empty file \(0 bytes\)"):
        load_audio(path)


def test_a_truncated_wav_is_read_as_far_as_it_goes_with_a_warning(write_wav):
    path = write_wav("cut.wav", tone(1.0))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.warns(AudioWarning, match=r"cut.wav: truncated WAV file \(header promises 88200 bytes of audio, "
                                          r"only 44078 present\); read the 44078 bytes there are"):
        y, _ = load_audio(path, duration=None)
    assert len(y) == 44078 // 2
    np.testing.assert_allclose(y, tone(1.0)[:len(y)], atol=1e-4)
    with pytest.raises(AudioError, match="cut.wav: truncated WAV file"):
        load_audio(path, strict=True)


def test_a_real_wav_whose_header_over_promises_is_read():
    """OpenSFX's car horn, as the game's sound set stores it: 128 bytes short of its header."""
    path = Path(__file__).parent / "data" / "opensfx_car_horn_truncated.wav"
    with pytest.warns(AudioWarning, match="promises 59452 bytes of audio, only 59324 present"):
        y, sr = load_audio(path, sr=None, duration=None)
    assert sr == 44100 and len(y) > 0.6 * sr and np.abs(y).max() > 0.1


def test_a_directory_is_not_a_missing_file(tmp_path):
    with pytest.raises(AudioError, match="is a directory"):
        load_audio(tmp_path)


def test_resampling_gives_librosas_numbers_without_librosa():
    import librosa

    y = tone(1.0, 44100, 1000)
    for res_type in ("soxr_hq", "soxr_vhq"):
        np.testing.assert_array_equal(resample(y, 44100, 16000, res_type),
                                      librosa.resample(y, orig_sr=44100, target_sr=16000, res_type=res_type))


def test_header_only_wav_has_no_samples(write_wav):
    path = write_wav("hdr.wav", np.zeros(0, np.float32))
    with pytest.raises(AudioError, match="hdr.wav: contains no audio samples"):
        load_audio(path)


def test_non_audio_file(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are my notes, not a recording")
    with pytest.raises(AudioError, match="notes.wav: not a readable audio file"):
        load_audio(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_samples(write_wav, bad):
    y = tone(1.0)
    y[100] = bad
    path = write_wav("nan.wav", y, subtype="FLOAT")
    with pytest.raises(AudioError, match="nan.wav: contains NaN or infinite samples"):
        read_audio(path)
