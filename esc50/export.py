"""Deployable models: an end-to-end variant that takes the raw waveform, and TFLite export.

The course's models read cached log-mel spectrograms. For an app, :func:`end_to_end` puts
the feature computation inside the model: a :class:`LogMel` layer (Keras' own
``MelSpectrogram`` layer, given librosa's mel filterbank and zero padding so that it
computes exactly what :func:`esc50.features.log_mel` does), then the trained model. The
result takes 5 s of audio at the model's sample rate and needs neither librosa nor this
package to run, as a ``.keras`` file or a ``.tflite`` flat buffer (:func:`to_tflite`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .features import DEFAULT_CONFIG, FeatureConfig, _mel_filterbank
from .fileio import atomic_write
from .inputs import LOG_MEL_FLOOR, MODEL_INPUTS
from .models import as_float32
from .quiet import keras_quietly

keras = keras_quietly()

FORMATS = ("keras", "tflite")


@keras.saving.register_keras_serializable(package="esc50")
class LogMel(keras.layers.MelSpectrogram):
    """Log-mel spectrogram in dB, as :func:`esc50.features.log_mel` computes it.

    Keras' ``MelSpectrogram`` with three changes that make it match librosa: librosa's
    (Slaney) mel filterbank instead of the HTK one, zero padding of half a window at each
    end instead of reflection, and no ``top_db`` clipping (it would depend on the loudest
    clip of the batch). Input ``(batch, samples)``, output ``(batch, n_mels, frames)``.
    """

    def __init__(self, sample_rate=DEFAULT_CONFIG.sample_rate, n_fft=DEFAULT_CONFIG.n_fft,
                 hop_length=DEFAULT_CONFIG.hop_length, n_mels=DEFAULT_CONFIG.n_mels, fmin=DEFAULT_CONFIG.fmin,
                 fmax=DEFAULT_CONFIG.fmax, **kwargs):
        for key in ("fft_length", "sequence_stride", "sequence_length", "sampling_rate", "num_mel_bins",
                    "min_freq", "max_freq", "power_to_db", "top_db", "mag_exp", "min_power", "ref_power", "window"):
            kwargs.pop(key, None)  # set from this layer's own arguments (present when deserialising)
        self.feature_config = FeatureConfig(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length,
                                            n_mels=n_mels, fmin=fmin, fmax=fmax)
        super().__init__(fft_length=n_fft, sequence_stride=hop_length, sequence_length=n_fft, window="hann",
                         sampling_rate=sample_rate, num_mel_bins=n_mels, min_freq=fmin,
                         max_freq=self.feature_config.top_frequency, power_to_db=True, top_db=np.inf,
                         mag_exp=2.0, min_power=10 ** (LOG_MEL_FLOOR / 10), ref_power=1.0, **kwargs)
        c = self.feature_config
        self._filterbank = _mel_filterbank(c.sample_rate, c.n_fft, c.n_mels, c.fmin, c.top_frequency).T.copy()

    def _spectrogram(self, inputs):
        half = self.fft_length // 2
        padded = self.backend.numpy.pad(inputs, [(0, 0), (half, half)])
        real, imag = self.backend.math.stft(padded, self.sequence_length, self.sequence_stride, self.fft_length,
                                            window=self.window, center=False)
        return self.backend.numpy.square(real) + self.backend.numpy.square(imag)

    def _melscale(self, inputs):
        return self.backend.numpy.tensordot(inputs, self.backend.convert_to_tensor(self._filterbank), axes=1)

    def _dbscale(self, inputs):
        return 10.0 * self.backend.numpy.log10(self.backend.numpy.maximum(inputs, self.min_power))

    def get_config(self):
        c = self.feature_config
        return {"name": self.name, "dtype": self.dtype_policy.name, "sample_rate": c.sample_rate,
                "n_fft": c.n_fft, "hop_length": c.hop_length, "n_mels": c.n_mels, "fmin": c.fmin, "fmax": c.fmax}


def end_to_end(model):
    """Wrap a trained ``mel_cnn`` so that it takes 5 s waveforms, ``(batch, samples)``.

    The waveform must be mono at the model's sample rate (44.1 kHz for ``mel_cnn``), as
    :func:`esc50.audio.load_audio` returns it.
    """
    if model.name not in MODEL_INPUTS or MODEL_INPUTS[model.name].kind != "logmel":
        raise ValueError(f"end_to_end needs a log-mel model such as mel_cnn, not {model.name!r}")
    spec = MODEL_INPUTS[model.name]
    if spec.window is not None or spec.transform is not None:
        raise ValueError(f"{model.name} reads segments or derived features; only whole-clip log-mel models wrap")
    c = spec.config
    return keras.Sequential([
        keras.Input((c.n_samples,), name="waveform"),
        LogMel(c.sample_rate, c.n_fft, c.hop_length, c.n_mels, c.fmin, c.fmax, name="log_mel"),
        keras.layers.Reshape((c.n_mels, c.n_frames, 1)),
        model,
    ], name=f"{model.name}_waveform")


def to_tflite(model, path):
    """Convert a Keras model to a TFLite flat buffer at ``path`` (written atomically).

    TensorFlow Lite's built-in operations cover the CNN; the end-to-end model's FFT also
    needs TensorFlow's ("select TF ops", the Flex delegate, which TensorFlow's Python
    interpreter and the ``tensorflow-lite-select-tf-ops`` app dependency include).
    """
    import tempfile

    import tensorflow as tf

    with tempfile.TemporaryDirectory() as saved:
        model.export(saved, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
        flat = converter.convert()
    with atomic_write(path) as f:
        f.write(flat)
    return Path(path)


def tflite_predict(path, x):
    """Run a ``.tflite`` model on a batch ``x``, one example at a time; returns ``(batch, classes)``."""
    import warnings

    import tensorflow as tf

    with warnings.catch_warnings():  # tf.lite.Interpreter moves to the ai-edge-litert package in TF 2.20+
        warnings.simplefilter("ignore", UserWarning)
        interpreter = tf.lite.Interpreter(model_path=str(path))
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    interpreter.resize_tensor_input(inp["index"], (1, *np.shape(x)[1:]))
    interpreter.allocate_tensors()
    results = []
    for example in np.asarray(x, dtype=np.float32):
        interpreter.set_tensor(inp["index"], example[None])
        interpreter.invoke()
        results.append(interpreter.get_tensor(out["index"])[0])
    return np.stack(results)


def export(model, path, fmt="keras", *, waveform=False):
    """Save ``model`` (optionally wrapped by :func:`end_to_end`) as ``.keras`` or ``.tflite``,
    in float32 whatever policy it trained in: devices rarely compute in bfloat16."""
    from .training import save_model

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {FORMATS}")
    model = as_float32(model)
    if waveform:
        model = end_to_end(model)
    return save_model(model, path) if fmt == "keras" else to_tflite(model, path)
