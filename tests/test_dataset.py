"""Metadata, subsets, where the data lives, and the dataset check on broken copies."""
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import tone

from esc50 import GROUPS, DatasetError, check_dataset, data_dir, dataset, esc10, load_meta, validate_dataset


def test_sample_metadata_has_one_clip_per_class_and_ten_per_fold(sample):
    meta = load_meta(sample)
    assert len(meta) == 50
    assert sorted(meta["target"]) == list(range(50))
    assert meta["fold"].value_counts().to_dict() == {1: 10, 2: 10, 3: 10, 4: 10, 5: 10}
    assert list(meta.columns) == ["filename", "fold", "target", "category", "esc10", "src_file", "take", "group"]


def test_groups_follow_the_official_arrangement(sample):
    meta = load_meta(sample).set_index("category")
    assert list(meta["group"].cat.categories) == list(GROUPS)
    assert meta.loc["dog", "group"] == "animals"
    assert meta.loc["rain", "group"] == "natural soundscapes"
    assert meta.loc["sneezing", "group"] == "human non-speech"
    assert meta.loc["vacuum_cleaner", "group"] == "domestic"
    assert meta.loc["siren", "group"] == "urban"
    assert (load_meta(sample)["group"].value_counts() == 10).all()


def test_esc10_renumbers_targets_and_keeps_the_originals(sample):
    sub = esc10(load_meta(sample))
    assert len(sub) == 10 and sorted(sub["target"]) == list(range(10))
    assert set(sub["category"]) == {"dog", "rooster", "rain", "sea_waves", "crackling_fire", "crying_baby",
                                    "sneezing", "clock_tick", "helicopter", "chainsaw"}
    assert sub["esc50_target"].is_monotonic_increasing == sub["target"].is_monotonic_increasing


def test_data_dir_prefers_argument_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ESC50_DATA", str(tmp_path / "env"))
    assert data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert data_dir() == tmp_path / "env"
    monkeypatch.delenv("ESC50_DATA")
    assert data_dir().name == "ESC-50-master"


def test_missing_metadata_says_how_to_get_the_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m esc50 download"):
        load_meta(tmp_path)


def test_metadata_missing_a_column_is_named(tmp_path, sample):
    (tmp_path / "meta").mkdir()
    load_meta(sample).drop(columns=["fold", "group"]).to_csv(tmp_path / "meta" / "esc50.csv", index=False)
    with pytest.raises(DatasetError, match="missing column.*fold"):
        load_meta(tmp_path)


def test_the_shipped_sample_passes_the_check(sample):
    assert check_dataset(sample, full=False) == []


def test_full_counts_are_checked(sample):
    problems = check_dataset(sample, full=True)
    assert "50 clips in the metadata, expected 2000" in problems
    assert "fold 1: 10 clips, expected 400" in problems
    assert "class 0 in fold 1: 1 clips, expected 8" in problems


def _replace(root, name, y, sr):
    meta_path = root / "meta" / "esc50.csv"
    meta = pd.read_csv(meta_path)
    old = meta.loc[meta["target"] == name, "filename"].item()
    (root / "audio" / old).unlink()
    new = old.replace(".ogg", ".wav")
    sf.write(root / "audio" / new, y, sr)
    meta.loc[meta["filename"] == old, "filename"] = new
    meta.to_csv(meta_path, index=False)
    return root / "audio" / new


def test_check_names_every_broken_clip(sample_copy):
    stereo = _replace(sample_copy, 0, np.stack([tone(), tone()], axis=1), 44100)
    low = _replace(sample_copy, 1, tone(sr=8000), 8000)
    short = _replace(sample_copy, 2, tone(1.0), 44100)
    long = _replace(sample_copy, 3, tone(60.0), 44100)
    silent = _replace(sample_copy, 4, np.zeros(220500), 44100)
    empty = _replace(sample_copy, 5, tone(), 44100)
    empty.write_bytes(b"")
    missing = _replace(sample_copy, 6, tone(), 44100)
    missing.unlink()
    truncated = _replace(sample_copy, 7, tone(), 44100)
    truncated.write_bytes(truncated.read_bytes()[:220522])  # predict reads it; the check stays strict
    stray = sample_copy / "audio" / "stray.wav"
    sf.write(stray, tone(), 44100)

    problems = check_dataset(sample_copy, full=False)
    expected = [
        f"{stereo}: 2 channels, expected mono",
        f"{low}: sample rate 8000 Hz, expected 44100 Hz",
        f"{short}: 1.00 s long, expected 5 s",
        f"{long}: 60.00 s long, expected 5 s",
        f"{silent}: silent (peak below -60 dBFS)",
        f"{empty}: empty file (0 bytes)",
        f"{missing}: no such audio file",
        f"{truncated}: truncated WAV file (header promises 441000 bytes of audio, only 220478 present)",
        f"{stray}: audio file not listed in the metadata",
    ]
    assert sorted(problems) == sorted(expected)
    with pytest.raises(DatasetError, match="9 problem"):
        validate_dataset(sample_copy, full=False)


def test_a_source_recording_in_two_folds_is_a_leak(sample_copy):
    meta_path = sample_copy / "meta" / "esc50.csv"
    meta = pd.read_csv(meta_path)
    meta.loc[1, "src_file"] = meta.loc[0, "src_file"]
    meta.to_csv(meta_path, index=False)
    assert check_dataset(sample_copy, full=False) == []  # two classes: not a leak of a label
    meta.loc[1, "category"], meta.loc[1, "target"] = meta.loc[0, "category"], meta.loc[0, "target"]
    meta.to_csv(meta_path, index=False)
    problems = check_dataset(sample_copy, full=False)
    assert [p for p in problems if "leak" in p] == [
        f"src_file {meta.loc[0, 'src_file']} (dog) appears in folds [1, 2]: its clips would leak across folds"
    ]


def test_folds_of_sorts_distinct_folds_of_any_sequence():
    assert dataset.folds_of(pd.Series([3, 1, 3, 2])) == [1, 2, 3]
    assert dataset.folds_of(np.array([10, 1, 5])) == [1, 5, 10]
    assert all(isinstance(f, int) for f in dataset.folds_of(np.array([2, 1], dtype=np.int64)))


def test_run_name_adds_the_subset_only_when_there_is_one():
    assert dataset.run_name("mel_cnn") == "mel_cnn"
    assert dataset.run_name("baseline_svm_summary", "esc10") == "baseline_svm_summary_esc10"
