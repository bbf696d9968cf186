"""The course's Keras Sequential models, each a function that returns an uncompiled model.

=============  =============================  ==================================================
model          input, one example              idea
=============  =============================  ==================================================
mel_cnn        log-mel (128, 431, 1)           VGG-style conv blocks, SpecAugment, global pooling
piczak_cnn     log-mel + deltas (60, 41, 2)    Piczak's 2015 baseline on 0.95 s segments
seed_cnn       waveform at 16 kHz (80000,)     the seed notebook's raw-waveform CNN, on all 5 s
yamnet_head    YAMNet embedding (2048,)        transfer learning: a dense head on AudioSet embeddings
=============  =============================  ==================================================

Parameter counts are printed by ``model.summary()`` and listed in :data:`PARAMETERS`
(checked by the tests). Input normalisation is part of each spectrogram model: pass the
training folds' per-band ``mean`` and ``variance`` (see :func:`esc50.training.band_stats`),
so a saved model takes raw features and needs nothing else to predict.
"""
from __future__ import annotations

import re
from pathlib import Path

from .augment import SpecAugment
from .dataset import N_CLASSES
from .quiet import keras_quietly

keras = keras_quietly()
layers = keras.layers

PARAMETERS = {"mel_cnn": 1_187_410, "mel_cnn_quick": 301_122, "piczak_cnn": 26_534_130, "seed_cnn": 302_930,
              "yamnet_head": 537_394}
"""Trainable plus non-trainable parameters of each model at its default size (and of the
``quick`` width of ``mel_cnn``), with 50 classes."""


def _conv_bn_relu(filters, kernel_size=3, strides=1, padding="same", bn=None, dtype=None):
    return [layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=False, dtype=dtype),
            layers.BatchNormalization(**(bn or {}), dtype=dtype), layers.ReLU(dtype=dtype)]


# PyTorch's BatchNorm2d defaults in Keras' terms: its momentum 0.1 weighs the new batch, Keras'
# weighs the running average. With Keras' 0.99 the seed's 500 training steps left running
# statistics that lagged the weights: fold 1 scored 4 % with them, 18 % with batch statistics.
TORCH_BATCH_NORM = dict(momentum=0.9, epsilon=1e-5)


def auto_dtype():
    """The dtype policy ``dtype="auto"`` picks: ``"mixed_bfloat16"`` on a machine without a GPU
    whose CPU computes in bfloat16 (AVX512-BF16 or AMX), else ``"float32"``.

    On other CPUs bfloat16 is emulated and slower; on GPUs float32 is fast already, and Colab's
    T4 has no bfloat16.
    """
    try:
        cpu = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux
        return "float32"
    if not re.search(r"\b(avx512_bf16|amx_bf16)\b", cpu):
        return "float32"
    from .results import gpus

    return "float32" if gpus() else "mixed_bfloat16"


def _policy(dtype):
    """``dtype`` with ``"auto"`` replaced by :func:`auto_dtype`."""
    return auto_dtype() if dtype == "auto" else dtype


