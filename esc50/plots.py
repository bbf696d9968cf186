"""Figures for the notebooks: one saving helper and the plots the lessons share."""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .dataset import GROUPS, quick_mode
from .fileio import atomic_write

FIGURES_ENV = "ESC50_FIGURES"
GROUP_COLORS = dict(zip(GROUPS, plt.get_cmap("tab10").colors))


def figures_dir():
    """Where :func:`save_fig` writes: ``$ESC50_FIGURES``, else the repository's ``figures/``
    (or ``./figures`` outside a checkout, as in Colab).

    Quick-mode runs write to a ``quick/`` subfolder, so that ``make test`` never overwrites
    the figures of a full run.
    """
    if os.environ.get(FIGURES_ENV):
        base = Path(os.environ[FIGURES_ENV])
    else:
        checkout = Path(__file__).resolve().parents[1]
        base = checkout / "figures" if (checkout / "pyproject.toml").exists() else Path("figures")
    return base / "quick" if quick_mode() else base


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
