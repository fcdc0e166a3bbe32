"""Schedules against their closed forms; 1cycle's peak; the finder's per-batch losses and stop."""

import keras
import numpy as np
import pytest
from builders import small_model

from helpers import config, models, schedules
from helpers.loss_tracking import BatchLossHistory

STEPS = np.array([0, 1, 7, 50, 333, 1000, 4321])


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0])
def test_power_schedule_matches_closed_form(power):
    schedule = schedules.power_schedule(0.1, decay_steps=100, power=power)
    expected = 0.1 / (1 + STEPS / 100) ** power
    np.testing.assert_allclose(schedules.schedule_values(schedule, STEPS), expected, rtol=1e-5)


def test_power_one_is_keras_inverse_time_decay():
    assert isinstance(
        schedules.power_schedule(0.1, 100), keras.optimizers.schedules.InverseTimeDecay
    )


def test_exponential_schedule_matches_closed_form():
    schedule = schedules.exponential_schedule(0.05, decay_steps=200, decay_rate=0.1)
    expected = 0.05 * 0.1 ** (STEPS / 200)
    np.testing.assert_allclose(schedules.schedule_values(schedule, STEPS), expected, rtol=1e-5)


def test_piecewise_constant_schedule_matches_closed_form():
    schedule = schedules.piecewise_constant_schedule([100, 1000], [0.1, 0.01, 0.001])
    expected = np.where(STEPS <= 100, 0.1, np.where(STEPS <= 1000, 0.01, 0.001))
    np.testing.assert_allclose(schedules.schedule_values(schedule, STEPS), expected, rtol=1e-6)


def test_schedule_values_accepts_a_count_and_a_plain_function():
    np.testing.assert_allclose(schedules.schedule_values(lambda s: 2.0 * s, 4), [0, 2, 4, 6])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: schedules.power_schedule(0.0, 10), "initial_learning_rate"),
        (lambda: schedules.power_schedule(0.1, 10, power=-1), "power"),
        (lambda: schedules.exponential_schedule(0.1, 0), "decay_steps"),
        (lambda: schedules.piecewise_constant_schedule([10], [0.1]), "one more value"),
        (lambda: schedules.piecewise_constant_schedule([20, 10], [1, 2, 3]), "increase"),
        (lambda: schedules.schedule_values("fast", 3), "LearningRateSchedule"),
        (lambda: schedules.one_cycle_learning_rate(0, 0.1, 2), "total_steps"),
        (lambda: schedules.OneCycleScheduler(0.1, 100, warmup_fraction=0.7), "warmup"),
        (lambda: schedules.OneCycleScheduler(0.1, 100, momentum_range=(0.8, 0.9)), "high"),
    ],
)
def test_bad_arguments_raise_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_one_cycle_formula_shape():
    total = 1000
    lr = schedules.one_cycle_learning_rate(np.arange(total), 0.5, total)
    peak = schedules.one_cycle_peak_step(total)
    assert peak == 450 and int(np.argmax(lr)) == peak
    assert lr[peak] == pytest.approx(0.5)
    assert lr[0] == pytest.approx(0.05) and lr[2 * peak] == pytest.approx(0.05)
    assert lr[-1] == pytest.approx(0.05 / 1000)
    assert np.all(np.diff(lr[: peak + 1]) > 0) and np.all(np.diff(lr[peak:]) < 0)
    assert schedules.one_cycle_learning_rate(5000, 0.5, total) == pytest.approx(0.05 / 1000)


def test_one_cycle_callback_sets_the_rate_every_batch_and_peaks_at_the_right_step(fashion):
    model = small_model()
    batch_size, epochs = 128, 3
    total = epochs * int(np.ceil(len(fashion.x_train) / batch_size))
    callback = schedules.OneCycleScheduler(0.2, total, warmup_fraction=0.3)
    model.fit(*fashion.train, epochs=epochs, batch_size=batch_size, callbacks=[callback], verbose=0)
    assert callback.step == total == len(callback.learning_rates)
    assert int(np.argmax(callback.learning_rates)) == callback.peak_step == round(0.3 * total)
    expected = schedules.one_cycle_learning_rate(np.arange(total), 0.2, total, warmup_fraction=0.3)
    np.testing.assert_allclose(callback.learning_rates, expected)
    last = schedules.learning_rate_value(model.optimizer)
    assert last == pytest.approx(expected[-1], rel=1e-5)


