"""The complete dataset (CI builds it and sets ESC50_DATA); skipped without it."""
import numpy as np
import pytest

from esc50 import check_dataset, download, esc10, extract, load_meta
from esc50.archive import is_complete
from esc50.dataset import shared_sources

pytestmark = pytest.mark.integration


def test_full_dataset_is_complete_and_passes_every_check(full_data):
    assert is_complete(full_data)
    assert check_dataset(full_data) == []


def test_only_the_four_known_sources_span_two_folds_and_never_within_a_class(full_data):
    shared = shared_sources(load_meta(full_data))
    assert sorted(shared["src_file"].unique()) == [131943, 134049, 209698, 234879]
    assert (shared.groupby("src_file")["category"].nunique() == 2).all()


def test_download_finds_the_copy_without_network(full_data):
    assert download(full_data, url="http://127.0.0.1:9/unreachable.zip", progress=False) == full_data


def test_metadata_counts(full_data):
    meta = load_meta(full_data)
    assert len(meta) == 2000 and meta["category"].nunique() == 50
    assert meta.groupby("group", observed=True).size().tolist() == [400] * 5
    sub = esc10(meta)
    assert len(sub) == 400 and sub.groupby("fold").size().tolist() == [80] * 5


def test_logmel_of_every_clip(full_data, tmp_path):
    values = extract("logmel", full_data, cache_dir=tmp_path, progress=False)
    assert values.shape == (2000, 128, 431) and np.isfinite(values).all()
    again = extract("logmel", full_data, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(values, again)


def test_the_committed_zero_shot_results_are_what_the_code_computes(full_data, yamnet_file, monkeypatch, tmp_path):
    """Zero-shot trains nothing, so the committed results/yamnet_zeroshot.json must come out again (on
    another CPU, LiteRT's arithmetic may round a close call the other way: a clip or two)."""
    import json
    from pathlib import Path

    from esc50 import transfer
    from esc50.zeroshot import cross_validate_zero_shot

    monkeypatch.setenv(transfer.YAMNET_ENV, str(yamnet_file))
    results = cross_validate_zero_shot(full_data, save=False, progress=False)
    committed = json.loads((Path(__file__).parents[1] / "results" / "yamnet_zeroshot.json").read_text())
    assert results["config"] == committed["config"]
    np.testing.assert_allclose(results["accuracy"]["folds"], committed["accuracy"]["folds"], atol=0.0051)
    same = [p["predicted"] == q["predicted"] for p, q in zip(results["predictions"], committed["predictions"])]
    assert len(same) == 2000 and sum(same) >= 1995
