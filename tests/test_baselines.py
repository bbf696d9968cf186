"""Classic baselines: same folds as the CNNs, and the leakage lesson on a controlled example."""
import numpy as np
import pandas as pd
import pytest

from esc50 import baselines as bl


@pytest.mark.parametrize("model", bl.BASELINES)
def test_each_baseline_cross_validates_on_the_sample(model, sample):
    run = bl.cross_validate_baseline(model, "seed", sample, save=False, verbose=False)
    assert [f["test_fold"] for f in run["folds"]] == [1, 2, 3, 4, 5]
    assert len(run["predictions"]) == 50 and run["n_features"] == 27
    assert {p["fold"] for p in run["predictions"]} == {1, 2, 3, 4, 5}
    # One clip per class: every test clip's class is missing from training, so no correct answers.
    assert run["accuracy"]["mean"] == 0.0


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown baseline"):
        bl.make_baseline("xgboost")
    with pytest.raises(ValueError, match="feature set"):
        bl.features("deep")


def test_a_random_split_leaks_sibling_clips_and_the_folds_do_not(monkeypatch, tmp_path):
    """80 recordings, 5 clips each, all in one fold. A recording's clips share a fingerprint
    that says nothing about the class: only a leaking split can exploit it."""
    rng = np.random.default_rng(0)
    recordings = np.repeat(np.arange(80), 5)
    meta = pd.DataFrame({"filename": [f"{i}.wav" for i in range(400)], "fold": recordings % 5 + 1,
                         "target": rng.integers(0, 10, 80)[recordings], "src_file": recordings})
    X = rng.normal(size=(80, 20))[recordings] + 0.05 * rng.normal(size=(400, 20))
    monkeypatch.setattr(bl, "features", lambda *args, **kwargs: X)
    monkeypatch.setattr(bl, "data_dir", lambda root: tmp_path)
    demo = bl.leakage_demo("knn", meta=meta, verbose=False)
    assert demo["random_split"]["mean"] > 0.95
    assert demo["folds"]["mean"] < 0.3
    assert demo["test_clips_with_sibling_in_train"] > 0.95
