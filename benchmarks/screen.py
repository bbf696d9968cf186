"""Screen from-scratch recipes on one fold at the quick model's size, before a 5-fold run.

Each recipe is ``mel_cnn_quick``'s base (the preset without label smoothing, :data:`BASES`) with
some fields changed, trained with test fold 1 (fold 2 validates) through
:func:`esc50.training.cross_validate`: resumable mid-fold with the same command, its results in
``results/screen_<recipe>.json``. One fold decides nothing on its own (folds differ by 4
points); a recipe that wins here earns a 5-fold run.

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

# What the recipes change: each preset without what the screens found and it took on (label
# smoothing; for mel_cnn, test crops chosen per fold and refit), so that a recipe's runs keep
# their meaning.
BASES = {preset: get_config(preset, label_smoothing=0.0, test_crops=1, refit=False)
         for preset in ("mel_cnn_quick", "mel_cnn")}
QUICK = BASES["mel_cnn_quick"]
AUGMENT = QUICK.augment
RECIPES = {
    # The base itself, the bar to beat: fold 1 of the quick size's 5-fold run (74.0 %), and at
    # full size the mel_cnn preset before label smoothing (79.7 %, results/mel_cnn_no_smoothing.json).
    "no_smoothing": {},
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
    # first recipe to run at full size (--preset mel_cnn, which keeps its mixup), and the mel_cnn
    # preset until refit won (results/mel_cnn_smooth_crops.json).
    "smooth_crops": dict(label_smoothing=0.1, test_crops=(1, 3, 5, 10)),
    # smooth, then trained again on the training and validation folds for the epochs the
    # validation fold settled on: a quarter more clips, as the YAMNet head does (twice the time).
    "smooth_refit": dict(label_smoothing=0.1, refit=True),
    # Its winner at fold 1 (81.25 % against smooth's 76.0 %), for full size: smooth_crops with
    # refit, now the mel_cnn preset, its run results/mel_cnn.json.
    "smooth_crops_refit": dict(label_smoothing=0.1, test_crops=(1, 3, 5, 10), refit=True),
    # The same schedule and crops with label smoothing, the one change that won at 70 epochs,
    # and neither mixing nor speed changes: which part of long_short does what.
    "long_smooth": dict(epochs=200, augment=AUGMENT | dict(crop=0.3), label_smoothing=0.1, test_crops=10),
}


def recipe_config(recipe, preset="mel_cnn_quick"):
    """The configuration ``recipe`` trains: ``preset``'s base with the recipe's changes."""
    return get_config(BASES[preset], **RECIPES[recipe])


def run_name(recipe, preset="mel_cnn_quick", folds=(1,)):
    """The run of ``recipe`` on ``preset``: the preset's own when the preset is the recipe,
    else ``screen_<recipe>`` for a screen (the quick size, test fold 1), else
    ``<preset>_<recipe>`` (over more folds, or at full size)."""
    if recipe_config(recipe, preset) == PRESETS[preset]:
        return preset
    return f"screen_{recipe}" if preset == "mel_cnn_quick" and list(folds) == [1] else f"{preset}_{recipe}"


def run(names, preset="mel_cnn_quick", folds=(1,)):
    """Train each recipe on ``preset``'s model over test ``folds`` as :func:`run_name` names it."""
    from esc50.training import cross_validate

    unknown = set(names) - set(RECIPES)
    if unknown:
        sys.exit(f"unknown recipe(s) {sorted(unknown)}; choose from {sorted(RECIPES)}")
    for name in names:
        run_as = run_name(name, preset, folds)
        if run_as == preset:  # its run is the preset's, all folds at once
            print(f"{name} is the {preset} preset: python -m esc50 train {preset}")
            continue
        cross_validate(recipe_config(name, preset), name=run_as, folds=list(folds), verbose=2)


def describe(changes):
    """A recipe's changes in a few words: ``epochs=200, crop=0.3, between=True``."""
    words = []
    for key, value in changes.items():
        if key == "augment":
            words += [f"{k}={v}" for k, v in value.items() if AUGMENT.get(k) != v]
        else:
            words.append(f"{key}={value}")
    return ", ".join(words).replace("(", "").replace(")", "") or "none"


def saved_folds(run):
    """The fold records of ``run`` in fold order, each with its machine: those of its results file,
    and those it has saved since (``results/partial/<run>/``), as a run resumed over more folds
    than its results file holds so far has."""
    path, folds = results_dir() / f"{run}.json", {}
    if path.exists():
        saved = load_results(path)
        folds = {f["test_fold"]: {"machine": saved.get("machine"), **f} for f in saved["folds"]}
    for p in (results_dir() / "partial" / run).glob("fold*.json"):
        record = json.loads(p.read_text())["record"]
        folds.setdefault(record["test_fold"], record)
    return [folds[k] for k in sorted(folds)]


def report():
    rows = ["| recipe | changes from mel_cnn_quick without label smoothing | fold 1 accuracy | epochs (best) | minutes "
            "| machine |",
            "|---|---|---|---|---|---|"]
    five_fold = {}  # run: (the recipes that make it, its folds, read once); smooth_crops_refit makes mel_cnn, and so on
    for preset in BASES:
        for name in RECIPES:
            run = run_name(name, preset, range(1, 6))
            if run not in five_fold:
                five_fold[run] = ([], saved_folds(run))
            five_fold[run][0].append(name)
    for name, changes in RECIPES.items():
        # fold 1 at the quick size: the recipe's screen, else its 5-fold run's
        folds = saved_folds(f"screen_{name}") or five_fold[run_name(name, "mel_cnn_quick", range(1, 6))][1]
        fold = next((f for f in folds if f["test_fold"] == 1), None)
        if fold:
            rows.append(f"| {name} | {describe(changes)} | {fold['accuracy']:.1%} | {fold['epochs']} "
                        f"({fold['best_epoch']}) | {fold['seconds'] / 60:.1f} | {describe_machine(fold['machine'])} |")
        elif not any(name in names for names, folds in five_fold.values() if folds):  # else in the second table
            rows.append(f"| {name} | {describe(changes)} | not run yet | | | |")
    five_fold = {run: entry for run, entry in five_fold.items() if entry[1]}
    if five_fold:  # winners over the 5 folds, at either size, over the folds done so far
        rows += ["", "| 5-fold run | recipes on its preset's base | folds done | accuracy per fold | mean "
                 "| minutes per fold |", "|---|---|---|---|---|---|"]
        for run, (names, folds) in five_fold.items():
            accuracy = " ".join(f"{f['accuracy']:.1%}" for f in folds)
            minutes = " ".join(f"{f['seconds'] / 60:.0f}" for f in folds)
            mean = sum(f["accuracy"] for f in folds) / len(folds)
            done = " ".join(str(f["test_fold"]) for f in folds)
            label = f"{run} (the preset)" if run in PRESETS else run
            rows.append(f"| {label} | {', '.join(names)} | {done} | {accuracy} | {mean:.1%} | {minutes} |")
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
