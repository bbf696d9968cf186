"""Reports from a results file, checked on a hand-made one."""
import json

import matplotlib
import numpy as np
import pytest

from esc50 import evaluation as ev
from esc50 import plots
from esc50.results import clip_predictions, load_results, save_results, summarise, to_json

matplotlib.use("Agg")
NAMES = [f"class{i}" for i in range(50)]


def make_meta(pairs):
    import pandas as pd

    return pd.DataFrame({"filename": [f"1-{i}-A-{t}.wav" for i, (t, _) in enumerate(pairs)],
                         "target": [t for t, _ in pairs]})


def make_run(pairs, name="run"):
    """A results dict whose fold-1 clips have the given (target, predicted) pairs."""
    proba = np.full((len(pairs), 50), 0.1 / 49)
    proba[np.arange(len(pairs)), [p for _, p in pairs]] = 0.9
    preds = clip_predictions(make_meta(pairs), proba, 1)
    folds = [{"test_fold": 1, "accuracy": float(np.mean([t == p for t, p in pairs])), "predictions": preds}]
    return summarise(name, {"model": "test"}, folds)


# dog (0) twice right; rooster (1) taken for dog once; rain (10) taken for sea_waves (11) twice
PAIRS = [(0, 0), (0, 0), (1, 0), (1, 1), (10, 11), (10, 11), (11, 11)]


def test_confusion_matrices_of_classes_and_groups():
    run = make_run(PAIRS)
    cm = ev.confusion(run)
    assert cm.shape == (50, 50) and cm.sum() == len(PAIRS)
    assert cm[1, 0] == 1 and cm[10, 11] == 2 and cm[0, 0] == 2
    groups = ev.confusion(run, groups=True)
    assert groups.shape == (5, 5) and groups[0, 0] == 4 and groups[1, 1] == 3 and np.trace(groups) == 7


def test_most_confused_pairs_and_mistakes_to_listen_to():
    run = make_run(PAIRS)
    pairs = ev.most_confused(run, NAMES, k=5)
    assert pairs.iloc[0][["class a", "class b", "total"]].tolist() == ["class10", "class11", 2]
    assert len(pairs) == 2  # pairs never confused are left out
    wrong = ev.misclassified(run, NAMES)
    assert len(wrong) == 3 and set(wrong["true class"]) == {"class1", "class10"}
    assert wrong["confidence"].is_monotonic_decreasing


def test_per_class_report_accuracy_and_top_k():
    run = make_run(PAIRS)
    report = ev.per_class_report(run, NAMES).set_index("class")
    assert report.loc["class0", "precision"] == pytest.approx(2 / 3)
    assert report.loc["class0", "recall"] == 1.0 and report.loc["class10", "recall"] == 0.0
    assert report.loc["class0", "group"] == "animals"
    assert run["accuracy"]["mean"] == pytest.approx(4 / 7)
    assert ev.top_k_accuracy(run, 1) == pytest.approx(4 / 7) and ev.top_k_accuracy(run, 5) >= 4 / 7
    table = ev.accuracy_table([run, make_run([(0, 0)], "perfect")])
    assert table.index.tolist() == ["perfect", "run"]


def test_results_round_trip_one_prediction_a_line_and_bad_files(tmp_path):
    run = make_run(PAIRS)
    run["folds"][0]["history"] = {"accuracy": [0.5, 0.75], "loss": [2.0, 1.0]}
    path = save_results(run, tmp_path)
    assert load_results(path) == run
    # any JSON value, nested, reads back as json.dumps writes it
    nested = {"a": {1: [1, [2, 3]], 2.5: None}, "b": [{"x": 1.5}, {"y": {"z": []}}], "c": {}, "d": []}
    assert json.loads(to_json(nested)) == json.loads(json.dumps(nested))
    lines = path.read_text().splitlines()
    assert sum('"filename": ' in line for line in lines) == len(PAIRS)  # a prediction a line
    assert '    "accuracy": [0.5, 0.75],' in lines  # a history on one line, a fold key by key
    # float32 probabilities are written as their 4 decimals, not as 0.8999999761581421
    float32 = clip_predictions(make_meta([(0, 0)]),
                               np.full((1, 50), 0.9, np.float32), 1)
    assert float32[0]["proba"][0] == 0.9 and float32[0]["top5"][0] == [0, 0.9]
    assert load_results("run", tmp_path)["name"] == "run"
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="bad.json"):
        load_results(tmp_path / "bad.json")
    with pytest.raises(FileNotFoundError, match="train"):
        load_results("missing", tmp_path)


def test_figures_draw_and_save(tmp_path, monkeypatch):
    monkeypatch.setenv("ESC50_FIGURES", str(tmp_path))
    run = make_run(PAIRS)
    paths = plots.save_evaluation_figures(run, NAMES)
    assert [p.name for p in paths] == ["run_confusion.png", "run_confusion_groups.png", "run_folds.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
    ax = plots.plot_fold_accuracy([run, make_run([(0, 0)], "b")])
    assert len(ax.patches) == 2 and len(ax.lines) == 2  # two bars, two reference lines
    ax = plots.plot_accuracy_comparison(ev.accuracy_table([run]))
    assert len(ax.patches) == 1
    history = {"loss": [2.0, 1.0, 0.5], "accuracy": [0.2, 0.5, 0.8], "val_loss": [2.1, 1.5, 1.6],
               "val_accuracy": [0.1, 0.6, 0.55]}
    loss_ax, acc_ax = plots.plot_history(history)
    assert acc_ax.lines[-1].get_xdata()[0] == 2  # the best validation epoch is marked
    assert [len(line.get_xdata()) for line in loss_ax.lines[:2]] == [3, 3]


def test_outputs_of_quick_mode_go_to_a_subfolder(tmp_path, monkeypatch):
    monkeypatch.setenv("ESC50_FIGURES", str(tmp_path))
    monkeypatch.setenv("ESC50_QUICK", "0")
    assert plots.figures_dir() == tmp_path
    monkeypatch.setenv("ESC50_QUICK", "1")
    assert plots.figures_dir() == tmp_path / "quick"
    assert plots.save_fig(plots.plt.figure(), "x").parent == tmp_path / "quick"
