"""Holding back the start-up messages that libraries print from C++, where they are harmless.

TensorFlow announces itself on import (oneDNN, CUDA drivers, CPU instructions) through a logger
that ``TF_CPP_MIN_LOG_LEVEL`` does not reach before it is initialised, and LiteRT announces its
CPU delegate whenever a model loads. In a notebook those lines land in the cell's output. The
messages are written to the process's stderr, below Python, so :func:`quiet_stderr` holds that
back while a block runs and passes on every line but the known harmless ones.
"""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from functools import lru_cache

TENSORFLOW_START_UP = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:. ]+\d+ (port|cudart_stub|cpu_feature_guard|cuda_platform|cuda_dnn|cuda_fft|cuda_blas"
    r"|computation_placer)\.cc:\d+\]"
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.)")
"""TensorFlow's import-time messages: its logger's preamble, oneDNN, CUDA, CPU features."""
LITERT_DELEGATE = re.compile(r"^INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.")


@contextmanager
def quiet_stderr(harmless):
    """Hold back what is written to the process's stderr (fd 2) while the block runs; then pass on
    every line that the regular expression ``harmless`` does not match."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to speak of
        yield
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            lines = held.read().decode(errors="replace").splitlines(True)
            kept = "".join(line for line in lines if not harmless.search(line))
            if kept:
                os.write(2, kept.encode())


@lru_cache(maxsize=1)
def keras_quietly():
    """Import Keras (and TensorFlow, its backend here) without TensorFlow's start-up messages;
    returns the ``keras`` module. The package imports Keras this way, and so do the notebooks."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the messages after start-up: warnings and errors only
    with quiet_stderr(TENSORFLOW_START_UP):
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.list_physical_devices()  # CUDA's "failed call to cuInit" comes here, on machines without
    return keras
