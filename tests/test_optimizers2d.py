"""The NumPy update rules match keras.optimizers step for step, on every surface."""

import subprocess
import sys

import keras
import numpy as np
import pytest

from helpers import optimizers2d as opt2d

N_STEPS = 40
LEARNING_RATES = {"bowl": 0.04, "ravine": 0.01, "saddle": 0.05}

# Unusual values on purpose: a large epsilon shows where it is added, β's away from their
# defaults show which average uses which.
UNUSUAL = {
    "sgd": {},
    "momentum": {"momentum": 0.8},
    "nesterov": {"momentum": 0.7},
    "adagrad": {"initial_accumulator_value": 0.5, "epsilon": 0.3},
    "rmsprop": {"rho": 0.8, "epsilon": 0.2},
    "adam": {"beta_1": 0.8, "beta_2": 0.95, "epsilon": 0.1},
    "adamax": {"beta_1": 0.8, "beta_2": 0.95, "epsilon": 0.1},
    "nadam": {"beta_1": 0.8, "beta_2": 0.95, "epsilon": 0.1},
    "adamw": {"weight_decay": 0.5, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 0.1},
}


def keras_trajectory(name, surface, learning_rate, n_steps, **hyper):
    """The same run through Keras: the gradient of the same function at Keras's own weights."""
    surface = opt2d.get_surface(surface)
    variable = keras.Variable(np.array(surface.start, dtype="float32"))
    optimizer = opt2d.keras_optimizer(name, learning_rate, **hyper)
    points = [np.asarray(variable.value, dtype=np.float64)]
    for _ in range(n_steps):
        gradient = surface.gradient(points[-1]).astype("float32")
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient), variable)])
        points.append(np.asarray(variable.value, dtype=np.float64))
    return np.array(points)


