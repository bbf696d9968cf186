"""Transfer learning, end to end, with a stand-in for YAMNet (these machines have no internet)."""
import numpy as np
import pytest

from esc50 import extract, transfer
from esc50.extraction import cache_key
from esc50.inputs import MODEL_INPUTS
from esc50.predict import predict_file
from esc50.training import cross_validate, save_model


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    return transfer.build_standin(tmp_path_factory.mktemp("yamnet") / "standin")


@pytest.fixture
def use_standin(standin, monkeypatch):
    monkeypatch.setenv(transfer.HANDLE_ENV, str(standin))
    return standin


def test_the_standin_has_yamnets_signature(standin):
    model = transfer.load_yamnet(str(standin))
    scores, embeddings, log_mel = model(np.zeros(5 * 16000, np.float32))
    # YAMNet frames 0.96 s every 0.48 s: 5 s give 9 whole frames; 25 ms windows every 10 ms give 498 steps.
    assert scores.shape == (9, 521) and embeddings.shape == (9, 1024) and log_mel.shape == (498, 64)
    assert model(np.zeros(1000, np.float32))[1].shape == (1, 1024)  # short input: padded to one frame


def test_clip_embeddings_pool_frames_and_are_cached_per_model(use_standin, sample, tmp_path, monkeypatch):
    E = extract("yamnet", sample, config=MODEL_INPUTS["yamnet_head"].config, cache_dir=tmp_path, progress=False)
    assert E.shape == (50, 2 * transfer.EMBEDDING_SIZE) and np.isfinite(E).all()
    frames = transfer.frame_embeddings(np.zeros(16000 * 5, np.float32))
    pooled = transfer.clip_embedding(np.zeros(16000 * 5, np.float32))
    np.testing.assert_allclose(pooled, np.concatenate([frames.mean(0), frames.max(0)]))
    # Another embedding model is another cache entry, never a stale hit.
    paths = sorted((sample / "audio").iterdir())[:2]
    key = cache_key("yamnet", MODEL_INPUTS["yamnet_head"].config, paths)
    monkeypatch.setenv(transfer.HANDLE_ENV, "https://example.org/other-model")
    assert cache_key("yamnet", MODEL_INPUTS["yamnet_head"].config, paths) != key


def test_a_head_cross_validates_on_the_folds_and_predicts_files(use_standin, sample, tmp_path):
    results = cross_validate("yamnet_head", sample, name="head", folds=[1, 2], verbose=0, progress=False,
                             epochs=2, batch_size=16)
    assert [f["test_fold"] for f in results["folds"]] == [1, 2]
    assert len(results["predictions"]) == 20
    from esc50.predict import load_model

    model = load_model(results["folds"][0]["model_path"])
    prediction = predict_file(sample / "audio" / "1-100032-A-0.ogg", model)
    assert prediction.probabilities.shape == (50,)
    again = load_model(save_model(model, tmp_path / "again.keras"))
    np.testing.assert_allclose(predict_file(sample / "audio" / "1-100032-A-0.ogg", again).probabilities,
                               prediction.probabilities, rtol=1e-6)


def test_an_unreachable_model_gets_an_offline_hint(monkeypatch):
    import tensorflow_hub as hub

    def offline(handle):
        raise OSError("Name or service not known")

    monkeypatch.setattr(hub, "load", offline)
    with pytest.raises(RuntimeError, match="ESC50_YAMNET.*build_standin"):
        transfer.load_yamnet("https://tfhub.dev/google/yamnet/1/not-cached")


def test_runs_record_their_embedding_model_and_never_resume_another_ones(use_standin, sample, monkeypatch):
    first = cross_validate("yamnet_head", sample, name="head2", folds=[1], verbose=0, progress=False, epochs=1)
    assert first["config"]["embedding_model"] == str(use_standin)
    other = transfer.build_standin(use_standin.with_name("other"), seed=1)
    monkeypatch.setenv(transfer.HANDLE_ENV, str(other))
    second = cross_validate("yamnet_head", sample, name="head2", folds=[1], verbose=0, progress=False, epochs=1)
    assert second["config"]["embedding_model"] == str(other)
    assert second["folds"][0]["history"] != first["folds"][0]["history"]  # retrained, not resumed
