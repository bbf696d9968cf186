"""Accuracy and speed of every model and baseline (`make benchmark`).

For each CNN preset, preset variant (:data:`VARIANTS`) and baseline, a results file in results/
whose configuration matches the current code is reused, whatever machine made it; a missing one
is computed (5-fold CV, resumable: hours on a CPU for the CNNs), and one over fewer than the five
folds is completed.
With `--skip-training` such a run is listed with the folds it has, and left out of the figure and
the goals. `--fresh` recomputes everything. The pretrained rows (YAMNet zero-shot, the head, the
logistic regression on its embeddings) come from benchmarks/transfer.py, which runs first; the
ensembles of runs (:data:`ENSEMBLES`: from scratch, and the head with mel_cnn) are made here from
the results files, and need neither retraining nor YAMNet. Then it measures, on this machine, the
input pipeline's overhead: a warm epoch of mel_cnn_quick with batching and augmentation on the
fly, against the same fit() epoch on batches built beforehand, and the bound 1 + (time to build
an epoch of batches) / (model-only epoch), which the goal judges (<= 1.1x). Prediction speed is
in benchmarks/predict.py. Writes results/benchmark.json, results/benchmark.md (the README table) and
figures/benchmark_accuracy.png.
"""
import argparse
import json
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

import esc50  # noqa: E402
from esc50 import evaluation as ev  # noqa: E402
from esc50.baselines import BASELINES, cross_validate_baseline  # noqa: E402
from esc50.checkpoints import FitState  # noqa: E402
from esc50.dataset import FOLDS  # noqa: E402
from esc50.fileio import atomic_write  # noqa: E402
from esc50.inputs import MODEL_INPUTS  # noqa: E402
from esc50.plots import plot_accuracy_comparison, save_fig  # noqa: E402
from esc50.presets import PRESETS, get_config  # noqa: E402
from esc50.quiet import keras_quietly  # noqa: E402
from esc50.results import describe_folds, describe_run_machine, load_results, machine, results_dir, save_results  # noqa: E402
from esc50.training import (  # noqa: E402
    band_stats,
    build_model,
    cross_validate,
    fold_split,
    make_batches,
    run_config,
    same_config,
)

keras = keras_quietly()
CNNS = ("mel_cnn", "mel_cnn_quick", "piczak_cnn", "seed_cnn")
# Presets run again with another setting, as ensemble members: name -> (preset, overrides).
VARIANTS = {"mel_cnn_seed43": ("mel_cnn", {"seed": 43})}
# Made by benchmarks/transfer.py (they need YAMNet): reported when present.
PRETRAINED = ("yamnet_head", "baseline_logistic_yamnet", "yamnet_zeroshot")
# The mean probability of runs on the same folds. The from-scratch ensemble: the best run of
# each from-scratch family, chosen before looking at what any ensemble scores (no pretrained
# weights, features or teachers in it); the same recipe with two seeds, also chosen before
# either was scored; then the YAMNet head with the from-scratch CNN.
ENSEMBLES = {"scratch_ensemble": ("mel_cnn", "mel_cnn_quick", "baseline_ensemble_summary"),
             "mel_cnn_seeds": ("mel_cnn", "mel_cnn_seed43"),
             "yamnet_head+mel_cnn": ("yamnet_head", "mel_cnn")}
GOALS = {"mel_cnn": 0.85, "mel_cnn_quick": 0.75, "piczak_cnn": 0.645, "best_baseline": 0.55,
         "scratch_ensemble": 0.85, "mel_cnn_seeds": 0.85, "mel_cnn_quick_minutes": 60,
         "pipeline_overhead": 1.1}


def existing(name, config=None):
    """The results file `name` if there is one (and, given `config`, if it was made with it)."""
    try:
        run = load_results(name)
    except FileNotFoundError:
        return None
    return run if config is None or same_config(run["config"], config) else None


def complete(run):
    """Whether `run` is reportable: present and over all the official folds."""
    return not run.get("missing") and len(run["folds"]) == len(FOLDS)


def accuracy_runs(root, fresh, skip_training):
    runs = []
    for name, (preset, overrides) in {**{p: (p, {}) for p in CNNS}, **VARIANTS}.items():
        run = None if fresh else existing(name, run_config(get_config(preset, **overrides)))
        if run is not None and not complete(run) and not skip_training:
            run = None  # cross_validate resumes from the folds already finished
        if run is None and not skip_training:
            run = cross_validate(preset, root, name=name, resume=not fresh, **overrides)
        runs.append(run or {"name": name, "missing": True})
    for model in BASELINES:
        name = f"baseline_{model}_summary"
        run = None if fresh else existing(name)
        if run is None and not skip_training:
            run = cross_validate_baseline(model, "summary", root)
        runs.append(run or {"name": name, "missing": True})
    runs += [run for run in map(existing, PRETRAINED) if run]
    done = {r["name"]: r for r in runs if complete(r)}
    for name, members in ENSEMBLES.items():
        if all(m in done for m in members):
            runs.append(ev.combine([done[m] for m in members], name))
            save_results(runs[-1])
    return runs


