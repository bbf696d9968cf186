"""The command line, run as users run it."""
import subprocess
import sys

from esc50 import load_meta, sample_dir
from esc50.cli import main
from esc50.training import models_dir


def run(*args):
    return subprocess.run([sys.executable, "-m", "esc50", *args], capture_output=True, text=True)


def test_help_lists_the_commands():
    out = run("--help")
    assert out.returncode == 0
    assert "The course's command line: download and check ESC-50" in out.stdout and "``" not in out.stdout
    for command in ("download", "check", "features", "train", "baseline", "evaluate", "predict"):
        assert command in out.stdout
    for command in ("train", "baseline", "evaluate", "predict"):
        sub = run(command, "--help")
        assert sub.returncode == 0 and "usage: python -m esc50 " + command in sub.stdout


def test_check_the_sample(capsys):
    assert main(["check", "--sample"]) == 0
    assert capsys.readouterr().out.strip().endswith(": OK")


def test_check_reports_problems_and_fails(capsys, sample_copy):
    next((sample_copy / "audio").iterdir()).write_bytes(b"")
    assert main(["check", "--root", str(sample_copy), "--subset"]) == 1
    out = capsys.readouterr().out
    assert "empty file (0 bytes)" in out and "1 problem(s)" in out


def test_features_of_the_sample(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ESC50_CACHE", str(tmp_path))
    assert main(["features", "mfcc", "--sample", "--jobs", "1"]) == 0
    assert "mfcc: (50, 60, 431)" in capsys.readouterr().out


def test_errors_are_one_clear_line():
    out = run("check", "--root", "/nonexistent/esc50")
    assert out.returncode == 1
    assert out.stderr.startswith("error: /nonexistent/esc50/meta/esc50.csv: no ESC-50 metadata here")
    assert "Traceback" not in out.stderr


def test_train_then_evaluate_then_predict(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ESC50_FIGURES", str(tmp_path / "figures"))
    assert main(["train", "mel_cnn_quick", "--sample", "--name", "cli", "--folds", "4", "--epochs", "1",
                 "--verbose", "0"]) == 0
    out = capsys.readouterr().out
    assert "cli: fold 4: test accuracy" in out and "cli.json" in out
    assert main(["evaluate", "cli", "--top", "3", "--figures"]) == 0
    out = capsys.readouterr().out
    assert "top-5 accuracy" in out and "most confused pairs" in out and "cli_confusion.png" in out
    model = models_dir() / "cli" / "fold4.keras"
    clip = next((sample_dir() / "audio").iterdir())
    assert main(["predict", str(clip), "--model", str(model), "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "model: mel_cnn" and lines[1] == str(clip) and len(lines) == 4
    assert lines[2].strip().endswith(tuple(class_names()))


def test_predict_names_a_missing_model_and_each_bad_file(tmp_path, capsys):
    assert main(["predict", "x.wav", "--model", str(tmp_path / "missing.keras")]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'missing.keras'}: no such model file\n"


def test_predict_reads_a_wav_whose_header_over_promises_and_warns_in_one_line(tmp_path):
    from pathlib import Path

    from esc50.models import mel_cnn
    from esc50.training import save_model

    model = save_model(mel_cnn(width=4, blocks=1), tmp_path / "tiny.keras")
    wav = Path(__file__).parent / "data" / "opensfx_car_horn_truncated.wav"
    out = run("predict", str(wav), str(tmp_path), "--model", str(model), "--top", "1")
    assert out.returncode == 1  # the folder is not an audio file
    assert out.stdout.splitlines()[1] == str(wav)
    assert out.stderr.splitlines() == [
        f"warning: {wav}: truncated WAV file (header promises 59452 bytes of audio, only 59324 present); "
        "read the 59324 bytes there are",
        f"error: {tmp_path}: is a directory, not an audio file"]


def test_baseline_on_the_sample(capsys):
    assert main(["baseline", "knn", "--sample", "--features", "seed"]) == 0
    assert "baseline_knn_seed: 0.000" in capsys.readouterr().out


def class_names():
    from esc50.evaluation import class_names as names

    return names(load_meta(sample_dir()))


def test_esc10_is_an_option_of_train_baseline_and_evaluate(capsys):
    meta = load_meta(sample_dir(), "esc10")
    assert len(meta) == 10 and sorted(meta["target"]) == list(range(10))
    assert main(["baseline", "knn", "--sample", "--subset", "esc10"]) == 0
    assert "baseline_knn_summary_esc10:" in capsys.readouterr().out
    assert main(["train", "mel_cnn_quick", "--sample", "--subset", "esc10", "--folds", "1", "--epochs", "1",
                 "--verbose", "0"]) == 0
    assert "mel_cnn_quick_esc10.json" in capsys.readouterr().out
    assert main(["evaluate", "mel_cnn_quick_esc10", "--figures"]) == 0
    out = capsys.readouterr().out
    assert "mel_cnn_quick_esc10_confusion.png" in out and "confusion_groups" not in out
    from esc50.results import load_results

    assert load_results("mel_cnn_quick_esc10")["classes"] == list(meta.sort_values("target")["category"])
