"""Optimization today (notebook 13): Lion, Muon and schedule-free AdamW in NumPy, warm-up + cosine.

Every rule below is written as Keras 3 computes it (``keras.optimizers.Lion``, ``Muon``,
``ScheduleFreeAdamW``), and ``tests/test_modern_opt.py`` checks each against Keras step for
step, as ``helpers.optimizers2d`` does for the classic nine. A rule takes the weights ``w``,
the gradient ``g``, the step ``t`` (1, 2, …), the learning rate and a state dict, and returns
the new weights; decoupled weight decay (w ← w − ηλw, before the step) is the runner's job,
as in Keras's base optimizer.

* ``warmup_cosine``: Keras's ``CosineDecay(..., warmup_target=, warmup_steps=)`` as a formula.
* ``run_rule``: a rule on one of notebook 07's 2-D surfaces; ``keras_path``: Keras on the same.
* ``RepeatedRuns``: many short Fashion-MNIST runs (rates, seeds) on one compiled model.
* ``EMAValidation``: the validation loss of the EMA weights (``use_ema=True``) after each epoch.
* ``gradients``: the gradients of a loss on a batch (TensorFlow backend), for the precision lesson.

Keras is imported lazily: the NumPy part runs without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import optimizers2d as opt2d
from helpers.checks import check_choice

Array = np.ndarray

# --- schedules --------------------------------------------------------------------------------


def warmup_cosine(
    step: int | Array,
    peak: float,
    warmup_steps: int,
    decay_steps: int,
    initial: float = 0.0,
    alpha: float = 0.0,
) -> Array:
    """η(step) of Keras's CosineDecay(initial, decay_steps, alpha, warmup_target=peak,
    warmup_steps=warmup_steps).

    Linear from ``initial`` to ``peak`` over ``warmup_steps``, then a half cosine from ``peak``
    down to ``alpha·peak`` over ``decay_steps``; later steps keep the last value.
    """
    if not peak > 0 or not decay_steps > 0 or warmup_steps < 0:
        raise ValueError(
            f"need peak > 0, decay_steps > 0, warmup_steps ≥ 0; got peak={peak}, "
            f"decay_steps={decay_steps}, warmup_steps={warmup_steps}."
        )
    s = np.minimum(np.asarray(step, dtype=np.float64), warmup_steps + decay_steps)
    rising = initial + (peak - initial) * s / max(warmup_steps, 1)
    done = np.clip((s - warmup_steps) / decay_steps, 0.0, 1.0)
    falling = peak * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * done)) + alpha)
    return np.where(s < warmup_steps, rising, falling)


def adam_step_sizes(gradients: Array, beta_1: float = 0.9, beta_2: float = 0.999) -> Array:
    """|Adam's step| / η at every step, for gradients of shape (steps, weights) (ε = 0)."""
    g = np.asarray(gradients, dtype=np.float64)
    m, s = np.zeros(g.shape[1:]), np.zeros(g.shape[1:])
    sizes = np.empty_like(g)
    for t in range(1, len(g) + 1):
        m = beta_1 * m + (1 - beta_1) * g[t - 1]
        s = beta_2 * s + (1 - beta_2) * g[t - 1] ** 2
        sizes[t - 1] = np.abs(m / (1 - beta_1**t)) / np.sqrt(s / (1 - beta_2**t))
    return sizes


def radam_rho(t: int | Array, beta_2: float = 0.999) -> Array:
    """RAdam's ρ_t = ρ_∞ − 2tβ₂ᵗ/(1−β₂ᵗ): degrees of freedom of Adam's ŝ_t (Liu et al., 2020)."""
    t = np.asarray(t, dtype=np.float64)
    rho_inf = 2 / (1 - beta_2) - 1
    return rho_inf - 2 * t * beta_2**t / (1 - beta_2**t)


# --- the update rules, as Keras 3 writes them ---------------------------------------------------


def lion_update(
    w: Array, g: Array, t: int, lr: float, state: dict, beta_1: float = 0.9, beta_2: float = 0.99
) -> Array:
    """w ← w − η sign(β₁m + (1−β₁)g);  then m ← β₂m + (1−β₂)g  (Chen et al., 2023)."""
    m = state.get("m", 0.0)
    step = np.sign(beta_1 * m + (1 - beta_1) * g)
    state["m"] = beta_2 * m + (1 - beta_2) * g
    return w - lr * step


MUON_COEFFICIENTS = (3.4445, -4.7750, 2.0315)  # Jordan et al.'s quintic, Keras's defaults


