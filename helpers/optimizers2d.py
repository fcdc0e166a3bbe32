"""Nine optimizers in a few lines of NumPy each, run on 2-D loss surfaces.

Every update rule below is written exactly as Keras 3 computes it (same epsilon
placement, same Nesterov form, Nadam's momentum cache, AdamW's decoupled decay),
and ``tests/test_optimizers2d.py`` checks each one against ``keras.optimizers``
step for step. So a trajectory drawn from here *is* what Keras would do.

* ``SURFACES``: ``"bowl"`` (an ill-conditioned quadratic), ``"ravine"`` (a Rosenbrock
  valley) and ``"saddle"`` (a saddle point between two minima), each with its gradient.
* ``run_optimizer(name, surface, learning_rate, n_steps, **hyperparameters)`` →
  ``Trajectory`` (the points visited and the loss at each).
* ``OPTIMIZERS``: the names; ``KERAS_DEFAULTS``: Keras's default hyperparameters.
* ``RepeatedTraining``: the same optimizers on a real Keras net, for many runs (learning
  rates, seeds) that share one compiled model, so Keras traces its training step once.

Keras is imported lazily (only by ``keras_optimizer`` and ``RepeatedTraining``): the NumPy
part runs without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helpers.checks import check_choice, check_whole_number

Array = np.ndarray


# --- the loss surfaces ----------------------------------------------------------------------


@dataclass(frozen=True)
class Surface:
    """A 2-D loss f(w), its gradient, a starting point, the minimum and the plot window."""

    name: str
    formula: str  # LaTeX
    loss: Callable[[Array, Array], Array]  # f(x, y), vectorised over arrays
    gradient: Callable[[Array], Array]  # ∇f at a point w = (x, y)
    start: tuple[float, float]
    minimum: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def __call__(self, w: Array) -> float:
        """f at a point w = (x, y)."""
        return float(self.loss(w[0], w[1]))


BOWL_CURVATURES = (1.0, 20.0)  # condition number 20: a long, narrow valley along x


def _bowl_loss(x: Array, y: Array) -> Array:
    a, b = BOWL_CURVATURES
    return 0.5 * (a * x**2 + b * y**2)


def _bowl_gradient(w: Array) -> Array:
    return np.array([BOWL_CURVATURES[0] * w[0], BOWL_CURVATURES[1] * w[1]])


RAVINE_STEEPNESS = 10.0  # Rosenbrock with b = 10: a curved valley, gentle enough for one lr range


def _ravine_loss(x: Array, y: Array) -> Array:
    return (1 - x) ** 2 + RAVINE_STEEPNESS * (y - x**2) ** 2


def _ravine_gradient(w: Array) -> Array:
    x, y = w
    inner = y - x * x
    return np.array([-2 * (1 - x) - 4 * RAVINE_STEEPNESS * x * inner, 2 * RAVINE_STEEPNESS * inner])


def _saddle_loss(x: Array, y: Array) -> Array:
    return 0.5 * x**2 - 0.5 * y**2 + 0.25 * y**4


def _saddle_gradient(w: Array) -> Array:
    x, y = w
    return np.array([x, -y + y**3])


SURFACES: dict[str, Surface] = {
    "bowl": Surface(
        "bowl",
        r"f(x, y) = \tfrac12\,(x^2 + 20\,y^2)",
        _bowl_loss,
        _bowl_gradient,
        start=(-4.0, 1.2),
        minimum=(0.0, 0.0),
        xlim=(-4.5, 1.5),
        ylim=(-1.6, 1.6),
    ),
    "ravine": Surface(
        "ravine",
        r"f(x, y) = (1 - x)^2 + 10\,(y - x^2)^2",
        _ravine_loss,
        _ravine_gradient,
        start=(-1.5, 2.0),
        minimum=(1.0, 1.0),
        xlim=(-2.0, 2.0),
        ylim=(-0.8, 3.0),
    ),
    "saddle": Surface(
        "saddle",
        r"f(x, y) = \tfrac12 x^2 - \tfrac12 y^2 + \tfrac14 y^4",
        _saddle_loss,
        _saddle_gradient,
        start=(-2.5, 1e-3),
        minimum=(0.0, 1.0),  # one of the two minima, (0, ±1); the saddle point is (0, 0)
        xlim=(-3.0, 1.5),
        ylim=(-1.6, 1.6),
    ),
}


def get_surface(name: str) -> Surface:
    """A surface by name; unknown names raise a ValueError that lists the choices."""
    check_choice("surface", name, tuple(SURFACES))
    return SURFACES[name]


# --- the update rules, as Keras 3 writes them ------------------------------------------------
# Each rule takes the weights w, the gradient g, the step number t (1, 2, …), the
# learning rate η, its state dict (empty at the first step) and its hyperparameters, and
# returns the new weights. The state holds the running averages between steps.


def sgd_update(w: Array, g: Array, t: int, lr: float, state: dict) -> Array:
    """w ← w − η g."""
    return w - lr * g


def momentum_update(
    w: Array, g: Array, t: int, lr: float, state: dict, momentum: float = 0.9
) -> Array:
    """v ← β v − η g;  w ← w + v  (Polyak's heavy ball, as keras SGD(momentum=β))."""
    v = momentum * state.get("v", 0.0) - lr * g
    state["v"] = v
    return w + v


def nesterov_update(
    w: Array, g: Array, t: int, lr: float, state: dict, momentum: float = 0.9
) -> Array:
    """v ← β v − η g;  w ← w + β v − η g  (Nesterov, in the look-ahead form Keras uses)."""
    v = momentum * state.get("v", 0.0) - lr * g
    state["v"] = v
    return w + momentum * v - lr * g


def adagrad_update(
    w: Array,
    g: Array,
    t: int,
    lr: float,
    state: dict,
    initial_accumulator_value: float = 0.1,
    epsilon: float = 1e-7,
) -> Array:
    """s ← s + g²;  w ← w − η g / √(s + ε)  (s never shrinks: steps only get smaller)."""
    s = state.get("s", initial_accumulator_value) + g * g
    state["s"] = s
    return w - lr * g / np.sqrt(s + epsilon)


def rmsprop_update(
    w: Array, g: Array, t: int, lr: float, state: dict, rho: float = 0.9, epsilon: float = 1e-7
) -> Array:
    """s ← ρ s + (1 − ρ) g²;  w ← w − η g / √(s + ε)  (AdaGrad that forgets old gradients)."""
    s = rho * state.get("s", 0.0) + (1 - rho) * g * g
    state["s"] = s
    return w - lr * g / np.sqrt(s + epsilon)


def adam_update(
    w: Array,
    g: Array,
    t: int,
    lr: float,
    state: dict,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
) -> Array:
    """m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)g²;  w ← w − η √(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√s + ε)."""
    m = state.get("m", 0.0) + (g - state.get("m", 0.0)) * (1 - beta_1)
    s = state.get("s", 0.0) + (g * g - state.get("s", 0.0)) * (1 - beta_2)
    state["m"], state["s"] = m, s
    corrected_lr = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)  # both bias corrections
    return w - corrected_lr * m / (np.sqrt(s) + epsilon)


