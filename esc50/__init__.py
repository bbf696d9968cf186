"""esc50: environmental sound classification with Keras on ESC-50, as a course.

ESC-50 is by Karol J. Piczak (CC BY-NC 3.0); see :data:`esc50.dataset.CITATION`.

The names below are imported from their modules when first used, as librosa and SciPy do, so
that ``python -m esc50 predict`` starts in a fraction of a second: classifying a file with
YAMNet needs neither TensorFlow nor pandas.
"""
from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "archive": ("DownloadError", "download"),
    "audio": ("AudioError", "AudioWarning", "fix_length", "is_silent", "load_audio", "read_audio"),
    "dataset": ("CITATION", "FOLDS", "GROUPS", "DatasetError", "audio_path", "check_dataset", "data_dir", "esc10",
                "load_meta", "quick_mode", "run_name", "sample_dir", "validate_dataset"),
    "extraction": ("extract",),
    "features": ("DEFAULT_CONFIG", "FeatureConfig", "log_mel", "mfcc", "seed_features", "summary_features"),
    "quiet": ("keras_quietly",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name):
    if name in _MODULE_OF:
        value = getattr(import_module(f".{_MODULE_OF[name]}", __name__), name)
        globals()[name] = value  # once imported, an ordinary attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