def newton_schulz(
    g: Array, steps: int = 5, coefficients: Sequence[float] = MUON_COEFFICIENTS
) -> Array:
    """≈ UVᵀ of G = UΣVᵀ: scale to ‖G‖_F ≤ 1, then X ← aX + (bA + cA²)X with A = XXᵀ."""
    a, b, c = coefficients
    x = np.asarray(g, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"Newton–Schulz needs a matrix (2-D), got shape {x.shape}.")
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def muon_update(
    w: Array,
    g: Array,
    t: int,
    lr: float,
    state: dict,
    momentum: float = 0.95,
    nesterov: bool = True,
    ns_steps: int = 5,
    rms_rate: float | None = 0.2,
) -> Array:
    """For a matrix W: m ← βm + g;  W ← W − η · NS(g + βm) · √max(n, m) · 0.2  (Keras's Muon)."""
    m = momentum * state.get("m", 0.0) + g
    state["m"] = m
    update = newton_schulz(g + momentum * m if nesterov else m, ns_steps)
    scale = 1.0 if rms_rate is None else np.sqrt(max(w.shape)) * rms_rate
    return w - lr * update * scale


def schedule_free_adamw_update(
    y: Array,
    g: Array,
    t: int,
    lr: float,
    state: dict,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-8,
    warmup_steps: int = 0,
    keras_form: bool = False,
) -> Array:
    """Schedule-free AdamW (Defazio et al., 2024); the weights are y, as in Keras.

    z ← z − η g/(√(v/(1−β₂ᵗ)) + ε)   (the base sequence: plain adaptive SGD)
    x ← (1 − 1/t) x + (1/t) z         (its running average: what the paper evaluates)
    y ← (1 − β₁) z + β₁ x             (where the gradient is taken)

    Keras stores y and z and recovers x = (y − (1−β₁)z)/β₁. ``keras_form=True`` recovers it
    from the *new* z, as Keras 3.14–3.15 does (it reads its z variable after updating it).
    """
    if warmup_steps:
        lr = lr * min(t / warmup_steps, 1.0)
    z_old = state.get("z", y)  # Keras starts z at the initial weights
    v = state.get("v", 0.0) + (g * g - state.get("v", 0.0)) * (1 - beta_2)
    z = z_old - lr * g / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
    x_old = (y - (1 - beta_1) * (z if keras_form else z_old)) / beta_1
    x = (1 - 1 / t) * x_old + (1 / t) * z
    state["z"], state["v"], state["x"] = z, v, x
    return (1 - beta_1) * z + beta_1 * x


RULES: dict[str, Callable[..., Array]] = {
    "adamw": opt2d.adam_update,  # decoupled decay added by the runner, as for the others
    "lion": lion_update,
    "muon": muon_update,
    "schedule_free": schedule_free_adamw_update,
}
LABELS = {"adamw": "AdamW", "lion": "Lion", "muon": "Muon", "schedule_free": "schedule-free AdamW"}
COLORS = {
    "adamw": "tab:green",
    "lion": "tab:purple",
    "muon": "tab:red",
    "schedule_free": "tab:blue",
}
# Keras's default weight decay per optimizer (None: no decay).
DEFAULT_WEIGHT_DECAY = {"adamw": 0.004, "lion": None, "muon": 0.004, "schedule_free": None}


def keras_optimizer(name: str, learning_rate: Any, **hyperparameters: Any) -> Any:
    """The keras.optimizers object that runs what ``RULES[name]`` does."""
    import keras

    check_choice("optimizer", name, tuple(RULES))
    classes = {
        "adamw": keras.optimizers.AdamW,
        "lion": keras.optimizers.Lion,
        "muon": keras.optimizers.Muon,
        "schedule_free": keras.optimizers.ScheduleFreeAdamW,
    }
    return classes[name](learning_rate=learning_rate, **hyperparameters)


# --- 2-D surfaces -------------------------------------------------------------------------------


@dataclass
class Path:
    """Points a rule visited on a surface, the loss at each, and (schedule-free) its average x."""

    name: str
    surface: str
    points: Array
    losses: Array
    averages: Array | None = None

    @property
    def diverged(self) -> bool:
        """True if the path left for infinity."""
        return bool(not np.all(np.isfinite(self.losses)) or self.losses.max() > 1e6)

    def distance_to(self, point: Sequence[float]) -> Array:
        """Distance of each visited point to ``point``."""
        return np.linalg.norm(self.points - np.asarray(point), axis=1)