def adamax_update(
    w: Array,
    g: Array,
    t: int,
    lr: float,
    state: dict,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
) -> Array:
    """m ← β₁m + (1−β₁)g;  u ← max(β₂u, |g|);  w ← w − η m / ((1−β₁ᵗ)(u + ε))."""
    m = state.get("m", 0.0) + (g - state.get("m", 0.0)) * (1 - beta_1)
    u = np.maximum(beta_2 * state.get("u", 0.0), np.abs(g))
    state["m"], state["u"] = m, u
    return w - lr * m / ((1 - beta_1**t) * (u + epsilon))


def nadam_update(
    w: Array,
    g: Array,
    t: int,
    lr: float,
    state: dict,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    schedule_decay: float = 1.0,
) -> Array:
    """Adam with a Nesterov look-ahead on m and a warming momentum μₜ = β₁(1 − ½·0.96^(ψt)).

    ψ = ``schedule_decay``: Keras 3 uses ψ = 1 (the default here, and what the tests check);
    Dozat (2016) used ψ = 0.004, i.e. 0.96^(t/250), a warm-up 250× slower.
    """
    mu_t = beta_1 * (1 - 0.5 * 0.96 ** (schedule_decay * t))
    mu_next = beta_1 * (1 - 0.5 * 0.96 ** (schedule_decay * (t + 1)))
    mu_product = state.get("mu_product", 1.0) * mu_t  # the "momentum cache": μ₁μ₂…μₜ
    state["mu_product"] = mu_product
    m = state.get("m", 0.0) + (g - state.get("m", 0.0)) * (1 - beta_1)
    s = state.get("s", 0.0) + (g * g - state.get("s", 0.0)) * (1 - beta_2)
    state["m"], state["s"] = m, s
    m_hat = mu_next * m / (1 - mu_product * mu_next) + (1 - mu_t) * g / (1 - mu_product)
    s_hat = s / (1 - beta_2**t)
    return w - lr * m_hat / (np.sqrt(s_hat) + epsilon)


