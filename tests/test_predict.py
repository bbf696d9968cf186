"""Classifying any file: sliding windows, odd formats, silence, and saved models."""
import numpy as np
import pytest
from conftest import tone

from esc50 import AudioError, predict
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
    _, starts = sliding_windows(np.arange(12.0), 5, 3, min_tail=1)
    assert starts.tolist() == [0, 3, 6]  # a 1-sample tail is not worth a window
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
    assert default_model_path() == predict.SHIPPED_MODEL
    monkeypatch.setattr(predict, "SHIPPED_MODEL", tmp_path / "missing.keras")
    with pytest.raises(FileNotFoundError, match="python -m esc50 train"):
        default_model_path()
    with pytest.raises(FileNotFoundError, match="nope.keras"):
        load_model(tmp_path / "nope.keras")


def test_prediction_plots_show_the_top_classes_and_each_window():
    from esc50 import plots
    from esc50.predict import Prediction

    names = ["a", "b", "c", "d"]
    windows = np.array([[0.8, 0.1, 0.05, 0.05], [0.1, 0.6, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]])
    prediction = Prediction("x.wav", names, windows.mean(0), windows, np.array([0.0, 2.5, 5.0]))
    ax = plots.plot_top_k(prediction, k=3)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "d", "a"]  # most probable at the top
    np.testing.assert_allclose([bar.get_width() for bar in ax.patches], [0.8 / 3, 0.85 / 3, 1.0 / 3])
    ax = plots.plot_timeline(prediction, k=2)
    assert [line.get_label() for line in ax.lines] == ["a", "d"]
    assert ax.lines[0].get_xdata().tolist() == [2.5, 5.0, 7.5]  # window centres
    assert ax.lines[0].get_ydata().tolist() == [0.8, 0.1, 0.1]


def test_the_shipped_model_is_the_fold_1_model_of_the_committed_results():
    """It predicts the sample's fold-1 clips (never heard in its training) as the
    cross-validation recorded, so its provenance and the prediction path are both right.
    The sample is Ogg Vorbis, the data WAV: where the recorded top class was a close call,
    compression may swap it with another of the recorded top 5."""
    import json
    from pathlib import Path

    from esc50 import load_meta, sample_dir

    record = Path(__file__).parents[1] / "results" / "partial" / "mel_cnn_quick" / "fold1.json"
    recorded = {p["filename"].rsplit(".", 1)[0]: p["top5"]
                for p in json.loads(record.read_text())["record"]["predictions"]}
    model = load_model(predict.SHIPPED_MODEL)
    meta = load_meta(sample_dir())
    for name in meta.loc[meta["fold"] == 1, "filename"]:
        predicted = int(predict_file(sample_dir() / "audio" / name, model).probabilities.argmax())
        top5 = recorded[name.rsplit(".", 1)[0]]
        assert predicted in [c for c, _ in top5], name
        if top5[0][1] > 0.5:
            assert predicted == top5[0][0], name
