import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import esc50

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def sample():
    return esc50.sample_dir()


@pytest.fixture
def sample_copy(tmp_path, sample):
    """A writable copy of the shipped sample, to break in tests."""
    dest = tmp_path / "sample"
    shutil.copytree(sample, dest)
    return dest


@pytest.fixture
def write_wav(tmp_path):
    """write_wav(name, y, sr=44100, subtype="PCM_16") -> path; y is (samples,) or (samples, channels)."""
    def write(name, y, sr=44100, subtype="PCM_16"):
        path = tmp_path / name
        sf.write(path, np.asarray(y), sr, subtype=subtype)
        return path
    return write


def tone(seconds=5.0, sr=44100, freq=440.0, amplitude=0.5):
    t = np.arange(round(seconds * sr)) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture(scope="session")
def full_data():
    """The complete dataset, when ESC50_DATA points at one (CI builds it); else skip."""
    root = os.environ.get("ESC50_DATA")
    if not root:
        pytest.skip("integration test: set ESC50_DATA to a full copy of ESC-50")
    return Path(root)


SHARED_YAMNET = Path(__file__).resolve().parents[2] / "shared" / "yamnet" / \
    "lite-model_yamnet_classification_tflite_1.tflite"


@pytest.fixture(scope="session")
def yamnet_file():
    """The real YAMNet, from ESC50_YAMNET or ../shared/yamnet (CI), checked by its hash; else skip."""
    from esc50 import transfer

    for candidate in (os.environ.get(transfer.YAMNET_ENV), SHARED_YAMNET):
        if candidate and Path(candidate).is_file() and transfer._sha256(candidate) == transfer.YAMNET_SHA256:
            return Path(candidate)
    pytest.skip("needs the real YAMNet: set ESC50_YAMNET to lite-model_yamnet_classification_tflite_1.tflite "
                "(CI uses ../shared/yamnet)")


@pytest.fixture(scope="session", autouse=True)
def isolated_outputs(tmp_path_factory):
    """Feature caches, results, models and figures of the tests go to temporary folders,
    never to the user's cache or the repository."""
    base = tmp_path_factory.mktemp("outputs")
    saved = {k: os.environ.get(k) for k in ENV_OUTPUTS}
    for name in ENV_OUTPUTS:
        os.environ[name] = str(base / name.lower())
    yield base
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


ENV_OUTPUTS = ("ESC50_CACHE", "ESC50_RESULTS", "ESC50_MODELS", "ESC50_FIGURES")
