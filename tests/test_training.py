"""Cross-validation: the folds are kept apart, runs are reproducible, results are complete."""
import json
from pathlib import Path

import keras
import numpy as np
import pytest

import esc50
from esc50 import training as tr
from esc50.inputs import MODEL_INPUTS, segments
from esc50.predict import load_model

TINY = dict(model_args=dict(width=4, blocks=2), epochs=1, batch_size=16)


def test_every_fold_is_tested_once_and_never_seen_in_training():
    clip_folds = np.repeat([1, 2, 3, 4, 5], 8)
    tested = []
    for fold in esc50.FOLDS:
        train, val, test = tr.fold_split(clip_folds, fold)
        assert set(clip_folds[test]) == {fold}
        assert set(clip_folds[val]) == {tr.validation_fold(fold)} and tr.validation_fold(fold) != fold
        assert len(set(clip_folds[train])) == 3
        assert not (set(train) | set(val)) & set(test) and not set(train) & set(val)
        tested.extend(test)
    assert sorted(tested) == list(range(40))
    assert [tr.validation_fold(f) for f in esc50.FOLDS] == [2, 3, 4, 5, 1]


def test_band_stats_are_per_band_and_pooled_elsewhere():
    X = np.random.default_rng(0).normal(size=(6, 5, 7, 2)).astype(np.float32)
    mean, var = tr.band_stats(X, (1, 3))
    assert mean.shape == (5, 2)
    np.testing.assert_allclose(mean, X.mean(axis=(0, 2)), atol=1e-6)
    np.testing.assert_allclose(var, X.var(axis=(0, 2)), rtol=1e-4)


def test_batches_are_one_hot_reproducible_and_reshuffled_each_epoch():
    x = np.arange(10, dtype=np.float32)[:, None].repeat(3, axis=1)
    labels = np.arange(10) % 5
    a = tr.Batches(x, labels, 5, 4, seed=1)
    b = tr.Batches(x, labels, 5, 4, seed=1)
    assert len(a) == 3
    first = [a[i][0][:, 0].tolist() for i in range(len(a))]
    assert first == [b[i][0][:, 0].tolist() for i in range(len(b))]
    assert sorted(sum(first, [])) == list(range(10))
    xb, yb = a[0]
    assert np.array_equal(yb.argmax(1), labels[xb[:, 0].astype(int)])
    a.on_epoch_end()
    assert [a[i][0][:, 0].tolist() for i in range(len(a))] != first


def test_augmented_spectrogram_batches_stay_above_the_floor():
    x = np.full((8, 4, 20, 1), -100.0, np.float32)
    x[:, :, 5:10] = -30.0
    y = np.eye(2, dtype=np.float32)[np.arange(8) % 2]
    rng = np.random.default_rng(0)
    xa, ya = tr.augment_batch(x.copy(), y, dict(shift=0.3, gain=(0.5, 2.0), mixup=0.2), rng, time_axis=1,
                              floor=-100.0)
    assert xa.shape == x.shape and xa.min() >= -100.0
    np.testing.assert_allclose(ya.sum(axis=1), 1.0, rtol=1e-6)


def test_training_config_is_validated():
    with pytest.raises(ValueError, match="unknown preset"):
        tr.get_config("nope")
    with pytest.raises(ValueError, match="unknown model"):
        tr.TrainConfig(model="resnet")
    with pytest.raises(ValueError, match="augmentation"):
        tr.TrainConfig(augment=dict(reverb=1))
    assert tr.get_config("seed_cnn", epochs=3).epochs == 3


def test_piczak_segments_are_41_frames_with_half_overlap():
    X = np.arange(2 * 3 * 216, dtype=np.float32).reshape(2, 3, 216)
    W = segments(X)
    assert W.shape == (2, 9, 3, 41)
    assert np.array_equal(W[1, 2], X[1, :, 40:81])


def test_delayed_copies_shift_each_clip_into_silence_by_up_to_max_delay():
    X = np.stack([np.full((3, 10), 5.0), np.ones((3, 10))], axis=-1)[None].repeat(2, axis=0)  # 2 clips
    X[1, :, :, 0] = 7.0
    out = tr.delayed_copies(X, 3, 4, np.random.default_rng(0), floor=-100.0)
    assert out.shape == (6, 3, 14, 2)
    for k, copy in enumerate(out):
        loud = np.flatnonzero(copy[0, :, 0] > -100.0)
        assert len(loud) == 10 and loud[0] <= 4 and np.all(np.diff(loud) == 1)
        np.testing.assert_array_equal(copy[:, loud], X[k % 2])
        silent = np.setdiff1d(np.arange(14), loud)
        assert np.all(copy[:, silent, 0] == -100.0) and np.all(copy[:, silent, 1] == 0.0)
    assert len({int(np.argmax(c[0, :, 0] > -100.0)) for c in out}) > 1  # not all the same delay
    with pytest.raises(ValueError, match="channels"):
        tr.delayed_copies(X[..., 0], 1, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="delays"):
        tr.get_config("mel_cnn_quick", augment=dict(delays=2))


