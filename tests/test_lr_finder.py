"""helpers.lr_finder: the learning-rate range test, batch by batch."""

import keras
import numpy as np
import pytest
from builders import small_model

from helpers import lr_finder, schedules


def test_finder_records_each_batch_loss_not_the_running_mean(fashion):
    model = small_model()
    x, y = fashion.x_train[:512], fashion.y_train[:512]
    # Learning rates so small that the weights do not move: each recorded loss must then
    # be the loss of that batch alone, at the initial weights.
    expected = [model.evaluate(x[i : i + 128], y[i : i + 128], verbose=0)[0] for i in (0, 128, 256)]
    finder = lr_finder.LearningRateFinder(1e-12, 1e-11, n_steps=3)
    model.fit(x, y, batch_size=128, epochs=1, shuffle=False, callbacks=[finder], verbose=0)
    np.testing.assert_allclose(finder.losses, expected, rtol=1e-4)
    assert finder.learning_rates == pytest.approx([1e-12, 1e-12 * 10**0.5, 1e-11])


def test_finder_stops_on_divergence_and_restores_the_weights(fashion):
    model = small_model()
    before = model.get_weights()
    result = lr_finder.find_learning_rate(
        model, *fashion.train, min_learning_rate=1e-4, max_learning_rate=1e4, n_steps=200
    )
    assert result.diverged
    assert len(result.losses) < 200
    assert result.learning_rates[-1] < 1e4
    assert 1e-4 < result.suggested_learning_rate < result.best_learning_rate < 1e2
    assert result.suggested_learning_rate == pytest.approx(result.best_learning_rate / 10)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    fig = lr_finder.plot_learning_rate_finder(result)
    assert fig.axes[0].get_xscale() == "log"


def test_finder_runs_its_whole_sweep_when_nothing_diverges(fashion):
    result = lr_finder.find_learning_rate(
        small_model(), *fashion.train, min_learning_rate=1e-5, max_learning_rate=1e-3, n_steps=12
    )
    assert not result.diverged and len(result.losses) == 12
    assert result.learning_rates[-1] == pytest.approx(1e-3)


def test_learning_rate_value_reads_a_variable_and_a_schedule():
    # Keras holds the rate in a Variable (float() of one raises TypeError on Keras 3.3) or
    # evaluates a schedule at the optimizer's step counter.
    plain = keras.optimizers.SGD(learning_rate=0.025)
    assert lr_finder.learning_rate_value(plain) == pytest.approx(0.025, rel=1e-6)
    plain.learning_rate = 0.5
    assert lr_finder.learning_rate_value(plain) == pytest.approx(0.5, rel=1e-6)
    decaying = keras.optimizers.SGD(schedules.exponential_schedule(0.1, 10, 0.5))
    decaying.iterations.assign(10)
    assert lr_finder.learning_rate_value(decaying) == pytest.approx(0.05, rel=1e-5)


def test_smooth_is_bias_corrected():
    np.testing.assert_allclose(lr_finder.smooth([3.0, 3.0, 3.0]), [3.0, 3.0, 3.0])
