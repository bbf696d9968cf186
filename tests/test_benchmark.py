"""The benchmark's report: only runs over all five folds count as results."""
import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "benchmark_models", Path(__file__).parents[1] / "benchmarks" / "models.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def run(name, accuracies):
    folds = [{"test_fold": k + 1, "accuracy": a, "seconds": 100.0, "seconds_per_epoch": 2.0}
             for k, a in enumerate(accuracies)]
    mean = sum(accuracies) / len(accuracies)
    return {"name": name, "accuracy": {"mean": mean, "std": 0.0, "folds": accuracies}, "folds": folds,
            "machine": {"cpus": 2, "gpus": []}}


def test_a_run_over_some_folds_is_listed_with_its_folds_not_as_a_5_fold_result():
    full, partial = run("mel_cnn_quick", [0.7] * 5), run("piczak_cnn", [0.9, 0.8])
    assert bench.complete(full) and not bench.complete(partial)
    assert not bench.complete({"name": "mel_cnn", "missing": True})
    rows = bench.table([partial, full, {"name": "mel_cnn", "missing": True}]).splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == ["| mel_cnn_quick", "| piczak_cnn", "| mel_cnn"]
    assert "70.0% ± 0.0%" in rows[0]
    assert "2 of 5 folds so far (test folds 1, 2) | 90% 80% |" in rows[1] and "85" not in rows[1]
    assert "not run yet" in rows[2]
    assert "1 of 5 folds so far (test fold 1) | 90% |" in bench.table([run("piczak_cnn", [0.9])])


def test_a_run_whose_folds_trained_on_two_machines_names_both():
    reused = run("mel_cnn", [0.8] * 3)
    for fold, cpu in zip(reused["folds"], ["AMD EPYC", "AMD EPYC", "Intel Xeon"]):
        fold["machine"] = {"cpus": 2, "cpu": cpu, "gpus": [], "dtype_policy": "mixed_bfloat16"}
    row = bench.table([reused]).splitlines()[2]
    assert row.endswith("| folds 1, 2: 2 CPU cores (AMD EPYC), mixed_bfloat16; "
                        "fold 3: 2 CPU cores (Intel Xeon), mixed_bfloat16 |")
    for fold in reused["folds"]:
        fold["machine"]["cpu"] = "AMD EPYC"
    assert bench.table([reused]).splitlines()[2].endswith("| 2 CPU cores (AMD EPYC), mixed_bfloat16 |")
    del reused["folds"][0]["machine"]  # not every fold says: the run's own record
    assert bench.table([reused]).splitlines()[2].endswith("| 2 CPU cores |")


def test_every_ensemble_member_is_a_run_the_benchmark_makes():
    made = {*bench.CNNS, *bench.VARIANTS, *bench.PRETRAINED, *(f"baseline_{m}_summary" for m in bench.BASELINES)}
    for name, members in bench.ENSEMBLES.items():
        assert set(members) <= made, name
    for name, (preset, overrides) in bench.VARIANTS.items():
        config = bench.get_config(preset, **overrides)
        assert config != bench.PRESETS[preset] and name.startswith(preset)
