"""Classifying any file: sliding windows, odd formats, silence, and saved models."""
import numpy as np
import pytest
from conftest import tone

from esc50 import AudioError
from esc50.models import mel_cnn
from esc50.predict import default_model_path, load_model, predict_file, sliding_windows
from esc50.training import save_model


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """An untrained, small mel_cnn, saved and reloaded the way users get theirs."""
    path = tmp_path_factory.mktemp("model") / "m.keras"
    save_model(mel_cnn(width=4, blocks=2), path)
    return load_model(path)


def test_sliding_windows_cover_the_whole_signal():
    windows, starts = sliding_windows(np.arange(12.0), 5, 3)
    assert starts.tolist() == [0, 3, 6, 7]  # the last window ends at the end
    assert windows[-1].tolist() == list(range(7, 12))
    short, starts = sliding_windows(np.ones(3), 5, 3)
    assert short.tolist() == [[1, 1, 1, 0, 0]] and starts.tolist() == [0]


def test_a_long_stereo_file_at_another_rate_is_classified_window_by_window(model, write_wav):
    y = np.stack([tone(12, 22050, 300), tone(12, 22050, 500)], axis=1)
    prediction = predict_file(write_wav("long.wav", y, sr=22050), model)
    assert prediction.window_starts.tolist() == [0.0, 2.5, 5.0, 7.0]
    assert prediction.window_probabilities.shape == (4, 50)
    np.testing.assert_allclose(prediction.probabilities, prediction.window_probabilities.mean(0), rtol=1e-6)
    assert prediction.probabilities.sum() == pytest.approx(1.0, rel=1e-5)
    top = prediction.top(3)
    assert len(top) == 3 and top[0][1] >= top[1][1] >= top[2][1] and isinstance(top[0][0], str)


def test_a_short_clip_is_padded_and_one_window(model, write_wav):
    prediction = predict_file(write_wav("short.wav", tone(1.0)), model)
    assert len(prediction.window_starts) == 1


def test_silence_and_too_short_audio_get_clear_errors(model, write_wav):
    with pytest.raises(AudioError, match="silent.wav.*silent"):
        predict_file(write_wav("silent.wav", np.zeros(44100, np.float32)), model)
    with pytest.raises(AudioError, match="blip.wav.*too short"):
        predict_file(write_wav("blip.wav", tone(0.1)), model)


def test_a_reloaded_model_predicts_exactly_as_before(model, tmp_path, write_wav):
    path = write_wav("clip.wav", tone(5.0, freq=1000))
    again = load_model(save_model(model, tmp_path / "again.keras"))
    np.testing.assert_array_equal(predict_file(path, model).probabilities, predict_file(path, again).probabilities)


def test_without_a_model_the_error_says_how_to_train_one(tmp_path, monkeypatch):
    monkeypatch.setenv("ESC50_MODELS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="python -m esc50 train"):
        default_model_path()
    with pytest.raises(FileNotFoundError, match="nope.keras"):
        load_model(tmp_path / "nope.keras")
