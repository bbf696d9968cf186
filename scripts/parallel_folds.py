"""Cross-validate one preset with its five folds trained at once, one process each: for a GPU
machine, where one small CNN leaves most of the GPU idle, and its commands have a time limit.

Each fold is ``python -m esc50 train PRESET --folds K``: it checkpoints every few epochs and
saves its finished fold in ``results/partial/<name>/``, so when ``--deadline`` stops the
folds, running the same command again resumes them. Once all five are done, one more
``train`` call (reusing them all, training nothing) writes ``results/<name>.json``.

    python scripts/parallel_folds.py mel_cnn --deadline 540            # on the GPU machine
    python scripts/parallel_folds.py mel_cnn --seed 43 --name mel_cnn_seed43 --deadline 540
    python scripts/parallel_folds.py mel_cnn_quick --sample --epochs 1  # a CPU smoke test

Not for the 2-core development CPU: one training there keeps both cores busy, and two side by
side (one thread each) made 1.07 times the epochs per second of one alone (5.1 s an epoch of
the quick model's long_short recipe alone, 9.5 s each of two at once).

With ``--out DIR`` (the device's ``$OUT``) the results files are copied there. Exit status:
0 when the results file is written, 3 when the deadline stopped the folds first.

Not yet run on the project's GPU machine (none has been lent to a session since this was
written). Its image has JAX but neither TensorFlow nor librosa, and a call carries 64 MiB at
most, so a run there needs: the Keras wheel with ``KERAS_BACKEND=jax`` (the training code is
plain Keras and asks the backend for GPUs, :func:`esc50.results.gpus`), the wheels of
librosa's and soundfile's missing dependencies, and the log-mel features carried in place of the
audio (2000 x 128 x 431 values: about 110 MB as bytes, so quantised to 0.5 dB and compressed,
or the 64-band input the model pools them to first).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

INCOMPLETE = 3


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset")
    parser.add_argument("--name", help="run name (default: the preset)")
    parser.add_argument("--epochs", type=int, help="override the preset's epochs")
    parser.add_argument("--seed", type=int, help="override the preset's random seed")
    parser.add_argument("--sample", action="store_true", help="the shipped sample (a smoke test)")
    parser.add_argument("--folds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--deadline", type=float, help="seconds after which the folds are stopped (they resume)")
    parser.add_argument("--out", help="copy the results files here")
    args = parser.parse_args(argv)
    name = args.name or args.preset
    common = [args.preset, "--name", name, "--verbose", "2"]
    common += ["--epochs", str(args.epochs)] if args.epochs else []
    common += ["--seed", str(args.seed)] if args.seed is not None else []
    common += ["--sample"] if args.sample else []
    env = dict(os.environ, TF_FORCE_GPU_ALLOW_GROWTH="true", PYTHONUNBUFFERED="1")  # five processes share one GPU

    _cache_features(args.preset, args.sample)  # once, first: five processes would each compute them
    start = time.monotonic()
    children = {k: subprocess.Popen([sys.executable, "-m", "esc50", "train", *common, "--folds", str(k)], env=env,
                                    stdout=open(f"{_logs(name)}/fold{k}.log", "w"), stderr=subprocess.STDOUT)
                for k in args.folds}
    while any(c.poll() is None for c in children.values()):
        if args.deadline is not None and time.monotonic() - start > args.deadline:
            for c in children.values():
                if c.poll() is None:
                    c.send_signal(signal.SIGTERM)
            for c in children.values():
                c.wait()
            print(f"{name}: deadline reached after {time.monotonic() - start:.0f} s; run the same command to resume")
            return INCOMPLETE
        time.sleep(2)
    failed = [k for k, c in children.items() if c.returncode]
    if failed:
        sys.exit(f"{name}: fold(s) {failed} failed: see {_logs(name)}/fold<k>.log")
    final = _esc50(["train", *common, "--folds", *map(str, args.folds)], env)  # reuses every fold
    print(final.stdout, end="")
    final.check_returncode()
    if args.out:
        from esc50.results import results_dir

        os.makedirs(args.out, exist_ok=True)
        shutil.copy(results_dir() / f"{name}.json", args.out)
    return 0


def _cache_features(preset, sample):
    from esc50.dataset import sample_dir
    from esc50.inputs import MODEL_INPUTS
    from esc50.presets import get_config

    MODEL_INPUTS[get_config(preset).model].clips(sample_dir() if sample else None, progress=False)


def _esc50(arguments, env):
    return subprocess.run([sys.executable, "-m", "esc50", *arguments], env=env, capture_output=True, text=True)


def _logs(name):
    from esc50.results import results_dir

    path = results_dir() / "partial" / name / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    sys.exit(main())
