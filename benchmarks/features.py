"""Feature-extraction speed on the full dataset (`make benchmark`).

Goals (issue 2), on the 2-core development machine: log-mel of all 2000 clips in <= 20 s
with no feature cache, <= 1 s from the cache. Writes results/benchmark_features.json.
"""
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import esc50
from esc50.fileio import atomic_write

GOALS = {"logmel_cold_s": 20.0, "logmel_cached_s": 1.0}
OUT = Path(__file__).resolve().parents[1] / "results" / "benchmark_features.json"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main():
    root = esc50.download()
    results = {}
    with tempfile.TemporaryDirectory() as cache:
        values, results["logmel_cold_s"] = timed(lambda: esc50.extract("logmel", root, cache_dir=cache, progress=False))
        _, results["logmel_cached_s"] = timed(lambda: esc50.extract("logmel", root, cache_dir=cache, progress=False))
        _, results["mfcc_cold_s"] = timed(lambda: esc50.extract("mfcc", root, cache_dir=cache, progress=False))
        _, results["summary_cold_s"] = timed(lambda: esc50.extract("summary", root, cache_dir=cache, progress=False))
    report = {
        "what": "feature extraction of all 2000 ESC-50 clips; cold = no feature cache "
                "(audio files may be in the OS page cache), cached = read back and checksummed",
        "shape_logmel": list(values.shape),
        "seconds": {k: round(v, 2) for k, v in results.items()},
        "goals_seconds": GOALS,
        "goals_met": {k: results[k] <= v for k, v in GOALS.items()},
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": sys.version.split()[0], "esc50": esc50.__version__},
    }
    with atomic_write(OUT, "w") as f:
        json.dump(report, f, indent=2)
    for name, seconds in results.items():
        goal = GOALS.get(name)
        verdict = "" if goal is None else f"  (goal <= {goal:g} s: {'met' if seconds <= goal else 'MISSED'})"
        print(f"{name:18}{seconds:8.2f} s{verdict}")
    print(f"written {OUT}")
    return 0 if all(report["goals_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
