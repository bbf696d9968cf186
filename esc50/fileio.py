"""Writing files so that a crash or Ctrl-C never leaves half a file behind."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file beside ``path``; it replaces ``path`` only if the block succeeds.

    The temporary file lives in the same folder, so the final :func:`os.replace` is atomic:
    readers see either the old file or the complete new one, never a partial write.

    Examples
    --------
    >>> with atomic_write("results/run.json", "w") as f:  # doctest: +SKIP
    ...     json.dump(results, f)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide results from other users
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_dir(name, env=None):
    """Where the project writes its ``name`` outputs (figures, results, models).

    ``$env`` when set; else the ``name`` folder of the repository when running from a
    checkout, or of the current directory otherwise (as in Colab). Quick-mode runs
    (:func:`esc50.dataset.quick_mode`) use a ``quick/`` subfolder, so that ``make test``
    never overwrites the outputs of a full run.
    """
    from .dataset import quick_mode

    if env and os.environ.get(env):
        base = Path(os.environ[env]).expanduser()
    else:
        checkout = Path(__file__).resolve().parents[1]
        base = checkout / name if (checkout / "pyproject.toml").exists() else Path(name)
    return base / "quick" if quick_mode() else base


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
