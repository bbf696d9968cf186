"""Training Keras models with 5-fold cross-validation over the official ESC-50 folds.

For each test fold, the next fold (cyclically) is the validation fold, used to pick the best
epoch; the other three folds are the training data, and the input normalisation is fitted
on them alone. Nothing about the test fold influences training or model selection.

Use :data:`esc50.presets.PRESETS` by name (``cross_validate("mel_cnn_quick")``) or a :class:`TrainConfig`.
"""
from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import augment as aug
from .checkpoints import FitState
from .dataset import FOLDS, data_dir, folds_of, load_meta
from .evaluation import class_names
from .extraction import KINDS
from .fileio import atomic_write, output_dir
from .inputs import LOG_MEL_FLOOR, MODEL_INPUTS
from .models import BUILDERS, auto_dtype
from .presets import PRESETS, TrainConfig, get_config  # noqa: F401  (re-exported)
from .quiet import keras_quietly
from .results import clip_predictions, describe_machine, load_results, machine, results_dir, save_results, summarise

keras = keras_quietly()

MODELS_ENV = "ESC50_MODELS"
GOLDEN = (5 ** 0.5 - 1) / 2


def models_dir():
    """``$ESC50_MODELS``, else the repository's ``models/`` (see :func:`esc50.fileio.output_dir`)."""
    return output_dir("models", MODELS_ENV)


def validation_fold(test_fold, folds=FOLDS):
    """The fold after ``test_fold``, cyclically: 1 -> 2, ..., 5 -> 1."""
    folds = sorted(folds)
    return folds[(folds.index(test_fold) + 1) % len(folds)]


def fold_split(clip_folds, test_fold):
    """Indices of the training, validation and test clips when ``test_fold`` is tested.

    ``clip_folds`` is each clip's fold. The validation fold is :func:`validation_fold`.
    """
    clip_folds = np.asarray(clip_folds)
    val = validation_fold(test_fold, folds_of(clip_folds))
    train = np.flatnonzero((clip_folds != test_fold) & (clip_folds != val))
    return train, np.flatnonzero(clip_folds == val), np.flatnonzero(clip_folds == test_fold)


def band_stats(X, axes):
    """Mean and variance of ``X`` per position along ``axes`` (the model's normalisation axes),
    pooled over all other axes; computed in float64."""
    keep = {a % X.ndim for a in axes}
    over = tuple(a for a in range(X.ndim) if a not in keep)
    mean = X.mean(axis=over, dtype=np.float64)
    var = np.square(X - mean.reshape([X.shape[a] if a in keep else 1 for a in range(X.ndim)])).mean(axis=over)
    return mean.astype(np.float32), np.maximum(var, 1e-6).astype(np.float32)


class Batches(keras.utils.PyDataset):
    """Shuffled, augmented, one-hot batches from an array of examples, reproducible from a seed.

    Each batch draws its randomness from ``(seed, epoch, batch index)``, so results do not
    depend on the order or the number of workers that build batches.
    """

    def __init__(self, x, labels, n_classes, batch_size, *, augment=None, time_axis=-1, floor=None,
                 crop_share=0.5, pool=None, band_freqs=None, shuffle=True, seed=0, **kwargs):
        super().__init__(**kwargs)
        if len(x) != len(labels):
            raise ValueError(f"{len(x)} examples but {len(labels)} labels")
        self.x, self.labels = x, np.asarray(labels)
        self.n_classes, self.batch_size = n_classes, batch_size
        self.augment, self.time_axis, self.floor = dict(augment or {}), time_axis, floor
        self.crop_share, self.pool, self.band_freqs = crop_share, pool, band_freqs
        self.shuffle, self.seed = shuffle, seed
        self.set_epoch(0)

    def set_epoch(self, epoch):
        """Make the next batches those of ``epoch`` (from 0): how a resumed run continues."""
        self.epoch = epoch
        n = len(self.labels)
        self.order = np.random.default_rng([self.seed, epoch]).permutation(n) if self.shuffle else np.arange(n)

    def __len__(self):
        return math.ceil(len(self.labels) / self.batch_size)

    def __getitem__(self, i):
        idx = np.sort(self.order[i * self.batch_size:(i + 1) * self.batch_size])  # sorted: memory-map friendly
        x = np.array(self.x[idx], dtype=np.float32)
        y = np.eye(self.n_classes, dtype=np.float32)[self.labels[idx]]
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, i])
            # A range of crop lengths is swept evenly, batch after batch, from a random start each
            # epoch: steps of the golden ratio never give two neighbouring batches one length.
            sweep = (np.random.default_rng([self.seed, self.epoch]).random() + i * GOLDEN) % 1.0
            x, y = augment_batch(x, y, self.augment, rng, time_axis=self.time_axis, floor=self.floor,
                                 crop_share=self.crop_share, crop_draw=sweep, pool=self.pool,
                                 band_freqs=self.band_freqs)
        elif self.pool is not None:
            x = self.pool(x)
        return x, y

    def on_epoch_end(self):
        self.set_epoch(self.epoch + 1)


