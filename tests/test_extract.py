"""Whole-dataset extraction: parallel, cached, invalidated and rebuilt when it must be."""
import os

import numpy as np
import pytest

import esc50.extraction as ex
from esc50 import AudioError, FeatureConfig, extract, load_meta

SMALL = FeatureConfig(n_mels=32)


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def count_computations(monkeypatch):
    calls = []
    real = ex._compute

    def counting(*args):
        calls.append(args[0])
        return real(*args)
    monkeypatch.setattr(ex, "_compute", counting)
    return calls


def test_logmel_of_the_sample_in_parallel_matches_one_process(sample, cache):
    parallel = extract("logmel", sample, config=SMALL, cache_dir=False, n_jobs=2, progress=False)
    serial = extract("logmel", sample, config=SMALL, cache_dir=False, n_jobs=1, progress=False)
    assert parallel.shape == (50, 32, 431) and parallel.dtype == np.float32
    # Workers run single-threaded BLAS, so sums may round differently: 1e-5 dB here.
    np.testing.assert_allclose(parallel, serial, atol=1e-3)


def test_rows_follow_the_metadata_order(sample):
    meta = load_meta(sample).sort_values("category").head(3)
    values = extract("logmel", sample, meta, config=SMALL, cache_dir=False, progress=False)
    from esc50 import load_audio, log_mel
    first = log_mel(load_audio(sample / "audio" / meta["filename"].iloc[0])[0], SMALL)
    np.testing.assert_array_equal(values[0], first)


def test_second_call_reads_the_cache(sample, cache, count_computations):
    a = extract("mfcc", sample, config=SMALL, cache_dir=cache, progress=False)
    b = extract("mfcc", sample, config=SMALL, cache_dir=cache, progress=False)
    assert count_computations == ["mfcc"]
    np.testing.assert_array_equal(a, b)
    assert isinstance(b, np.memmap) and not b.flags.writeable
    assert sorted(p.suffix for p in cache.iterdir()) == [".json", ".npy"]


def test_tabular_features_round_trip_through_the_cache(sample, cache, count_computations):
    meta = load_meta(sample).head(4)
    a = extract("summary", sample, meta, config=SMALL, cache_dir=cache, progress=False)
    b = extract("summary", sample, meta, config=SMALL, cache_dir=cache, progress=False)
    assert count_computations == ["summary"]
    assert a.shape == (4, 341) and list(a.index) == list(meta.index)
    assert b.equals(a)


def test_changed_parameters_or_data_recompute(sample_copy, cache, count_computations):
    extract("logmel", sample_copy, config=SMALL, cache_dir=cache, progress=False)
    extract("logmel", sample_copy, config=FeatureConfig(n_mels=40), cache_dir=cache, progress=False)
    clip = next((sample_copy / "audio").iterdir())
    os.utime(clip, ns=(clip.stat().st_atime_ns, clip.stat().st_mtime_ns + 10**9))
    extract("logmel", sample_copy, config=SMALL, cache_dir=cache, progress=False)
    assert count_computations == ["logmel"] * 3


def test_a_corrupt_cache_is_detected_and_rebuilt(sample, cache, count_computations):
    good = extract("logmel", sample, config=SMALL, cache_dir=cache, progress=False)
    [npy] = cache.glob("*.npy")
    data = bytearray(npy.read_bytes())
    data[-1000] ^= 0xFF  # flip bits in the middle of the array
    npy.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="corrupt feature cache .*checksum mismatch"):
        again = extract("logmel", sample, config=SMALL, cache_dir=cache, progress=False)
    np.testing.assert_array_equal(again, good)
    npy.write_bytes(npy.read_bytes()[:500])  # truncated
    with pytest.warns(UserWarning, match="corrupt feature cache"):
        extract("logmel", sample, config=SMALL, cache_dir=cache, progress=False)
    assert count_computations == ["logmel"] * 3
    assert extract("logmel", sample, config=SMALL, cache_dir=cache, progress=False).shape == good.shape
    assert count_computations == ["logmel"] * 3  # the rebuilt cache is good again


def test_a_bad_clip_names_the_file_and_caches_nothing(sample_copy, cache):
    victim = sorted((sample_copy / "audio").iterdir())[7]
    victim.write_text("not audio")
    with pytest.raises(AudioError, match=victim.name):
        extract("logmel", sample_copy, config=SMALL, cache_dir=cache, n_jobs=2, progress=False)
    assert not cache.exists() or list(cache.iterdir()) == []


def test_a_missing_clip_names_the_file(sample_copy, cache):
    victim = sorted((sample_copy / "audio").iterdir())[3]
    victim.unlink()
    with pytest.raises(FileNotFoundError, match=victim.name):
        extract("logmel", sample_copy, config=SMALL, cache_dir=cache, progress=False)


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown feature kind 'spectrum'"):
        extract("spectrum")


def test_atomic_write_keeps_nothing_on_failure_and_uses_normal_permissions(tmp_path):
    from esc50.fileio import atomic_write
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as f:
            f.write("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with atomic_write(target, "w") as f:
        f.write("whole")
    assert target.read_text() == "whole"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
