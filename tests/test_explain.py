import keras
import numpy as np
import pytest

from esc50.explain import occlusion_map


def region_model():
    """Two classes; class 1's score is the mean of bins 8-15 x frames 20-39, nothing else."""
    model = keras.Sequential([keras.Input((32, 60, 1)), keras.layers.Cropping2D(((8, 16), (20, 20))),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, activation="softmax")])
    model.layers[-1].set_weights([np.array([[0.0, 0.5]], dtype=np.float32), np.zeros(2, dtype=np.float32)])
    return model


def test_occlusion_finds_the_region_the_model_reads():
    x = np.zeros((32, 60, 1), dtype=np.float32)
    x[8:16, 20:40] = 5.0
    heat, target, p = occlusion_map(region_model(), x, patch=(4, 10))
    assert target == 1 and p > 0.9
    assert heat.shape == (32, 60)
    assert heat[8:16, 20:40].min() > 0.005
    outside = np.ones_like(heat, dtype=bool)
    outside[4:20, 10:50] = False  # patches overlapping the region reach up to one patch beyond it
    assert np.abs(heat[outside]).max() < 1e-6


def test_occlusion_explains_a_chosen_class_and_checks_input():
    x = np.zeros((32, 60), dtype=np.float32)[..., None]
    heat, target, _ = occlusion_map(region_model(), x, target=0, patch=(32, 60))
    assert target == 0 and np.allclose(heat, heat[0, 0])
    with pytest.raises(ValueError, match="one spectrogram"):
        occlusion_map(region_model(), np.zeros((1, 32, 60, 1)))
    with pytest.raises(ValueError, match="out of range"):
        occlusion_map(region_model(), x, target=5)
