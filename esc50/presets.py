"""Training configurations: :class:`TrainConfig` and the named :data:`PRESETS`, and the names
of the classic baselines (:mod:`esc50.baselines`).

Kept apart from :mod:`esc50.training` and :mod:`esc50.baselines` so that reading them (the
command line does) starts neither TensorFlow nor scikit-learn.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

MODELS = ("mel_cnn", "piczak_cnn", "seed_cnn", "yamnet_head")
"""Models of :mod:`esc50.models`."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; saved with its results.

    Parameters
    ----------
    model : {"mel_cnn", "piczak_cnn", "seed_cnn", "yamnet_head"}
    model_args : dict
        Keyword arguments of the model's builder in :mod:`esc50.models`.
    epochs, batch_size : int
    optimizer : {"adamw", "adam", "sgd"}
        "sgd" is Nesterov momentum 0.9, as Piczak trained.
    learning_rate : float
        Peak rate; with ``schedule="cosine"`` it decays to 0 over the run.
    weight_decay : float
        Decoupled weight decay (AdamW only).
    schedule : {"cosine", "constant"}
    augment : dict
        Per-example augmentations, each applied with probability 0.5: ``shift`` (max
        fraction of the clip), ``gain`` (range of volume factors), ``noise`` (std, waveforms
        only); ``crop`` (fraction of the clip kept, see :func:`esc50.augment.random_crop`, or a
        ``(low, high)`` range of fractions drawn for each batch; always applied, ``mel_cnn`` and
        ``yamnet_head`` only: they train on crops and test on whole clips); ``scale``
        (``mel_cnn`` only: a ``(low, high)`` range of factors by which a clip is played slower,
        its sounds longer and lower, as EnvNet's time-scale augmentation);
        ``mixup`` (Beta alpha) on whole batches, or ``between`` (True): between-class mixing,
        pairs of different classes at ratios from U(0, 1) (:func:`esc50.augment.between_class`;
        not on embeddings, which have no energy to share); ``delays`` (``piczak_cnn`` only): that
        many more copies of every training clip, each delayed by a random 0 to 1 s, as
        Piczak augmented ESC-50. Empty: none.
    patience : int, optional
        Stop when validation accuracy has not improved for this many epochs.
    drop_silent : bool
        Leave silent windows out of training (Piczak's segments of digital silence).
    seed : int
    refit : bool
        Once the validation fold has chosen the epoch count (:func:`esc50.training.settled_epoch`),
        train again on the training and the validation folds for that many epochs, and test that
        model: a quarter more clips to learn from, and the test fold still untouched
        (:func:`esc50.training.train_for`).
    seeds : int
        With ``refit``, average the test probabilities of this many retrained models (seeds
        ``seed``, ``seed + 1``...).
    label_smoothing : float
        Of the cross-entropy loss: targets move this share of their weight evenly onto all classes.
    ema : float
        With ``refit``, the retrained models end with the exponential moving average of their
        weights over the steps, this momentum (0.999: about the last 1000 steps); 0: the last
        weights.
    test_crops : int or tuple of int
        Judge a test clip by the mean probability of this many evenly spaced crops as long as
        the training crops (``crop``'s longest) rather than by the whole clip (1). A tuple
        lists counts to choose from on the validation fold: its best, the fewest on ties
        (recorded per fold). During training the validation fold is judged by whole clips.
    """

    model: str = "mel_cnn"
    model_args: dict = field(default_factory=dict)
    epochs: int = 60
    batch_size: int = 32
    optimizer: str = "adamw"
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    schedule: str = "cosine"
    augment: dict = field(default_factory=dict)
    patience: int | None = None
    drop_silent: bool = False
    seed: int = 42
    refit: bool = False
    seeds: int = 1
    label_smoothing: float = 0.0
    test_crops: int | tuple = 1
    ema: float = 0.0

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {sorted(MODELS)}")
        if self.optimizer not in ("adamw", "adam", "sgd"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose adamw, adam or sgd")
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(f"unknown schedule {self.schedule!r}; choose cosine or constant")
        unknown = set(self.augment) - {"shift", "gain", "noise", "crop", "scale", "mixup", "between", "delays"}
        if unknown:
            raise ValueError(f"unknown augmentation(s) {sorted(unknown)}; use shift, gain, noise, crop, scale, "
                             "mixup, between, delays")
        if "scale" in self.augment:
            scale = self.augment["scale"]
            if self.model != "mel_cnn":
                raise ValueError(f"scale changes the speed of a log-mel spectrogram (mel_cnn), not {self.model}")
            if not (isinstance(scale, (list, tuple)) and len(scale) == 2 and 0 < scale[0] <= scale[1]):
                raise ValueError(f"scale is a (low, high) range of speed factors, e.g. (0.8, 1.25), got {scale!r}")
        if "between" in self.augment:
            if not isinstance(self.augment["between"], bool):
                raise ValueError(f"between is True or False, got {self.augment['between']!r}")
            if self.augment["between"] and ("mixup" in self.augment or self.model == "yamnet_head"):
                raise ValueError("between-class mixing replaces mixup, on audio features (not yamnet_head)")
        counts = self.test_crops if isinstance(self.test_crops, (list, tuple)) else [self.test_crops]
        if not (counts and all(isinstance(n, int) and n >= 1 for n in counts)):
            raise ValueError(f"test_crops must be a positive integer or a tuple of them, got {self.test_crops!r}")
        if max(counts) > 1 and "crop" not in self.augment:
            raise ValueError("test_crops > 1 needs crop: the test crops are as long as the training crops")
        if not 0 <= self.ema < 1:
            raise ValueError(f"ema is a momentum in [0, 1), got {self.ema!r}")
        if self.ema and not self.refit:
            raise ValueError("ema averages the weights of the retrained models: it needs refit=True")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing!r}")
        if "delays" in self.augment:
            if self.model != "piczak_cnn":
                raise ValueError(f"delays makes copies of clips cut into segments (piczak_cnn), not {self.model}")
            if not (isinstance(self.augment["delays"], int) and self.augment["delays"] >= 0):
                raise ValueError(f"delays is a number of copies per clip, got {self.augment['delays']!r}")
        if "crop" in self.augment:
            if self.model not in ("mel_cnn", "yamnet_head"):
                raise ValueError(f"crop needs a model that takes any length (mel_cnn, yamnet_head), not {self.model}")
            crop = self.augment["crop"]
            fractions = list(crop) if isinstance(crop, (list, tuple)) else [crop]
            if len(fractions) not in (1, 2) or not all(0 < f <= 1 for f in fractions) or fractions != sorted(fractions):
                raise ValueError(f"crop is the fraction of the clip kept, in (0, 1], or a (low, high) range of them, "
                                 f"got {crop!r}")
        if not (isinstance(self.seeds, int) and self.seeds >= 1):
            raise ValueError(f"seeds must be a positive integer, got {self.seeds!r}")
        if self.seeds > 1 and not self.refit:
            raise ValueError("seeds > 1 averages retrained models: it needs refit=True")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"epochs and batch_size must be positive, got {self.epochs}, {self.batch_size}")

    def to_dict(self):
        """The configuration as it reads back from a results file (tuples become lists)."""
        return json.loads(json.dumps(asdict(self)))


PRESETS = {
    # The quick preset's recipe, scaled up: four times the conv work (width 32, 1.2 M parameters)
    # and more epochs, with mixup, which this wider model can afford. Crops rather than whole
    # clips because they beat them for the quick model at less time per epoch. Label smoothing
    # won the one-fold screens (benchmarks/screen.py) and then every fold at this size: 81.7 %
    # +- 2.1 % over the 5 folds, against 79.7 % +- 1.3 % without it. The validation fold chooses
    # the epoch count and whole clips or test crops (whole clips, mostly); then a new model trains
    # that long on the training and validation folds together (refit), and only it is tested:
    # 85.4 % +- 1.4 %, better on every fold than without refit. About 80 min a fold on the 2-core
    # development CPU in bfloat16, half to validate and half to retrain (README).
    "mel_cnn": TrainConfig("mel_cnn", dict(width=32, dtype="auto"), epochs=120, batch_size=32, learning_rate=2e-3,
                           weight_decay=1e-3, augment=dict(crop=0.5, gain=(0.5, 2.0), mixup=0.2),
                           label_smoothing=0.1, test_crops=(1, 3, 5, 10), refit=True),
    # Trained on random 2.5 s crops (half the work per clip, each sound seen at many positions)
    # for 70 epochs, rather than on whole clips for 45: 75.9 % in 53.9 min of training on the
    # 2-core development CPU, against 72.1 % in 60.9 min (both in bfloat16; see the README). No
    # mixup: the small model underfits, and mixup slowed it further (fold 1 with mixup=0.2 and
    # 30 epochs of whole clips: 60.5 %). Label smoothing, as mel_cnn: 77.9 % +- 1.2 % over the
    # 5 folds in 51.7 min, better on every fold than the 75.9 % without it. bfloat16 where the
    # CPU has it.
    "mel_cnn_quick": TrainConfig("mel_cnn", dict(width=16, dtype="auto"), epochs=70, batch_size=32,
                                 learning_rate=3e-3, weight_decay=1e-3, augment=dict(crop=0.5, gain=(0.5, 2.0)),
                                 label_smoothing=0.1),
    # The paper's own code (karolpiczak/paper-2015-esc-convnet: Code/Experiment - ESC-50.ipynb,
    # _Datasets/Setup.ipynb): short segments train 300 epochs at 0.002 (Nesterov SGD, batches of
    # 1000) over the training clips and 4 copies of each delayed by up to 1 s, about 59 k segments:
    # 17.7 k steps. An epoch takes 43 to 85 s on the 2-core development CPU in bfloat16: fold 1
    # took 5.2 h there and reached 58.5 % (the paper: 64.5 % over 5 folds); the 5 folds are a GPU
    # run. Without the copies, at 0.01 (3.3 k steps, 80 min), fold 1 reached 58.0 %.
    "piczak_cnn": TrainConfig("piczak_cnn", dict(dtype="auto"), epochs=300, batch_size=1000, optimizer="sgd",
                              learning_rate=0.002, schedule="constant", augment=dict(delays=4), drop_silent=True),
    "seed_cnn": TrainConfig("seed_cnn", epochs=20, batch_size=64, optimizer="adam", learning_rate=3e-4,
                            schedule="constant", augment=dict(noise=0.005, shift=0.2, gain=(1.5, 2.5))),
    # Embeddings are not audio: no waveform or spectrogram augmentation applies; crops of a clip's
    # frames (4 to 9 of its 9), pooled, then mixup, do, with YAMNet's four views of every clip
    # (esc50.inputs). The validation fold only chooses how long to train; the head is then trained
    # again on it too (refit). 88.2 % +- 1.5 % over the 5 folds, 81 s a fold (README).
    "yamnet_head": TrainConfig("yamnet_head", epochs=40, batch_size=64, learning_rate=1e-3, weight_decay=1e-2,
                               augment=dict(crop=(0.4, 1.0), mixup=0.2), refit=True),
}
"""Named configurations. ``mel_cnn_quick`` is the CPU-friendly one; ``piczak_cnn`` and
``seed_cnn`` keep their authors' optimiser settings (the seed: Adam 3e-4, 20 epochs, batch
64, its three waveform augmentations, now actually used in training)."""


def get_config(preset, **overrides):
    """A preset by name (or a TrainConfig), with fields replaced by ``overrides``."""
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
        preset = PRESETS[preset]
    return replace(preset, **overrides)


BASELINES = ("knn", "svm", "random_forest", "ensemble", "logistic")
"""k-nearest neighbours (k=5, distance-weighted), an RBF support vector machine (C=10),
a random forest (500 trees; Piczak's 2015 baseline was one), the stronger one: a soft
vote of the SVM, the forest and a logistic regression, which make different mistakes, and
that logistic regression (C=0.1) alone, the usual linear probe of pretrained embeddings.
(Histogram gradient boosting was tried first: 56.8 % on fold 1, below the SVM, for 8
minutes per fold on 2 cores shared with a CNN run.) The SVMs use ``SVC(probability=True)``,
deprecated in scikit-learn 1.9: its suggested replacement, ``CalibratedClassifierCV(SVC(),
ensemble=False)``, calibrates one class against the rest and scored 53.3 % against 60.8 % on
the summary features, so scikit-learn is pinned below 1.11 until a better one is found."""

HANDCRAFTED = ("summary", "seed")
"""``summary``: 341 statistics of frame-wise features; ``seed``: the seed notebook's 27 means."""
FEATURE_SETS = HANDCRAFTED + ("yamnet",)
"""The handcrafted sets, and ``yamnet``: the YAMNet head's input pooled as the head pools it
(mean and maximum over frames of its four views, 2048 values each; :mod:`esc50.transfer`)."""