def run_rule(
    name: str,
    surface: str,
    learning_rate: float,
    n_steps: int = 150,
    weight_decay: float | None = None,
    **hyperparameters: Any,
) -> Path:
    """``n_steps`` of a rule on a 2-D surface of notebook 07 (Muon sees w as a 1×2 matrix)."""
    check_choice("optimizer", name, tuple(RULES))
    s = opt2d.get_surface(surface)
    if not learning_rate > 0 or n_steps < 1:
        raise ValueError(f"need learning_rate > 0 and n_steps ≥ 1, got {learning_rate}, {n_steps}.")
    rule, state = RULES[name], {}
    w = np.array(s.start, dtype=np.float64).reshape(1, 2) if name == "muon" else np.array(s.start)
    points, averages = [w.reshape(2)], [w.reshape(2)]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, n_steps + 1):
            g = s.gradient(w.reshape(2)).reshape(w.shape)
            if weight_decay:
                w = w - learning_rate * weight_decay * w
            w = rule(w, g, t, learning_rate, state, **hyperparameters)
            points.append(w.reshape(2))
            averages.append(state.get("x", w).reshape(2))
            if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e8:
                break
    points_array = np.array(points)
    losses = s.loss(points_array[:, 0], points_array[:, 1])
    return Path(
        name, surface, points_array, losses, np.array(averages) if name == "schedule_free" else None
    )


def keras_path(
    optimizer: Any, start: Array, gradient: Callable[[Array], Array], n_steps: int
) -> Array:
    """The weights after each of ``n_steps`` Keras steps, the gradient from a NumPy function."""
    import keras

    variable = keras.Variable(np.asarray(start, dtype="float32"), name="w")
    points = [np.asarray(variable.value, dtype=np.float64)]
    for _ in range(n_steps):
        g = np.asarray(gradient(points[-1]), dtype="float32")
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g), variable)])
        points.append(np.asarray(keras.ops.convert_to_numpy(variable), dtype=np.float64))
    return np.array(points)


# --- short Fashion-MNIST runs that share one compiled model -----------------------------------
# As helpers.optimizers2d.RepeatedTraining: Keras traces a model's training step on its first fit,
# which costs more than a short run here; so each optimizer keeps one compiled model and every
# run resets its weights, its optimizer state and its schedule (the schedule's numbers are
# Keras variables, so they change without a new trace).


def variable_warmup_cosine() -> Any:
    """A LearningRateSchedule equal to CosineDecay(0, decay, warmup_target=peak, warmup_steps=w),
    whose peak, w and decay are variables (``constant`` = 1 holds the peak instead)."""
    import keras

    class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self) -> None:
            def number(name: str, value: float) -> Any:
                return keras.Variable(value, trainable=False, dtype="float32", name=name)

            self.peak, self.warmup = number("peak", 1e-3), number("warmup", 0.0)
            self.decay, self.constant = number("decay", 1.0), number("constant", 0.0)

        def __call__(self, step: Any) -> Any:
            ops = keras.ops
            s = ops.minimum(ops.cast(step, "float32"), self.warmup + self.decay)
            rising = self.peak * s / ops.maximum(self.warmup, 1.0)
            done = ops.clip((s - self.warmup) / self.decay, 0.0, 1.0)
            falling = self.peak * 0.5 * (1.0 + ops.cos(np.pi * done))
            rate = ops.where(s < self.warmup, rising, falling)
            return ops.where(self.constant > 0.5, self.peak, rate)

        def get_config(self) -> dict:
            return {}

    return WarmupCosine()


SCHEDULES = ("warmup_cosine", "constant", "one_cycle")


