"""Training interrupted mid-fold resumes from its checkpoint and ends as if never interrupted."""
import numpy as np
import pytest

from esc50 import training as tr
from esc50.checkpoints import CheckpointWarning, FitState

# Seven epochs with a checkpoint every five: an interruption in epoch 6 or 7 resumes from the 5th.
SHORT = dict(model_args=dict(width=4, blocks=2), epochs=7, batch_size=16)


class Interrupted(Exception):
    pass


def interrupt_at(monkeypatch, epoch, run):
    """Make the ``run`` checkpoint's fit raise right after ``epoch`` (counted from 1) ends."""
    original = FitState.on_epoch_end

    def on_epoch_end(self, e, logs=None):
        original(self, e, logs)
        if e + 1 == epoch and self.path is not None and f".{run}." in self.path.name:
            raise Interrupted(f"stopped after epoch {epoch}")
    monkeypatch.setattr(FitState, "on_epoch_end", on_epoch_end)


def interrupted(sample, monkeypatch, name, at=6, run="validate", **overrides):
    """Start run ``name`` and stop it right after epoch ``at`` of its ``run`` fit."""
    with monkeypatch.context() as m:
        interrupt_at(m, at, run)
        with pytest.raises(Interrupted):
            cv(sample, name, **overrides)


def record_starts(monkeypatch):
    """The epoch each fit resumes from (0: from scratch), in the order the fits start."""
    started = []
    original = FitState.resume
    monkeypatch.setattr(FitState, "resume", lambda self, *a: started.append(original(self, *a)) or started[-1])
    return started


def cv(sample, name, **overrides):
    return tr.cross_validate("mel_cnn_quick", sample, name=name, folds=[1], verbose=0, progress=False,
                             **SHORT | overrides)


@pytest.fixture(scope="module")
def straight(sample):
    return cv(sample, "straight", resume=False), cv(sample, "straight_refit", resume=False, refit=True)


def same_run(a, b):
    fa, fb = a["folds"][0], b["folds"][0]
    assert fa["history"] == fb["history"]
    assert [fa[k] for k in ("accuracy", "best_epoch", "epochs")] == [fb[k] for k in ("accuracy", "best_epoch",
                                                                                     "epochs")]
    assert a["predictions"] == b["predictions"]  # every clip's full probabilities, to 4 decimals


@pytest.mark.parametrize("run, at, refit, starts", [
    ("validate", 6, False, [5]),  # mid-run: the validation run resumes from its 5th epoch
    ("validate", 6, True, [5, 0]),
    ("refit0", 2, True, [7, 0]),  # in the retraining: the finished validation run is not repeated
])
def test_an_interrupted_fold_resumes_from_its_checkpoint_with_the_same_results(sample, straight, monkeypatch,
                                                                                 run, at, refit, starts):
    name = f"interrupted_{run}_{refit}"
    interrupted(sample, monkeypatch, name, at, run, refit=refit)
    assert (tr.models_dir() / name / "fold1.validate.ckpt.npz").exists()
    started = record_starts(monkeypatch)
    resumed = cv(sample, name, refit=refit)
    assert started == starts
    same_run(resumed, straight[refit])
    assert not list((tr.models_dir() / name).glob("*.ckpt.npz"))  # removed once the fold was saved


def test_a_corrupt_checkpoint_is_discarded_and_training_starts_again(sample, straight, monkeypatch):
    name = "corrupt"
    interrupted(sample, monkeypatch, name)
    path = tr.models_dir() / name / "fold1.validate.ckpt.npz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # as a crash mid-copy would leave it
    with pytest.warns(CheckpointWarning, match=r"fold1\.validate\.ckpt\.npz.*cannot be read"):
        again = cv(sample, name)
    same_run(again, straight[False])


def test_a_checkpoint_of_another_configuration_is_not_resumed(sample, monkeypatch):
    interrupted(sample, monkeypatch, "changed")
    with pytest.warns(CheckpointWarning, match="another configuration"):
        interrupted(sample, monkeypatch, "changed", at=1, learning_rate=1e-2)  # only the check matters here


def test_resume_false_starts_the_fold_afresh(sample, monkeypatch):
    interrupted(sample, monkeypatch, "afresh")
    started = record_starts(monkeypatch)
    cv(sample, "afresh", resume=False)
    assert started == [0]


def test_fit_state_keeps_the_first_best_epoch_and_stops_on_patience():
    state = FitState(monitor="val_accuracy", patience=2)

    class Model:
        stop_training = False

        def get_weights(self):
            return [np.array(len(state.seconds))]
    state.set_model(Model())
    for epoch, acc in enumerate([0.2, 0.5, 0.5, 0.4, 0.9]):
        state.on_epoch_begin(epoch)
        state.on_epoch_end(epoch, {"val_accuracy": acc, "loss": 1.0})
        if state.model.stop_training:
            break
    assert state.best_epoch == 2 and state.best_weights[0] == 2 and state.stopped and state.epochs_done == 4
    assert state.history["val_accuracy"] == [0.2, 0.5, 0.5, 0.4] and state.finished(10)
    with pytest.raises(ValueError, match="every"):
        FitState(every=0)


def test_a_fold_stopped_after_its_training_ends_the_same_with_weight_averaging(sample, monkeypatch):
    straight = cv(sample, "ema_straight", resume=False, refit=True, ema=0.9)
    with monkeypatch.context() as m:
        m.setattr(tr, "predict_clips", lambda *a, **k: (_ for _ in ()).throw(Interrupted("before testing")))
        with pytest.raises(Interrupted):
            cv(sample, "ema_stopped", refit=True, ema=0.9)
    started = record_starts(monkeypatch)
    resumed = cv(sample, "ema_stopped", refit=True, ema=0.9)
    assert started[0] == 7 and started[1] == straight["folds"][0]["refit_epochs"]  # nothing left to train
    same_run(resumed, straight)
    with pytest.raises(ValueError, match="needs refit"):
        tr.get_config("mel_cnn_quick", ema=0.99)
