"""Training that survives interruption: a run in progress saved every few epochs, and resumed.

:class:`FitState` is the Keras callback that :mod:`esc50.training` trains with. It keeps the
history, each epoch's time and the best epoch's weights (as ``EarlyStopping`` with
``restore_best_weights`` does), and, given a ``path``, saves all that resuming needs every
``every`` epochs: the model's variables (the weights and the random state of its dropout and
SpecAugment layers), the optimiser's (its moments and step count, hence the point reached on
the learning-rate schedule), the epoch, the best epoch so far and its weights. The training
batches draw their randomness from ``(seed, epoch, batch)`` (:class:`esc50.training.Batches`),
so the epoch is all of their state. A resumed run therefore continues exactly where the
saved one was: on the same machine it ends with the same weights as a run never interrupted.

A checkpoint is one ``.npz`` file, written atomically; one that cannot be read (a truncated
or corrupt file: numpy checks each member's CRC) or that belongs to another configuration is
discarded with a warning, and training starts again from the first epoch.
"""
from __future__ import annotations

import json
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .fileio import atomic_write
from .quiet import keras_quietly

keras = keras_quietly()


class CheckpointWarning(UserWarning):
    """A checkpoint was discarded (unreadable, or from another configuration)."""


class FitState(keras.callbacks.Callback):
    """History, epoch times and best weights of one ``fit``; with ``path``, saved and resumable.

    Parameters
    ----------
    path : str or Path, optional
        The checkpoint file (``.npz``). None: nothing is saved (the state lives in memory).
    identity : dict, optional
        What the run is (its configuration, its data): a checkpoint is resumed only by a run
        with the same identity.
    every : int, default 5
        Save after every ``every`` epochs, and after the last one.
    monitor : str, optional
        A ``logs`` entry to maximise (``"val_accuracy"``); its best epoch's weights are
        restored when training ends. None: the last epoch's weights are kept.
    patience : int, optional
        Stop when ``monitor`` has not improved for this many epochs.

    Examples
    --------
    >>> state = FitState("models/run/fold1.ckpt.npz", identity=dict(seed=1), monitor="val_accuracy")  # doctest: +SKIP
    >>> start = state.resume(model, batches)  # doctest: +SKIP
    >>> if not state.finished(60):  # doctest: +SKIP
    ...     model.fit(batches, validation_data=val, epochs=60, initial_epoch=start, callbacks=[state])
    ... state.restore_best(model)
    """

    def __init__(self, path=None, identity=None, *, every=5, monitor=None, patience=None):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be a positive number of epochs, got {every}")
        self.path = None if path is None else Path(path)
        self.identity = json.loads(json.dumps(identity or {}))
        self.every, self.monitor, self.patience = every, monitor, patience
        self.history, self.seconds = {}, []
        self.best, self.best_epoch, self.best_weights, self.wait = -np.inf, 0, None, 0
        self.stopped = False

    @property
    def epochs_done(self):
        return len(self.seconds)

    def resume(self, model, batches=None):
        """Restore ``model`` (compiled) and ``batches`` from the checkpoint, if there is a
        valid one. Returns the epoch to start from: ``fit``'s ``initial_epoch``."""
        saved = self._load()
        if saved is None:
            return 0
        state, arrays = saved
        targets = model.variables + _optimiser_variables(model)
        names = [f"m{i}" for i in range(len(model.variables))]
        names += [f"o{i}" for i in range(len(targets) - len(model.variables))]
        best_names = [f"b{i}" for i in range(len(model.weights))] if state["has_best"] else []
        expected = [tuple(v.shape) for v in targets] + [tuple(w.shape) for w in model.weights][:len(best_names)]
        if sorted(arrays) != sorted(names + best_names) or [arrays[n].shape for n in names + best_names] != expected:
            self._discard("its arrays do not fit this model")
            return 0
        held, best = [arrays[n] for n in names], [arrays[n] for n in best_names]
        for v, a in zip(targets, held):
            v.assign(a)
        self.history, self.seconds = state["history"], state["seconds"]
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]
        self.best_weights, self.stopped = best or None, state["stopped"]
        if batches is not None:
            batches.set_epoch(self.epochs_done)
        return self.epochs_done

    def finished(self, epochs):
        """Whether a run of ``epochs`` epochs has nothing left to train (all done, or stopped
        by patience): ``fit`` would run a step anyway, so skip it and :meth:`restore_best`."""
        return self.stopped or self.epochs_done >= epochs

    def restore_best(self, model):
        """Put the best epoch's weights in ``model`` (when there is a ``monitor``)."""
        if self.best_weights is not None:
            model.set_weights(self.best_weights)

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        if self.monitor is not None:
            current = (logs or {})[self.monitor]
            self.wait += 1
            if current > self.best:
                self.best, self.best_epoch, self.wait = float(current), epoch + 1, 0
                self.best_weights = self.model.get_weights()
            elif self.patience is not None and self.wait >= self.patience:
                self.stopped = self.model.stop_training = True
        if self.path is not None and (self.stopped or (epoch + 1) % self.every == 0
                                      or epoch + 1 == self.params.get("epochs")):
            self.save()

    def save(self):
        """Write the checkpoint now (atomically)."""
        arrays = {f"m{i}": v.numpy() for i, v in enumerate(self.model.variables)}
        arrays |= {f"o{i}": v.numpy() for i, v in enumerate(_optimiser_variables(self.model))}
        arrays |= {f"b{i}": w for i, w in enumerate(self.best_weights or [])}
        state = dict(identity=self.identity, history=self.history, seconds=self.seconds, best=self.best,
                     best_epoch=self.best_epoch, wait=self.wait, stopped=self.stopped,
                     has_best=self.best_weights is not None)
        with atomic_write(self.path) as f:
            np.savez(f, state=np.array(json.dumps(state)), **arrays)

    def _load(self):
        if self.path is None or not self.path.exists():
            return None
        try:
            with np.load(self.path) as f:
                arrays = {k: f[k] for k in f.files}
            state = json.loads(str(arrays.pop("state")))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            self._discard(f"it cannot be read ({type(e).__name__}: {e})")
            return None
        if state.get("identity") != self.identity:
            self._discard("it was made by another configuration")
            return None
        return state, arrays

    def _discard(self, why):
        warnings.warn(f"{self.path}: checkpoint discarded, training starts again: {why}", CheckpointWarning,
                      stacklevel=3)
        self.path.unlink(missing_ok=True)


def _optimiser_variables(model):
    """The optimiser's variables, created first if no step has run yet (a resumed run's
    optimiser must exist before its saved state can be put back)."""
    optimiser = model.optimizer
    if not optimiser.built:
        optimiser.build(model.trainable_variables)
    return list(optimiser.variables)
