"""Deployable models: the end-to-end waveform model and TFLite match the librosa path."""
import keras
import numpy as np
import pytest

import esc50
from esc50.cli import main
from esc50.export import LogMel, end_to_end, export, tflite_predict
from esc50.models import mel_cnn, seed_cnn
from esc50.predict import SHIPPED_SCRATCH, load_model

FEATURE_TOLERANCE_DB = 0.1  # float32 FFT in the model, float64 in librosa: tiny differences near the floor
PROBABILITY_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def clips(sample):
    meta = esc50.load_meta(sample)
    return np.stack([esc50.load_audio(sample / "audio" / name)[0] for name in meta["filename"][:4]])


@pytest.fixture(scope="module")
def model():
    return load_model(SHIPPED_SCRATCH)


def test_the_log_mel_layer_computes_what_librosa_computes(clips):
    inside = np.asarray(LogMel()(clips))
    outside = np.stack([esc50.log_mel(y) for y in clips])
    assert inside.shape == outside.shape == (4, 128, 431)
    assert np.abs(inside - outside).max() < FEATURE_TOLERANCE_DB
    assert np.abs(inside - outside).mean() < 1e-3
    silence = np.asarray(LogMel()(np.zeros((1, 220500), np.float32)))
    assert silence.min() == pytest.approx(-100.0)  # the same floor as the cached features


def test_the_waveform_model_predicts_as_the_feature_path(model, clips):
    wrapped = end_to_end(model)
    assert wrapped.input_shape == (None, 220500)
    direct = np.asarray(model.predict(np.stack([esc50.log_mel(y) for y in clips])[..., None], verbose=0))
    np.testing.assert_allclose(np.asarray(wrapped.predict(clips, verbose=0)), direct, atol=PROBABILITY_TOLERANCE)


@pytest.mark.parametrize("waveform", [False, True], ids=["features", "waveform"])
def test_exported_models_reload_and_predict_identically(model, clips, tmp_path, waveform):
    x = clips if waveform else np.stack([esc50.log_mel(y) for y in clips])[..., None]
    reference = np.asarray((end_to_end(model) if waveform else model).predict(x, verbose=0))
    reloaded = keras.saving.load_model(export(model, tmp_path / "m.keras", "keras", waveform=waveform))
    np.testing.assert_array_equal(np.asarray(reloaded.predict(x, verbose=0)), reference)
    lite = export(model, tmp_path / "m.tflite", "tflite", waveform=waveform)
    np.testing.assert_allclose(tflite_predict(lite, x), reference, atol=PROBABILITY_TOLERANCE)


def test_only_whole_clip_log_mel_models_wrap_and_formats_are_checked(model, tmp_path):
    with pytest.raises(ValueError, match="log-mel model"):
        end_to_end(seed_cnn())
    with pytest.raises(ValueError, match="unknown format"):
        export(mel_cnn(width=4, blocks=1), tmp_path / "m.onnx", "onnx")


def test_cli_export(tmp_path, capsys):
    out = tmp_path / "app.tflite"
    assert main(["export", "--model", str(SHIPPED_SCRATCH), "--format", "tflite", "--waveform", "--output",
                 str(out)]) == 0
    assert out.stat().st_size > 100_000 and "written" in capsys.readouterr().out
