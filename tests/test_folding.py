"""fold_batch_norm: same predictions as the BN model in inference mode, or a clear ValueError."""

import keras
import numpy as np
import pytest

from helpers import data, folding, models


@pytest.fixture(scope="module")
def fashion():
    return data.load_fashion_mnist(valid_size=500, train_size=1_000, test_size=10)


def _randomize_batch_norm(model, seed=0):
    """Give every BN layer non-trivial γ, β and moving statistics (as if trained long)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights(
                [
                    rng.uniform(0.5, 2.0, n).astype("float32"),  # γ
                    rng.normal(0.0, 0.5, n).astype("float32"),  # β
                    rng.normal(0.0, 1.0, n).astype("float32"),  # moving mean
                    rng.uniform(0.1, 4.0, n).astype("float32"),  # moving variance
                ]
            )


def test_folded_trained_model_predicts_the_same(fashion):
    keras.utils.set_random_seed(3)
    model = models.build_mlp(n_hidden=3, n_neurons=64, batch_norm="before")
    models.compile_classifier(model, keras.optimizers.SGD(learning_rate=0.05))
    model.fit(fashion.x_train, fashion.y_train, epochs=2, batch_size=128, verbose=0)
    folded = folding.fold_batch_norm(model)
    assert not any(isinstance(lay, keras.layers.BatchNormalization) for lay in folded.layers)
    assert [lay.name for lay in folded.layers] == [
        lay.name for lay in model.layers if not isinstance(lay, keras.layers.BatchNormalization)
    ]
    expected = model.predict(fashion.x_valid, verbose=0)
    np.testing.assert_allclose(folded.predict(fashion.x_valid, verbose=0), expected, atol=1e-5)


def test_folding_matches_the_formula_with_bias_and_random_statistics(fashion):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(32, name="dense_with_bias"),
            keras.layers.BatchNormalization(epsilon=1e-2, name="bn"),
            keras.layers.Activation("tanh"),
            keras.layers.Dense(10, activation="softmax", name="output"),
        ]
    )
    _randomize_batch_norm(model)
    dense, bn = model.get_layer("dense_with_bias"), model.get_layer("bn")
    bias = np.random.default_rng(1).normal(size=32).astype("float32")
    dense.set_weights([dense.get_weights()[0], bias])
    kernel, folded_bias = folding.folded_dense_weights(dense, bn)
    gamma, beta, mean, var = (w.astype(np.float64) for w in bn.get_weights())
    s = gamma / np.sqrt(var + 1e-2)
    np.testing.assert_allclose(kernel, dense.get_weights()[0] * s, rtol=1e-6)
    np.testing.assert_allclose(folded_bias, (bias - mean) * s + beta, rtol=1e-5, atol=1e-6)
    folded = folding.fold_batch_norm(model)
    np.testing.assert_allclose(
        folded.predict(fashion.x_valid, verbose=0),
        model.predict(fashion.x_valid, verbose=0),
        atol=1e-5,
    )


def test_bn_without_scale_or_center_folds_too(fashion):
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(16, use_bias=False),
            keras.layers.BatchNormalization(scale=False, center=False),
            keras.layers.Dense(10),
        ]
    )
    bn = model.layers[2]
    bn.set_weights([np.full(16, 0.3, "float32"), np.full(16, 2.0, "float32")])
    folded = folding.fold_batch_norm(model)
    np.testing.assert_allclose(folded(fashion.x_valid), model(fashion.x_valid), atol=1e-5)


def test_original_model_is_untouched(fashion):
    model = models.build_mlp(n_hidden=2, n_neurons=16, batch_norm="before")
    _randomize_batch_norm(model, seed=5)
    before = [w.copy() for w in model.get_weights()]
    folding.fold_batch_norm(model)
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    assert len(model.layers) == 8  # flatten + 2 × (dense, bn, act) + output


@pytest.mark.parametrize(
    ("model_factory", "message"),
    [
        (lambda: models.build_mlp(batch_norm="after"), "follows Activation"),
        (lambda: models.build_mlp(batch_norm=None), "no BatchNormalization"),
        (
            lambda: keras.Sequential(
                [
                    keras.Input((4,)),
                    keras.layers.Dense(3, activation="relu"),
                    keras.layers.BatchNormalization(),
                ]
            ),
            "activation 'relu'",
        ),
        (
            lambda: keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization()]),
            "follows the model input",
        ),
        (
            lambda: keras.Sequential(
                [
                    keras.Input((5, 4)),
                    keras.layers.Dense(3),
                    keras.layers.BatchNormalization(axis=1),
                ]
            ),
            "axis 1",
        ),
    ],
)
def test_unfoldable_models_are_rejected(model_factory, message):
    with pytest.raises(ValueError, match=message):
        folding.fold_batch_norm(model_factory())


def test_functional_model_is_rejected():
    inputs = keras.Input((4,))
    outputs = keras.layers.BatchNormalization()(keras.layers.Dense(3)(inputs))
    with pytest.raises(ValueError, match="Sequential"):
        folding.fold_batch_norm(keras.Model(inputs, outputs))


def test_inference_seconds_are_positive_and_arguments_checked(fashion):
    model = {"model": models.build_mlp(n_hidden=1, n_neurons=8)}
    assert folding.compare_inference_seconds(model, fashion.x_valid, repeats=2)["model"] > 0
    with pytest.raises(ValueError, match="repeats"):
        folding.compare_inference_seconds(model, fashion.x_valid, repeats=0)
    with pytest.raises(ValueError, match="empty"):
        folding.compare_inference_seconds(model, fashion.x_valid[:0])


def test_compare_inference_seconds_times_every_model(fashion):
    small = models.build_mlp(n_hidden=1, n_neurons=8)
    large = models.build_mlp(n_hidden=3, n_neurons=256)
    times = folding.compare_inference_seconds({"small": small, "large": large}, fashion.x_valid)
    assert set(times) == {"small", "large"} and all(t > 0 for t in times.values())
    with pytest.raises(ValueError, match="models is empty"):
        folding.compare_inference_seconds({}, fashion.x_valid)
