"""YAMNet, its embeddings and scores, the head, zero-shot: on a stand-in everywhere, on the real
model where a copy of it is (../shared/yamnet or ESC50_YAMNET; the tests that need it skip otherwise)."""
import json

import numpy as np
import pytest

from esc50 import extract, transfer, zeroshot
from esc50.evaluation import class_names
from esc50.extraction import cache_key
from esc50.inputs import MODEL_INPUTS, WAVEFORM_CONFIG
from esc50.predict import KerasClassifier, YamnetClassifier, load_model, predict_file
from esc50.training import cross_validate, save_model

MAPPED = sorted({a for names in zeroshot.AUDIOSET_CLASSES.values() for a in names})


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """A stand-in: its labels include every AudioSet class the zero-shot table names."""
    return transfer.build_standin(tmp_path_factory.mktemp("yamnet") / "standin.tflite")


@pytest.fixture
def use_standin(standin, monkeypatch):
    monkeypatch.setenv(transfer.YAMNET_ENV, str(standin))
    return standin


def test_frames_are_yamnets_0975_s_every_048_s():
    y = np.arange(5 * 16000, dtype=np.float32)
    F = transfer.frames(y)
    assert F.shape == (9, 15600)
    assert F[1, 0] == 7680 and F[8, -1] == 8 * 7680 + 15599
    short = transfer.frames(np.ones(1000, np.float32))
    assert short.shape == (1, 15600) and short[0, :1000].all() and not short[0, 1000:].any()
    with pytest.raises(ValueError, match="mono"):
        transfer.frames(np.zeros((2, 16000)))


def test_the_standin_reads_like_yamnet(standin):
    model = transfer.YAMNet(standin)
    scores, embeddings = model(np.random.default_rng(0).normal(0, 0.1, 5 * 16000).astype(np.float32))
    assert scores.shape == (9, 521) and embeddings.shape == (9, 1024)
    assert ((scores >= 0) & (scores <= 1)).all() and embeddings.std(axis=0).mean() > 0
    assert model.labels[:len(MAPPED)] == MAPPED and len(model.labels) == 521
    assert model.id == transfer.model_id(standin) and model.id.startswith("yamnet-")


def test_the_model_file_comes_from_the_environment_or_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(transfer.YAMNET_ENV, str(tmp_path / "missing.tflite"))
    with pytest.raises(FileNotFoundError, match="missing.tflite: no such file"):
        transfer.yamnet_path()
    assert not transfer.yamnet_available()
    monkeypatch.delenv(transfer.YAMNET_ENV)
    monkeypatch.setattr(transfer, "default_yamnet_path", lambda: tmp_path / "cache" / "yamnet.tflite")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "yamnet.tflite").write_bytes(b"not the model")  # a wrong hash is never used

    import pooch

    def offline(*args, **kwargs):
        raise OSError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(RuntimeError, match="could not download YAMNet.*ESC50_YAMNET"):
        transfer.yamnet_path()
    with pytest.raises(FileNotFoundError, match="not downloaded yet"):
        transfer.yamnet_path(download=False)


