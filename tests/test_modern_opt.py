"""helpers.modern_opt: NumPy rules = keras.optimizers step for step; schedules = Keras."""

import keras
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from helpers import models, schedules
from helpers import modern_opt as mo
from helpers import optimizers2d as opt2d

N_STEPS = 40
RATES = {"bowl": 0.04, "ravine": 0.01, "saddle": 0.05}


def relative_gap(a, b):
    return np.abs(np.asarray(a).reshape(np.shape(b)) - b).max() / np.abs(b).max()


def keras_on_surface(optimizer, surface, matrix=False):
    s = opt2d.get_surface(surface)
    if matrix:  # Muon: w as a 1×2 matrix
        path = mo.keras_path(
            optimizer,
            np.array([s.start]),
            lambda w: s.gradient(w.reshape(2)).reshape(w.shape),
            N_STEPS,
        )
        return path.reshape(-1, 2)
    return mo.keras_path(optimizer, np.array(s.start), s.gradient, N_STEPS)


# --- schedules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "peak, warmup, decay, initial, alpha",
    [(1e-2, 30, 270, 0.0, 0.0), (3e-3, 1, 50, 1e-4, 0.1), (0.1, 0, 100, 0.1, 0.0)],
)
def test_warmup_cosine_is_keras_cosine_decay(peak, warmup, decay, initial, alpha):
    kwargs = {"warmup_target": peak, "warmup_steps": warmup} if warmup else {}
    schedule = keras.optimizers.schedules.CosineDecay(
        initial if warmup else peak, decay, alpha=alpha, **kwargs
    )
    steps = np.arange(warmup + decay + 20)
    theirs = np.array([keras.ops.convert_to_numpy(schedule(step)) for step in steps], dtype=float)
    ours = mo.warmup_cosine(steps, peak, warmup, decay, initial=initial, alpha=alpha)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7 * peak)


def test_variable_schedule_is_keras_cosine_decay_and_changes_without_a_new_object():
    schedule = mo.variable_warmup_cosine()
    for peak, warmup, decay in ((1e-2, 10, 90), (5e-3, 0, 40)):
        schedule.peak.assign(peak)
        schedule.warmup.assign(float(warmup))
        schedule.decay.assign(float(decay))
        steps = np.arange(warmup + decay + 5)
        reference = mo.warmup_cosine(steps, peak, warmup, decay)
        np.testing.assert_allclose(
            schedules.schedule_values(schedule, steps), reference, rtol=1e-5, atol=1e-9
        )
    schedule.constant.assign(1.0)
    np.testing.assert_allclose(schedules.schedule_values(schedule, np.arange(5)), 5e-3, rtol=1e-6)


def test_warmup_cosine_refuses_bad_arguments():
    with pytest.raises(ValueError, match="peak"):
        mo.warmup_cosine(0, peak=0.0, warmup_steps=1, decay_steps=1)


def test_adam_first_step_is_eta_in_every_coordinate_and_radam_rho():
    sizes = mo.adam_step_sizes(np.random.default_rng(0).standard_normal((50, 100)) * 1e-3)
    np.testing.assert_allclose(sizes[0], 1.0)
    assert np.median(sizes[-1]) < 0.6
    assert mo.radam_rho(1) == pytest.approx(1.0)
    rho = mo.radam_rho(np.arange(1, 100))
    assert np.all(np.diff(rho) > 0) and rho[-1] < 2 / 0.001 - 1


# --- the update rules against Keras ------------------------------------------------------------


@pytest.mark.parametrize("surface", list(opt2d.SURFACES))
@pytest.mark.parametrize("hyper", [{}, {"beta_1": 0.5, "beta_2": 0.8}])
def test_lion_matches_keras(surface, hyper):
    ours = mo.run_rule("lion", surface, RATES[surface], N_STEPS, **hyper).points
    theirs = keras_on_surface(keras.optimizers.Lion(RATES[surface], **hyper), surface)
    assert relative_gap(ours, theirs) < 1e-5