def augment_batch(x, y, augment, rng, *, time_axis=-1, floor=None, crop_share=0.5, crop_draw=None, pool=None,
                  band_freqs=None):
    """Apply a :class:`TrainConfig` ``augment`` dict to a batch, in place.

    ``time_axis`` is the time axis of one example. ``floor`` set means ``x`` is a spectrogram
    in dB with that silence level: a gain is then an offset in dB and shifts fill with the
    floor; otherwise ``x`` holds waveforms. A ``crop`` (a fraction, or a range of fractions: the
    batch's is ``crop_draw`` of the way through it, in [0, 1), or drawn from ``rng``) returns a
    new, shorter ``x``, chosen among
    the windows that hold ``crop_share`` of the loudest one's energy (see
    :func:`esc50.augment.random_crop`). A ``scale`` (a range of factors, drawn evenly on a
    log scale) plays a log-mel spectrogram slower or faster (:func:`esc50.augment.change_speed`,
    which needs each band's ``band_freqs``). ``pool`` (see :class:`esc50.inputs.ModelInput`) turns the
    examples into what the model reads before mixup or between-class mixing blends them.
    """
    if "crop" in augment:
        crop = augment["crop"]
        if isinstance(crop, (list, tuple)):
            fraction = crop[0] + (crop[1] - crop[0]) * (rng.random() if crop_draw is None else crop_draw)
        else:
            fraction = crop
        length = max(1, round(fraction * x.shape[1:][time_axis]))
        if crop_share == 0:  # any window will do: all the starts at once, the draws random_crop makes one by one
            steps = np.moveaxis(x, time_axis + 1, 1)
            starts = rng.integers(0, steps.shape[1] - length + 1, size=len(x))
            x = np.moveaxis(np.stack([e[s:s + length] for e, s in zip(steps, starts)]), 1, time_axis + 1)
        else:
            x = np.stack([np.moveaxis(aug.random_crop(np.moveaxis(e, time_axis, -1), length, rng, floor=floor,
                                                      min_share=crop_share), -1, time_axis) for e in x])
    for j in range(len(x)):
        if "scale" in augment and rng.random() < 0.5:
            low, high = augment["scale"]
            x[j] = aug.change_speed(x[j], np.exp(rng.uniform(np.log(low), np.log(high))), band_freqs, floor=floor,
                                    rng=rng)
        if "shift" in augment and rng.random() < 0.5:
            moved = np.moveaxis(x[j], time_axis, -1)
            moved[...] = aug.time_shift(moved, augment["shift"], rng, fill=0.0 if floor is None else floor)
        if "gain" in augment and rng.random() < 0.5:
            low, high = augment["gain"]
            if floor is None:
                x[j] = aug.scale_volume(x[j], low, high, rng)
            else:
                x[j] = np.maximum(x[j] + aug.gain_db(low, high, rng), floor)
        if "noise" in augment and floor is None and rng.random() < 0.5:
            x[j] = aug.add_noise(x[j], augment["noise"], rng)
    if pool is not None:
        x = pool(x)
    if "mixup" in augment:
        x, y = aug.mixup(x, y, augment["mixup"], rng)
    if augment.get("between"):
        x, y = aug.between_class(x, y, rng, floor=floor)
    return x, y


