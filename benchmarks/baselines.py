"""Every classic baseline on both handcrafted feature sets, 5-fold, plus the leakage demo (the
logistic regression on YAMNet's embeddings is in benchmarks/transfer.py).

Writes results/baseline_<model>_<features>.json and results/leakage.json.
"""
import json
import sys

from esc50.baselines import BASELINES, HANDCRAFTED, cross_validate_baseline, leakage_demo
from esc50.fileio import atomic_write
from esc50.results import machine, results_dir


def main():
    for feature_set in HANDCRAFTED:
        for model in BASELINES:
            cross_validate_baseline(model, feature_set)
    demos = [leakage_demo(model, "summary") for model in ("knn", "svm")]
    with atomic_write(results_dir() / "leakage.json", "w") as f:
        json.dump({"demos": demos, "machine": machine()}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