def test_piczak_delays_add_segments_of_delayed_training_clips(sample):
    meta = esc50.load_meta(sample)
    X, labels = MODEL_INPUTS["piczak_cnn"].clips(sample, meta, progress=False), meta["target"].to_numpy()
    plain = tr.get_config("piczak_cnn", augment={})
    x, y = tr.training_examples(plain, X, labels)
    x2, y2 = tr.training_examples(tr.get_config(plain, augment=dict(delays=2)), X, labels)
    # Each copy is 43 frames (1 s) longer: up to 11 segments of 41 frames where a clip has 9.
    assert 2 * len(x) < len(x2) - len(x) <= 2 * len(x) * 11 / 9
    np.testing.assert_array_equal(x2[:len(x)], x)
    assert set(y2) == set(y)


@pytest.fixture(scope="module")
def sample_run(sample):
    """A tiny mel_cnn cross-validated on the shipped sample: 1 epoch, two folds."""
    return tr.cross_validate("mel_cnn_quick", sample, name="tiny", folds=[1, 2], verbose=0, progress=False,
                             resume=False, **TINY)


def test_cross_validation_writes_a_complete_results_file(sample_run, sample):
    saved = json.loads(open(sample_run["path"]).read())
    assert saved["name"] == "tiny" and saved["config"]["model"] == "mel_cnn"
    assert [f["test_fold"] for f in saved["folds"]] == [1, 2]
    assert [f["val_fold"] for f in saved["folds"]] == [2, 3]
    assert len(saved["predictions"]) == 20  # 10 clips in each tested fold of the sample
    meta = esc50.load_meta(sample)
    fold_of = dict(zip(meta["filename"], meta["fold"]))
    for p in saved["predictions"]:
        assert fold_of[p["filename"]] == p["fold"] and len(p["top5"]) == 5
    acc = [f["accuracy"] for f in saved["folds"]]
    assert saved["accuracy"]["mean"] == pytest.approx(np.mean(acc))
    for fold in saved["folds"]:
        assert fold["epochs"] == 1 and fold["seconds"] > 0 and len(fold["history"]["val_accuracy"]) == 1
    assert saved["machine"]["cpus"] >= 1 and "keras" in saved["machine"]


def test_saved_fold_models_reload_and_predict_the_same(sample_run, sample):
    path = sample_run["folds"][0]["model_path"]
    model = load_model(path)
    meta = esc50.load_meta(sample)
    test = meta[meta["fold"] == 1].reset_index(drop=True)
    X = MODEL_INPUTS["mel_cnn"].clips(sample, test, progress=False)
    proba = tr.predict_clips(model, X, MODEL_INPUTS["mel_cnn"])
    expected = {p["filename"]: p["top5"][0] for p in sample_run["predictions"] if p["fold"] == 1}
    for name, row in zip(test["filename"], proba):
        assert [int(row.argmax()), round(float(row.max()), 4)] == expected[name]


