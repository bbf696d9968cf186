"""Copy the models trained on all 2000 clips into the package (maintainers only).

`python -m esc50 predict` and notebook 07 use them on a fresh install, before anyone has
trained anything:

- the YAMNet head (models/yamnet_head/all.keras) as esc50/data/models/yamnet_head.keras and,
  converted, yamnet_head.tflite, which LiteRT runs with YAMNet: no TensorFlow at run time;
- mel_cnn, from scratch (models/mel_cnn/all.keras), as mel_cnn.keras, in float32, which every
  CPU computes, whatever policy it trained in.

Each gets the JSON file that training wrote beside it (configuration, epochs, the 5-fold
accuracy of its cross-validation, the class names, the machine), without the training curves.
Uncompiled: without the optimizer's state a .keras file is a third of the size. Train them first:

    python -c "from esc50.training import train_final; train_final('yamnet_head'); train_final('mel_cnn')"
    python scripts/ship_model.py [yamnet_head] [mel_cnn]
"""
import json
import sys

from esc50.export import to_tflite
from esc50.fileio import atomic_write
from esc50.models import as_float32
from esc50.predict import MODELS_DIR, load_model, model_info
from esc50.quiet import keras_quietly
from esc50.training import models_dir, save_model

keras = keras_quietly()


def ship(run, tflite=False):
    source = models_dir() / run / "all.keras"
    model = as_float32(keras.saving.load_model(source, compile=False))
    paths = [save_model(model, MODELS_DIR / f"{run}.keras")]
    if tflite:
        paths.append(to_tflite(model, MODELS_DIR / f"{run}.tflite"))
    info = {k: v for k, v in model_info(source).items() if k != "history"}
    with atomic_write(MODELS_DIR / f"{run}.json", "w") as f:
        json.dump(info, f, indent=1)
    load_model(paths[0])  # it loads as predict loads it
    for path in paths:
        print(f"{source} -> {path} ({path.stat().st_size / 1e6:.1f} MB)")


def main(runs=("yamnet_head", "mel_cnn")):
    for run in runs:
        ship(run, tflite=run == "yamnet_head")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ("yamnet_head", "mel_cnn")))
