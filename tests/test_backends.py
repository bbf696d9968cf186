"""The models and the training loop run on more than one Keras backend.

Keras picks its backend once per process, so each runs in a subprocess: a tiny mel_cnn
and the seed's waveform CNN each train a step on the sample, save and reload as .keras,
and predict a file.
"""
import importlib.util
import os
import subprocess
import sys

import pytest

SCRIPT = """
import keras, numpy as np
import esc50
from esc50.predict import load_model, predict_file
from esc50.training import cross_validate

assert keras.backend.backend() == "{backend}", keras.backend.backend()
tiny = {{"mel_cnn_quick": dict(model_args=dict(width=4, blocks=2)), "seed_cnn": {{}}}}
for preset, overrides in tiny.items():
    run = cross_validate(preset, esc50.sample_dir(), name=preset, folds=[1], verbose=0, progress=False,
                         epochs=1, batch_size=16, **overrides)
    assert run["machine"]["backend"] == "{backend}" and np.isfinite(run["folds"][0]["history"]["loss"]).all()
    model = load_model(run["folds"][0]["model_path"])
    p = predict_file(esc50.sample_dir() / "audio" / "1-100032-A-0.ogg", model).probabilities
    assert p.shape == (50,) and abs(p.sum() - 1) < 1e-4
print("ok")
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_training_saving_and_predicting_on_a_backend(backend, tmp_path):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    env = os.environ | {"KERAS_BACKEND": backend, "ESC50_QUICK": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env |= {name: str(tmp_path / name.lower()) for name in ("ESC50_RESULTS", "ESC50_MODELS", "ESC50_CACHE")}
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(backend=backend)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]