def build_model(config, n_classes, input_shape, mean=None, variance=None, steps_per_epoch=None):
    """Build and compile the model of ``config`` (the cosine schedule needs ``steps_per_epoch``).

    ``input_shape`` is what the model reads of one whole clip; a model trained on crops takes any
    length (unless the crops are pooled before it reads them).
    """
    if "crop" in config.augment and MODEL_INPUTS[config.model].pool is None:
        input_shape = list(input_shape)
        input_shape[MODEL_INPUTS[config.model].time_axis] = None
    builder = BUILDERS[config.model]
    kwargs = dict(config.model_args)
    if mean is not None:
        kwargs |= dict(mean=mean, variance=variance)
    if config.model == "mel_cnn":
        kwargs.setdefault("seed", config.seed)
    model = builder(input_shape, n_classes, **kwargs)
    # Eight steps a call: a small model's steps are bound by dispatching them (the YAMNet head's
    # epochs take 0.72 s instead of 1.2 s here), and the weights come out the same.
    loss = keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing)
    model.compile(optimizer=_optimizer(config, steps_per_epoch), loss=loss, metrics=["accuracy"],
                  steps_per_execution=8)
    return model


def _optimizer(config, steps_per_epoch=None):
    lr = config.learning_rate
    if config.schedule == "cosine" and steps_per_epoch:
        lr = keras.optimizers.schedules.CosineDecay(lr, decay_steps=config.epochs * steps_per_epoch,
                                                    warmup_target=None)
    ema = dict(use_ema=True, ema_momentum=config.ema) if config.ema else {}
    if config.optimizer == "adamw":
        return keras.optimizers.AdamW(lr, weight_decay=config.weight_decay, **ema)
    if config.optimizer == "adam":
        return keras.optimizers.Adam(lr, **ema)
    return keras.optimizers.SGD(lr, momentum=0.9, nesterov=True, **ema)


def make_batches(config, x_train, y_train, n_classes):
    """The training batches of ``config``'s model, augmented as its input kind requires."""
    spec = MODEL_INPUTS[config.model]
    return Batches(x_train, y_train, n_classes, config.batch_size, augment=config.augment,
                   time_axis=spec.time_axis, floor=spec.floor, crop_share=spec.crop_share, pool=spec.pool,
                   band_freqs=spec.band_freqs, seed=config.seed)


def resolved(config):
    """``config`` with ``dtype="auto"`` replaced by the policy it picks on this machine
    (:func:`esc50.models.auto_dtype`): what actually trains. Results keep the configuration as
    asked for, so that a run made on one machine is reused on any other, and record the
    policy each fold ran in beside it."""
    if config.model_args.get("dtype") != "auto":
        return config
    return replace(config, model_args=dict(config.model_args, dtype=auto_dtype()))


def train_fold(config, X, labels, train_idx, val_idx, *, n_classes, verbose=2, checkpoint=None):
    """Train one model on ``X[train_idx]``, choosing the epoch by accuracy on ``X[val_idx]``.

    ``X`` holds whole-clip model inputs (see :mod:`esc50.inputs`); windowed models train
    on every window of their clips. With ``checkpoint`` (a ``.npz`` path), the run is saved
    every few epochs and a saved one of the same configuration is resumed
    (:class:`esc50.checkpoints.FitState`). Returns the model with its best validation weights,
    the history and the per-epoch seconds (of every epoch, resumed ones included).
    """
    return _fit(config, X, labels, train_idx, n_classes=n_classes, val_idx=val_idx, verbose=verbose,
                checkpoint=checkpoint)


def train_for(config, X, labels, train_idx, epochs, *, n_classes, verbose=2, checkpoint=None):
    """Train one model on ``X[train_idx]`` for ``epochs`` epochs, with no validation.

    The learning-rate schedule is the one ``config.epochs`` sets, stopped after ``epochs``: the
    same course a validation run took up to its best epoch, on more clips. This is how a model
    is retrained on the training and validation folds once the validation fold has chosen the
    epoch (``config.refit``), and on all clips for use (:func:`train_final`). ``checkpoint`` as
    in :func:`train_fold`. Returns the model, its history and the per-epoch seconds.
    """
    if not 1 <= epochs <= config.epochs:
        raise ValueError(f"epochs must be in [1, {config.epochs}] (the schedule's length), got {epochs}")
    return _fit(config, X, labels, train_idx, n_classes=n_classes, epochs=epochs, verbose=verbose,
                checkpoint=checkpoint)


