"""Copy a trained fold model into the package, without its optimizer state (maintainers only).

The shipped model lets `python -m esc50 predict` and notebook 07 work on a fresh install,
before anyone has trained for an hour. It is the fold-1 model of `mel_cnn_quick`: trained on
folds 3-5, epoch chosen on fold 2, so fold 1 is audio it has never heard. It is shipped in
float32, which every CPU computes, whatever policy it trained in.

    python scripts/ship_model.py [models/mel_cnn_quick/fold1.keras]
"""
import sys

import keras

import esc50.augment  # noqa: F401  registers SpecAugment
from esc50.models import as_float32
from esc50.predict import SHIPPED_MODEL
from esc50.training import save_model


def main(source="models/mel_cnn_quick/fold1.keras"):
    # Uncompiled: without the optimizer's state the file is a third of the size.
    path = save_model(as_float32(keras.saving.load_model(source, compile=False)), SHIPPED_MODEL)
    print(f"{source} -> {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(*sys.argv[1:])
