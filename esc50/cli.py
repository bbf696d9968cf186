"""``python -m esc50``: the course's command line."""
from __future__ import annotations

import argparse
import sys
import time


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


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m esc50", description=__doc__.split("\n")[0].strip("`"))
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
    p.add_argument("kind", choices=["logmel", "mfcc", "summary", "seed"])
    p.add_argument("--root", help="dataset folder (default: $ESC50_DATA, else a per-user cache)")
    p.add_argument("--sample", action="store_true", help="use the sample shipped with the package")
    p.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    p.add_argument("--no-cache", action="store_true", help="compute afresh and do not cache")
    p.set_defaults(func=_features)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (OSError, ValueError, RuntimeError) as err:  # our errors name the file and the fix
        print(f"error: {err}", file=sys.stderr)
        return 1
