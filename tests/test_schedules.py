"""Schedules against their closed forms; 1cycle's peak; the finder's per-batch losses and stop."""

import keras
import numpy as np
import pytest

from helpers import config, data, models, schedules


@pytest.fixture(scope="module")
def fashion():
    return data.load_fashion_mnist(train_size=1024, valid_size=512)


def small_model(optimizer=None, seed=0):
    config.set_seed(seed)
    model = models.build_mlp(n_hidden=1, n_neurons=32)
    return models.compile_classifier(model, optimizer or keras.optimizers.SGD(learning_rate=0.01))


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


def test_finder_records_each_batch_loss_not_the_running_mean(fashion):
    model = small_model()
    x, y = fashion.x_train[:512], fashion.y_train[:512]
    # Learning rates so small that the weights do not move: each recorded loss must then
    # be the loss of that batch alone, at the initial weights.
    expected = [model.evaluate(x[i : i + 128], y[i : i + 128], verbose=0)[0] for i in (0, 128, 256)]
    finder = schedules.LearningRateFinder(1e-12, 1e-11, n_steps=3)
    model.fit(x, y, batch_size=128, epochs=1, shuffle=False, callbacks=[finder], verbose=0)
    np.testing.assert_allclose(finder.losses, expected, rtol=1e-4)
    assert finder.learning_rates == pytest.approx([1e-12, 1e-12 * 10**0.5, 1e-11])


def test_finder_stops_on_divergence_and_restores_the_weights(fashion):
    model = small_model()
    before = model.get_weights()
    result = schedules.find_learning_rate(
        model, *fashion.train, min_learning_rate=1e-4, max_learning_rate=1e4, n_steps=200
    )
    assert result.diverged
    assert len(result.losses) < 200
    assert result.learning_rates[-1] < 1e4
    assert 1e-4 < result.suggested_learning_rate < result.best_learning_rate < 1e2
    assert result.suggested_learning_rate == pytest.approx(result.best_learning_rate / 10)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    fig = schedules.plot_learning_rate_finder(result)
    assert fig.axes[0].get_xscale() == "log"


def test_finder_runs_its_whole_sweep_when_nothing_diverges(fashion):
    result = schedules.find_learning_rate(
        small_model(), *fashion.train, min_learning_rate=1e-5, max_learning_rate=1e-3, n_steps=12
    )
    assert not result.diverged and len(result.losses) == 12
    assert result.learning_rates[-1] == pytest.approx(1e-3)


def test_learning_rate_value_reads_a_variable_and_a_schedule():
    # Keras holds the rate in a Variable (float() of one raises TypeError on Keras 3.3) or
    # evaluates a schedule at the optimizer's step counter.
    plain = keras.optimizers.SGD(learning_rate=0.025)
    assert schedules.learning_rate_value(plain) == pytest.approx(0.025, rel=1e-6)
    plain.learning_rate = 0.5
    assert schedules.learning_rate_value(plain) == pytest.approx(0.5, rel=1e-6)
    decaying = keras.optimizers.SGD(schedules.exponential_schedule(0.1, 10, 0.5))
    decaying.iterations.assign(10)
    assert schedules.learning_rate_value(decaying) == pytest.approx(0.05, rel=1e-5)


def test_epochs_to_target_is_the_first_epoch_that_reaches_it():
    curve = [0.70, 0.82, 0.81, 0.86, 0.88]
    assert schedules.epochs_to_target(curve, 0.82) == 2
    assert schedules.epochs_to_target(curve, 0.85) == 4
    assert schedules.epochs_to_target(curve, 0.70) == 1
    assert schedules.epochs_to_target(curve, 0.90) is None
    with pytest.raises(ValueError, match="target"):
        schedules.epochs_to_target(curve, 85)


def test_smooth_is_bias_corrected():
    np.testing.assert_allclose(schedules.smooth([3.0, 3.0, 3.0]), [3.0, 3.0, 3.0])


def test_training_run_reports_divergence_instead_of_failing(fashion):
    run = schedules.train_with_learning_rate(50.0, fashion.train, fashion.valid, epochs=2)
    assert run.diverged and np.isnan(run.final_val_accuracy)
    good = schedules.train_with_learning_rate(0.05, fashion.train, fashion.valid, epochs=2)
    assert not good.diverged and good.final_val_accuracy > 0.4
    with pytest.raises(ValueError, match="'sgd', 'momentum', 'adam'"):
        schedules.train_with_learning_rate(0.1, fashion.train, fashion.valid, optimizer="lion")


def test_top_class_share_sees_a_net_that_ignores_its_input(fashion):
    model = small_model()
    x = fashion.x_valid[:256]
    fresh = schedules.top_class_share(model, x)
    assert fresh < schedules.COLLAPSE_SHARE  # a random net still varies its answer
    output = model.layers[-1]
    kernel, bias = output.get_weights()
    # Zero output weights: the logits are the bias alone, the same for every image; this is
    # what dead hidden units do after a too-large step.
    output.set_weights([np.zeros_like(kernel), np.arange(len(bias), dtype="float32") / 10])
    assert schedules.top_class_share(model, x) == 1.0
    with pytest.raises(ValueError, match="empty"):
        schedules.top_class_share(model, x[:0])


def _short_run(diverged=False, share=0.12, accuracy=0.1):
    return schedules.TrainingRun(
        learning_rate=0.4,
        history={"loss": [2.30], "val_accuracy": [accuracy]},
        batch_losses=[2.3],
        diverged=diverged,
        seconds=1.0,
        epochs=1,
        steps_per_epoch=1,
        top_class_share=share,
    )


def test_a_run_at_chance_is_collapsed_only_when_it_answers_one_class():
    collapsed = _short_run(share=0.99, accuracy=0.107)
    assert collapsed.collapsed and not collapsed.trained
    assert collapsed.outcome.startswith("collapsed to chance (val accuracy 0.107")
    slow = _short_run(share=0.43, accuracy=0.139)  # too low a rate: near chance, still varied
    assert not slow.collapsed and slow.trained and slow.outcome == "val accuracy 0.139"
    diverged = _short_run(diverged=True, share=float("nan"))
    assert not diverged.collapsed and diverged.outcome == "diverged"


def test_batch_loss_recorder_recovers_each_batch_loss_from_the_running_mean(fashion):
    model = small_model(keras.optimizers.SGD(learning_rate=1e-12))
    x, y = fashion.x_train[:300], fashion.y_train[:300]  # batches of 128, 128 and 44
    expected = [model.evaluate(x[i : i + 128], y[i : i + 128], verbose=0)[0] for i in (0, 128, 256)]
    recorder = schedules.BatchLossRecorder(128, len(x))
    model.fit(x, y, batch_size=128, epochs=2, shuffle=False, callbacks=[recorder], verbose=0)
    np.testing.assert_allclose(recorder.losses, expected * 2, rtol=1e-4)


def test_training_run_records_per_batch_losses(fashion):
    run = schedules.train_with_learning_rate(0.05, fashion.train, fashion.valid, epochs=2)
    assert run.steps_per_epoch == 8 and len(run.batch_losses) == 16 and run.epochs == 2
    assert 0.1 <= run.top_class_share < schedules.COLLAPSE_SHARE and run.trained
