"""Classifying any file: sliding windows, odd formats, silence, and saved models."""
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import tone

from esc50 import AudioError, AudioWarning, predict, transfer
from esc50.models import mel_cnn
from esc50.predict import KerasClassifier, load_classifier, load_model, predict_file, sliding_windows
from esc50.training import predict_clips, save_model


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


def test_a_model_tested_on_crops_predicts_on_the_same_crops(model, tmp_path, write_wav):
    path = save_model(model, tmp_path / "cropped.keras")
    path.with_suffix(".json").write_text(json.dumps({"test_crops": 3, "crop_length": 100}))
    classifier = load_classifier(path)
    assert (classifier.test_crops, classifier.crop_length) == (3, 100)
    sr = classifier.sample_rate
    y = np.concatenate([tone(2.5, sr, 300), tone(2.5, sr, 3000, amplitude=0.1)])
    X = classifier.spec.from_waveform(y)
    expected = predict_clips(model, X, classifier.spec, crops=3, crop_length=100)
    assert not np.allclose(expected, predict_clips(model, X, classifier.spec))  # the crops do change it
    prediction = predict_file(write_wav("clip.wav", y, sr=sr, subtype="FLOAT"), classifier)
    np.testing.assert_allclose(prediction.probabilities, expected[0], rtol=1e-4)
    with pytest.raises(ValueError, match="3 test crops need their crop_length"):
        KerasClassifier(model, test_crops=3)


def test_a_missing_model_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.keras: no such model file"):
        load_model(tmp_path / "nope.keras")
    with pytest.raises(FileNotFoundError, match="nope.tflite: no such model file"):
        load_classifier(tmp_path / "nope.tflite")


def test_a_wav_whose_header_over_promises_is_classified_with_a_warning(model):
    path = Path(__file__).parent / "data" / "opensfx_car_horn_truncated.wav"
    with pytest.warns(AudioWarning, match="opensfx_car_horn_truncated.wav: truncated WAV file"):
        prediction = predict_file(path, model)
    assert prediction.probabilities.shape == (50,)


def test_a_directory_gets_is_a_directory(model, tmp_path):
    with pytest.raises(AudioError, match="is a directory"):
        predict_file(tmp_path, model)


def test_without_yamnet_the_shipped_from_scratch_model_answers(monkeypatch, tmp_path):
    monkeypatch.setenv(transfer.YAMNET_ENV, str(tmp_path / "no-yamnet-here.tflite"))
    classifier = load_classifier()
    assert isinstance(classifier, KerasClassifier) and classifier.model.name == "mel_cnn"
    why = f"{tmp_path / 'no-yamnet-here.tflite'}: no such file"
    assert classifier.description.startswith(f"mel_cnn (from scratch; YAMNet is not available: {why}")
    assert "trained on 2000 clips" in classifier.description


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


def test_the_shipped_from_scratch_model_knows_the_clips_it_was_trained_on(sample):
    """``mel_cnn`` trained on all 2000 clips, the sample's among them (as Ogg Vorbis here, WAV
    there): it classifies nearly all of them, as its JSON file says it was trained."""
    from esc50 import load_meta

    info = predict.model_info(predict.SHIPPED_SCRATCH)
    assert info["n_clips"] == 2000 and info["cross_validation"]["name"] == "mel_cnn"
    classifier = load_classifier(predict.SHIPPED_SCRATCH)
    meta = load_meta(sample)
    right = sum(predict_file(sample / "audio" / row.filename, classifier).top(1)[0][0] == row.category
                for row in meta.itertuples())
    assert right >= 45
