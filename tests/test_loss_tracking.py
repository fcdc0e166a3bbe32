"""BatchLossHistory recovers the loss of each batch from Keras's running means."""

import keras
import numpy as np
import pytest

from helpers import data, models
from helpers.loss_tracking import BatchLossHistory, diverged


@pytest.fixture(scope="module")
def fashion():
    return data.load_fashion_mnist(valid_size=100, train_size=250, test_size=10)


def test_recovers_each_batch_loss_exactly(fashion):
    keras.utils.set_random_seed(0)
    model = models.build_mlp(n_hidden=1, n_neurons=16)
    # learning rate 0: the weights never move, so each batch's loss can be computed afterwards
    models.compile_classifier(model, keras.optimizers.SGD(learning_rate=0.0))
    history = BatchLossHistory(batch_size=100, n_samples=250)
    model.fit(
        fashion.x_train,
        fashion.y_train,
        batch_size=100,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[history],
    )
    loss = keras.losses.SparseCategoricalCrossentropy()
    expected = [
        float(loss(fashion.y_train[s : s + 100], model(fashion.x_train[s : s + 100])))
        for s in (0, 100, 200)
    ]
    np.testing.assert_allclose(history.as_array(), expected * 2, rtol=1e-4)
    assert history.epoch_starts == [0, 3]


def test_diverged_flags_nan_and_huge_losses():
    assert diverged([1.0, np.nan])
    assert diverged([1.0, 1e6])
    assert not diverged([2.3, 0.5, 0.4])


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="batch_size"):
        BatchLossHistory(batch_size=0)
    with pytest.raises(ValueError, match="n_samples"):
        BatchLossHistory(batch_size=32, n_samples=-1)
