"""helpers.optimizer_runs: one compiled net per optimizer, the same numbers as a fresh one."""

import keras
import numpy as np
import pytest

from helpers import optimizer_runs
from helpers import optimizers2d as opt2d


@pytest.fixture(scope="module")
def small_fashion():
    from helpers import data

    return data.load_fashion_mnist(valid_size=500, train_size=2_048, test_size=10)


def _build_small():
    from helpers import models

    return models.build_mlp(n_hidden=1, n_neurons=32)


@pytest.mark.parametrize("name", ["adagrad", "nadam"])  # the two with non-zero initial state
def test_repeated_training_equals_a_fresh_model_and_optimizer(name, small_fashion):
    from helpers import config, models

    lr, epochs, steps = 0.01, 2, 2 * 2_048 // 256
    runs = optimizer_runs.RepeatedTraining(name, _build_small)
    first = runs.run(small_fashion.train, small_fashion.valid, lr, seed=0, epochs=epochs)
    runs.run(small_fashion.train, small_fashion.valid, 3 * lr, seed=1, epochs=1)
    again = runs.run(small_fashion.train, small_fashion.valid, lr, seed=0, epochs=epochs)

    config.set_seed(0)
    fresh = _build_small()
    schedule = keras.optimizers.schedules.CosineDecay(lr, decay_steps=steps)
    models.compile_classifier(fresh, opt2d.keras_optimizer(name, schedule))
    history = fresh.fit(*small_fashion.train, epochs=epochs, batch_size=256, verbose=0)
    val_loss, val_accuracy = fresh.evaluate(*small_fashion.valid, verbose=0)

    # Fails if a run did not reset the optimizer's state (the seed-1 run in between).
    assert again == first
    np.testing.assert_allclose(first.loss, history.history["loss"], rtol=1e-4)
    assert first.held_out_loss == pytest.approx(val_loss, rel=1e-4)
    assert first.held_out_accuracy == pytest.approx(val_accuracy, abs=1 / 500)
    with pytest.raises(ValueError, match="epochs"):
        runs.run(small_fashion.train, small_fashion.valid, lr, seed=0, epochs=0)


def test_several_steps_per_call_take_the_same_steps_and_refuse_per_batch_callbacks(small_fashion):
    one = optimizer_runs.RepeatedTraining("nadam", _build_small)
    eight = optimizer_runs.RepeatedTraining("nadam", _build_small, steps_per_execution=8)
    a = one.run(small_fashion.train, small_fashion.valid, 0.01, seed=0, epochs=2)
    b = eight.run(small_fashion.train, small_fashion.valid, 0.01, seed=0, epochs=2)
    assert b.held_out_loss == pytest.approx(a.held_out_loss, rel=1e-5)

    class EveryBatch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            pass

    train, valid = small_fashion.train, small_fashion.valid
    with pytest.raises(ValueError, match=r"EveryBatch.*steps_per_execution=1, got 8"):
        eight.run(train, valid, 0.01, seed=0, epochs=1, callbacks=[EveryBatch()])
    one.run(train, valid, 0.01, seed=0, epochs=1, callbacks=[EveryBatch()])  # one step a call: fine