def test_an_interrupted_run_resumes_from_its_finished_folds(sample_run, sample, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("fold 1 was trained again")
    monkeypatch.setattr(tr, "train_fold", fail)
    again = tr.cross_validate("mel_cnn_quick", sample, name="tiny", folds=[1], verbose=0, progress=False,
                              save=False, **TINY)
    assert again["folds"][0]["accuracy"] == sample_run["folds"][0]["accuracy"]
    with pytest.raises(AssertionError, match="trained again"):  # a changed configuration retrains
        tr.cross_validate("mel_cnn_quick", sample, name="tiny", folds=[1], verbose=0, progress=False,
                          save=False, **{**TINY, "seed": 7})


def test_a_run_whose_folds_are_all_reused_keeps_its_results_file(sample_run, sample, monkeypatch):
    path = Path(sample_run["path"])
    before = path.read_bytes()
    monkeypatch.setattr(tr, "train_fold", lambda *a, **k: pytest.fail("a finished fold was trained again"))
    again = tr.cross_validate("mel_cnn_quick", sample, name="tiny", folds=[1, 2], verbose=0, progress=False,
                              **TINY)
    assert path.read_bytes() == before and again["created"] == sample_run["created"]
    assert again["path"] == str(path)
    # Reusing a different set of folds is a different result: that one is written.
    only_first = tr.cross_validate("mel_cnn_quick", sample, name="tiny", folds=[1], verbose=0, progress=False,
                                   **TINY)
    assert json.loads(path.read_text())["accuracy"]["folds"] == only_first["accuracy"]["folds"]
    path.write_bytes(before)


def test_the_same_seed_gives_the_same_model(sample):
    meta = esc50.load_meta(sample)
    X = MODEL_INPUTS["mel_cnn"].clips(sample, meta, progress=False)
    labels = meta["target"].to_numpy()
    train, val, _ = tr.fold_split(meta["fold"], 1)
    config = tr.get_config("mel_cnn_quick", **TINY)
    weights = []
    for _ in range(2):
        model, history, _ = tr.train_fold(config, X, labels, train, val, n_classes=50, verbose=0)
        weights.append(model.get_weights())
        keras.backend.clear_session()
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("preset", ["piczak_cnn", "seed_cnn"])
def test_the_other_models_train_on_the_sample(preset, sample):
    overrides = dict(epochs=1, batch_size=32)
    if preset == "piczak_cnn":
        overrides["model_args"] = dict(l2=0.0)
    run = tr.cross_validate(preset, sample, folds=[3], verbose=0, progress=False, save=False, save_models=False,
                            resume=False, **overrides)
    assert len(run["predictions"]) == 10 and 0 <= run["accuracy"]["mean"] <= 1


def test_crops_shorten_training_batches_and_the_model_takes_any_length():
    x = np.random.default_rng(0).normal(-50, 10, size=(4, 6, 40, 1)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]
    xa, _ = tr.augment_batch(x, y, dict(crop=0.5, shift=0.2), np.random.default_rng(0), time_axis=1, floor=-100.0)
    assert xa.shape == (4, 6, 20, 1)
    config = tr.get_config("mel_cnn_quick", augment=dict(crop=0.5), **TINY)
    model = tr.build_model(config, 2, x.shape[1:])
    assert model.input_shape == (None, 6, None, 1)
    assert model.predict_on_batch(x).shape == model.predict_on_batch(xa).shape == (4, 2)
    with pytest.raises(ValueError, match="any length"):
        tr.get_config("seed_cnn", augment=dict(crop=0.5))
    with pytest.raises(ValueError, match="fraction"):
        tr.get_config("mel_cnn_quick", augment=dict(crop=1.5))
    with pytest.raises(ValueError, match="range"):
        tr.get_config("mel_cnn_quick", augment=dict(crop=(0.9, 0.5)))


def test_a_crop_range_draws_one_length_per_batch():
    x = np.zeros((3, 9, 4), np.float32)
    y = np.eye(3, dtype=np.float32)
    lengths = {tr.augment_batch(x.copy(), y, dict(crop=(0.4, 1.0)), np.random.default_rng(k), time_axis=0,
                                crop_share=0.0)[0].shape[1] for k in range(40)}
    assert lengths == {4, 5, 6, 7, 8, 9}  # of the 9 frames
    batches = tr.Batches(np.zeros((40, 9, 4), np.float32), np.arange(40) % 2, 2, 4, augment=dict(crop=(0.4, 1.0)),
                         time_axis=0, crop_share=0.0)
    swept = [batches[i][0].shape[1] for i in range(len(batches))]
    assert all(a != b for a, b in zip(swept, swept[1:])) and set(swept) == {4, 5, 6, 7, 8, 9}


def test_a_run_made_on_another_machine_is_reused_and_says_where_it_was_trained(sample_run, sample, monkeypatch,
                                                                                capsys):
    """dtype="auto" resolves to bfloat16 on one CPU and float32 on another: the saved run records
    the configuration as asked for, and each fold the policy it ran in, so both reuse it."""
    monkeypatch.setattr(tr, "train_fold", lambda *a, **k: pytest.fail("a finished fold was trained again"))
    auto = {**TINY, "model_args": dict(TINY["model_args"], dtype="auto")}
    first = tr.cross_validate("mel_cnn_quick", sample, name="tiny", folds=[1], verbose=0, save=False, **TINY)
    assert first["folds"][0]["machine"]["dtype_policy"] == "float32"
    capsys.readouterr()
    partial = Path(tr.results_dir()) / "partial" / "tiny_auto" / "fold1.json"
    saved = json.loads((Path(tr.results_dir()) / "partial" / "tiny" / "fold1.json").read_text())
    saved["config"]["model_args"]["dtype"] = "auto"
    saved["record"]["machine"] = {"cpus": 16, "cpu": "Another CPU", "dtype_policy": "mixed_bfloat16"}
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_text(json.dumps(saved))
    for policy in ("float32", "mixed_bfloat16"):
        monkeypatch.setattr(tr, "auto_dtype", lambda policy=policy: policy)
        again = tr.cross_validate("mel_cnn_quick", sample, name="tiny_auto", folds=[1], verbose=0, save=False, **auto)
        assert again["accuracy"]["folds"] == first["accuracy"]["folds"]
        assert "reused, trained on 16 CPU cores (Another CPU), mixed_bfloat16" in capsys.readouterr().out
        assert again["machine"]["cpu"] == "Another CPU"


def test_configurations_that_predate_a_new_option_still_match():
    config = tr.run_config(tr.get_config("mel_cnn_quick"))
    older = {k: v for k, v in config.items() if k not in ("refit", "seeds")}
    assert tr.same_config(older, config)
    assert not tr.same_config({**older, "epochs": 1}, config) and not tr.same_config(None, config)
    assert not tr.same_config(older, tr.run_config(tr.get_config("mel_cnn_quick", refit=True)))


def test_the_settled_epoch_is_the_centre_of_the_best_five():
    spike = [0.5, 0.6, 0.9, 0.6, 0.6, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7]
    assert tr.settled_epoch(spike) == 9  # epochs 7-11 average 0.8; the spike at epoch 3 is alone
    assert tr.settled_epoch([0.1, 0.3, 0.2]) == 2  # shorter than the window: the best epoch
    runs = {"folds": [{"best_epoch": 3, "refit_epochs": 9}, {"best_epoch": 5}, {"best_epoch": 20}]}
    assert tr.final_epochs(runs) == 9


def test_a_model_trained_on_every_clip_predicts_with_the_crops_most_folds_chose():
    config = tr.get_config("mel_cnn_quick", test_crops=(1, 3, 5))
    runs = {"folds": [{"test_crops": c} for c in (1, 3, 5, 3, 1)]}
    assert tr.final_test_crops(config, runs) == 1  # a tie: the fewest
    assert tr.final_test_crops(config, {"folds": runs["folds"][1:]}) == 3
    assert tr.final_test_crops(config) == 1  # no validation fold chose: the fewest offered
    assert tr.final_test_crops(tr.get_config("mel_cnn_quick", test_crops=10), runs) == 10


def test_refit_and_seeds_are_validated():
    with pytest.raises(ValueError, match="seeds > 1 averages retrained models: it needs refit=True"):
        tr.get_config("mel_cnn_quick", seeds=2)
    with pytest.raises(ValueError, match="seeds must be a positive integer"):
        tr.get_config("mel_cnn_quick", refit=True, seeds=0)
    config = tr.get_config("mel_cnn_quick", epochs=5)
    with pytest.raises(ValueError, match=r"epochs must be in \[1, 5\]"):
        tr.train_for(config, np.zeros((2, 4, 8, 1)), np.zeros(2, int), np.arange(2), 6, n_classes=2)


def test_a_model_trained_on_every_clip_takes_its_epochs_from_the_cross_validation(sample_run, sample):
    path = tr.train_final("mel_cnn_quick", sample, name="tiny", verbose=0, progress=False, **TINY)
    info = json.loads(path.with_suffix(".json").read_text())
    assert path.name == "all.keras" and info["epochs"] == 1 and info["n_clips"] == 50 and info["test_crops"] == 1
    assert info["cross_validation"]["accuracy"] == json.loads(open(sample_run["path"]).read())["accuracy"]
    assert info["classes"][0] == "dog" and load_model(path).name == "mel_cnn"
    with pytest.raises(ValueError, match="made with another configuration"):
        tr.train_final("mel_cnn_quick", sample, name="tiny", verbose=0, progress=False, **{**TINY, "seed": 3})


def test_results_keep_every_clips_full_probabilities(sample_run):
    from esc50.results import probabilities

    P = probabilities(sample_run)
    assert P.shape == (20, 50) and np.allclose(P.sum(axis=1), 1.0, atol=2e-3)
    old = {"classes": sample_run["classes"], "predictions": [
        {k: v for k, v in p.items() if k != "proba"} for p in sample_run["predictions"]]}
    approx = probabilities(old)  # top 5 kept, the rest spread evenly
    np.testing.assert_array_equal(approx.argmax(1), P.argmax(1))
    np.testing.assert_allclose(approx.sum(axis=1), 1.0, atol=1e-5)


def test_runs_combine_into_an_ensemble_of_their_probabilities(sample_run):
    from esc50.evaluation import combine

    both = combine([sample_run, sample_run], "twice")
    assert both["accuracy"]["folds"] == sample_run["accuracy"]["folds"]
    assert both["config"]["members"] == ["tiny", "tiny"] and not both["config"]["approximate"]
    assert both["folds"][0]["seconds"] == pytest.approx(2 * sample_run["folds"][0]["seconds"], abs=0.02)
    with pytest.raises(ValueError, match="did not predict the same clips"):
        combine([sample_run, dict(sample_run, predictions=sample_run["predictions"][:10])])


def test_crops_of_any_window_are_drawn_at_once_exactly_as_one_by_one():
    from esc50 import augment as aug

    x = np.random.default_rng(0).normal(size=(16, 6, 40, 1)).astype(np.float32)
    y = np.eye(16, 2, dtype=np.float32)
    fast, _ = tr.augment_batch(x.copy(), y, dict(crop=0.5), np.random.default_rng(1), time_axis=1, floor=-100.0,
                               crop_share=0.0)
    rng = np.random.default_rng(1)
    slow = np.stack([np.moveaxis(aug.random_crop(np.moveaxis(e, 1, -1), 20, rng, floor=-100.0, min_share=0.0),
                                 -1, 1) for e in x])
    np.testing.assert_array_equal(fast, slow)


def test_even_crops_span_the_clip_from_start_to_end():
    X = np.arange(2 * 3 * 20, dtype=np.float32).reshape(2, 3, 20, 1)
    W = tr.even_crops(X, 4, 8, time_axis=1)
    assert W.shape == (2, 4, 3, 8, 1)
    assert [int(W[0, k, 0, 0, 0]) for k in range(4)] == [0, 4, 8, 12]  # starts 0 .. 20 - 8, evenly
    np.testing.assert_array_equal(W[1, 3], X[1, :, 12:20])


def test_test_crops_label_smoothing_speed_changes_and_between_class_mixing_train_on_the_sample(sample):
    run = tr.cross_validate("mel_cnn_quick", sample, folds=[1], verbose=0, progress=False, save=False,
                            save_models=False, resume=False, test_crops=(5, 1, 3), label_smoothing=0.1,
                            augment=dict(crop=0.5, scale=(0.8, 1.25), between=True), **TINY)
    assert len(run["predictions"]) == 10 and run["config"]["test_crops"] == [5, 1, 3]
    fold = run["folds"][0]
    by_crops = {int(n): a for n, a in fold["val_accuracy_by_crops"].items()}
    assert sorted(by_crops) == [1, 3, 5]  # the validation fold chose, the fewest of the best
    assert fold["test_crops"] == min(n for n, a in by_crops.items() if a == max(by_crops.values()))
    with pytest.raises(ValueError, match="test_crops > 1 needs crop"):
        tr.get_config("mel_cnn_quick", augment={}, test_crops=(1, 4))
    with pytest.raises(ValueError, match="positive integer"):
        tr.get_config("mel_cnn_quick", test_crops=(0, 3))
    with pytest.raises(ValueError, match="replaces mixup"):
        tr.get_config("mel_cnn", augment=dict(mixup=0.2, between=True))
    with pytest.raises(ValueError, match="label_smoothing"):
        tr.get_config("mel_cnn", label_smoothing=1.0)
    with pytest.raises(ValueError, match="range of speed factors"):
        tr.get_config("mel_cnn", augment=dict(scale=1.2))
    with pytest.raises(ValueError, match="log-mel"):
        tr.get_config("seed_cnn", augment=dict(scale=(0.8, 1.2)))


def test_the_gpu_script_trains_folds_in_parallel_then_writes_the_results(tmp_path):
    import subprocess
    import sys

    script = Path(__file__).parents[1] / "scripts" / "parallel_folds.py"
    run = subprocess.run([sys.executable, str(script), "mel_cnn_quick", "--sample", "--epochs", "1", "--seed", "7",
                          "--name", "parallel", "--folds", "1", "2", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    saved = json.loads((tmp_path / "parallel.json").read_text())
    assert [f["test_fold"] for f in saved["folds"]] == [1, 2] and "reused" in run.stdout
    assert saved["config"]["seed"] == 7
    stopped = subprocess.run([sys.executable, str(script), "mel_cnn_quick", "--sample", "--epochs", "1", "--name",
                              "parallel_stopped", "--folds", "3", "--deadline", "0"], capture_output=True, text=True)
    assert stopped.returncode == 3 and "resume" in stopped.stdout
