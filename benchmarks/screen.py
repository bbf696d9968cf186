"""Screen from-scratch recipes on one fold at the quick model's size, before a 5-fold run.

Each recipe is ``mel_cnn_quick`` with some fields changed, trained with test fold 1 (fold 2
validates) through :func:`esc50.training.cross_validate`: resumable mid-fold with the same
command, its results in ``results/screen_<recipe>.json``. One fold decides nothing on its own
(folds differ by 4 points); a recipe that wins here earns a 5-fold run.

    python benchmarks/screen.py between smooth     # train these (resuming any interrupted)
    python benchmarks/screen.py --report           # the table of every screened recipe
    python benchmarks/screen.py smooth --folds 1 2 3 4 5                    # a winner over the 5 folds
    python benchmarks/screen.py smooth --preset mel_cnn --folds 1 2 3 4 5   # and at full size
    python benchmarks/screen.py --test-crops models/notebook04/fold1.keras   # test-time crops of a fold-1 model
    python benchmarks/screen.py --test-crops models/screen_long_short/fold1.keras --crop 0.3
"""
from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from esc50.fileio import atomic_write  # noqa: E402
from esc50.presets import PRESETS, get_config  # noqa: E402
from esc50.results import describe_machine, load_results, results_dir  # noqa: E402

QUICK = PRESETS["mel_cnn_quick"]
AUGMENT = QUICK.augment
RECIPES = {
    # The quick preset itself: fold 1 of its committed 5-fold run (74.0 %), the bar to beat.
    "quick": {},
    # Between-class mixing of pairs of different classes, ratio U(0, 1) (BC learning).
    "between": dict(augment=AUGMENT | dict(between=True)),
    "smooth": dict(label_smoothing=0.1),
    # Played 0.8 to 1.25 times as fast (time and pitch together, as EnvNet's time-scale).
    "scale": dict(augment=AUGMENT | dict(scale=(0.8, 1.25))),
    # What the 85 % recipes share, at once: 200 epochs of shorter (1.5 s) crops, between-class
    # mixing, speed changes, ten test crops.
    "long_short": dict(epochs=200, augment=AUGMENT | dict(crop=0.3, between=True, scale=(0.8, 1.25)),
                       test_crops=10),
    # long_short three times as long: the mixing's cost was still falling at 200 epochs.
    "long_short_600": dict(epochs=600, augment=AUGMENT | dict(crop=0.3, between=True, scale=(0.8, 1.25)),
                           test_crops=10),
    # The winner at 70 epochs, with the validation fold choosing whole clips or test crops: the
    # first recipe to run at full size (--preset mel_cnn, which keeps its mixup), and then the
    # mel_cnn preset itself, its run results/mel_cnn.json.
    "smooth_crops": dict(label_smoothing=0.1, test_crops=(1, 3, 5, 10)),
    # smooth, then trained again on the training and validation folds for the epochs the
    # validation fold settled on: a quarter more clips, as the YAMNet head does (twice the time).
    "smooth_refit": dict(label_smoothing=0.1, refit=True),
    # The mel_cnn preset before it took smooth_crops (79.7 % over the 5 folds): at full size,
    # results/mel_cnn_no_smoothing.json.
    "no_smoothing": dict(label_smoothing=0.0, test_crops=1),
    # The same schedule and crops with label smoothing, the one change that won at 70 epochs,
    # and neither mixing nor speed changes: which part of long_short does what.
    "long_smooth": dict(epochs=200, augment=AUGMENT | dict(crop=0.3), label_smoothing=0.1, test_crops=10),
}


def run_name(recipe, preset="mel_cnn_quick", folds=(1,)):
    """The run of ``recipe`` on ``preset``: the preset's own when the preset already is the
    recipe, else ``screen_<recipe>`` for a screen (the quick preset, test fold 1), else
    ``<preset>_<recipe>`` (a winner at full size)."""
    if get_config(preset, **RECIPES[recipe]) == PRESETS[preset]:
        return preset
    return f"screen_{recipe}" if preset == "mel_cnn_quick" and list(folds) == [1] else f"{preset}_{recipe}"


def run(names, preset="mel_cnn_quick", folds=(1,)):
    """Train each recipe on ``preset``'s model over test ``folds`` as :func:`run_name` names it."""
    from esc50.training import cross_validate

    unknown = set(names) - set(RECIPES)
    if unknown:
        sys.exit(f"unknown recipe(s) {sorted(unknown)}; choose from {sorted(RECIPES)}")
    for name in names:
        if run_name(name, preset, folds) == preset:  # its run is the preset's, all folds at once
            print(f"{name} is the {preset} preset: python -m esc50 train {preset}")
            continue
        cross_validate(preset, name=run_name(name, preset, folds), folds=list(folds), verbose=2, **RECIPES[name])


def describe(changes):
    """A recipe's changes in a few words: ``epochs=200, crop=0.3, between=True``."""
    words = []
    for key, value in changes.items():
        if key == "augment":
            words += [f"{k}={v}" for k, v in value.items() if AUGMENT.get(k) != v]
        else:
            words.append(f"{key}={value}")
    return ", ".join(words).replace("(", "").replace(")", "") or "none"


