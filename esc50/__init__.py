"""esc50: environmental sound classification with Keras on ESC-50, as a course.

ESC-50 is by Karol J. Piczak (CC BY-NC 3.0); see :data:`esc50.dataset.CITATION`.
"""
from .archive import DownloadError, download
from .audio import AudioError, fix_length, is_silent, load_audio, read_audio
from .dataset import (
    CITATION,
    FOLDS,
    GROUPS,
    DatasetError,
    audio_path,
    check_dataset,
    data_dir,
    esc10,
    load_meta,
    quick_mode,
    run_name,
    sample_dir,
    validate_dataset,
)
from .extraction import extract
from .features import DEFAULT_CONFIG, FeatureConfig, log_mel, mfcc, seed_features, summary_features

__version__ = "0.1.0"

__all__ = [
    "AudioError", "CITATION", "DEFAULT_CONFIG", "DatasetError", "DownloadError", "FOLDS", "FeatureConfig",
    "GROUPS", "audio_path", "check_dataset", "data_dir", "download", "esc10", "extract", "fix_length",
    "is_silent", "load_audio", "load_meta", "log_mel", "mfcc", "quick_mode", "read_audio", "run_name", "sample_dir",
    "seed_features", "summary_features", "validate_dataset",
]
