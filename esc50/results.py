"""Results files: one JSON per cross-validation run, the same shape for CNNs and baselines.

A results file holds the configuration, the machine, each fold's accuracy and timings, the
mean and standard deviation over folds, and every clip's prediction (its top 5 classes with
probabilities), from which :mod:`esc50.evaluation` derives every report and figure.
"""
from __future__ import annotations

import json
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .fileio import atomic_write, output_dir

RESULTS_ENV = "ESC50_RESULTS"
TOP_K = 5


def results_dir():
    """``$ESC50_RESULTS``, else the repository's ``results/`` (see :func:`esc50.fileio.output_dir`)."""
    return output_dir("results", RESULTS_ENV)


def machine():
    """What a run ran on: enough to compare timings honestly."""
    from .quiet import keras_quietly

    keras = keras_quietly()

    info = {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(), "cpu": _cpu_model(),
            "system": platform.system(), "python": sys.version.split()[0], "numpy": np.__version__,
            "keras": keras.__version__, "backend": keras.backend.backend()}
    if info["backend"] == "tensorflow":
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
    info["gpus"] = gpus()
    return info


def gpus():
    """The GPUs that Keras' backend sees (TensorFlow, JAX or PyTorch), by name."""
    from .quiet import keras_quietly

    backend = keras_quietly().backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if backend == "jax":
        import jax

        return [f"{d.platform}:{d.id} {d.device_kind}" for d in jax.devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def describe_machine(info):
    """A machine record in words: ``"2 CPU cores (Intel(R) Xeon(R) Processor), mixed_bfloat16"``."""
    if not info:
        return "an unrecorded machine"
    words = f"{info.get('cpus')} CPU cores" + (f" ({info['cpu']})" if info.get("cpu") else "")
    if info.get("gpus"):
        words += ", GPU " + ", ".join(info["gpus"])
    if info.get("dtype_policy"):
        words += f", {info['dtype_policy']}"
    return words


def describe_folds(test_folds):
    """Test folds in words: ``"fold 3"``, ``"folds 1, 2"``."""
    return f"fold{'s' * (len(test_folds) > 1)} " + ", ".join(map(str, test_folds))


def describe_run_machine(run):
    """Where a run's folds were trained, in words: one machine, or each with its test folds
    (``"fold 1: 2 CPU cores (Intel(R) Xeon(R) Processor); folds 2, 3: 2 CPU cores (AMD EPYC)"``)
    where folds trained on different machines were reused into one run."""
    folds = run.get("folds", [])
    by_machine = {}
    for fold in folds:
        if fold.get("machine"):
            by_machine.setdefault(describe_machine(fold["machine"]), []).append(fold["test_fold"])
    if not folds or sum(map(len, by_machine.values())) < len(folds):
        return describe_machine(run.get("machine"))
    if len(by_machine) == 1:
        return next(iter(by_machine))
    return "; ".join(f"{describe_folds(tests)}: {words}" for words, tests in by_machine.items())


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
    except OSError:  # not Linux
        return platform.processor() or None


def clip_predictions(meta, proba, fold):
    """One record per clip: file, fold, true and predicted class, top-5 ``[class, probability]``,
    and every class's probability (``proba``, 4 decimals: enough to ensemble and calibrate runs
    again without retraining, see :func:`probabilities`)."""
    proba = np.asarray(proba, np.float64)  # float32's 0.8412 would print as 0.8411999940872192
    top = np.argsort(-proba, axis=1)[:, :TOP_K]
    return [{"filename": name, "fold": int(fold), "target": int(target), "predicted": int(t[0]),
             "top5": [[int(c), round(float(p[c]), 4)] for c in t], "proba": np.round(p, 4).tolist()}
            for name, target, t, p in zip(meta["filename"], meta["target"], top, proba)]


def probabilities(results, n_classes=None):
    """Every clip's class probabilities in a results file, ``(clips, classes)``, in its order.

    Files made before full vectors were kept hold each clip's top 5 alone: the rest of the
    probability is then spread evenly over the other classes (an approximation, enough to
    rank the top 5 and little else).
    """
    rows = results["predictions"]
    n = n_classes or len(results.get("classes") or []) or max(len(r.get("proba") or []) for r in rows) or 50
    out = np.empty((len(rows), n), np.float32)
    for i, row in enumerate(rows):
        if row.get("proba"):
            out[i] = row["proba"]
            continue
        top = dict(row["top5"])
        out[i] = max(0.0, 1.0 - sum(top.values())) / (n - len(top))
        out[i, list(top)] = list(top.values())
    return out


def summarise(name, config, folds, extra=None):
    """Assemble a results dict from per-fold records (each with ``accuracy`` and ``predictions``).

    Its ``machine`` is the one the folds were trained on when they record it and agree (folds
    reused from another machine keep theirs), else this one.
    """
    acc = np.array([f["accuracy"] for f in folds])
    machines = [f.get("machine") for f in folds]
    predictions = [p for f in folds for p in f["predictions"]]
    folds = [{k: v for k, v in f.items() if k != "predictions"} for f in folds]
    return {
        "name": name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config,
        "machine": machines[0] if machines[0] and all(m == machines[0] for m in machines) else machine(),
        # Population std over the folds, as ESC-50 papers report it.
        "accuracy": {"mean": float(acc.mean()), "std": float(acc.std()), "folds": acc.tolist()},
        "folds": folds,
        **(extra or {}),
        "predictions": predictions,
    }


def _flat(value):
    """Whether ``value`` holds no dict: a scalar, or lists of scalars and lists."""
    if isinstance(value, dict):
        return False
    return all(_flat(v) for v in value) if isinstance(value, list) else True


def to_json(value, level=0):
    """``value`` as JSON with one record per line: dicts are indented key by key, a list of
    flat dicts (a run's predictions) is written one dict to a line, and anything flat stays
    on one line. A results file is then a few thousand short lines that diff readably,
    rather than one probability per line."""
    pad = " " * (level + 1)
    if isinstance(value, dict) and value:
        # Keys as json.dumps writes them: 1 and 2.5 become "1" and "2.5".
        items = [f"{pad}{json.dumps(k if isinstance(k, str) else json.dumps(k))}: {to_json(v, level + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad[:-1] + "}"
    if isinstance(value, list) and value and not _flat(value):
        items = [pad + (json.dumps(v) if _flat(list(v.values()) if isinstance(v, dict) else v)
                        else to_json(v, level + 1)) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad[:-1] + "]"
    return json.dumps(value)


def save_results(results, directory=None):
    """Write ``results`` to ``<directory>/<name>.json`` atomically (:func:`to_json`); return
    the path."""
    path = Path(directory or results_dir()) / f"{results['name']}.json"
    with atomic_write(path, "w") as f:
        f.write(to_json(results) + "\n")
    return path


def load_results(name_or_path, directory=None):
    """Read a results file by run name (looked up in :func:`results_dir`) or by path."""
    path = Path(name_or_path)
    if path.suffix != ".json":
        path = Path(directory or results_dir()) / f"{name_or_path}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such results file; train or run a baseline first "
                                f"(python -m esc50 train / baseline)")
    try:
        results = json.loads(path.read_text())
        results["accuracy"]["mean"], results["predictions"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not an esc50 results file ({err})") from None
    return results
