"""The Keras models: shapes, sizes, and the seed CNN's faithful layout."""
import keras
import numpy as np
import pytest

from esc50.models import PARAMETERS, as_float32, auto_dtype, mel_cnn, piczak_cnn, seed_cnn, yamnet_head


@pytest.mark.parametrize("name, build, shape, example", [
    ("mel_cnn", lambda: mel_cnn(), (128, 431, 1), (128, 431, 1)),
    ("mel_cnn_quick", lambda: mel_cnn(width=16), (128, 431, 1), (128, 431, 1)),
    ("piczak_cnn", lambda: piczak_cnn(), (60, 41, 2), (60, 41, 2)),
    ("seed_cnn", lambda: seed_cnn(), (80000,), (80000,)),
    ("yamnet_head", lambda: yamnet_head(), (2048,), (2048,)),
])
def test_documented_sizes_and_outputs(name, build, shape, example):
    model = build()
    assert model.count_params() == PARAMETERS[name]
    assert model.input_shape[1:] == shape
    proba = np.asarray(model(np.zeros((2, *example), np.float32), training=False))
    assert proba.shape == (2, 50)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_seed_cnn_keeps_the_seeds_16_by_625_image_and_256_features():
    model = seed_cnn()
    shapes = [layer.output.shape[1:] for layer in model.layers]
    assert (16, 625, 1) in shapes  # the seed's view(-1, 1, 16, 625)
    flat = next(layer for layer in model.layers if isinstance(layer, keras.layers.Flatten))
    assert flat.output.shape[1:] == (256,)  # the seed's nn.Linear(256, 50)


def test_mel_cnn_normalises_with_the_given_band_statistics():
    mean, var = np.linspace(-80, -20, 128).astype(np.float32), np.full(128, 100.0, np.float32)
    model = mel_cnn(mean=mean, variance=var, n_classes=10, width=4, blocks=1)
    x = np.broadcast_to(mean[None, :, None, None], (1, 128, 431, 1)) + 10.0
    normalised = np.asarray(model.get_layer("normalise")(x))
    np.testing.assert_allclose(normalised, 1.0, rtol=1e-5)
    assert model.output_shape == (None, 10)


def test_mel_cnn_without_spec_augment_and_bad_sizes():
    assert "spec_augment" not in [layer.name for layer in mel_cnn(spec_augment=False, width=4).layers]
    with pytest.raises(ValueError, match="width"):
        mel_cnn(width=0)


def test_mel_cnn_in_mixed_bfloat16_keeps_float32_weights_and_probabilities(tmp_path):
    model = mel_cnn((32, 64, 1), n_classes=5, width=4, blocks=2, dtype="mixed_bfloat16")
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert convs and all(c.compute_dtype == "bfloat16" and c.kernel.dtype == "float32" for c in convs)
    assert model.get_layer("normalise").compute_dtype == "float32"
    model.compile("adam", "categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(8, 32, 64, 1)).astype(np.float32)
    model.train_on_batch(x, np.eye(5, dtype=np.float32)[np.arange(8) % 5])
    proba = model.predict_on_batch(x)
    assert proba.dtype == np.float32 and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    model.save(tmp_path / "m.keras")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "m.keras").predict_on_batch(x), proba)


def test_a_bfloat16_model_converts_to_float32_with_the_same_weights():
    model = mel_cnn((32, 64, 1), n_classes=5, width=4, blocks=2, dtype="mixed_bfloat16")
    x = np.random.default_rng(0).normal(size=(4, 32, 64, 1)).astype(np.float32)
    plain = as_float32(model)
    assert all(layer.compute_dtype == "float32" for layer in plain.layers) and plain.name == model.name
    np.testing.assert_allclose(plain.predict_on_batch(x), model.predict_on_batch(x), atol=0.02)
    assert as_float32(plain) is plain
    assert auto_dtype() in ("float32", "mixed_bfloat16")
    auto = mel_cnn((32, 64, 1), width=4, blocks=2, dtype="auto")
    assert auto.get_layer("downsample").dtype_policy.name == auto_dtype()


def test_piczak_cnn_computes_in_bfloat16_with_a_float32_softmax():
    model = piczak_cnn(n_classes=5, dtype="mixed_bfloat16")
    assert [layer.compute_dtype for layer in model.layers[:2]] == ["float32", "bfloat16"]
    assert model.layers[-1].compute_dtype == "float32"
    x = np.random.default_rng(0).normal(size=(3, 60, 41, 2)).astype(np.float32)
    proba = model.predict_on_batch(x)
    assert proba.dtype == np.float32 and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(as_float32(model).predict_on_batch(x), proba, atol=0.02)
    assert piczak_cnn(dtype="auto").layers[1].dtype_policy.name == auto_dtype()


def test_piczak_cnn_starts_from_the_papers_initial_weights():
    def weights(model, kind):
        return [[np.asarray(w) for w in layer.weights] for layer in model.layers if isinstance(layer, kind)]

    model = piczak_cnn(n_classes=5)
    (k0, b0), (k1, b1) = weights(model, keras.layers.Conv2D)
    assert 0 < np.abs(k0).max() <= 0.001 and np.all(b0 == 0.1)
    assert 0.09 < np.abs(k1).max() <= 0.1 and np.all(b1 == 0)
    assert [round(float(k.std()), 3) for k, _ in weights(model, keras.layers.Dense)] == [0.01, 0.01, 0.01]
    (k0, b0), _ = weights(piczak_cnn(n_classes=5, paper_init=False), keras.layers.Conv2D)
    assert np.all(b0 == 0) and np.abs(k0).max() > 0.01  # Keras' Glorot uniform and zero biases