def five_fold_run(name, preset):
    """Recipe ``name``'s 5-fold run on ``preset``: its name and its fold records, from its
    results file or from the folds an unfinished run has saved so far (``results/partial/<run>/``)."""
    run = run_name(name, preset, range(1, 6))
    path = results_dir() / f"{run}.json"
    if path.exists():
        return run, load_results(path)["folds"]
    partial = sorted((results_dir() / "partial" / run).glob("fold*.json"))
    return run, [json.loads(p.read_text())["record"] for p in partial]


def report():
    rows = ["| recipe | changes from mel_cnn_quick | fold 1 accuracy | epochs (best) | minutes | machine |",
            "|---|---|---|---|---|---|"]
    quick = results_dir() / "mel_cnn_quick.json"
    full = {}  # 5-fold runs: (the recipes that make them, their folds); smooth and smooth_crops are both mel_cnn
    for preset in ("mel_cnn_quick", "mel_cnn"):
        for name in RECIPES:
            run, folds = five_fold_run(name, preset)
            if folds:
                names = full.setdefault(run, ([], folds))[0]
                names += [] if name == "quick" else [name]  # the empty recipe: the preset's own run
    full_only = {name for names, _ in full.values() for name in names}
    for name, changes in RECIPES.items():
        path = quick if name == "quick" else results_dir() / f"screen_{name}.json"
        if not path.exists() and name in full_only:
            continue  # run at full size only: in the second table
        if not path.exists():
            rows.append(f"| {name} | {describe(changes)} | not run yet | | | |")
            continue
        run = load_results(path)
        fold = next(f for f in run["folds"] if f["test_fold"] == 1)
        rows.append(f"| {name} | {describe(changes)} | {fold['accuracy']:.1%} | {fold['epochs']} ({fold['best_epoch']})"
                    f" | {fold['seconds'] / 60:.1f} | {describe_machine(fold.get('machine', run.get('machine')))} |")
    if full:  # winners over the 5 folds, at either size, over the folds done so far
        rows += ["", "| 5-fold run | recipes on its preset | folds done | accuracy per fold | mean "
                 "| minutes per fold |", "|---|---|---|---|---|---|"]
        for run, (names, folds) in full.items():
            accuracy = " ".join(f"{f['accuracy']:.1%}" for f in folds)
            minutes = " ".join(f"{f['seconds'] / 60:.0f}" for f in folds)
            mean = sum(f["accuracy"] for f in folds) / len(folds)
            done = " ".join(str(f["test_fold"]) for f in folds)
            label = f"{run} (the preset)" if run in PRESETS else run
            rows.append(f"| {label} | {', '.join(names) or 'none'} | {done} | {accuracy} | {mean:.1%} | {minutes} |")
    table = "\n".join(rows)
    with atomic_write(results_dir() / "screen.md", "w") as f:
        f.write(table + "\n")
    print(table)


def test_crops(model_path, crop=QUICK.augment["crop"], counts=(1, 3, 5, 10, 20)):
    """Accuracy of a saved fold-1 ``mel_cnn`` model judged by whole clips, then by the mean of
    that many evenly spaced crops of ``crop`` (its training crops' share of a clip), on its
    validation fold (2), which may choose the count, and on its test fold (1), which reports
    it: no training needed."""
    import esc50
    from esc50.inputs import MODEL_INPUTS
    from esc50.predict import load_model
    from esc50.training import accuracy_by_crops

    spec, meta, model = MODEL_INPUTS["mel_cnn"], esc50.load_meta(), load_model(model_path)
    accuracy = {}
    for fold in (2, 1):
        clips = meta[meta["fold"] == fold].reset_index(drop=True)
        X = spec.clips(None, clips, progress=False)
        length = round(crop * X.shape[2])
        accuracy[fold] = accuracy_by_crops(model, X, clips["target"].to_numpy(), spec, counts, length)
    chosen = max(sorted(counts), key=accuracy[2].get)  # as cross_validate chooses: the fewest of the best
    print(f"{model_path}, crops of {length} frames: validation fold 2 / test fold 1")
    for n in counts:
        print(f"  {'whole clips' if n == 1 else f'{n} crops'}: {accuracy[2][n]:.1%} / {accuracy[1][n]:.1%}"
              + ("   <- chosen on fold 2" if n == chosen else ""))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", help=f"recipes to train: {', '.join(RECIPES)}")
    parser.add_argument("--report", action="store_true", help="print and save the table (results/screen.md)")
    parser.add_argument("--test-crops", metavar="MODEL",
                        help="a fold-1 model's accuracy with test crops, on folds 2 and 1")
    parser.add_argument("--crop", type=float, default=QUICK.augment["crop"],
                        help="with --test-crops: the crops' share of a clip (default: the quick preset's)")
    parser.add_argument("--preset", default="mel_cnn_quick", choices=["mel_cnn_quick", "mel_cnn"],
                        help="the recipes' base (default mel_cnn_quick; other than it, or other folds than 1, "
                             "makes results/<preset>_<recipe>.json)")
    parser.add_argument("--folds", type=int, nargs="+", default=[1], help="test folds (default 1)")
    args = parser.parse_args(argv)
    if args.test_crops:
        test_crops(args.test_crops, args.crop)
        return
    run(args.recipes, args.preset, args.folds)
    if args.report or not args.recipes:
        report()


if __name__ == "__main__":
    sys.exit(main())