def adamw_update(
    w: Array,
    g: Array,
    t: int,
    lr: float,
    state: dict,
    weight_decay: float = 0.004,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
) -> Array:
    """w ← w − η λ w (decoupled: the gradient never sees it), then an Adam step with g."""
    w = w - lr * weight_decay * w
    return adam_update(w, g, t, lr, state, beta_1, beta_2, epsilon)


UPDATE_RULES: dict[str, Callable[..., Array]] = {
    "sgd": sgd_update,
    "momentum": momentum_update,
    "nesterov": nesterov_update,
    "adagrad": adagrad_update,
    "rmsprop": rmsprop_update,
    "adam": adam_update,
    "adamax": adamax_update,
    "nadam": nadam_update,
    "adamw": adamw_update,
}
OPTIMIZERS = tuple(UPDATE_RULES)

# Keras's defaults, except the learning rate, which the caller always chooses.
KERAS_DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9},
    "adagrad": {"initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "rmsprop": {"rho": 0.9, "epsilon": 1e-7},
    "adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "adamax": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "nadam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "adamw": {"weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
}
LABELS = {
    "sgd": "SGD",
    "momentum": "momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "adamax": "AdaMax",
    "nadam": "Nadam",
    "adamw": "AdamW",
}


def keras_optimizer(name: str, learning_rate: float | Any, **hyperparameters: float) -> Any:
    """The keras.optimizers object that does what ``run_optimizer(name, …)`` does
    (``learning_rate``: a number or a Keras learning-rate schedule)."""
    import keras

    check_choice("optimizer", name, OPTIMIZERS)
    hyper = {**KERAS_DEFAULTS[name], **hyperparameters}
    classes = {
        "sgd": keras.optimizers.SGD,
        "momentum": keras.optimizers.SGD,
        "nesterov": keras.optimizers.SGD,
        "adagrad": keras.optimizers.Adagrad,
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
        "adamax": keras.optimizers.Adamax,
        "nadam": keras.optimizers.Nadam,
        "adamw": keras.optimizers.AdamW,
    }
    if name == "nesterov":
        hyper["nesterov"] = True
    return classes[name](learning_rate=learning_rate, **hyper)


# --- running an optimizer on a surface ------------------------------------------------------


@dataclass
class Trajectory:
    """The points an optimizer visited (n_steps + 1, 2) and the loss at each of them."""

    optimizer: str
    surface: str
    learning_rate: float
    hyperparameters: dict[str, float]
    points: Array
    losses: Array
    notes: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A legend label, e.g. 'Adam'."""
        return LABELS[self.optimizer]

    def distance_to(self, point: tuple[float, float]) -> Array:
        """Distance of each visited point to ``point`` (e.g. the surface's minimum)."""
        return np.linalg.norm(self.points - np.asarray(point), axis=1)

    def steps_to_reach(self, point: tuple[float, float], tolerance: float = 1e-2) -> int | None:
        """First step from which the path stays within ``tolerance`` of ``point`` (None: never)."""
        far = np.flatnonzero(~(self.distance_to(point) <= tolerance))  # NaN (diverged) is far
        if far.size == 0:
            return 0
        last_far = int(far[-1])
        return None if last_far == len(self.points) - 1 else last_far + 1

    @property
    def diverged(self) -> bool:
        """True if the path left for infinity (a non-finite or huge loss)."""
        return bool(not np.all(np.isfinite(self.losses)) or self.losses.max() > 1e6)


def run_optimizer(
    optimizer: str,
    surface: str | Surface,
    learning_rate: float,
    n_steps: int = 100,
    start: tuple[float, float] | None = None,
    **hyperparameters: float,
) -> Trajectory:
    """Run ``n_steps`` of one optimizer on a surface, from its start (or ``start``).

    Hyperparameters not given take Keras's defaults (``KERAS_DEFAULTS``). Any rule also
    accepts ``weight_decay`` (Keras's decoupled decay: w ← w − ηλw before the step) and
    ``l2`` (a penalty l2·‖w‖² added to the loss, so 2·l2·w added to the gradient).
    """
    check_choice("optimizer", optimizer, OPTIMIZERS)
    surface = surface if isinstance(surface, Surface) else get_surface(surface)
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}.")
    check_whole_number("n_steps", n_steps, minimum=1)
    allowed = (*KERAS_DEFAULTS[optimizer], "l2", "weight_decay")
    for key in hyperparameters:
        check_choice(f"hyperparameter of {optimizer}", key, allowed)
    hyper = {**KERAS_DEFAULTS[optimizer], **hyperparameters}
    record = dict(hyper)
    l2 = hyper.pop("l2", 0.0)
    weight_decay = 0.0 if optimizer == "adamw" else hyper.pop("weight_decay", 0.0)
    update = UPDATE_RULES[optimizer]
    w = np.array(surface.start if start is None else start, dtype=np.float64)
    points = np.empty((n_steps + 1, 2))
    points[0] = w
    state: dict = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, n_steps + 1):
            g = surface.gradient(w) + 2 * l2 * w
            if weight_decay:
                w = w - learning_rate * weight_decay * w
            w = update(w, g, t, learning_rate, state, **hyper)
            points[t] = w
            if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e8:
                points[t + 1 :] = np.nan  # it left for infinity: stop computing
                break
        losses = surface.loss(points[:, 0], points[:, 1])
    return Trajectory(optimizer, surface.name, learning_rate, record, points, losses)


