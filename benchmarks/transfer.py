"""Pretrained knowledge, measured on the 5 official folds (`make benchmark`).

- zero-shot: YAMNet's AudioSet scores through the hand-made class table, no training;
- transfer: the course's Keras head on YAMNet's embeddings (reused from results/ when made with
  the current configuration and model file), and beside it a logistic regression on the same
  pooled embeddings;
- speed: YAMNet's embeddings of the 2000 clips with no cache and from the cache.

Needs YAMNet (ESC50_YAMNET, the cache, or a download); without it, it says so and does nothing.
The head averaged with mel_cnn, which needs only their results files, is made by
benchmarks/models.py, which runs after this.
Goals (issue 15), on the 2-core development machine: zero-shot >= 75 %, head >= 88 %,
embeddings cold <= 90 s and cached <= 1 s, the head's 5-fold cross-validation <= 5 min.
Writes results/yamnet_zeroshot.json, yamnet_head.json, baseline_logistic_yamnet.json and
benchmark_transfer.json.
"""
import argparse
import json
import sys
import tempfile
import time

import esc50
from esc50 import transfer
from esc50.baselines import cross_validate_baseline
from esc50.fileio import atomic_write
from esc50.inputs import MODEL_INPUTS
from esc50.results import load_results, machine, results_dir
from esc50.training import cross_validate, run_config, same_config
from esc50.zeroshot import cross_validate_zero_shot

GOALS = {"zero_shot": 0.75, "head": 0.88, "embeddings_cold_s": 90.0, "embeddings_cached_s": 1.0,
         "head_cv_minutes": 5.0}


def reusable(name, config):
    """results/<name>.json if it was made with ``config``, else None."""
    try:
        run = load_results(name)
    except FileNotFoundError:
        return None
    return run if same_config(run["config"], config) else None


def embedding_seconds(root):
    config = MODEL_INPUTS["yamnet_head"].config
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        for kind in ("yamnet", "yamnet_shifted"):
            start = time.perf_counter()
            esc50.extract(kind, root, config=config, cache_dir=cache, progress=False)
            out[f"{kind}_cold_s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        esc50.extract("yamnet", root, config=config, cache_dir=cache, progress=False)
        out["yamnet_cached_s"] = round(time.perf_counter() - start, 3)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="cross-validate the head again even if results/ has it")
    args = parser.parse_args(argv)
    if not transfer.yamnet_available():
        print("YAMNet is not available (set ESC50_YAMNET, or allow its download): nothing measured")
        return 0
    root = esc50.download()
    head_config = run_config("yamnet_head")
    head = None if args.fresh else reusable("yamnet_head", head_config)
    if head is None:
        head = cross_validate("yamnet_head", root, verbose=0, resume=not args.fresh)
    runs = {"zero_shot": cross_validate_zero_shot(root), "head": head,
            "logistic": cross_validate_baseline("logistic", "yamnet", root)}
    speed = embedding_seconds(root)
    head_minutes = sum(f["seconds"] for f in head["folds"]) / 60
    acc = {k: r["accuracy"] for k, r in runs.items()}
    report = {
        "accuracy": acc,
        "embedding_model": transfer.model_id(),
        "speed": {**speed, "head_cv_minutes": round(head_minutes, 2)},
        "goals": GOALS,
        "goals_met": {"zero_shot": acc["zero_shot"]["mean"] >= GOALS["zero_shot"],
                      "head": acc["head"]["mean"] >= GOALS["head"],
                      "embeddings_cold_s": speed["yamnet_cold_s"] <= GOALS["embeddings_cold_s"],
                      "embeddings_cached_s": speed["yamnet_cached_s"] <= GOALS["embeddings_cached_s"],
                      "head_cv_minutes": head_minutes <= GOALS["head_cv_minutes"]},
        "machine": machine(),
    }
    with atomic_write(results_dir() / "benchmark_transfer.json", "w") as f:
        json.dump(report, f, indent=1)
    for key, run in runs.items():
        a = run["accuracy"]
        print(f"{key:10} {run['name']:28} {a['mean']:.1%} +- {a['std']:.1%}  "
              + " ".join(f"{x:.1%}" for x in a["folds"]))
    print(json.dumps({"speed": report["speed"], "goals_met": report["goals_met"]}, indent=1))
    print(f"written {results_dir() / 'benchmark_transfer.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