@pytest.mark.parametrize("surface", list(opt2d.SURFACES))
@pytest.mark.parametrize(
    "hyper", [{}, {"momentum": 0.8, "nesterov": False, "ns_steps": 3, "rms_rate": None}]
)
def test_muon_matches_keras_on_a_1x2_matrix(surface, hyper):
    ours = mo.run_rule("muon", surface, RATES[surface], N_STEPS, **hyper).points
    optimizer = keras.optimizers.Muon(RATES[surface], weight_decay=None, **hyper)
    assert relative_gap(ours, keras_on_surface(optimizer, surface, matrix=True)) < 1e-5


@pytest.mark.parametrize("shape", [(6, 3), (3, 6)])
def test_muon_matches_keras_on_tall_and_wide_matrices_with_weight_decay(shape):
    rng = np.random.default_rng(1)
    target, w = rng.standard_normal(shape), rng.standard_normal(shape)
    gradient = lambda v: 2 * (v - target)  # noqa: E731
    theirs = mo.keras_path(keras.optimizers.Muon(0.03, weight_decay=0.2), w, gradient, N_STEPS)
    state, ours = {}, [w]
    for t in range(1, N_STEPS + 1):
        ours.append(
            mo.muon_update(ours[-1] - 0.03 * 0.2 * ours[-1], gradient(ours[-1]), t, 0.03, state)
        )
    assert relative_gap(np.array(ours), theirs) < 1e-5


@pytest.mark.parametrize("surface", list(opt2d.SURFACES))
@pytest.mark.parametrize("hyper", [{}, {"warmup_steps": 10, "beta_2": 0.9, "epsilon": 0.01}])
def test_schedule_free_keras_form_matches_keras_and_paper_form_differs(surface, hyper):
    theirs = keras_on_surface(keras.optimizers.ScheduleFreeAdamW(RATES[surface], **hyper), surface)
    keras_form = mo.run_rule(
        "schedule_free", surface, RATES[surface], N_STEPS, keras_form=True, **hyper
    )
    paper_form = mo.run_rule("schedule_free", surface, RATES[surface], N_STEPS, **hyper)
    gaps = relative_gap(keras_form.points, theirs), relative_gap(paper_form.points, theirs)
    # Keras 3.14-3.15 recover x from the updated z; if Keras fixes it, the paper form must match.
    assert min(gaps) < 1e-5 and max(gaps) > 1e-4


def test_schedule_free_paper_form_keeps_y_between_z_and_its_average():
    state, y = {}, np.array([1.0, -2.0])
    for t in range(1, 20):
        y = mo.schedule_free_adamw_update(y, 2 * y, t, 0.1, state)
        np.testing.assert_allclose(y, 0.1 * state["z"] + 0.9 * state["x"])
    # x is the running mean of the z's: with keras_form=True, y itself is (β₁ drops out)
    zs, state, y = [], {}, np.array([1.0, -2.0])
    for t in range(1, 20):
        y = mo.schedule_free_adamw_update(y, 2 * y, t, 0.1, state, beta_1=0.7, keras_form=True)
        zs.append(state["z"])
        np.testing.assert_allclose(y, np.mean(zs, axis=0), rtol=1e-12)


def test_newton_schulz_orthogonalizes_roughly_and_keeps_the_shape():
    g = np.random.default_rng(2).standard_normal((40, 10)) * np.geomspace(0.01, 1, 10)
    x = mo.newton_schulz(g)
    sv = np.linalg.svd(x, compute_uv=False)
    assert x.shape == g.shape and sv.min() > 0.5 and sv.max() < 1.3
    with pytest.raises(ValueError, match="matrix"):
        mo.newton_schulz(np.ones(3))