def _fit(config, X, labels, train_idx, *, n_classes, val_idx=None, epochs=None, verbose=2, checkpoint=None):
    spec = MODEL_INPUTS[config.model]
    config = resolved(config)
    keras.utils.set_random_seed(config.seed)
    x_train, y_train = training_examples(config, X[train_idx], labels[train_idx])
    pooled = spec.pool(x_train) if spec.pool else x_train
    mean = variance = None
    if spec.norm_axes is not None:
        mean, variance = band_stats(pooled, spec.norm_axes)
    batches = make_batches(config, x_train, y_train, n_classes)
    model = build_model(config, n_classes, pooled.shape[1:], mean, variance, steps_per_epoch=len(batches))
    epochs = epochs or config.epochs
    validation = None
    if val_idx is not None:
        x_val, y_val = _windows(spec, X[val_idx], labels[val_idx])
        validation = (spec.pool(x_val) if spec.pool else x_val, np.eye(n_classes, dtype=np.float32)[y_val])
    identity = dict(config=run_config(config), examples=len(x_train), validation=None if val_idx is None
                    else len(val_idx), epochs=epochs)
    state = FitState(checkpoint, identity, monitor=None if val_idx is None else "val_accuracy",
                     patience=config.patience)
    start = state.resume(model, batches)
    if start and verbose:
        print(f"resumed from {checkpoint} after epoch {start}", flush=True)
    if not state.finished(epochs):
        model.fit(batches, validation_data=validation, epochs=epochs, initial_epoch=start, callbacks=[state],
                  verbose=verbose)
    elif config.ema:  # fit() puts the averaged weights in the model as it ends: here it did not run
        model.optimizer.finalize_variable_values(model.trainable_variables)
    state.restore_best(model)
    return model, {k: [round(v, 5) for v in vs] for k, vs in state.history.items()}, state.seconds


def training_examples(config, X, labels):
    """The examples ``config`` trains on, from whole-clip inputs ``X``: the clips, or their
    windows (without the silent ones if ``drop_silent``), and those of delayed copies if
    ``augment`` has ``delays``. Returns ``(x, y)``."""
    spec = MODEL_INPUTS[config.model]
    x, y = _windows(spec, X, labels, drop_silent=config.drop_silent)
    copies = config.augment.get("delays")
    if copies:
        # Piczak's augmentation: every training clip again, delayed at random by up to a
        # second; validation and test clips stay as they are.
        delayed = delayed_copies(X, copies, spec.frames_per_second, np.random.default_rng(config.seed),
                                 floor=spec.floor)
        x_more, y_more = _windows(spec, delayed, np.tile(labels, copies), drop_silent=config.drop_silent)
        x, y = np.concatenate([x, x_more]), np.concatenate([y, y_more])
    return x, y


def delayed_copies(X, copies, max_delay, rng, floor=LOG_MEL_FLOOR):
    """``copies`` versions of every clip of ``X``, each delayed by a random 0 to ``max_delay``
    frames: silence before and after keeps one length, ``max_delay`` frames longer.

    ``X`` is ``(clips, bands, frames, channels)`` with the log-mel (``floor`` dB at silence)
    in channel 0 and, in the others, features that are 0 in silence (its deltas). Returns
    ``(copies * clips, bands, frames + max_delay, channels)``, copy ``k`` of clip ``i`` at
    ``k * clips + i``.
    """
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"expected (clips, bands, frames, channels), got shape {X.shape}")
    if copies < 1 or max_delay < 0:
        raise ValueError(f"copies must be positive and max_delay not negative, got {copies}, {max_delay}")
    out = np.zeros((copies * len(X), X.shape[1], X.shape[2] + max_delay, X.shape[3]), X.dtype)
    out[..., 0] = floor
    for k, d in enumerate(rng.integers(0, max_delay + 1, size=len(out))):
        out[k, :, d:d + X.shape[2]] = X[k % len(X)]
    return out


