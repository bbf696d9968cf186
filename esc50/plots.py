"""Figures for the notebooks: one saving helper and the plots the lessons share."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .dataset import GROUPS
from .fileio import atomic_write, output_dir

FIGURES_ENV = "ESC50_FIGURES"
GROUP_COLORS = dict(zip(GROUPS, plt.get_cmap("tab10").colors))


def figures_dir():
    """Where :func:`save_fig` writes: ``$ESC50_FIGURES``, else the repository's ``figures/``
    (see :func:`esc50.fileio.output_dir`)."""
    return output_dir("figures", FIGURES_ENV)


def save_fig(fig, name, *, directory=None, dpi=120):
    """Save ``fig`` as ``<directory>/<name>.png`` (atomically) and return the path."""
    path = Path(directory or figures_dir()) / f"{name}.png"
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=dpi, bbox_inches="tight")
    return path


def plot_class_counts(meta, ax=None):
    """Horizontal bars: clips per class, coloured and ordered by major group."""
    counts = meta.groupby(["group", "target", "category"], observed=True).size().reset_index(name="n")
    counts = counts.sort_values(["group", "target"], ascending=False)
    ax = ax or plt.subplots(figsize=(7, 11))[1]
    ax.barh(counts["category"], counts["n"], color=[GROUP_COLORS[g] for g in counts["group"]])
    handles = [plt.Rectangle((0, 0), 1, 1, color=GROUP_COLORS[g]) for g in GROUPS]
    ax.legend(handles, GROUPS, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.set_xlabel("clips")
    ax.margins(y=0.005)
    return ax


def plot_waveform(y, sr, ax=None, title=None):
    """Amplitude over time."""
    ax = ax or plt.subplots(figsize=(8, 2.5))[1]
    ax.plot(np.arange(len(y)) / sr, y, linewidth=0.5)
    ax.set(xlabel="time (s)", ylabel="amplitude", title=title, xlim=(0, len(y) / sr))
    return ax


def plot_spectrum(y, sr, ax=None, title=None):
    """Magnitude of the whole clip's Fourier transform, in dB, over frequency.

    (The seed notebook plotted ``abs(stft)`` instead, which draws one line per frequency
    bin over time; a spectrum has frequency on the x axis.)
    """
    magnitude = np.abs(np.fft.rfft(y)) / len(y)
    freqs = np.fft.rfftfreq(len(y), 1 / sr)
    ax = ax or plt.subplots(figsize=(8, 2.5))[1]
    ax.plot(freqs, 20 * np.log10(magnitude + 1e-10), linewidth=0.5)
    ax.set(xlabel="frequency (Hz)", ylabel="magnitude (dB)", title=title, xscale="symlog", xlim=(20, sr / 2))
    return ax


def plot_spectrogram(S_db, sr, hop_length, ax=None, y_axis="mel", title=None, colorbar=True, **kwargs):
    """A time-frequency image (spectrogram, log-mel or MFCC) with a colour bar."""
    import librosa.display

    ax = ax or plt.subplots(figsize=(8, 3))[1]
    img = librosa.display.specshow(S_db, sr=sr, hop_length=hop_length, x_axis="time", y_axis=y_axis, ax=ax, **kwargs)
    ax.set(title=title)
    if colorbar:
        ax.figure.colorbar(img, ax=ax, format="%+.0f")
    return ax


def plot_confusion(cm, labels, ax=None, title=None, normalize=True):
    """A confusion matrix image: rows are true classes, columns predicted ones.

    With ``normalize`` each row is divided by its total, so the diagonal reads as recall.
    """
    cm = np.asarray(cm, dtype=float)
    values = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    n = len(labels)
    size = max(4.0, 0.22 * n)
    ax = ax or plt.subplots(figsize=(size + 1, size))[1]
    img = ax.imshow(values, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.set_xticks(range(n), labels, rotation=90, fontsize="small" if n > 10 else None)
    ax.set_yticks(range(n), labels, fontsize="small" if n > 10 else None)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    if n <= 10:  # small matrices get their numbers written in
        for (i, j), v in np.ndenumerate(cm):
            ax.text(j, i, f"{int(v)}", ha="center", va="center", color="white" if values[i, j] > 0.5 else "black")
    label = "fraction of the true class" if normalize else "clips"
    ax.figure.colorbar(img, ax=ax, fraction=0.046, pad=0.04, label=label)
    return ax


def _reference_lines(ax, references, vertical=False):
    draw = ax.axvline if vertical else ax.axhline
    for (label, value), style in zip(references.items(), ["--", ":", "-."]):
        draw(value, color="black", linestyle=style, linewidth=1, label=f"{label} ({value:.1%})")


def plot_history(history, axes=None, title=None):
    """Learning curves of a Keras ``History.history`` dict: loss and accuracy per epoch,
    training and validation, with the best validation epoch marked."""
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, metric in zip(axes, ("loss", "accuracy")):
        ax.plot(epochs, history[metric], label="training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], label="validation")
        ax.set(xlabel="epoch", ylabel=metric)
    if "val_accuracy" in history:
        best = int(np.argmax(history["val_accuracy"])) + 1
        for ax in axes:
            ax.axvline(best, color="black", linestyle=":", linewidth=1, label=f"best epoch ({best})")
    axes[1].set_ylim(0, 1)
    axes[1].legend(loc="lower right", fontsize="small")
    if title:
        axes[0].figure.suptitle(title)
    return axes


def plot_top_k(prediction, k=5, ax=None, title=None):
    """Horizontal bars of the ``k`` most probable classes of an :class:`esc50.predict.Prediction`."""
    top = prediction.top(k)[::-1]
    ax = ax or plt.subplots(figsize=(6, 0.4 * k + 1))[1]
    ax.barh([name for name, _ in top], [p for _, p in top], color="tab:blue")
    for y, (_, p) in enumerate(top):
        ax.text(p + 0.01, y, f"{p:.0%}", va="center", fontsize="small")
    ax.set(xlim=(0, 1), xlabel="probability", title=title or Path(prediction.path).name)
    return ax


def plot_timeline(prediction, k=3, ax=None, title=None):
    """Probability over time of the ``k`` classes most probable overall, one point per 5 s
    window (at its centre): what a long recording contains, and when."""
    from .audio import CLIP_SECONDS

    ax = ax or plt.subplots(figsize=(9, 3))[1]
    centres = prediction.window_starts + CLIP_SECONDS / 2
    for name, _ in prediction.top(k):
        i = prediction.names.index(name)
        ax.plot(centres, prediction.window_probabilities[:, i], marker="o", label=name)
    ax.set(xlabel="time (s), centre of each 5 s window", ylabel="probability", ylim=(0, 1),
           title=title or Path(prediction.path).name)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return ax


def plot_fold_accuracy(results, references=None, ax=None, title=None):
    """Per-fold test accuracy bars of one or more results, with reference lines.

    ``references`` maps a label to an accuracy (default: human listeners and Piczak's CNN).
    """
    from .evaluation import REFERENCES

    runs = [results] if isinstance(results, dict) else list(results)
    references = REFERENCES if references is None else references
    ax = ax or plt.subplots(figsize=(8, 3.5))[1]
    width = 0.8 / len(runs)
    for k, run in enumerate(runs):
        folds = [f["test_fold"] for f in run["folds"]]
        acc = [f["accuracy"] for f in run["folds"]]
        mean, std = run["accuracy"]["mean"], run["accuracy"]["std"]
        ax.bar(np.array(folds) + (k - (len(runs) - 1) / 2) * width, acc, width,
               label=f"{run['name']}: {mean:.1%} ± {std:.1%}")
    _reference_lines(ax, references)
    ax.set(xlabel="test fold", ylabel="accuracy", ylim=(0, 1), title=title)
    ax.set_xticks(sorted({f["test_fold"] for run in runs for f in run["folds"]}))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return ax


def plot_accuracy_comparison(table, references=None, ax=None, title=None):
    """Horizontal bars of mean accuracy with std error bars, from :func:`esc50.evaluation.accuracy_table`."""
    from .evaluation import REFERENCES

    references = REFERENCES if references is None else references
    table = table.sort_values("mean")
    ax = ax or plt.subplots(figsize=(7, 0.4 * len(table) + 1.2))[1]
    ax.barh(table.index, table["mean"], xerr=table["std"], color="tab:blue", capsize=3)
    for y, (mean, std) in enumerate(zip(table["mean"], table["std"])):
        ax.text(mean + std + 0.01, y, f"{mean:.1%}", va="center", fontsize="small")
    _reference_lines(ax, references, vertical=True)
    ax.set(xlabel="5-fold cross-validated accuracy (mean ± std over folds)", xlim=(0, 1), title=title)
    ax.legend(loc="lower right", fontsize="small")
    return ax


def save_evaluation_figures(run, names):
    """Save a run's confusion matrix (and, for ESC-50, the 5-group one) and per-fold bars;
    return the paths."""
    from .evaluation import confusion

    name, paths = run["name"], []
    matrices = [("confusion", confusion(run, len(names)), names)]
    if len(names) == len(GROUPS) * 10:  # ESC-50's five major groups of ten classes
        matrices.append(("confusion_groups", confusion(run, groups=True), GROUPS))
    for label, cm, labels in matrices:
        fig, ax = plt.subplots(figsize=(12, 11) if len(labels) > 10 else (6, 5))
        plot_confusion(cm, labels, ax=ax, title=name)
        paths.append(save_fig(fig, f"{name}_{label}"))
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plot_fold_accuracy(run, ax=ax)
    paths.append(save_fig(fig, f"{name}_folds"))
    plt.close(fig)
    return paths