def test_run_rule_refuses_unknown_names_and_bad_rates():
    with pytest.raises(ValueError, match="choose one of"):
        mo.run_rule("adagrad", "bowl", 0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        mo.run_rule("lion", "bowl", 0.0)


# --- Keras plumbing ------------------------------------------------------------------------------

TRAIN = (np.random.default_rng(3).random((256, 28, 28), dtype=np.float32), np.arange(256) % 10)


def small_net():
    return models.build_mlp(n_hidden=1, n_neurons=16)


@pytest.mark.parametrize(
    "name, schedule, hyper",
    [
        ("adamw", "warmup_cosine", {"weight_decay": 0.1}),
        ("schedule_free", "constant", {"warmup_steps": 2}),
        ("muon", "warmup_cosine", {"exclude_layers": ["output"]}),
        ("adamw", "one_cycle", {}),
    ],
)
def test_repeated_runs_reset_to_a_fresh_start(name, schedule, hyper):
    trainer = mo.RepeatedRuns(name, small_net, schedule=schedule, **hyper)
    first = trainer.run(TRAIN, TRAIN, 3e-3, seed=0, epochs=2, batch_size=64)
    trainer.run(TRAIN, TRAIN, 1e-2, seed=1, epochs=1, batch_size=64)
    again = trainer.run(TRAIN, TRAIN, 3e-3, seed=0, epochs=2, batch_size=64)
    fresh = mo.RepeatedRuns(name, small_net, schedule=schedule, **hyper)
    new = fresh.run(TRAIN, TRAIN, 3e-3, seed=0, epochs=2, batch_size=64)
    assert again.loss == pytest.approx(first.loss, rel=1e-5)
    assert new.loss == pytest.approx(first.loss, rel=1e-5)


def test_repeated_runs_refuse_unknown_schedule():
    with pytest.raises(ValueError, match="schedule"):
        mo.RepeatedRuns("adamw", small_net, schedule="cosine")


def test_ema_callback_scores_both_weights_and_restores_the_raw_ones():
    keras.utils.set_random_seed(0)
    model = small_net()
    models.compile_classifier(model, keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=0.9))
    scorer = mo.ema_validation_callback(*TRAIN)
    model.fit(*TRAIN, epochs=2, batch_size=64, verbose=0, callbacks=[scorer])
    assert len(scorer.raw) == len(scorer.ema) == 2
    assert scorer.raw[-1] != scorer.ema[-1]


def test_gradients_do_not_depend_on_the_loss_scale_in_float32():
    keras.utils.set_random_seed(0)
    model = small_net()

    def loss(y, p):
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, p))

    plain = mo.gradients(model, *TRAIN, loss)
    scaled = mo.gradients(model, *TRAIN, loss, scale=1024.0)
    for a, b in zip(plain, scaled, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize(
    "name, schedule, hyper",
    [
        ("adamw", "warmup_cosine", {"weight_decay": 0.1}),
        ("schedule_free", "constant", {"warmup_steps": 2}),
        ("muon", "warmup_cosine", {"exclude_layers": ["output"]}),
        ("adamw", "constant", {"use_ema": True, "ema_momentum": 0.9}),
    ],
)
def test_several_steps_per_execution_take_the_same_steps(name, schedule, hyper):
    one = mo.RepeatedRuns(name, small_net, schedule=schedule, **hyper)
    four = mo.RepeatedRuns(name, small_net, schedule=schedule, steps_per_execution=4, **hyper)
    a = one.run(TRAIN, TRAIN, 3e-3, seed=0, epochs=2, batch_size=32)
    b = four.run(TRAIN, TRAIN, 3e-3, seed=0, epochs=2, batch_size=32)
    assert b.held_out_loss == pytest.approx(a.held_out_loss, rel=1e-5)
    for w_one, w_four in zip(one.model.get_weights(), four.model.get_weights(), strict=True):
        np.testing.assert_allclose(w_four, w_one, rtol=1e-5, atol=1e-6)


def test_several_steps_per_execution_refuse_per_batch_callbacks():
    with pytest.raises(ValueError, match=r"one_cycle.*steps_per_execution=1, got 4"):
        mo.RepeatedRuns("adamw", small_net, schedule="one_cycle", steps_per_execution=4)
    trainer = mo.RepeatedRuns("adamw", small_net, steps_per_execution=4)

    class EveryBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    with pytest.raises(ValueError, match=r"EveryBatch.*steps_per_execution=1, got 4"):
        trainer.run(TRAIN, TRAIN, 1e-3, seed=0, epochs=1, callbacks=[EveryBatch()])
    with pytest.raises(ValueError, match="steps_per_execution must be a whole number"):
        mo.RepeatedRuns("adamw", small_net, steps_per_execution=0)
    # an epoch-level callback is fine
    trainer.run(TRAIN, TRAIN, 1e-3, seed=0, epochs=1, callbacks=[keras.callbacks.History()])
