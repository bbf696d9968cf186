"""Classifying recordings (`make benchmark`): real recordings from outside ESC-50, speed, start-up.

- Every model's top-1 and top-3 accuracy on esc50/data/recordings (real recordings from three
  free sound collections, labelled by hand; for evaluation only): YAMNet zero-shot, the shipped
  YAMNet head, the shipped mel_cnn, and mel_cnn_quick trained on all 2000 clips
  (models/mel_cnn_quick/all.keras, trained here if missing: a quarter of an hour on a CPU).
  Goal: the YAMNet head's top 3 >= 80 %.
- The warm latency of classifying one 5 s file, with either default model (goal <= 100 ms).
- A cold start, `python -m esc50 predict FILE` in a new process with YAMNet: wall time and peak
  memory, the median of 5 processes (goals <= 1 s and <= 150 MB), and whether it imported
  TensorFlow or Keras (it must not).
The models that need YAMNet are skipped, and said to be, where it is not available.
Writes results/benchmark_predict.json.
"""
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

import esc50
from esc50 import transfer
from esc50.fileio import atomic_write
from esc50.predict import SHIPPED_HEAD, SHIPPED_SCRATCH, load_classifier, predict_file
from esc50.results import machine, results_dir
from esc50.training import models_dir, train_final

RECORDINGS = Path(esc50.__file__).parent / "data" / "recordings"
GOALS = {"head_top3": 0.80, "warm_ms": 100.0, "cold_s": 1.0, "cold_mb": 150.0}


def recordings():
    with open(RECORDINGS / "recordings.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def scores(classifier, rows):
    """Top-1 and top-3 accuracy of ``classifier`` on the recordings, and each one's top 3."""
    per_file = []
    for row in rows:
        top = [name for name, _ in predict_file(RECORDINGS / row["file"], classifier).top(3)]
        per_file.append({"file": row["file"], "label": row["label"], "top3": top})
    return {"top1": float(np.mean([p["top3"][0] == p["label"] for p in per_file])),
            "top3": float(np.mean([p["label"] in p["top3"] for p in per_file])),
            "description": classifier.description, "files": per_file}


def warm_ms(classifier, clip, repeats=20):
    for _ in range(3):
        predict_file(clip, classifier)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict_file(clip, classifier)
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 1)


# A small launcher runs the command and reports its peak memory: a child forked from this large
# process would count this process's memory as its own.
LAUNCHER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"seconds": time.perf_counter() - start, "status": done.returncode,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "first_line": (done.stdout.splitlines() or [done.stderr[-300:]])[0]}))
"""


def cold_start(clip, repeats=5):
    """New processes classifying one file through the command line: the median wall seconds and
    peak MB of ``repeats`` of them (the first, listed apart, also reads the libraries and models
    from disk when the OS has not cached them: seconds more after other work); and, in another,
    which heavy modules the same command imported."""
    command = [sys.executable, "-m", "esc50", "predict", str(clip)]
    reports = [json.loads(subprocess.run([sys.executable, "-c", LAUNCHER, *command], capture_output=True, text=True,
                                         check=True).stdout) for _ in range(repeats)]
    probe = ("import sys; from esc50.cli import main; main(['predict', sys.argv[1]]); "
             "print(sorted(m for m in ('tensorflow', 'keras', 'pandas', 'sklearn', 'librosa') if m in sys.modules))")
    imported = subprocess.run([sys.executable, "-c", probe, str(clip)], capture_output=True, text=True,
                              check=True).stdout.splitlines()[-1]
    return {"seconds": round(statistics.median(r["seconds"] for r in reports), 2),
            "first_seconds": round(reports[0]["seconds"], 2),
            "peak_mb": round(statistics.median(r["peak_mb"] for r in reports), 1), "repeats": repeats,
            "exit_status": max(r["status"] for r in reports), "first_line": reports[0]["first_line"],
            "heavy_modules_imported": imported}


def main():
    root = esc50.download()
    rows = recordings()
    quick = models_dir() / "mel_cnn_quick" / "all.keras"
    if not quick.exists():
        train_final("mel_cnn_quick", root, verbose=0)
    classifiers = {"mel_cnn": load_classifier(SHIPPED_SCRATCH), "mel_cnn_quick": load_classifier(quick)}
    have_yamnet = transfer.yamnet_available()
    if have_yamnet:
        from esc50.zeroshot import ZeroShotClassifier

        classifiers = {"yamnet_head": load_classifier(SHIPPED_HEAD), "yamnet_zeroshot": ZeroShotClassifier(),
                       **classifiers}
    accuracy = {name: scores(c, rows) for name, c in classifiers.items()}
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.wav"
        first = esc50.load_meta(root)["filename"].iloc[0]
        sf.write(clip, esc50.load_audio(esc50.audio_path(root, first))[0], 44100)
        speed = {"warm_ms": {name: warm_ms(classifiers[name], clip) for name in ("yamnet_head", "mel_cnn")
                             if name in classifiers}}
        if have_yamnet:
            speed["cold_start"] = cold_start(clip)
    goals_met = {"warm_ms": all(ms <= GOALS["warm_ms"] for ms in speed["warm_ms"].values())}
    if have_yamnet:
        goals_met |= {"head_top3": accuracy["yamnet_head"]["top3"] >= GOALS["head_top3"],
                      "cold_s": speed["cold_start"]["seconds"] <= GOALS["cold_s"],
                      "cold_mb": speed["cold_start"]["peak_mb"] <= GOALS["cold_mb"],
                      "cold_imports_no_tensorflow": speed["cold_start"]["heavy_modules_imported"] == "[]"}
    report = {"recordings": {"n": len(rows), "classes": len({r["label"] for r in rows})}, "accuracy": accuracy,
              "speed": speed, "goals": GOALS, "goals_met": goals_met, "yamnet_available": have_yamnet,
              "machine": machine()}
    with atomic_write(results_dir() / "benchmark_predict.json", "w") as f:
        json.dump(report, f, indent=1)
    print(f"{len(rows)} real recordings, {report['recordings']['classes']} classes")
    for name, a in accuracy.items():
        print(f"{name:16} top-1 {a['top1']:.1%}  top-3 {a['top3']:.1%}")
    print(json.dumps({"speed": speed, "goals_met": goals_met}, indent=1))
    print(f"written {results_dir() / 'benchmark_predict.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