def test_a_file_that_is_not_a_model_is_refused_by_name(tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\0" * 100)
    with pytest.raises(ValueError, match="bad.tflite: not a TFLite model"):
        transfer.YAMNet(bad)


def test_frame_features_are_cached_per_model_file(use_standin, sample, tmp_path, monkeypatch, standin):
    F = extract("yamnet", sample, config=WAVEFORM_CONFIG, cache_dir=tmp_path, progress=False)
    assert F.shape == (50, 9, 1024 + 521) and np.isfinite(F).all()
    E, S = transfer.split(F)
    assert E.shape == (50, 9, 1024) and S.shape == (50, 9, 521)
    assert transfer.pooled(F).shape == (50, 2048) and transfer.pooled(F, scores=True).shape == (50, 3090)
    np.testing.assert_allclose(transfer.pooled(F)[:, :1024], E.mean(axis=1), rtol=1e-6)
    paths = sorted((sample / "audio").iterdir())[:2]
    key = cache_key("yamnet", WAVEFORM_CONFIG, paths)
    other = transfer.build_standin(tmp_path / "other.tflite", seed=1)
    monkeypatch.setenv(transfer.YAMNET_ENV, str(other))
    assert cache_key("yamnet", WAVEFORM_CONFIG, paths) != key  # another model, never a stale hit


def test_the_head_cross_validates_and_predicts_files_as_keras_and_as_tflite(use_standin, sample, tmp_path):
    results = cross_validate("yamnet_head", sample, name="head", folds=[1, 2], verbose=0, progress=False, epochs=3,
                             batch_size=16)
    assert [f["test_fold"] for f in results["folds"]] == [1, 2]
    assert len(results["predictions"]) == 20 and len(results["predictions"][0]["proba"]) == 50
    assert results["config"]["embedding_model"] == transfer.model_id(use_standin)
    model = load_model(results["folds"][0]["model_path"])
    clip = sample / "audio" / "1-100032-A-0.ogg"
    keras_prediction = predict_file(clip, model)
    assert keras_prediction.probabilities.shape == (50,) and keras_prediction.model == "yamnet_head"
    from esc50.export import to_tflite

    head = to_tflite(model, tmp_path / "head.tflite")
    (tmp_path / "head.json").write_text(json.dumps({"classes": class_names(),
                                                    "config": {"embedding_model": transfer.model_id(use_standin)}}))
    lite = YamnetClassifier(head)
    np.testing.assert_allclose(predict_file(clip, lite).probabilities, keras_prediction.probabilities, atol=1e-5)
    # A head knows which YAMNet it learned from, and refuses another's embeddings.
    (tmp_path / "head.json").write_text(json.dumps({"config": {"embedding_model": "yamnet-000000000000"}}))
    with pytest.raises(ValueError, match="learned from the embeddings of yamnet-000000000000"):
        YamnetClassifier(head)


def test_refit_retrains_on_the_validation_fold_too_and_seeds_average(use_standin, sample):
    once = cross_validate("yamnet_head", sample, name="refit1", folds=[3], verbose=0, progress=False, epochs=4,
                          save=False, save_models=False)
    twice = cross_validate("yamnet_head", sample, name="refit2", folds=[3], verbose=0, progress=False, epochs=4,
                           seeds=2, save=False, save_models=False)
    assert once["folds"][0]["best_epoch"] == twice["folds"][0]["best_epoch"]  # one validation run chooses
    assert once["predictions"] != twice["predictions"]  # and two retrained models are averaged


def test_zero_shot_maps_every_esc50_class_to_audioset_classes():
    names = class_names()
    assert sorted(zeroshot.AUDIOSET_CLASSES) == sorted(names)
    labels = MAPPED + ["other"]
    M = zeroshot.class_map(labels, names)
    assert M.shape == (len(labels), 50) and (M.sum(axis=0) >= 1).all() and M[-1].sum() == 0
    with pytest.raises(ValueError, match="the model has no AudioSet class 'Bark'"):
        zeroshot.class_map([x for x in labels if x != "Bark"], names)
    with pytest.raises(ValueError, match="no AudioSet classes are mapped to 'unicorn'"):
        zeroshot.class_map(labels, ["unicorn"])


def test_zero_shot_picks_the_class_of_the_best_mapped_score():
    names = class_names()
    labels = MAPPED + ["other"]
    S = np.zeros((2, 3, len(labels)), np.float32)
    S[0, :, labels.index("Bark")] = 0.9  # a dog's bark, all along
    S[1, 0, labels.index("Siren")] = 0.9  # a siren in one frame of three...
    S[1, :, labels.index("Rain")] = 0.4  # ...and rain in all of them
    mean = zeroshot.zero_shot(S, labels, names)
    assert names[mean[0].argmax()] == "dog" and names[mean[1].argmax()] == "rain"  # 0.4 > 0.9 / 3
    assert names[zeroshot.zero_shot(S, labels, names, "max")[1].argmax()] == "siren"
    with pytest.raises(ValueError, match="unknown pooling"):
        zeroshot.zero_shot(S, labels, names, "median")


def test_zero_shot_results_have_the_shape_of_every_other_run(use_standin, sample):
    results = zeroshot.cross_validate_zero_shot(sample, save=False, progress=False)
    assert [f["test_fold"] for f in results["folds"]] == [1, 2, 3, 4, 5]
    assert len(results["predictions"]) == 50 and results["config"]["model"] == "zero-shot"


def test_the_real_yamnet_is_the_pinned_file_and_hears_a_dog(sample, monkeypatch, yamnet_file):
    monkeypatch.setenv(transfer.YAMNET_ENV, str(yamnet_file))
    model = transfer.load_yamnet()
    assert model.id == "yamnet-" + transfer.YAMNET_SHA256[:12]
    assert model.labels[:2] == ["Speech", "Child speech, kid speaking"]
    from esc50 import load_audio

    y, _ = load_audio(sample / "audio" / "1-100032-A-0.ogg", 16000)  # a dog
    scores, embeddings = model(y)
    top = {model.labels[i] for i in np.argsort(-scores.max(axis=0))[:5]}
    assert {"Dog", "Bark"} <= top
    assert embeddings.min() >= 0 and embeddings.max() > 1  # ReLU6 activations, dequantised
    silence, _ = model(np.zeros(16000, np.float32))
    assert model.labels[silence[0].argmax()] == "Silence"


def test_the_real_yamnet_knows_the_sample_without_training(sample, monkeypatch, yamnet_file):
    """Zero-shot on the 50-clip sample (one clip per class): 39 right when this was written."""
    monkeypatch.setenv(transfer.YAMNET_ENV, str(yamnet_file))
    results = zeroshot.cross_validate_zero_shot(sample, save=False, progress=False)
    assert sum(p["target"] == p["predicted"] for p in results["predictions"]) >= 35


def test_the_shipped_head_knows_the_clips_it_was_trained_on(sample, monkeypatch, yamnet_file):
    """The shipped head was trained on all 2000 clips, the sample's among them: it classifies
    them (all 50 when this was written), through the TFLite path that needs no Keras."""
    from esc50.predict import SHIPPED_HEAD

    monkeypatch.setenv(transfer.YAMNET_ENV, str(yamnet_file))
    classifier = YamnetClassifier(SHIPPED_HEAD)
    right = sum(predict_file(path, classifier).top(1)[0][0] == name
                for path, name in zip(sorted((sample / "audio").iterdir()), _sample_categories(sample)))
    assert right >= 48


def _sample_categories(sample):
    from esc50 import load_meta

    meta = load_meta(sample).sort_values("filename")
    return list(meta["category"])


def test_keras_classifier_wraps_any_course_model(use_standin, sample, tmp_path):
    from esc50.models import yamnet_head

    model = load_model(save_model(yamnet_head(), tmp_path / "h.keras"))
    classifier = KerasClassifier(model)
    assert classifier.sample_rate == 16000 and classifier.description == "yamnet_head"
    assert classifier(np.zeros((2, 80000), np.float32)).shape == (2, 50)


def test_predict_with_yamnet_starts_without_tensorflow_keras_or_pandas(use_standin, sample, tmp_path):
    """The command line's fast path: LiteRT runs YAMNet and the head, nothing else is imported."""
    import subprocess
    import sys

    from esc50.export import to_tflite
    from esc50.models import yamnet_head

    head = to_tflite(yamnet_head(), tmp_path / "head.tflite")
    (tmp_path / "head.json").write_text(json.dumps({"classes": class_names(),
                                                    "config": {"embedding_model": transfer.model_id(use_standin)}}))
    probe = ("import sys; from esc50.cli import main; code = main(['predict', sys.argv[1], '--model', sys.argv[2]]); "
             "print(sorted(m for m in ('tensorflow', 'keras', 'pandas', 'sklearn', 'librosa') if m in sys.modules)); "
             "sys.exit(code)")
    out = subprocess.run([sys.executable, "-c", probe, str(sample / "audio" / "1-100032-A-0.ogg"), str(head)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "model: YAMNet + yamnet_head (transfer learning)" and lines[-1] == "[]"
    assert out.stderr == ""  # LiteRT's delegate announcement is held back


def test_a_logistic_regression_on_the_pooled_views_is_a_baseline(use_standin, sample):
    from esc50 import baselines

    X = baselines.features("yamnet", sample, progress=False)
    assert X.shape == (50, 4, 2048)  # four views, the mean and max of each
    results = baselines.cross_validate_baseline("logistic", "yamnet", sample, save=False, verbose=False)
    assert len(results["predictions"]) == 50 and results["config"]["embedding_model"] == transfer.model_id()


def test_zero_shot_classifies_files_too(use_standin, sample):
    from esc50.zeroshot import ZeroShotClassifier

    prediction = predict_file(sample / "audio" / "1-100032-A-0.ogg", ZeroShotClassifier())
    assert prediction.probabilities.shape == (50,) and prediction.probabilities.sum() == pytest.approx(1.0)
    assert prediction.model.startswith("YAMNet zero-shot")


def test_the_head_reads_the_mean_and_maximum_over_frames():
    x = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    np.testing.assert_allclose(transfer.mean_max(x), [[4, 5, 6, 7, 8, 9, 10, 11]])
    assert MODEL_INPUTS["yamnet_head"].pool is transfer.mean_max


def test_the_views_are_the_clip_framed_later(use_standin):
    y = np.random.default_rng(1).normal(0, 0.1, 80000).astype(np.float32)
    model = transfer.load_yamnet()
    V = transfer.views(model, y)
    assert V.shape == (4, 9, 1024)
    np.testing.assert_allclose(V[0], model(y)[1])
    np.testing.assert_allclose(V[2], model(np.concatenate([y[3840:], np.zeros(3840, np.float32)]))[1])
    np.testing.assert_allclose(transfer.split(transfer.shifted_frame_features(y))[0], V[1:])