def pipeline_overhead(root, epochs=3):
    """An epoch of mel_cnn_quick on fold 1 through fit() with the real pipeline (shuffling,
    batching, augmentation on the fly), over an epoch through the same fit() on the same
    batches built beforehand: what building batches adds to the model's own work. Each is
    the median over `epochs` warm epochs (the first epoch, which compiles, is left out); epoch
    times on a shared machine vary by more than the difference, so the seconds it takes to
    build one epoch's batches, alone, are reported too."""
    config = PRESETS["mel_cnn_quick"]
    spec = MODEL_INPUTS["mel_cnn"]
    meta = esc50.load_meta(root)
    X = spec.clips(root, meta, progress=False)
    train, _, _ = fold_split(meta["fold"], 1)
    x_train = X[train]
    mean, var = band_stats(x_train, spec.norm_axes)
    batches = make_batches(config, x_train, meta["target"].to_numpy()[train], 50)
    start = time.perf_counter()
    ready = [batches[i] for i in range(len(batches))]
    build = time.perf_counter() - start  # fit() overlaps this with training: the most it can add

    class Ready(keras.utils.PyDataset):
        def __len__(self):
            return len(ready)

        def __getitem__(self, i):
            return ready[i]

    def warm_epoch_seconds(data):
        keras.utils.set_random_seed(config.seed)
        model = build_model(config, 50, x_train.shape[1:], mean, var, steps_per_epoch=len(batches))
        timer = FitState()
        model.fit(data, epochs=epochs + 1, callbacks=[timer], verbose=0)
        return statistics.median(timer.seconds[1:])

    model_only, with_pipeline = warm_epoch_seconds(Ready()), warm_epoch_seconds(batches)
    return {"steps_per_epoch": len(batches), "batch_size": config.batch_size, "epochs": epochs,
            "build_batches_s": round(build, 3), "model_only_s": round(model_only, 3),
            "with_pipeline_s": round(with_pipeline, 3),
            "ratio": round(with_pipeline / model_only, 3),
            # The goal is judged on this bound: building batches with no overlap at all.
            "ratio_bound": round((model_only + build) / model_only, 3)}


def table(runs):
    rows = ["| model | 5-fold accuracy | per fold | training time per fold | per epoch | machine |",
            "|---|---|---|---|---|---|"]
    for run in sorted(runs, key=lambda r: (not complete(r), -r.get("accuracy", {}).get("mean", -1))):
        if run.get("missing"):
            rows.append(f"| {run['name']} | not run yet | | | | |")
            continue
        acc, folds = run["accuracy"], run["folds"]
        per_epoch = [f["seconds_per_epoch"] for f in folds if "seconds_per_epoch" in f]
        where = describe_run_machine(run)
        label = run["name"] + (" (members' top 5 only: their runs predate full probabilities)"
                               if run.get("config", {}).get("approximate") else "")
        # A mean over some folds is not comparable with 5-fold results: show the folds alone.
        summary = (f"{acc['mean']:.1%} ± {acc['std']:.1%}" if complete(run)
                   else f"{len(folds)} of {len(FOLDS)} folds so far "
                   f"(test {describe_folds([f['test_fold'] for f in folds])})")
        rows.append(
            f"| {label} | {summary} | "
            + " ".join(f"{a:.0%}" for a in acc["folds"])
            + f" | {np.mean([f['seconds'] for f in folds]):.0f} s | "
            + (f"{np.mean(per_epoch):.1f} s" if per_epoch else "–") + f" | {where} |")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="recompute every results file")
    parser.add_argument("--skip-training", action="store_true", help="report only the results already there")
    args = parser.parse_args(argv)
    root = esc50.download()
    runs = accuracy_runs(root, args.fresh, args.skip_training)
    done = [r for r in runs if complete(r)]
    speed = {"pipeline": pipeline_overhead(root)}
    features = json.loads((results_dir() / "benchmark_features.json").read_text())["seconds"]
    acc = {r["name"]: r["accuracy"]["mean"] for r in done}
    quick = next((r for r in done if r["name"] == "mel_cnn_quick"), None)
    goals_met = {
        **{name: acc[name] >= goal for name, goal in GOALS.items() if name in acc},
        "best_baseline": max((v for k, v in acc.items() if k.startswith("baseline")), default=0)
        >= GOALS["best_baseline"],
        "pipeline_overhead": speed["pipeline"]["ratio_bound"] <= GOALS["pipeline_overhead"],
    }
    if quick:
        minutes = sum(f["seconds"] for f in quick["folds"]) / 60
        goals_met["mel_cnn_quick_minutes"] = minutes <= GOALS["mel_cnn_quick_minutes"]
    report = {
        "accuracy": {r["name"]: ({"missing": True} if r.get("missing") else {
            **r["accuracy"], "complete": complete(r), "test_folds": [f["test_fold"] for f in r["folds"]],
            "seconds_per_fold": [f["seconds"] for f in r["folds"]],
            "seconds_per_epoch": [f.get("seconds_per_epoch") for f in r["folds"]], "machine": r["machine"]})
            for r in runs},
        "feature_extraction_s": features,
        "speed": speed,
        "goals": GOALS,
        "goals_met": goals_met,
        "machine": machine(),
    }
    with atomic_write(results_dir() / "benchmark.json", "w") as f:
        json.dump(report, f, indent=1)
    markdown = table(runs)
    with atomic_write(results_dir() / "benchmark.md", "w") as f:
        f.write(markdown + "\n")
    fig = plot_accuracy_comparison(ev.accuracy_table(done), title="ESC-50, 5 official folds").figure
    print(markdown)
    print(json.dumps({"speed": speed, "goals_met": goals_met}, indent=1))
    print(f"written {results_dir() / 'benchmark.json'}, {save_fig(fig, 'benchmark_accuracy')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
