"""The command line, run as users run it."""
import subprocess
import sys

from esc50.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "esc50", *args], capture_output=True, text=True)


def test_help_lists_the_commands():
    out = run("--help")
    assert out.returncode == 0
    for command in ("download", "check", "features"):
        assert command in out.stdout


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