def _windows(spec, X, labels, drop_silent=False):
    """Whole-clip inputs -> one training example per window, with the clip's label."""
    if spec.window is None:
        return X, np.asarray(labels)
    x, per_clip = spec.examples(np.asarray(X))
    y = np.repeat(labels, per_clip)
    if drop_silent:
        loud = x[..., 0].max(axis=tuple(range(1, x.ndim - 1))) > LOG_MEL_FLOOR + 20
        x, y = x[loud], y[loud]
    return x, y


def even_crops(X, crops, length, time_axis=1):
    """``crops`` windows of ``length`` steps along ``time_axis`` of each example of ``X``, evenly
    spaced from its start to its end: ``(examples, crops, ...)`` with that axis ``length`` long."""
    X = np.asarray(X)
    steps = X.shape[time_axis + 1]
    length = min(length, steps)
    starts = np.linspace(0, steps - length, crops).round().astype(int)
    return np.stack([np.take(X, np.arange(s, s + length), axis=time_axis + 1) for s in starts], axis=1)


def crop_steps(config, steps):
    """The length of ``config``'s test crops (:attr:`TrainConfig.test_crops`), as long as its
    longest training crops, for clips of ``steps``."""
    crop = config.augment["crop"]
    return max(1, round((max(crop) if isinstance(crop, (list, tuple)) else crop) * steps))


def predict_clips(model, X, spec, batch_size=64, *, crops=1, crop_length=None):
    """Class probabilities per clip: the mean over the clip's windows (or, with ``crops`` > 1,
    over that many :func:`even_crops` of ``crop_length``). ``(clips, classes)``."""
    if crops > 1:
        W = even_crops(X, crops, crop_length, spec.time_axis)
        flat, per_clip = W.reshape((-1,) + W.shape[2:]), crops
    else:
        flat, per_clip = spec.examples(X)
    if spec.pool is not None:
        flat = spec.pool(flat)
    # predict_on_batch per chunk: model.predict's per-call set-up costs more than one clip's work.
    proba = np.concatenate([np.asarray(model.predict_on_batch(flat[i:i + batch_size]))
                            for i in range(0, len(flat), batch_size)])
    return proba.reshape(len(X), per_clip, -1).mean(axis=1)


def accuracy_by_crops(model, X, labels, spec, counts, crop_length):
    """Accuracy of ``model`` on clips ``X`` judged by each count of test crops in ``counts``
    (1: whole clips; see :func:`predict_clips`), ``{count: accuracy}``."""
    return {n: float((predict_clips(model, X, spec, crops=n, crop_length=crop_length).argmax(1) == labels).mean())
            for n in counts}


