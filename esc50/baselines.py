"""Classic machine learning on handcrafted features: scikit-learn Pipelines, the same folds.

Each baseline is a Pipeline (scaling, then a classifier) with fixed, commonly used
hyperparameters; nothing is tuned on test folds. With no epochs to choose, a baseline trains
on all four other folds (1600 clips) and is tested on the fifth.

:func:`leakage_demo` shows why ESC-50 ships folds: several clips are cut from one source
recording, and a random split puts siblings on both sides.
"""
from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ShuffleSplit
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from .dataset import data_dir, folds_of, load_meta
from .evaluation import class_names
from .extraction import extract
from .presets import BASELINES, FEATURE_SETS, HANDCRAFTED  # noqa: F401  (defined there for the command line)
from .results import clip_predictions, save_results, summarise


def make_baseline(name, seed=0):
    """A fresh, unfitted scikit-learn Pipeline by name (see :data:`BASELINES`)."""
    models = {
        "knn": lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5, weights="distance")),
        "svm": lambda: make_pipeline(StandardScaler(), SVC(C=10, gamma="scale", probability=True, random_state=seed)),
        "random_forest": lambda: make_pipeline(RandomForestClassifier(n_estimators=500, n_jobs=-1, random_state=seed)),
        "ensemble": lambda: make_pipeline(StandardScaler(), VotingClassifier([
            ("svm", SVC(C=10, gamma="scale", probability=True, random_state=seed)),
            ("random_forest", RandomForestClassifier(n_estimators=500, n_jobs=-1, random_state=seed)),
            ("logistic", LogisticRegression(C=0.1, max_iter=2000)),
        ], voting="soft")),
        "logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)),
    }
    if name not in models:
        raise ValueError(f"unknown baseline {name!r}; choose one of {BASELINES}")
    return models[name]()




def fit_baseline(name, X, y, seed=0):
    """A baseline fitted on ``(X, y)``, without the deprecation warning explained in :data:`BASELINES`."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The `probability` parameter was deprecated", FutureWarning)
        return make_baseline(name, seed).fit(X, y)


def features(kind="summary", root=None, meta=None, progress=True):
    """A feature set of every clip (cached), as a float array: ``(clips, features)`` for the
    handcrafted ones, ``(clips, views, features)`` for ``"yamnet"`` (see :data:`FEATURE_SETS`)."""
    if kind not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {kind!r}; choose one of {FEATURE_SETS}")
    if kind == "yamnet":
        from .inputs import MODEL_INPUTS

        spec = MODEL_INPUTS["yamnet_head"]
        return spec.pool(spec.clips(root, meta, progress=progress))
    return extract(kind, root, meta, progress=progress).to_numpy(np.float64)


def cross_validate_baseline(model="svm", feature_set="summary", root=None, *, meta=None, folds=None, seed=0,
                            name=None, save=True, verbose=True):
    """5-fold cross-validation of one baseline; writes ``results/<name>.json``.

    With views (``"yamnet"``), every view of a training clip is a training example and a test
    clip's probabilities are the mean over its views, as for the YAMNet head. Returns the
    results dict (see :mod:`esc50.results`); ``name`` defaults to ``baseline_<model>_<feature_set>``.
    """
    name = name or f"baseline_{model}_{feature_set}"
    root = data_dir(root)
    meta = (load_meta(root) if meta is None else meta).reset_index(drop=True)
    X = features(feature_set, root, meta, progress=verbose)
    y, clip_folds = meta["target"].to_numpy(), meta["fold"].to_numpy()
    folds = folds_of(clip_folds) if folds is None else folds
    records = []
    for fold in folds:
        train, test = clip_folds != fold, clip_folds == fold
        start = time.perf_counter()
        views = X.shape[1] if X.ndim == 3 else 1
        pipeline = fit_baseline(model, X[train].reshape(-1, X.shape[-1]), np.repeat(y[train], views), seed)
        proba = _full_proba(pipeline, X[test].reshape(-1, X.shape[-1]), int(y.max()) + 1)
        proba = proba.reshape(-1, views, proba.shape[-1]).mean(axis=1)
        records.append({"test_fold": int(fold), "accuracy": float((proba.argmax(1) == y[test]).mean()),
                        "seconds": round(time.perf_counter() - start, 2),
                        "predictions": clip_predictions(meta[test], proba, fold)})
        if verbose:
            print(f"{name}: fold {fold}: {records[-1]['accuracy']:.3f}", flush=True)
    config = {"model": model, "features": feature_set, "pipeline": str(make_baseline(model, seed)), "seed": seed}
    if feature_set == "yamnet":
        from . import transfer

        config["embedding_model"] = transfer.model_id()
    results = summarise(name, config, records, {"n_clips": len(meta), "n_features": X.shape[-1],
                                                "classes": class_names(meta)})
    if verbose:
        print(f"{name}: {results['accuracy']['mean']:.3f} +- {results['accuracy']['std']:.3f}")
    if save:
        results["path"] = str(save_results(results))
    return results


def _full_proba(pipeline, X, n_classes):
    """predict_proba with a column for every class, even ones missing from the training data."""
    proba = np.zeros((len(X), n_classes))
    proba[:, pipeline.classes_] = pipeline.predict_proba(X)
    return proba


def leakage_demo(model="knn", feature_set="summary", root=None, *, meta=None, repeats=5, test_size=0.2, seed=0,
                 verbose=True):
    """Accuracy of the same model with random 80/20 splits versus the official folds.

    A random split sends clips cut from one source recording to both training and test
    sets; the model then recognises the recording rather than the class, and the score is
    inflated. Both protocols train on 1600 clips and test on 400.

    Returns
    -------
    dict
        ``random_split`` and ``folds``: accuracy mean, std and per-split values; and
        ``test_clips_with_sibling_in_train``: the mean fraction of random-split test clips
        whose source recording also gave a training clip (0 for the official folds).
    """
    root = data_dir(root)
    meta = (load_meta(root) if meta is None else meta).reset_index(drop=True)
    X = features(feature_set, root, meta, progress=verbose)
    y, src = meta["target"].to_numpy(), meta["src_file"].astype(str).to_numpy()
    n_classes = int(y.max()) + 1

    def score(train, test):
        pipeline = fit_baseline(model, X[train], y[train], seed)
        return float((_full_proba(pipeline, X[test], n_classes).argmax(1) == y[test]).mean())

    random_acc, siblings = [], []
    for train, test in ShuffleSplit(repeats, test_size=test_size, random_state=seed).split(X):
        random_acc.append(score(train, test))
        siblings.append(float(np.isin(src[test], src[train]).mean()))
    fold_ids = meta["fold"].to_numpy()
    fold_acc = [score(fold_ids != f, fold_ids == f) for f in folds_of(fold_ids)]
    out = {
        "model": model, "features": feature_set, "pipeline": str(clone(make_baseline(model, seed))),
        "random_split": {"mean": float(np.mean(random_acc)), "std": float(np.std(random_acc)), "splits": random_acc},
        "folds": {"mean": float(np.mean(fold_acc)), "std": float(np.std(fold_acc)), "splits": fold_acc},
        "test_clips_with_sibling_in_train": float(np.mean(siblings)),
    }
    if verbose:
        print(f"{model} on {feature_set}: random 80/20 split {out['random_split']['mean']:.3f}, "
              f"official folds {out['folds']['mean']:.3f}; "
              f"{out['test_clips_with_sibling_in_train']:.0%} of random-split test clips have a sibling in training")
    return out
