"""helpers.batch_norm: BN's running average against keras.layers.BatchNormalization, and the
plain-vs-BN training run of notebook 04's widget."""

import keras
import numpy as np
import pytest

from helpers import batch_norm, data, models


def test_moving_average_matches_the_closed_form():
    values = np.arange(1.0, 6.0)
    m = 0.8
    expected = [
        m ** (k + 1) * 2.0 + sum((1 - m) * m ** (k - i) * values[i] for i in range(k + 1))
        for k in range(5)
    ]
    np.testing.assert_allclose(batch_norm.moving_average(values, m, start=2.0), expected)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        batch_norm.moving_average(values, 1.0)


@pytest.mark.parametrize("momentum", [0.9, 0.99])
def test_moving_average_is_the_moving_mean_keras_keeps(momentum):
    """Feed the same batches to a BatchNormalization layer in training mode: its moving_mean
    after every batch is our running average of the batch means (ρ = Keras's momentum, the
    weight of the old estimate; Keras starts the estimate at 0)."""
    rng = np.random.default_rng(0)
    batches = rng.normal(3.0, 1.5, size=(40, 32, 4)).astype("float32")
    layer = keras.layers.BatchNormalization(momentum=momentum)
    layer.build((None, 4))
    keras_means = []
    for batch in batches:
        layer(batch, training=True)
        keras_means.append(layer.moving_mean.numpy().copy())
    ours = np.stack(
        [
            batch_norm.moving_average(batches[:, :, unit].mean(axis=1), momentum)
            for unit in range(4)
        ],
        axis=1,
    )
    np.testing.assert_allclose(np.array(keras_means), ours, rtol=1e-5, atol=1e-6)


def test_plain_and_bn_step_losses_trains_both_from_the_same_seed():
    fashion = data.load_fashion_mnist(valid_size=200, train_size=256, test_size=10)

    def build(placement):
        return models.build_mlp(n_hidden=2, n_neurons=16, batch_norm=placement)

    curves = batch_norm.plain_and_bn_step_losses(
        (fashion.x_train, fashion.y_train), 0.01, build, batch_size=64
    )
    assert set(curves) == {"plain", "BN"}
    assert len(curves["plain"]) == len(curves["BN"]) == 4
    assert not np.allclose(curves["plain"], curves["BN"])
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        batch_norm.plain_and_bn_step_losses((fashion.x_train, fashion.y_train), 0.0, build)