def cross_validate(preset="mel_cnn_quick", root=None, *, name=None, folds=None, meta=None, verbose=2,
                   save=True, save_models=True, resume=True, progress=True, **overrides):
    """Cross-validate a model over the official folds and write ``results/<name>.json``.

    Parameters
    ----------
    preset : str or TrainConfig
        A name from :data:`PRESETS`, or a configuration.
    root : str or Path, optional
        Dataset folder (see :func:`esc50.dataset.data_dir`).
    name : str, optional
        Run name for the results file and the models folder; default: the preset's name or
        the model's.
    folds : sequence of int, optional
        Test folds to run; default every fold of ``meta`` (all of them for a reportable result).
    meta : pandas.DataFrame, optional
        Clips to use (e.g. ``load_meta(root, "esc10")``, or another dataset in the same shape
        such as :func:`esc50.urbansound.load_urbansound8k`); default all of ``root``.
    verbose : int
        Keras ``fit`` verbosity: 1 progress bars, 2 one line per epoch, 0 silent.
    progress : bool
        Show the feature-extraction bar and a line per finished fold.
    save, save_models : bool
        Write the results file; save each fold's best model as ``models/<name>/fold<k>.keras``.
    resume : bool
        Reuse folds already finished by an interrupted run with the same configuration
        (kept in ``results/partial/<name>/``, committed with long runs so another machine can
        resume), and continue the fold it was training from its last checkpoint. With ``save``,
        a fold in progress is saved every 5 epochs as ``models/<name>/fold<k>.*.ckpt.npz``
        (:class:`esc50.checkpoints.FitState`), deleted once the fold is done.
    **overrides
        Fields of :class:`TrainConfig` to change, e.g. ``epochs=2``.

    Returns
    -------
    dict
        The results (see :mod:`esc50.results`).
    """
    config = get_config(preset, **overrides)
    name = name or (preset if isinstance(preset, str) else config.model)
    root = data_dir(root)
    meta = (load_meta(root) if meta is None else meta).reset_index(drop=True)
    folds = folds_of(meta["fold"]) if folds is None else folds
    n_classes = int(meta["target"].max()) + 1
    spec = MODEL_INPUTS[config.model]
    start = time.perf_counter()
    X = spec.clips(root, meta, progress=progress)
    feature_seconds = time.perf_counter() - start
    labels = meta["target"].to_numpy()
    config_dict = run_config(config)
    partial = results_dir() / "partial" / name
    records, trained = [], False
    for fold in folds:
        record = _load_partial(partial / f"fold{fold}.json", config_dict) if resume else None
        trained_now = record is None
        if trained_now:
            trained = True
            checkpoints = models_dir() / name / f"fold{fold}" if save else None
            if checkpoints and not resume:
                _remove_checkpoints(checkpoints)
            record = _run_fold(config, X, labels, meta, fold, n_classes, name, verbose, save_models, checkpoints)
            if save:
                _save_partial(partial / f"fold{fold}.json", config_dict, record)
                _remove_checkpoints(checkpoints)
        if progress:
            print(f"{name}: fold {fold}: test accuracy {record['accuracy']:.3f} "
                  f"(best epoch {record['best_epoch']}"
                  + (f", retrained for {record['refit_epochs']}" if "refit_epochs" in record else "")
                  + f", {record['seconds']:.0f} s"
                  + ("" if trained_now else f"; reused, trained on {describe_machine(record.get('machine'))}") + ")",
                  flush=True)
        records.append(record)
    results = summarise(name, config_dict, records, {
        "n_clips": len(meta), "n_classes": n_classes, "classes": class_names(meta),
        "feature_seconds": round(feature_seconds, 2)})
    if progress:
        acc = results["accuracy"]
        print(f"{name}: {len(folds)}-fold accuracy {acc['mean']:.3f} +- {acc['std']:.3f}")
    if save:
        # When every fold was reused, keep the file of the run that trained them (its date, its
        # feature-extraction time rather than this call's cache read) if it holds the same folds.
        kept = None if trained else _same_run(results)
        results = kept or dict(results, path=str(save_results(results)))
    return results


