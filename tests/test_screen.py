"""benchmarks/screen.py: its commands reuse the committed runs rather than train them again."""
import importlib.util
import json
from pathlib import Path

from esc50.training import run_config, same_config

ROOT = Path(__file__).parents[1]
spec = importlib.util.spec_from_file_location("screen", ROOT / "benchmarks" / "screen.py")
screen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(screen)


def saved_configs(run):
    """The configurations that ``run``'s committed results file and finished folds were made with."""
    results, partial = ROOT / "results" / f"{run}.json", ROOT / "results" / "partial" / run
    files = ([results] if results.exists() else []) + sorted(partial.glob("fold*.json"))
    return {str(path.relative_to(ROOT)): json.loads(path.read_text())["config"] for path in files}


def test_every_committed_run_of_a_recipe_is_what_its_command_trains_now():
    checked = 0
    for preset in screen.BASES:
        for recipe in screen.RECIPES:
            for folds in ([1], range(1, 6)):
                config = run_config(screen.recipe_config(recipe, preset))
                for path, saved in saved_configs(screen.run_name(recipe, preset, folds)).items():
                    assert same_config(saved, config), f"{path} was not made by recipe {recipe} on {preset}"
                    checked += 1
    assert checked >= 30  # the screens, and the 5-fold runs at both sizes with their folds


def test_a_recipe_that_a_preset_took_on_is_that_presets_run():
    assert screen.run_name("smooth_crops_refit", "mel_cnn", range(1, 6)) == "mel_cnn"
    assert screen.run_name("smooth_crops", "mel_cnn", range(1, 6)) == "mel_cnn_smooth_crops"  # the preset before
    assert screen.run_name("no_smoothing", "mel_cnn", range(1, 6)) == "mel_cnn_no_smoothing"
    assert screen.run_name("smooth", "mel_cnn", range(1, 6)) == "mel_cnn_smooth"  # whole clips only: not the preset
    assert screen.run_name("between") == "screen_between"


def test_saved_folds_adds_the_folds_a_resumed_run_saved_after_its_results_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ESC50_RESULTS", str(tmp_path))
    results = screen.results_dir()  # tmp_path, or its quick/ folder under ESC50_QUICK (as make test runs)
    results.mkdir(parents=True, exist_ok=True)
    record = {"accuracy": 0.8, "epochs": 3, "best_epoch": 2, "seconds": 60.0}
    (results / "run.json").write_text(json.dumps(
        {"name": "run", "machine": {"cpus": 2}, "folds": [dict(record, test_fold=1)], "accuracy": {"mean": 0.8},
         "predictions": []}))
    (results / "partial" / "run").mkdir(parents=True)
    for k in (2, 1):  # fold 1 is in both: the results file's record is kept, with its machine
        (results / "partial" / "run" / f"fold{k}.json").write_text(json.dumps(
            {"config": {}, "record": dict(record, test_fold=k, machine={"cpus": 16})}))
    folds = screen.saved_folds("run")
    assert [f["test_fold"] for f in folds] == [1, 2]
    assert [f["machine"]["cpus"] for f in folds] == [2, 16]
    assert screen.saved_folds("never_run") == []
