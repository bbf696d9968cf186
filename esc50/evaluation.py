"""Reports from a results file: accuracy, per-class scores, confusions and mistakes.

Every function takes a results dict (:func:`esc50.results.load_results`); class names come
from the dataset's metadata (:func:`class_names`). Figures are in :mod:`esc50.plots`.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from .dataset import GROUPS, load_meta, sample_dir

HUMAN_ACCURACY = 0.813
"""Human listeners on ESC-50 (Piczak, 2015)."""
PICZAK_CNN_ACCURACY = 0.645
"""Piczak's CNN, the ESC-50 CNN baseline (MLSP 2015)."""
REFERENCES = {"human listeners": HUMAN_ACCURACY, "Piczak CNN (2015)": PICZAK_CNN_ACCURACY}


def class_names(meta=None):
    """Category names ordered by target: ``names[target]``, for targets 0 to the largest in
    ``meta`` (a target with no clip there is named by its number); ESC-50's 50 by default
    (read once from the shipped sample's metadata)."""
    if meta is None:
        return list(_esc50_names())
    names = dict(zip(meta["target"], meta["category"]))
    return [str(names.get(t, t)) for t in range(int(meta["target"].max()) + 1)]


def run_class_names(results):
    """The class names a results file was made with (ESC-50's for files that predate them)."""
    return list(results.get("classes") or class_names())


@lru_cache(maxsize=1)
def _esc50_names():
    return tuple(class_names(load_meta(sample_dir())))


def predictions_frame(results):
    """One row per clip: filename, fold, target, predicted, confidence (top probability)."""
    rows = results["predictions"]
    if not rows:
        raise ValueError(f"results {results.get('name')!r} hold no predictions")
    frame = pd.DataFrame(rows)
    frame["confidence"] = [top[0][1] for top in frame["top5"]]
    frame["correct"] = frame["target"] == frame["predicted"]
    return frame


def accuracy_table(runs):
    """Mean, std and per-fold accuracy of several results, best first."""
    rows = [{"name": r["name"], "mean": r["accuracy"]["mean"], "std": r["accuracy"]["std"],
             **{f"fold {f['test_fold']}": f["accuracy"] for f in r["folds"]}} for r in runs]
    return pd.DataFrame(rows).set_index("name").sort_values("mean", ascending=False)


def top_k_accuracy(results, k=5):
    """Fraction of clips whose true class is among the ``k`` most probable (k <= 5)."""
    frame = predictions_frame(results)
    return float(np.mean([t in [c for c, _ in top[:k]] for t, top in zip(frame["target"], frame["top5"])]))


def per_class_report(results, names):
    """Precision, recall, F1 and support of every class, worst F1 first."""
    frame = predictions_frame(results)
    labels = np.arange(len(names))
    p, r, f1, n = precision_recall_fscore_support(frame["target"], frame["predicted"], labels=labels,
                                                  zero_division=0)
    report = pd.DataFrame({"class": names, "group": [GROUPS[t // 10] for t in labels] if len(names) == 50
                           else None, "precision": p, "recall": r, "f1": f1, "support": n})
    return report.sort_values(["f1", "class"]).reset_index(drop=True)


def confusion(results, n_classes=50, *, groups=False):
    """Confusion matrix (rows: true, columns: predicted), of the 50 classes or the 5 groups.

    The groups of ESC-50 are consecutive blocks of 10 targets (``target // 10``).
    """
    frame = predictions_frame(results)
    true, pred = frame["target"].to_numpy(), frame["predicted"].to_numpy()
    if groups:
        return confusion_matrix(true // 10, pred // 10, labels=np.arange(len(GROUPS)))
    return confusion_matrix(true, pred, labels=np.arange(n_classes))


def most_confused(results, names, k=10):
    """The ``k`` class pairs most often mistaken for each other, counting both directions."""
    cm = confusion(results, len(names))
    both = cm + cm.T
    i, j = np.triu_indices(len(names), k=1)
    order = np.argsort(-both[i, j], kind="stable")[:k]
    return pd.DataFrame([{"class a": names[i[o]], "class b": names[j[o]], "a as b": int(cm[i[o], j[o]]),
                          "b as a": int(cm[j[o], i[o]]), "total": int(both[i[o], j[o]])}
                         for o in order if both[i[o], j[o]] > 0])


def misclassified(results, names):
    """Every wrongly classified clip, most confident mistakes first: to listen to."""
    frame = predictions_frame(results)
    wrong = frame[~frame["correct"]].copy()
    wrong["true class"] = [names[t] for t in wrong["target"]]
    wrong["predicted class"] = [names[p] for p in wrong["predicted"]]
    columns = ["filename", "fold", "true class", "predicted class", "confidence"]
    return wrong.sort_values("confidence", ascending=False)[columns].reset_index(drop=True)


def combine(runs, name=None, weights=None):
    """The ensemble of several cross-validation runs on the same clips: the (weighted) mean of
    their probabilities, as a results dict of its own (fold accuracies, predictions).

    Runs made before full probability vectors were kept contribute their top 5 with the rest
    spread evenly (:func:`esc50.results.probabilities`); ``config["approximate"]`` says so.
    Its ``seconds`` per fold are the members' summed.
    """
    from .results import clip_predictions, probabilities, summarise

    if len(runs) < 2:
        raise ValueError("an ensemble needs at least two runs")
    order = [{p["filename"].rsplit(".", 1)[0]: i for i, p in enumerate(r["predictions"])} for r in runs]
    keys = sorted(order[0])
    if any(sorted(o) != keys for o in order[1:]):
        raise ValueError(f"runs {[r['name'] for r in runs]} did not predict the same clips")
    n_classes = len(run_class_names(runs[0]))
    weights = np.ones(len(runs)) if weights is None else np.asarray(weights, float)
    proba = sum(w * probabilities(r, n_classes)[[o[k] for k in keys]] for w, r, o in zip(weights, runs, order))
    proba /= weights.sum()
    rows = [runs[0]["predictions"][order[0][k]] for k in keys]
    meta = pd.DataFrame({"filename": [r["filename"] for r in rows], "target": [r["target"] for r in rows],
                         "fold": [r["fold"] for r in rows]})
    seconds = {}
    for r in runs:
        for f in r["folds"]:
            seconds[f["test_fold"]] = seconds.get(f["test_fold"], 0.0) + f.get("seconds", 0.0)
    records, targets = [], meta["target"].to_numpy()
    for fold in sorted(meta["fold"].unique()):
        idx = np.flatnonzero(meta["fold"].to_numpy() == fold)
        records.append({"test_fold": int(fold), "accuracy": float((proba[idx].argmax(1) == targets[idx]).mean()),
                        "seconds": round(seconds.get(fold, 0.0), 2),
                        "predictions": clip_predictions(meta.iloc[idx], proba[idx], fold)})
    config = {"model": "ensemble", "members": [r["name"] for r in runs], "weights": weights.tolist(),
              "approximate": any(not r["predictions"][0].get("proba") for r in runs)}
    return summarise(name or "+".join(r["name"] for r in runs), config, records,
                     {"n_clips": len(meta), "n_classes": n_classes, "classes": run_class_names(runs[0])})