def _run_fold(config, X, labels, meta, fold, n_classes, name, verbose, save_models, checkpoints=None):
    """One test fold's record; ``checkpoints``: a path prefix for the checkpoints of its runs."""
    spec = MODEL_INPUTS[config.model]
    train_idx, val_idx, test_idx = fold_split(meta["fold"], fold)
    start = time.perf_counter()
    model, history, epoch_seconds = train_fold(config, X, labels, train_idx, val_idx, n_classes=n_classes,
                                               verbose=verbose, checkpoint=_checkpoint(checkpoints, "validate"))
    best_epoch = int(np.argmax(history["val_accuracy"])) + 1
    fold_models, refit, all_seconds = [model], {}, list(epoch_seconds)
    if config.refit:  # the validation fold chose the epoch count; now train on it too, for that long
        both = np.concatenate([train_idx, val_idx])
        refit = {"refit_epochs": settled_epoch(history["val_accuracy"])}
        fold_models = []
        for k in range(config.seeds):
            refitted, _, seconds = train_for(replace(config, seed=config.seed + k), X, labels, both,
                                             refit["refit_epochs"], n_classes=n_classes, verbose=verbose,
                                             checkpoint=_checkpoint(checkpoints, f"refit{k}"))
            fold_models.append(refitted)
            all_seconds += seconds
    # A fold resumed from checkpoints ran partly in earlier processes: its epochs' times then
    # count more than this process's wall time does.
    train_seconds = max(time.perf_counter() - start, sum(all_seconds))
    length = crop_steps(config, X.shape[1:][spec.time_axis]) if "crop" in config.augment else None
    crops, chosen = config.test_crops, {}
    if isinstance(crops, (list, tuple)):  # the validation model chooses on its fold
        val = accuracy_by_crops(model, X[val_idx], labels[val_idx], spec, crops, length)
        crops = max(sorted(val), key=val.get)
        chosen = {"test_crops": crops, "val_accuracy_by_crops": {str(n): a for n, a in val.items()}}
    proba = np.mean([predict_clips(m, X[test_idx], spec, crops=crops, crop_length=length) for m in fold_models],
                    axis=0)
    record = {
        "test_fold": int(fold), "val_fold": int(meta["fold"].iloc[val_idx[0]]),
        "accuracy": float((proba.argmax(1) == labels[test_idx]).mean()),
        "best_epoch": best_epoch,
        **refit,
        "val_accuracy": max(history["val_accuracy"]),
        **chosen,
        "epochs": len(epoch_seconds), "seconds": round(train_seconds, 2),
        "seconds_per_epoch": round(float(np.mean(epoch_seconds)), 3),
        "history": history,
        "machine": machine() | {"dtype_policy": resolved(config).model_args.get("dtype") or "float32"},
        "predictions": clip_predictions(meta.iloc[test_idx], proba, fold),
    }
    if save_models:
        record["model_path"] = str(save_model(fold_models[0], models_dir() / name / f"fold{fold}.keras"))
    return record


def _checkpoint(prefix, run):
    return None if prefix is None else prefix.with_name(f"{prefix.name}.{run}.ckpt.npz")


def _remove_checkpoints(prefix):
    for path in prefix.parent.glob(f"{prefix.name}.*.ckpt.npz"):
        path.unlink(missing_ok=True)


def settled_epoch(val_accuracy, window=5):
    """The epoch (from 1) at the centre of the ``window`` consecutive epochs of highest mean
    validation accuracy: where training has settled, rather than one epoch's lucky peak (the
    YAMNet head's fold 2 peaked at 88.1 % in epoch 13, among 85.3 to 87.8 % in the 27 epochs after it)."""
    acc = np.asarray(val_accuracy, dtype=float)
    if len(acc) <= window:
        return int(np.argmax(acc)) + 1
    return int(np.argmax(np.convolve(acc, np.ones(window) / window, mode="valid"))) + window // 2 + 1


def final_epochs(results):
    """The epoch count a model trained on every clip gets: the median over folds of the epochs
    the validation folds chose in a cross-validation run's ``results`` (``refit_epochs`` where
    the run retrained, else ``best_epoch``)."""
    return int(np.median([f.get("refit_epochs", f["best_epoch"]) for f in results["folds"]]))


def final_test_crops(config, results=None):
    """The test crops a model trained on every clip predicts with: ``config.test_crops``, or,
    where each validation fold chose among several, the count most folds of the cross-validation
    ``results`` chose (the fewest on ties; without results, the fewest offered)."""
    crops = config.test_crops
    if not isinstance(crops, (list, tuple)):
        return crops
    chosen = Counter(f["test_crops"] for f in (results or {}).get("folds", ()) if "test_crops" in f)
    return min(chosen, key=lambda n: (-chosen[n], n)) if chosen else min(crops)


