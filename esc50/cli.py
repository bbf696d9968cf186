"""The course's command line: download and check ESC-50, compute features, train, evaluate,
classify your own recordings, export models.

Each command imports only what it needs: ``predict`` with YAMNet starts neither TensorFlow nor
scikit-learn.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path


def _download(args):
    from .archive import download

    path = download(args.root, progress=not args.quiet)
    print(path)


def _check(args):
    from .dataset import check_dataset, data_dir, sample_dir

    root = sample_dir() if args.sample else data_dir(args.root)
    problems = check_dataset(root, full=not (args.sample or args.subset))
    for line in problems:
        print(line)
    print(f"{root}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


def _features(args):
    from .dataset import sample_dir
    from .extraction import extract

    root = sample_dir() if args.sample else args.root
    start = time.perf_counter()
    values = extract(args.kind, root, n_jobs=args.jobs, cache_dir=False if args.no_cache else None)
    print(f"{args.kind}: {values.shape} in {time.perf_counter() - start:.1f} s")


def _train(args):
    from .dataset import load_meta, run_name, sample_dir
    from .training import cross_validate

    overrides = {k: v for k, v in dict(epochs=args.epochs, batch_size=args.batch_size, seed=args.seed).items()
                 if v is not None}
    root = sample_dir() if args.sample else args.root
    meta = load_meta(root, args.subset)
    name = args.name or run_name(args.preset, args.subset)
    results = cross_validate(args.preset, root, name=name, folds=args.folds, meta=meta, verbose=args.verbose,
                             resume=not args.restart, **overrides)
    print(f"written {results['path']}")


def _baseline(args):
    from .baselines import BASELINES, cross_validate_baseline, leakage_demo
    from .dataset import load_meta, run_name, sample_dir

    root = sample_dir() if args.sample else args.root
    meta = load_meta(root, args.subset)
    if args.leakage:
        leakage_demo(args.model if args.model != "all" else "knn", args.features, root, meta=meta)
        return
    for model in BASELINES if args.model == "all" else [args.model]:
        name = run_name(f"baseline_{model}_{args.features}", args.subset)
        results = cross_validate_baseline(model, args.features, root, meta=meta, name=name, save=not args.sample)
        if "path" in results:
            print(f"written {results['path']}")


def _evaluate(args):
    import pandas as pd

    from . import evaluation as ev
    from .results import load_results

    runs = [load_results(name) for name in args.results]
    with pd.option_context("display.width", 140, "display.max_columns", 20, "display.precision", 3):
        print(ev.accuracy_table(runs).to_string(float_format="{:.3f}".format), end="\n\n")
        for run in runs:
            names = ev.run_class_names(run)
            print(f"== {run['name']}: top-5 accuracy {ev.top_k_accuracy(run):.3f}")
            print(f"-- the {args.top} weakest classes")
            print(ev.per_class_report(run, names).head(args.top).to_string(index=False), end="\n\n")
            print("-- most confused pairs")
            print(ev.most_confused(run, names, args.top).to_string(index=False), end="\n\n")
            print("-- most confident mistakes (listen to them)")
            print(ev.misclassified(run, names).head(args.top).to_string(index=False), end="\n\n")
            if args.figures:
                from .plots import save_evaluation_figures

                for path in save_evaluation_figures(run, names):
                    print(f"written {path}")


def _predict(args):
    from .audio import AudioError
    from .predict import load_classifier, predict_file

    classifier = load_classifier(args.model)
    print(f"model: {classifier.description}")
    failed = 0
    for path in args.files:
        try:
            prediction = predict_file(path, classifier)
        except (AudioError, FileNotFoundError) as err:
            print(f"error: {err}", file=sys.stderr)
            failed += 1
            continue
        windows = len(prediction.window_starts)
        print(f"{path}" + (f" ({windows} windows of 5 s)" if windows > 1 else ""))
        for name, p in prediction.top(args.top):
            print(f"  {p:6.1%}  {name}")
    return 1 if failed else 0


def _export(args):
    from .export import export
    from .predict import load_model

    model = load_model(args.model)
    suffix = "_waveform" if args.waveform else ""
    output = args.output or f"{model.name}{suffix}.{args.format}"
    path = export(model, output, args.format, waveform=args.waveform)
    print(f"written {path} ({Path(path).stat().st_size / 1e6:.1f} MB)")


def build_parser():
    from .presets import BASELINES, FEATURE_SETS, PRESETS

    parser = argparse.ArgumentParser(prog="python -m esc50", description=" ".join(__doc__.split("\n\n")[0].split()))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("download", help="download ESC-50 (about 600 MB) unless a complete copy is there")
    p.add_argument("--root", help="dataset folder (default: $ESC50_DATA, else a per-user cache)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_download)

    p = sub.add_parser("check", help="check a dataset folder and list every problem found")
    p.add_argument("--root", help="dataset folder (default: $ESC50_DATA, else a per-user cache)")
    p.add_argument("--sample", action="store_true", help="check the sample shipped with the package")
    p.add_argument("--subset", action="store_true", help="skip the counts of the complete dataset")
    p.set_defaults(func=_check)

    p = sub.add_parser("features", help="compute and cache features for every clip")
    p.add_argument("kind", help="logmel, mfcc, waveform, summary, seed or yamnet")
    p.add_argument("--root", help="dataset folder (default: $ESC50_DATA, else a per-user cache)")
    p.add_argument("--sample", action="store_true", help="use the sample shipped with the package")
    p.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    p.add_argument("--no-cache", action="store_true", help="compute afresh and do not cache")
    p.set_defaults(func=_features)

    p = sub.add_parser("train", help="cross-validate a CNN over the 5 official folds; write results/<name>.json")
    p.add_argument("preset", nargs="?", default="mel_cnn_quick", choices=sorted(PRESETS),
                   help="model and training settings (default: mel_cnn_quick)")
    p.add_argument("--root", help="dataset folder (default: $ESC50_DATA, else a per-user cache)")
    p.add_argument("--sample", action="store_true", help="train on the shipped sample (a smoke test, not a result)")
    p.add_argument("--name", help="run name for the results file and models (default: the preset[_subset])")
    p.add_argument("--subset", choices=["esc10"], help="ESC-10: 10 classes, 400 clips (CC BY; faster)")
    p.add_argument("--folds", type=int, nargs="+", help="test folds to run (default: all five)")
    p.add_argument("--epochs", type=int, help="override the preset's epochs")
    p.add_argument("--batch-size", type=int, help="override the preset's batch size")
    p.add_argument("--seed", type=int, help="override the preset's random seed")
    p.add_argument("--restart", action="store_true", help="ignore folds finished by an interrupted run")
    p.add_argument("--verbose", type=int, default=2, choices=[0, 1, 2], help="Keras fit verbosity (default 2)")
    p.set_defaults(func=_train)

    p = sub.add_parser("baseline", help="cross-validate a scikit-learn baseline on handcrafted features")
    p.add_argument("model", nargs="?", default="all", choices=[*BASELINES, "all"])
    p.add_argument("--features", default="summary", choices=FEATURE_SETS)
    p.add_argument("--subset", choices=["esc10"], help="ESC-10: 10 classes, 400 clips (CC BY; faster)")
    p.add_argument("--root", help="dataset folder (default: $ESC50_DATA, else a per-user cache)")
    p.add_argument("--sample", action="store_true", help="use the shipped sample (a smoke test; nothing saved)")
    p.add_argument("--leakage", action="store_true", help="compare a random 80/20 split with the official folds")
    p.set_defaults(func=_baseline)

    p = sub.add_parser("evaluate", help="report on results files: accuracy, weak classes, confusions, mistakes")
    p.add_argument("results", nargs="+", help="run names (results/<name>.json) or paths")
    p.add_argument("--top", type=int, default=10, help="rows per table (default 10)")
    p.add_argument("--figures", action="store_true", help="also save confusion matrices and fold bars")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("predict", help="classify audio files (any format, rate, channels, length)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--model", help="a .keras model of the course, or a YAMNet head as .tflite (default: YAMNet and "
                                    "the head shipped with the package, or without YAMNet the shipped mel_cnn)")
    p.add_argument("--top", type=int, default=5, help="classes to show (default 5)")
    p.set_defaults(func=_predict)

    p = sub.add_parser("export", help="save a trained model for deployment, as .keras or TFLite")
    p.add_argument("--model", required=True, help="a .keras model of the course")
    p.add_argument("--format", default="keras", choices=["keras", "tflite"])
    p.add_argument("--waveform", action="store_true",
                   help="end to end: the model takes 5 s waveforms and computes the log-mel itself")
    p.add_argument("--output", help="file to write (default: <model>[_waveform].<format> here)")
    p.set_defaults(func=_export)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    from .audio import AudioWarning

    if issubclass(category, AudioWarning):  # it names the file and the problem: no source line needed
        sys.stdout.flush()  # after what was printed before it
        print(f"warning: {message}", file=sys.stderr)
    else:
        _default_show_warning(message, category, filename, lineno, file, line)


_default_show_warning = warnings.showwarning


def main(argv=None):
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        return args.func(args) or 0
    except (OSError, ValueError, RuntimeError) as err:  # our errors name the file and the fix
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = _default_show_warning
