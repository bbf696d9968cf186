"""UrbanSound8K through the same pipeline, on a tiny synthetic tree in its layout."""
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from esc50 import DatasetError, extract
from esc50.baselines import cross_validate_baseline
from esc50.training import cross_validate
from esc50.urbansound import COLUMNS, load_urbansound8k

CLASSES = ["air_conditioner", "car_horn", "children_playing"]


@pytest.fixture(scope="module")
def us8k(tmp_path_factory):
    """10 folds x 3 classes, one slice each: odd rates, stereo, 0.5 to 4 s, as in the real set."""
    root = tmp_path_factory.mktemp("UrbanSound8K")
    rng = np.random.default_rng(0)
    rows = []
    for fold in range(1, 11):
        (root / "audio" / f"fold{fold}").mkdir(parents=True)
        for class_id, name in enumerate(CLASSES):
            sr = [22050, 44100, 48000][(fold + class_id) % 3]
            seconds = 0.5 + 3.5 * rng.random()
            t = np.arange(int(seconds * sr)) / sr
            y = 0.3 * np.sin(2 * np.pi * (200 + 400 * class_id) * t) + 0.01 * rng.normal(size=t.size)
            y = np.stack([y, y], axis=1) if fold % 2 else y
            fs_id = 1000 * fold + class_id
            filename = f"{fs_id}-{class_id}-0-0.wav"
            sf.write(root / "audio" / f"fold{fold}" / filename, y.astype(np.float32), sr)
            rows.append([filename, fs_id, 0.0, seconds, 1, fold, class_id, name])
    (root / "metadata").mkdir()
    pd.DataFrame(rows, columns=COLUMNS).to_csv(root / "metadata" / "UrbanSound8K.csv", index=False)
    return root


def test_metadata_in_the_packages_shape(us8k):
    meta = load_urbansound8k(us8k)
    assert len(meta) == 30 and sorted(meta["fold"].unique()) == list(range(1, 11))
    assert meta["filename"].iloc[0] == "fold1/1000-0-0-0.wav"
    assert all((us8k / "audio" / name).exists() for name in meta["filename"])
    assert meta.groupby("target")["category"].first().tolist() == CLASSES


def test_features_and_baselines_run_over_its_ten_folds(us8k, tmp_path):
    meta = load_urbansound8k(us8k)
    X = extract("logmel", us8k, meta, cache_dir=tmp_path, progress=False)
    assert X.shape == (30, 128, 431)  # variable lengths, rates and channels: one shape
    run = cross_validate_baseline("knn", "summary", us8k, meta=meta, save=False, verbose=False)
    assert [f["test_fold"] for f in run["folds"]] == list(range(1, 11))
    assert run["classes"] == CLASSES


def test_cnn_cross_validation_uses_its_folds(us8k):
    meta = load_urbansound8k(us8k)
    run = cross_validate("mel_cnn_quick", us8k, meta=meta, name="us8k", folds=[10], verbose=0, progress=False,
                         epochs=1, model_args=dict(width=4, blocks=2))
    fold = run["folds"][0]
    assert fold["test_fold"] == 10 and fold["val_fold"] == 1  # the next fold, cyclically over 10
    assert run["n_classes"] == 3 and len(run["predictions"]) == 3


def test_bad_metadata_is_named(us8k, tmp_path):
    with pytest.raises(FileNotFoundError, match="UrbanSound8K.csv"):
        load_urbansound8k(tmp_path)
    (tmp_path / "metadata").mkdir()
    bad = pd.read_csv(us8k / "metadata" / "UrbanSound8K.csv")
    bad.loc[3, "fold"] = 11
    bad.to_csv(tmp_path / "metadata" / "UrbanSound8K.csv", index=False)
    with pytest.raises(DatasetError, match=r"fold out of range in row\(s\) \[3\]"):
        load_urbansound8k(tmp_path)