def mel_cnn(input_shape=(128, 431, 1), n_classes=N_CLASSES, *, width=32, blocks=4, downsample=(2, 2),
            dropout=0.3, mean=0.0, variance=1.0, spec_augment=None, seed=None, dtype=None, name="mel_cnn"):
    """A VGG-style CNN on log-mel spectrograms, with SpecAugment while training.

    normalise -> SpecAugment -> average-pool ``downsample`` -> ``blocks`` x (two 3x3 conv with
    batch norm and ReLU, then 2x2 max-pool; the last block has no pool) -> global average
    pool -> dropout -> softmax. Widths double per block from ``width``.

    Parameters
    ----------
    input_shape : tuple, default (128, 431, 1)
        Mel bands, frames, channels. Frames may be None: global pooling accepts any length.
    n_classes : int, default 50
    width : int, default 32
        Filters of the first block: 32 gives 1.2 M parameters, 16 (the ``quick`` preset) 0.3 M.
    blocks : int, default 4
    downsample : tuple or None, default (2, 2)
        Average-pool the input first: 128 bands x 11.6 ms frames become 64 x 23 ms, a quarter
        of the compute for the same receptive field in Hz and seconds. None keeps full resolution.
    dropout : float, default 0.3
    mean, variance : float or array of shape (bands,)
        Input normalisation per mel band, fitted on the training folds.
    spec_augment : dict, optional
        Arguments of :class:`esc50.augment.SpecAugment` (default: 2 masks of up to 16 bands and
        2 of up to 40 frames, in input resolution); ``{}``-like falsy values other than None
        (``False``) disable it.
    seed : int, optional
        Seed of the SpecAugment masks.
    dtype : str, optional
        Keras dtype policy of the pooling and conv blocks, e.g. ``"mixed_bfloat16"``: bfloat16
        arithmetic with float32 weights, for CPUs with AVX512-BF16 (on the 2-core development
        CPU, 45 epochs of ``mel_cnn_quick`` gave the same 5-fold accuracy in 15 % less training
        time; see the README); ``"auto"``: :func:`auto_dtype`. The normalisation, SpecAugment
        and the softmax stay in float32. Default: Keras' global policy (float32 unless changed).
    """
    dtype = _policy(dtype)
    if width < 1 or blocks < 1:
        raise ValueError(f"width and blocks must be positive, got width={width}, blocks={blocks}")
    model = keras.Sequential(name=name)
    model.add(keras.Input(input_shape))
    model.add(layers.Normalization(axis=1, mean=mean, variance=variance, name="normalise"))
    if spec_augment is not False:
        model.add(SpecAugment(**(spec_augment or {}), seed=seed, name="spec_augment"))
    if downsample:
        model.add(layers.AveragePooling2D(downsample, name="downsample", dtype=dtype))
    for i in range(blocks):
        for layer in _conv_bn_relu(width * 2**i, dtype=dtype) + _conv_bn_relu(width * 2**i, dtype=dtype):
            model.add(layer)
        if i < blocks - 1:
            model.add(layers.MaxPooling2D(2, dtype=dtype))
    model.add(layers.GlobalAveragePooling2D(dtype=dtype))
    model.add(layers.Dropout(dropout, dtype=dtype))
    # float32 whatever ``dtype``: probabilities and the loss need more than bfloat16's 8 bits.
    model.add(layers.Dense(n_classes, activation="softmax", dtype="float32"))
    return model


def as_float32(model):
    """The same model and weights computing in float32 throughout (for export, and for
    machines without bfloat16); a float32 model is returned as it is."""
    if all(layer.dtype_policy.name == "float32" for layer in model.layers):
        return model
    clone = keras.models.clone_model(
        model, clone_function=lambda layer: layer.__class__.from_config(layer.get_config() | {"dtype": "float32"}))
    clone.set_weights(model.get_weights())
    return clone


def piczak_cnn(input_shape=(60, 41, 2), n_classes=N_CLASSES, *, mean=0.0, variance=1.0, l2=0.001,
               paper_init=True, dtype=None, name="piczak_cnn"):
    """Piczak's CNN (MLSP 2015), the ESC-50 CNN baseline: 64.5 % in the paper.

    Input: 60 log-mel bands by 41 frames (0.95 s at 22.05 kHz, hop 512), with the deltas as a
    second channel. Two conv layers (80 filters of 57x6, max-pool 4x3 with stride 1x3,
    dropout; 80 of 1x3, max-pool 1x3), two dense layers of 5000 ReLU units with dropout 0.5,
    softmax. L2 weight decay 0.001 on the weights, as in the paper. A clip is classified by
    averaging the probabilities of its segments (:func:`esc50.inputs.segments`).

    ``paper_init`` keeps the paper's initial weights (its code, pylearn2: first conv uniform
    in +-0.001 with biases 0.1, second conv uniform in +-0.1, dense layers normal with std
    0.01); False: Keras' defaults. ``dtype`` is the Keras dtype policy of the conv and hidden
    dense layers, as in :func:`mel_cnn` (``"auto"``: :func:`auto_dtype`); the normalisation
    and the softmax stay in float32. On the 2-core development CPU a batch of 1000 segments
    trains in 0.68 s in mixed_bfloat16 against 1.11 s in float32.
    """
    dtype = _policy(dtype)
    reg = keras.regularizers.L2(l2) if l2 else None

    def init(layer):
        # A fresh initializer per layer: Keras repeats the values of a reused unseeded one.
        if not paper_init:
            return {}
        if layer == "c0":
            return dict(kernel_initializer=keras.initializers.RandomUniform(-0.001, 0.001),
                        bias_initializer=keras.initializers.Constant(0.1))
        if layer == "c1":
            return dict(kernel_initializer=keras.initializers.RandomUniform(-0.1, 0.1))
        return dict(kernel_initializer=keras.initializers.RandomNormal(stddev=0.01))

    return keras.Sequential([
        keras.Input(input_shape),
        layers.Normalization(axis=(1, 3), mean=mean, variance=variance, name="normalise"),
        layers.Conv2D(80, (57, 6), activation="relu", kernel_regularizer=reg, dtype=dtype, **init("c0")),
        layers.MaxPooling2D((4, 3), strides=(1, 3), dtype=dtype),
        layers.Dropout(0.5, dtype=dtype),
        layers.Conv2D(80, (1, 3), activation="relu", kernel_regularizer=reg, dtype=dtype, **init("c1")),
        layers.MaxPooling2D((1, 3), strides=(1, 3), dtype=dtype),
        layers.Flatten(dtype=dtype),
        layers.Dense(5000, activation="relu", kernel_regularizer=reg, dtype=dtype, **init("dense")),
        layers.Dropout(0.5, dtype=dtype),
        layers.Dense(5000, activation="relu", kernel_regularizer=reg, dtype=dtype, **init("dense")),
        layers.Dropout(0.5, dtype=dtype),
        layers.Dense(n_classes, activation="softmax", kernel_regularizer=reg, dtype="float32", **init("dense")),
    ], name=name)


