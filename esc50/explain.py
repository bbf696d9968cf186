"""Which time-frequency regions a prediction rests on: occlusion maps.

Hide one patch of the spectrogram at a time and watch the predicted probability of a class:
where it drops most, the model was looking (Zeiler & Fergus, 2014). Unlike gradients, this
needs nothing from the model but predictions, so it works with any backend and any model.
"""
from __future__ import annotations

import numpy as np


def occlusion_map(model, x, target=None, *, patch=(16, 40), stride=None, fill=None, batch_size=64):
    """How much hiding each region of ``x`` lowers the probability of ``target``.

    Parameters
    ----------
    model : keras.Model
        Takes a batch of spectrograms ``(batch, bins, frames[, channels])``, returns class
        probabilities.
    x : np.ndarray
        One input, ``(bins, frames)`` or ``(bins, frames, channels)``, as the model takes it.
    target : int, optional
        Class to explain (default: the predicted one).
    patch : tuple of int, default (16, 40)
        Bins and frames hidden at once (with log-mel defaults: 16 mel bands, 0.46 s).
    stride : tuple of int, optional
        Step between patches (default: half a patch, so patches overlap).
    fill : float, optional
        Value written into the hidden patch (default: the mean of ``x``, an average level
        rather than silence, which would itself be a strong cue).
    batch_size : int, default 64

    Returns
    -------
    heat : np.ndarray, shape ``(bins, frames)``
        At each point, the mean drop in probability over the patches that covered it;
        positive where hiding the region hurt the prediction.
    target : int
    probability : float
        The unoccluded probability of ``target``.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim not in (2, 3):
        raise ValueError(f"expected one spectrogram (bins, frames[, channels]), got shape {x.shape}")
    bins, frames = x.shape[:2]
    ph, pw = min(patch[0], bins), min(patch[1], frames)
    if ph < 1 or pw < 1:
        raise ValueError(f"patch must be positive, got {patch}")
    sh, sw = stride or (max(ph // 2, 1), max(pw // 2, 1))
    fill = float(x.mean()) if fill is None else float(fill)

    base = np.asarray(model.predict_on_batch(x[None]))[0]
    target = int(np.argmax(base)) if target is None else int(target)
    if not 0 <= target < len(base):
        raise ValueError(f"target {target} out of range for {len(base)} classes")
    # The last patch of each axis ends at the border, so every point is covered.
    starts = [sorted({*range(0, n - p + 1, s), n - p}) for n, p, s in ((bins, ph, sh), (frames, pw, sw))]
    corners = [(i, j) for i in starts[0] for j in starts[1]]
    drops = []
    for k in range(0, len(corners), batch_size):
        batch = np.repeat(x[None], len(corners[k:k + batch_size]), axis=0)
        for b, (i, j) in enumerate(corners[k:k + batch_size]):
            batch[b, i:i + ph, j:j + pw] = fill
        drops.append(base[target] - np.asarray(model.predict_on_batch(batch))[:, target])
    drops = np.concatenate(drops)
    heat, count = np.zeros((bins, frames)), np.zeros((bins, frames))
    for (i, j), d in zip(corners, drops):
        heat[i:i + ph, j:j + pw] += d
        count[i:i + ph, j:j + pw] += 1
    return heat / count, target, float(base[target])