def _train_adam(fashion, momentum_range):
    model = small_model(keras.optimizers.Adam(learning_rate=1e-3), seed=1)
    callback = schedules.OneCycleScheduler(0.01, 16, momentum_range=momentum_range)
    model.fit(
        *fashion.train, epochs=2, batch_size=128, callbacks=[callback], shuffle=False, verbose=0
    )
    return model, callback


def test_one_cycle_momentum_really_changes_beta_1_and_is_restored(fashion):
    plain, _ = _train_adam(fashion, None)
    constant, _ = _train_adam(fashion, (0.9, 0.9))  # same beta_1 as Adam's default
    cycled, callback = _train_adam(fashion, (0.95, 0.85))
    for a, b in zip(plain.get_weights(), constant.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert (
        max(
            np.abs(a - b).max()
            for a, b in zip(plain.get_weights(), cycled.get_weights(), strict=True)
        )
        > 1e-4
    )
    assert callback.momentums[0] == pytest.approx(0.95)
    assert min(callback.momentums) == pytest.approx(0.85)
    assert cycled.optimizer.beta_1 == 0.9 and cycled.optimizer.get_config()["beta_1"] == 0.9


def test_one_cycle_momentum_refuses_sgd(fashion):
    model = small_model()
    callback = schedules.OneCycleScheduler(0.1, 10, momentum_range=(0.95, 0.85))
    with pytest.raises(ValueError, match="Adam"):
        model.fit(*fashion.train, epochs=1, callbacks=[callback], verbose=0)


def test_batch_loss_history_recovers_each_batch_loss_from_the_running_mean(fashion):
    model = small_model(keras.optimizers.SGD(learning_rate=1e-12))
    x, y = fashion.x_train[:300], fashion.y_train[:300]  # batches of 128, 128 and 44
    expected = [model.evaluate(x[i : i + 128], y[i : i + 128], verbose=0)[0] for i in (0, 128, 256)]
    recorder = BatchLossHistory(128, n_samples=len(x))
    model.fit(x, y, batch_size=128, epochs=2, shuffle=False, callbacks=[recorder], verbose=0)
    np.testing.assert_allclose(recorder.losses, expected * 2, rtol=1e-4)


def test_schedule_curves_start_where_they_should():
    curves = schedules.schedule_curves(0.1, 1000, 1.0, 0.1, 4300)
    assert set(curves) == {"power", "exponential", "piecewise", "1cycle"}
    assert curves["power"][0] == pytest.approx(0.1) and curves["power"][1000] == pytest.approx(0.05)
    assert curves["exponential"][1000] == pytest.approx(0.01, rel=1e-5)
    assert curves["piecewise"][1500] == pytest.approx(0.01, rel=1e-6)
    assert curves["piecewise"][-1] == pytest.approx(0.001, rel=1e-6)
    assert curves["1cycle"].max() == pytest.approx(0.1)


class _RateBeforeEachBatch(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append(schedules.learning_rate_value(self.model.optimizer))


def _rates_logged(fashion, learning_rate, steps_per_execution, log):
    config.set_seed(0)
    model = models.compile_classifier(
        models.build_mlp(n_hidden=1, n_neurons=16),
        keras.optimizers.SGD(learning_rate=learning_rate),
        steps_per_execution=steps_per_execution,
    )
    per_epoch = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch)
    is_schedule = isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule)
    extra = [] if is_schedule else [per_epoch]
    model.fit(*fashion.train, epochs=3, batch_size=128, callbacks=[*extra, log], verbose=0)
    return log.rates


@pytest.mark.parametrize("schedule", [True, False])
def test_step_rate_log_gives_every_step_s_rate_at_several_steps_per_call(fashion, schedule):
    # 8 batches per epoch, 5 steps per call: calls end inside epochs and at their ends.
    rate = schedules.exponential_schedule(0.1, decay_steps=4, decay_rate=0.5) if schedule else 0.1
    reference = _rates_logged(fashion, rate, 1, _RateBeforeEachBatch())
    logged = _rates_logged(fashion, rate, 5, schedules.StepRateLog(rate))
    assert len(reference) == len(logged) == 24
    np.testing.assert_allclose(logged, reference, rtol=1e-6)
    assert len(set(np.round(logged, 9))) == (24 if schedule else 3)