def seed_cnn(input_shape=(80000,), n_classes=N_CLASSES, *, dropout=0.2, name="seed_cnn"):
    """The seed notebook's raw-waveform CNN (PyTorch ``Net``), ported layer for layer.

    The seed cut each 44.1 kHz clip to its first 80000 samples (1.8 s). Here the clip is
    resampled to 16 kHz, where the same 80000 samples hold all 5 s, so every layer keeps
    the seed's shape: two 1x8 convs (16 filters) and a 1x128 max-pool turn the waveform into
    16 feature rows of 625 steps, which 3x3 conv blocks (32, 64, 128 filters; strides 2 and
    pools as in the seed) reduce to 256 values; a dense layer gives the 50 classes. Dropout
    0.2 follows the first conv of each block and, as in the seed, the dense layer. Batch
    normalisation keeps PyTorch's momentum and epsilon (:data:`TORCH_BATCH_NORM`).
    """
    def conv(filters, strides=1, pad=1):
        # PyTorch pads symmetrically by `pad`; Keras' "same" with stride 2 would pad differently.
        return [layers.ZeroPadding2D(pad), *_conv_bn_relu(filters, 3, strides, "valid", TORCH_BATCH_NORM)]

    return keras.Sequential([
        keras.Input(input_shape),
        layers.Reshape((1, input_shape[0], 1)),
        *_conv_bn_relu(16, (1, 8), bn=TORCH_BATCH_NORM), layers.Dropout(dropout),
        *_conv_bn_relu(16, (1, 8), bn=TORCH_BATCH_NORM),
        layers.MaxPooling2D((1, 128)),
        # (1, 625, 16) -> (16, 625, 1): the seed's view(-1, 1, 16, 625) makes channels the rows.
        layers.Reshape((-1, 16)), layers.Permute((2, 1)), layers.Reshape((16, -1, 1)),
        *conv(32), layers.Dropout(dropout), *conv(32),
        layers.MaxPooling2D(4),
        *conv(64, 2, 2), layers.Dropout(dropout), *conv(64, 2, 1),
        layers.MaxPooling2D(2),
        *conv(128, 2, 1), layers.Dropout(dropout), *conv(128, 2, 1),
        layers.MaxPooling2D((1, 2)),
        layers.Flatten(),
        layers.Dense(n_classes),
        layers.Dropout(dropout),
        layers.Softmax(),
    ], name=name)


def yamnet_head(input_shape=(2048,), n_classes=N_CLASSES, *, hidden=256, dropout=0.5, mean=0.0, variance=1.0,
                name="yamnet_head"):
    """A small classifier on YAMNet's embeddings of a clip (transfer learning, :mod:`esc50.transfer`).

    Input: the mean and the maximum over the clip's frames of YAMNet's 1024-value embeddings
    (:func:`esc50.inputs.mean_max`), pooled in the input pipeline, after crops and before mixup,
    so that mixup blends what the model reads. normalise (``mean`` and ``variance`` of the 2048
    values) -> dropout -> dense ``hidden`` ReLU -> dropout -> softmax. YAMNet stays frozen
    outside: only these 0.5 M parameters learn.
    """
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Normalization(axis=-1, mean=mean, variance=variance, name="normalise"),
        layers.Dropout(dropout / 2),
        layers.Dense(hidden, activation="relu"),
        layers.Dropout(dropout),
        layers.Dense(n_classes, activation="softmax"),
    ], name=name)


BUILDERS = {"mel_cnn": mel_cnn, "piczak_cnn": piczak_cnn, "seed_cnn": seed_cnn, "yamnet_head": yamnet_head}