def train_final(preset="mel_cnn_quick", root=None, *, name=None, meta=None, train_epochs=None, verbose=2,
                progress=True, **overrides):
    """Train a model on every clip, for use (``predict``) rather than for measuring.

    No clip is left to test it: its accuracy is the cross-validation's, whose chosen epochs
    set its length (:func:`final_epochs` of ``results/<name>.json``) and its test crops
    (:func:`final_test_crops`). Saved as ``models/<name>/all.keras``, with ``all.json`` beside
    it: the configuration, the epochs, the test crops, the cross-validated accuracy, the time it
    took and the machine.

    Parameters
    ----------
    preset : str or TrainConfig
    root : str or Path, optional
        Dataset folder.
    name : str, optional
        The cross-validation run to take the epochs from, and the models folder; default: the
        preset's name or the model's.
    meta : pandas.DataFrame, optional
        The clips (default: all of ``root``).
    train_epochs : int, optional
        Train this long instead (at most the schedule's length, ``config.epochs``).
    **overrides
        Fields of :class:`TrainConfig` to change (``epochs`` is the schedule's length).

    Returns
    -------
    Path
        The ``.keras`` file.
    """
    config = get_config(preset, **overrides)
    name = name or (preset if isinstance(preset, str) else config.model)
    root = data_dir(root)
    meta = (load_meta(root) if meta is None else meta).reset_index(drop=True)
    spec = MODEL_INPUTS[config.model]
    info = {"config": run_config(config), "n_clips": len(meta)}
    epochs, cv = train_epochs, None
    if epochs is None:
        cv = load_results(name)
        if not same_config(cv["config"], info["config"]):
            raise ValueError(f"results/{name}.json was made with another configuration; cross-validate it first, "
                             "or pass train_epochs")
        epochs = final_epochs(cv)
        info["cross_validation"] = {"name": name, "accuracy": cv["accuracy"], "epochs_chosen":
                                    [f.get("refit_epochs", f["best_epoch"]) for f in cv["folds"]]}
    X = spec.clips(root, meta, progress=progress)
    info["test_crops"] = final_test_crops(config, cv)
    if info["test_crops"] > 1:
        info["crop_length"] = crop_steps(config, X.shape[1:][spec.time_axis])
    labels = meta["target"].to_numpy()
    start = time.perf_counter()
    checkpoints = models_dir() / name / "all"
    model, history, seconds = train_for(config, X, labels, np.arange(len(meta)), epochs,
                                        n_classes=int(meta["target"].max()) + 1, verbose=verbose,
                                        checkpoint=_checkpoint(checkpoints, "train"))
    path = save_model(model, models_dir() / name / "all.keras")
    _remove_checkpoints(checkpoints)
    info |= {"epochs": epochs, "seconds": round(max(time.perf_counter() - start, sum(seconds)), 2),
             "classes": class_names(meta),
             "history": history, "machine": machine() | {"dtype_policy": resolved(config).model_args.get("dtype")
                                                         or "float32"}}
    with atomic_write(path.with_suffix(".json"), "w") as f:
        json.dump(info, f, indent=1)
    if progress:
        print(f"{name}: trained on all {len(meta)} clips for {epochs} epochs in {info['seconds']:.0f} s: {path}")
    return path


def save_model(model, path):
    """``model.save`` to a temporary name, then rename: no half-written ``.keras`` files."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.keras")
    try:
        model.save(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _save_partial(path, config, record):
    with atomic_write(path, "w") as f:
        json.dump({"config": config, "record": record}, f)


def _same_run(results):
    """The saved results of run ``results["name"]``, with their path, if they hold the same
    configuration, folds and predictions as ``results``; else None."""
    path = results_dir() / f"{results['name']}.json"
    try:
        saved = load_results(path)
    except (FileNotFoundError, ValueError):
        return None
    same = same_config(saved.get("config"), results["config"]) and all(
        saved.get(k) == results[k] for k in ("folds", "predictions"))
    return dict(saved, path=str(path)) if same else None


def _load_partial(path, config):
    try:
        saved = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return saved["record"] if same_config(saved.get("config"), config) else None


def run_config(config):
    """What a results file records as the configuration of ``config``: as asked for
    (``dtype="auto"`` stays so) and, for features a model computes (YAMNet), which model file.
    A saved run is reused when this matches (:func:`same_config`)."""
    config = get_config(config)
    identity = config.to_dict()
    kind = KINDS[MODEL_INPUTS[config.model].kind]
    if kind.model:
        identity["embedding_model"] = kind.model()
    return identity


def same_config(saved, config):
    """Whether a saved configuration dict is ``config`` (a dict too). Fields that the saved one
    predates count as their defaults, so a new option does not orphan older runs."""
    if not isinstance(saved, dict):
        return False
    return {**DEFAULT_FIELDS, **saved} == {**DEFAULT_FIELDS, **config}


DEFAULT_FIELDS = TrainConfig().to_dict()