class RepeatedRuns:
    """One compiled classifier with optimizer ``name`` under a schedule, trained afresh by ``run``.

    ``schedule``: 'warmup_cosine' (linear warm-up over ``warmup_fraction`` of the run, then a
    half cosine to 0), 'constant' (schedule-free AdamW), or 'one_cycle' (notebook 08's
    ``OneCycleScheduler``). ``exclude`` names variables spared from weight decay;
    ``label_smoothing`` trains on smoothed one-hot targets. ``steps_per_execution``: training
    steps per call of the compiled step (the same updates, less Python between them; see
    ``models.Restarts``); a run with it > 1 takes no callbacks that act on every batch.
    """

    def __init__(
        self,
        name: str,
        build_model: Callable[[], Any],
        schedule: str = "warmup_cosine",
        exclude: Sequence[str] = (),
        label_smoothing: float | None = None,
        steps_per_execution: int = 1,
        **hyperparameters: Any,
    ):
        import keras

        from helpers import models

        check_choice("schedule", schedule, SCHEDULES)
        self.name, self.build_model, self.schedule_kind = name, build_model, schedule
        self.schedule = variable_warmup_cosine()
        rate = 1e-3 if schedule == "one_cycle" else self.schedule
        self.model = build_model()
        self.optimizer = keras_optimizer(name, rate, **hyperparameters)
        if exclude:
            self.optimizer.exclude_from_weight_decay(var_names=list(exclude))
        self.label_smoothing = label_smoothing
        # label smoothing needs one-hot targets (the sparse loss has no label_smoothing)
        loss = (
            None
            if label_smoothing is None
            else keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
        )
        # Restarts compiles once and puts weights and optimizer state back for every run.
        self._restarts = models.Restarts(
            self.model, self.optimizer, loss=loss, steps_per_execution=steps_per_execution
        )
        self.steps_per_execution = steps_per_execution
        if steps_per_execution > 1 and schedule == "one_cycle":
            raise ValueError(
                f"schedule 'one_cycle' sets the rate on every batch, so it needs "
                f"steps_per_execution=1, got {steps_per_execution}."
            )
        # Schedule-free AdamW starts its z sequence at the weights: find each weight's z.
        slots = {v.path.split("/")[-1]: v for v in self.optimizer.variables}
        self._z_slots = (
            [
                (w, slots.get(w.path.replace("/", "_") + "_momentum"))
                for w in self.model.trainable_variables
            ]
            if name == "schedule_free"
            else []
        )

    def run(
        self,
        train: tuple[Array, Array],
        held_out: tuple[Array, Array],
        learning_rate: float,
        seed: int,
        epochs: int,
        batch_size: int = 128,
        warmup_fraction: float = 0.1,
        callbacks: Sequence[Any] = (),
    ) -> opt2d.RunResult:
        """Train from the seed's initial weights for ``epochs``, then score on ``held_out``."""
        import keras

        from helpers import config, schedules

        if not learning_rate > 0 or not 0 <= warmup_fraction < 1:
            raise ValueError(
                f"need learning_rate > 0 and 0 ≤ warmup_fraction < 1, got {learning_rate}, "
                f"{warmup_fraction}."
            )
        self._restarts.check_callbacks(callbacks)
        config.set_seed(seed)
        self._restarts.restart(self.build_model().get_weights())
        for weight, z in self._z_slots:
            z.assign(weight)
        total = epochs * -(-len(train[0]) // batch_size)
        warmup = round(warmup_fraction * total)
        self.schedule.peak.assign(learning_rate)
        self.schedule.warmup.assign(float(warmup))
        self.schedule.decay.assign(float(total - warmup))
        self.schedule.constant.assign(1.0 if self.schedule_kind == "constant" else 0.0)
        extra = list(callbacks)
        if self.schedule_kind == "one_cycle":
            extra.append(schedules.OneCycleScheduler(learning_rate, total))
        x, y = train
        if self.label_smoothing is not None:
            y = keras.utils.to_categorical(y, self.model.output_shape[-1])
        history = self.model.fit(
            x, y, epochs=epochs, batch_size=batch_size, callbacks=extra, verbose=0
        )
        probabilities = keras.ops.convert_to_numpy(self.model(held_out[0], training=False))
        y = np.asarray(held_out[1], dtype=int)
        picked = probabilities[np.arange(len(y)), y]
        return opt2d.RunResult(
            learning_rate=float(learning_rate),
            seed=int(seed),
            loss=[float(v) for v in history.history["loss"]],
            held_out_loss=float(-np.mean(np.log(np.maximum(picked, 1e-7)))),
            held_out_accuracy=float(np.mean(probabilities.argmax(axis=1) == y)),
        )


def evaluate(model: Any, x: Array, y: Array) -> tuple[float, float]:
    """(cross-entropy, accuracy) of a softmax classifier on integer labels, without fit's logs."""
    import keras

    probabilities = keras.ops.convert_to_numpy(model(x, training=False)).astype(np.float64)
    y = np.asarray(y, dtype=int)
    picked = np.maximum(probabilities[np.arange(len(y)), y], 1e-7)
    return float(-np.mean(np.log(picked))), float(np.mean(probabilities.argmax(axis=1) == y))


def ema_validation_callback(x: Array, y: Array) -> Any:
    """A callback that scores the raw weights and the EMA weights (``use_ema=True``) after
    every epoch: ``raw`` and ``ema`` hold (loss, accuracy) per epoch."""
    import keras

    class EMAValidation(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.raw: list[tuple[float, float]] = []
            self.ema: list[tuple[float, float]] = []

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            weights = self.model.trainable_variables
            kept = [keras.ops.convert_to_numpy(w) for w in weights]
            self.raw.append(evaluate(self.model, x, y))
            self.model.optimizer.finalize_variable_values(weights)  # EMA values into the weights
            self.ema.append(evaluate(self.model, x, y))
            for weight, value in zip(weights, kept, strict=True):
                weight.assign(value)

    return EMAValidation()


def gradients(
    model: Any, x: Array, y: Array, loss: Callable[..., Any], scale: float = 1.0
) -> list[Array]:
    """∂(scale · loss)/∂w for every trainable weight, divided by ``scale`` (TensorFlow backend):
    what a LossScaleOptimizer hands its inner optimizer (scale = 1: no loss scaling)."""
    import tensorflow as tf  # the course runs on the TensorFlow backend (helpers.diagnostics too)

    with tf.GradientTape() as tape:
        value = loss(y, model(x, training=True)) * scale
    grads = tape.gradient(value, model.trainable_variables)
    return [np.asarray(g, dtype=np.float64) / scale for g in grads]