@pytest.mark.parametrize("surface", list(opt2d.SURFACES))
@pytest.mark.parametrize("name", opt2d.OPTIMIZERS)
def test_matches_keras_step_for_step_with_defaults(name, surface):
    lr = LEARNING_RATES[surface]
    ours = opt2d.run_optimizer(name, surface, lr, n_steps=N_STEPS)
    theirs = keras_trajectory(name, surface, lr, N_STEPS)
    np.testing.assert_allclose(ours.points, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("surface", list(opt2d.SURFACES))
@pytest.mark.parametrize("name", opt2d.OPTIMIZERS)
def test_matches_keras_step_for_step_with_unusual_hyperparameters(name, surface):
    lr = LEARNING_RATES[surface]
    ours = opt2d.run_optimizer(name, surface, lr, n_steps=N_STEPS, **UNUSUAL[name])
    theirs = keras_trajectory(name, surface, lr, N_STEPS, **UNUSUAL[name])
    np.testing.assert_allclose(ours.points, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_decoupled_weight_decay_matches_keras_for_any_optimizer(name):
    ours = opt2d.run_optimizer(name, "ravine", 0.01, n_steps=N_STEPS, weight_decay=0.3)
    theirs = keras_trajectory(name, "ravine", 0.01, N_STEPS, weight_decay=0.3)
    np.testing.assert_allclose(ours.points, theirs, rtol=1e-5, atol=1e-5)


def test_adamw_is_adam_with_decoupled_decay():
    adamw = opt2d.run_optimizer("adamw", "bowl", 0.05, n_steps=30, weight_decay=0.2)
    adam_decayed = opt2d.run_optimizer("adam", "bowl", 0.05, n_steps=30, weight_decay=0.2)
    np.testing.assert_allclose(adamw.points, adam_decayed.points)
    adam_l2 = opt2d.run_optimizer("adam", "bowl", 0.05, n_steps=30, l2=0.1)
    assert np.abs(adam_l2.points - adamw.points).max() > 1e-3  # l2 through Adam is not AdamW


def test_l2_adds_to_the_gradient():
    # On the bowl, an l2 penalty c·‖w‖² is the same as adding 2c to both curvatures.
    with_l2 = opt2d.run_optimizer("sgd", "bowl", 0.01, n_steps=5, l2=0.5)
    w = np.array(opt2d.SURFACES["bowl"].start)
    for _ in range(5):
        w = w - 0.01 * (np.array(opt2d.BOWL_CURVATURES) + 1.0) * w
    np.testing.assert_allclose(with_l2.points[-1], w)


@pytest.mark.parametrize("surface", list(opt2d.SURFACES))
def test_gradients_match_finite_differences(surface):
    s = opt2d.get_surface(surface)
    rng = np.random.default_rng(0)
    for w in rng.uniform(-1.5, 1.5, size=(5, 2)):
        h = 1e-6
        numeric = [(s(w + h * e) - s(w - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(s.gradient(w), numeric, rtol=1e-5, atol=1e-6)
    assert np.allclose(s.gradient(np.array(s.minimum)), 0)


def test_trajectory_shapes_and_losses():
    trajectory = opt2d.run_optimizer("adam", "ravine", 0.05, n_steps=25)
    assert trajectory.points.shape == (26, 2) and trajectory.losses.shape == (26,)
    assert trajectory.losses[0] == pytest.approx(opt2d.SURFACES["ravine"](trajectory.points[0]))
    assert trajectory.losses[-1] < trajectory.losses[0]
    assert trajectory.label == "Adam"
    assert trajectory.hyperparameters["beta_1"] == 0.9


@pytest.mark.parametrize(("lr", "ratio"), [(0.01, 1 / 3), (0.03, 0.75)])
def test_momentum_reaches_the_bowl_minimum_sooner_than_sgd(lr, ratio):
    sgd = opt2d.run_optimizer("sgd", "bowl", lr, n_steps=1000)
    momentum = opt2d.run_optimizer("momentum", "bowl", lr, n_steps=1000)
    assert momentum.steps_to_reach((0, 0)) < ratio * sgd.steps_to_reach((0, 0))


def test_too_high_a_learning_rate_diverges_and_stops_cleanly():
    trajectory = opt2d.run_optimizer("sgd", "bowl", 0.2, n_steps=500)  # 0.2 > 2/20
    assert trajectory.diverged and trajectory.steps_to_reach((0, 0)) is None
    assert trajectory.points.shape == (501, 2)


def test_adagrad_steps_shrink_and_it_stalls():
    adagrad = opt2d.run_optimizer("adagrad", "bowl", 0.1, n_steps=300)
    rmsprop = opt2d.run_optimizer("rmsprop", "bowl", 0.1, n_steps=300)
    steps = np.linalg.norm(np.diff(adagrad.points, axis=0), axis=1)
    assert steps[-1] < steps[0] / 5
    assert adagrad.losses[-1] > 10 * rmsprop.losses[-1]


def test_steps_to_converge_matches_a_direct_run():
    for lr, beta in [(0.03, 0.0), (0.03, 0.9), (0.05, 0.5)]:
        grid = opt2d.steps_to_converge(lr, beta, tolerance=1e-3, max_steps=400)
        direct = max(
            opt2d.run_optimizer(
                "momentum", "bowl", lr, n_steps=400, start=start, momentum=beta
            ).steps_to_reach((0, 0), tolerance=1e-3)
            or 400
            for start in [(1.0, 0.0), (0.0, 1.0)]
        )
        # run_optimizer measures the distance to the minimum of both coordinates; on each
        # axis alone it is |w|, the same test as steps_to_converge's.
        assert int(grid) == direct


def test_steps_to_converge_broadcasts_a_grid():
    lrs, betas = np.meshgrid(np.logspace(-3, 0, 7), np.linspace(0, 0.99, 5))
    steps = opt2d.steps_to_converge(lrs, betas, max_steps=300)
    assert steps.shape == (5, 7) and steps.min() >= 1 and steps.max() == 300


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: opt2d.run_optimizer("lion", "bowl", 0.1), "'sgd', 'momentum'"),
        (lambda: opt2d.run_optimizer("sgd", "himmelblau", 0.1), "'bowl', 'ravine', 'saddle'"),
        (lambda: opt2d.run_optimizer("sgd", "bowl", -0.1), "learning_rate"),
        (lambda: opt2d.run_optimizer("sgd", "bowl", 0.1, n_steps=0), "n_steps"),
        (lambda: opt2d.run_optimizer("adam", "bowl", 0.1, momentum=0.9), "'beta_1'"),
        (lambda: opt2d.keras_optimizer("adadelta", 0.1), "'adamw'"),
    ],
)
def test_bad_names_raise_value_errors_listing_the_choices(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _follow(rule, surface, learning_rate, n_steps, **hyperparameters):
    """A rule's path on a surface, step by step (for hyperparameters Keras does not have)."""
    s = opt2d.get_surface(surface)
    w, state, points = np.array(s.start), {}, [np.array(s.start)]
    for t in range(1, n_steps + 1):
        w = rule(w, s.gradient(w), t, learning_rate, state, **hyperparameters)
        points.append(w)
    return np.array(points)


def test_nadam_uses_keras_warm_up_not_dozats():
    # Keras 3 warms the momentum up as 0.96^t (schedule_decay=1); Dozat (2016) as 0.96^(t/250).
    theirs = keras_trajectory("nadam", "ravine", 0.01, N_STEPS)
    keras_form = _follow(opt2d.nadam_update, "ravine", 0.01, N_STEPS)
    dozat_form = _follow(opt2d.nadam_update, "ravine", 0.01, N_STEPS, schedule_decay=0.004)
    np.testing.assert_allclose(keras_form, theirs, rtol=1e-5, atol=1e-5)
    assert np.abs(dozat_form - theirs).max() > 1e-3


def test_imports_and_runs_without_keras():
    """A NumPy lesson module: with Keras made unimportable, it still imports and runs."""
    code = (
        "import sys; sys.modules['keras'] = None; sys.modules['tensorflow'] = None\n"
        "from helpers import optimizers2d\n"
        "t = optimizers2d.run_optimizer('adam', 'bowl', 0.1, 20)\n"
        "print(len(t.points), t.diverged)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["21", "False"]