def steps_to_converge(
    learning_rate: float,
    momentum: float,
    curvatures: tuple[float, ...] = BOWL_CURVATURES,
    tolerance: float = 1e-3,
    max_steps: int = 500,
    start: float = 1.0,
) -> Array:
    """Momentum on f = ½ Σ cᵢ wᵢ² for a grid of (η, β): steps until every |wᵢ| < tolerance.

    ``learning_rate`` and ``momentum`` broadcast against each other (NumPy arrays), so a
    whole phase picture is computed at once. Never converging gives ``max_steps``.
    """
    lr, beta = np.broadcast_arrays(np.asarray(learning_rate, float), np.asarray(momentum, float))
    steps = np.zeros(lr.shape, dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore"):
        for curvature in curvatures:  # each coordinate of the quadratic moves on its own
            w, v = np.full(lr.shape, start), np.zeros(lr.shape)
            last_far = np.zeros(lr.shape, dtype=np.int64)
            for t in range(1, max_steps + 1):
                v = beta * v - lr * curvature * w
                w = w + v
                last_far = np.where(np.abs(w) < tolerance, last_far, t)  # NaN counts as far
            steps = np.maximum(steps, np.minimum(last_far + 1, max_steps))
    return steps


def __getattr__(name: str) -> object:
    """``RepeatedTraining`` and ``RunResult`` (notebook 07 calls them from here) train Keras
    nets: they live in helpers.optimizer_runs, loaded on first use, so this module imports
    without Keras."""
    if name in ("RepeatedTraining", "RunResult"):
        from helpers import optimizer_runs

        return getattr(optimizer_runs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "KERAS_DEFAULTS",
    "LABELS",
    "OPTIMIZERS",
    "SURFACES",
    "UPDATE_RULES",
    "Surface",
    "Trajectory",
    "adagrad_update",
    "adam_update",
    "adamax_update",
    "adamw_update",
    "check_choice",
    "get_surface",
    "keras_optimizer",
    "momentum_update",
    "nadam_update",
    "nesterov_update",
    "rmsprop_update",
    "run_optimizer",
    "sgd_update",
    "steps_to_converge",
]
