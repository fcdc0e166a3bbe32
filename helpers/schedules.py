"""Learning-rate schedules (the finder and the short runs live next door, re-exported here).

* ``power_schedule``, ``exponential_schedule``, ``piecewise_constant_schedule``: the
  learning rate as a function of the *step* (one step = one batch), as Keras
  ``LearningRateSchedule`` objects you pass as ``learning_rate=`` to any optimizer.
  ``schedule_values`` evaluates one at many steps, for plots.
* ``one_cycle_learning_rate`` and ``OneCycleScheduler``: the 1cycle policy (Smith 2018),
  as a formula and as a callback that sets the optimizer's learning rate before every batch.
* ``helpers.lr_finder``: the learning-rate range test (``find_learning_rate``).
* ``helpers.learning_rate_runs``: a short training run that reports "diverged" or "collapsed
  to chance" (``train_with_learning_rate``).
* ``learning_rate_value``: an optimizer's current rate as a float, on any Keras 3 release.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from helpers.checks import check_whole_number

# The finder and the short runs have modules of their own; notebook 08 calls them from here.
from helpers.learning_rate_runs import (
    CHANCE_ACCURACY,
    COLLAPSE_SHARE,
    StopOnDivergence,
    TrainingRun,
    epochs_to_target,
    top_class_share,
    train_with_learning_rate,
)
from helpers.lr_finder import (
    LearningRateFinder,
    LearningRateFinderResult,
    find_learning_rate,
    learning_rate_value,
    plot_learning_rate_finder,
    smooth,
)

# --- schedules as functions of the step ---------------------------------------------------


@keras.saving.register_keras_serializable(package="helpers")
class PowerDecay(keras.optimizers.schedules.LearningRateSchedule):
    """η(t) = η₀ / (1 + t/s)^c: power scheduling (Keras's InverseTimeDecay is the case c = 1)."""

    def __init__(self, initial_learning_rate: float, decay_steps: float, power: float = 1.0):
        if initial_learning_rate <= 0 or decay_steps <= 0 or power < 0:
            raise ValueError(
                "need initial_learning_rate > 0, decay_steps > 0 and power ≥ 0, got "
                f"{initial_learning_rate}, {decay_steps}, {power}."
            )
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = float(decay_steps)
        self.power = float(power)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        base = 1.0 + step / self.decay_steps
        return self.initial_learning_rate / keras.ops.power(base, self.power)

    def get_config(self) -> dict[str, float]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "power": self.power,
        }


def power_schedule(
    initial_learning_rate: float, decay_steps: float, power: float = 1.0
) -> keras.optimizers.schedules.LearningRateSchedule:
    """η₀ / (1 + t/s)^c; for c = 1 this is Keras's own InverseTimeDecay."""
    if power == 1.0:
        if initial_learning_rate <= 0 or decay_steps <= 0:
            raise ValueError(
                "need initial_learning_rate > 0 and decay_steps > 0, got "
                f"{initial_learning_rate}, {decay_steps}."
            )
        return keras.optimizers.schedules.InverseTimeDecay(
            initial_learning_rate, decay_steps=decay_steps, decay_rate=1.0
        )
    return PowerDecay(initial_learning_rate, decay_steps, power)


def exponential_schedule(
    initial_learning_rate: float, decay_steps: float, decay_rate: float = 0.1
) -> keras.optimizers.schedules.ExponentialDecay:
    """η₀ · r^(t/s): the learning rate is multiplied by ``decay_rate`` every ``decay_steps``."""
    if initial_learning_rate <= 0 or decay_steps <= 0 or decay_rate <= 0:
        raise ValueError(
            "need initial_learning_rate > 0, decay_steps > 0 and decay_rate > 0, got "
            f"{initial_learning_rate}, {decay_steps}, {decay_rate}."
        )
    return keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=decay_steps, decay_rate=decay_rate
    )


def piecewise_constant_schedule(
    boundaries: Sequence[int], values: Sequence[float]
) -> keras.optimizers.schedules.PiecewiseConstantDecay:
    """values[0] until boundaries[0], values[1] until boundaries[1], …, values[-1] after."""
    if len(values) != len(boundaries) + 1:
        raise ValueError(
            f"need one more value than boundaries, got {len(boundaries)} boundaries "
            f"and {len(values)} values."
        )
    if list(boundaries) != sorted(boundaries):
        raise ValueError(f"boundaries must increase, got {list(boundaries)}.")
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        [int(b) for b in boundaries], [float(v) for v in values]
    )


def schedule_values(schedule: object, steps: int | Sequence[int] | np.ndarray) -> np.ndarray:
    """The learning rate a schedule gives at each step (``steps`` = a count or the steps)."""
    steps = np.arange(steps) if np.isscalar(steps) else np.asarray(steps)
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        values = schedule(keras.ops.convert_to_tensor(steps, dtype="float32"))
        return np.asarray(keras.ops.convert_to_numpy(values), dtype=np.float64)
    if callable(schedule):
        return np.array([float(schedule(int(s))) for s in steps])
    raise ValueError(
        "schedule must be a keras LearningRateSchedule or a function of the step, "
        f"got {schedule!r}."
    )


def schedule_curves(
    initial_learning_rate: float,
    decay_steps: int,
    power: float,
    decay_rate: float,
    total_steps: int,
) -> dict[str, np.ndarray]:
    """The learning rate at every step under each schedule of notebook 08, with shared knobs.

    Power: η₀/(1 + t/s)^c. Exponential: η₀·r^(t/s). Piecewise: η₀, then η₀·r after s
    steps, η₀·r² after 2s. 1cycle: up to η₀ and down again over ``total_steps``.
    """
    steps = np.arange(total_steps)
    return {
        "power": schedule_values(power_schedule(initial_learning_rate, decay_steps, power), steps),
        "exponential": schedule_values(
            exponential_schedule(initial_learning_rate, decay_steps, decay_rate), steps
        ),
        "piecewise": schedule_values(
            piecewise_constant_schedule(
                [decay_steps, 2 * decay_steps],
                [
                    initial_learning_rate,
                    initial_learning_rate * decay_rate,
                    initial_learning_rate * decay_rate**2,
                ],
            ),
            steps,
        ),
        "1cycle": one_cycle_learning_rate(steps, initial_learning_rate, total_steps),
    }


# --- 1cycle -------------------------------------------------------------------------------


def one_cycle_learning_rate(
    step: int | np.ndarray,
    max_learning_rate: float,
    total_steps: int,
    start_learning_rate: float | None = None,
    final_learning_rate: float | None = None,
    warmup_fraction: float = 0.45,
) -> np.ndarray | float:
    """Smith's 1cycle: up linearly, down linearly, then a short annealing tail.

    Steps ``0 … w`` (w = ``warmup_fraction`` · total) rise from ``start_learning_rate``
    (default max/10) to ``max_learning_rate``; steps ``w … 2w`` fall back to the start
    value; the remaining steps fall linearly to ``final_learning_rate`` (default
    start/1000). Steps past ``total_steps`` keep the final value.
    """
    _check_one_cycle(max_learning_rate, total_steps, warmup_fraction)
    start = max_learning_rate / 10 if start_learning_rate is None else start_learning_rate
    final = start / 1000 if final_learning_rate is None else final_learning_rate
    peak = one_cycle_peak_step(total_steps, warmup_fraction)
    t = np.asarray(step, dtype=np.float64)
    up = start + (max_learning_rate - start) * t / peak
    down = max_learning_rate - (max_learning_rate - start) * (t - peak) / peak
    tail_length = max(total_steps - 1 - 2 * peak, 1)
    tail = start - (start - final) * np.minimum((t - 2 * peak) / tail_length, 1.0)
    value = np.where(t <= peak, up, np.where(t <= 2 * peak, down, tail))
    return float(value) if value.ndim == 0 else value


def one_cycle_peak_step(total_steps: int, warmup_fraction: float = 0.45) -> int:
    """The step at which 1cycle reaches its maximum learning rate."""
    _check_one_cycle(1.0, total_steps, warmup_fraction)
    return max(1, round(warmup_fraction * total_steps))


def _check_one_cycle(max_learning_rate: float, total_steps: int, warmup_fraction: float) -> None:
    if not max_learning_rate > 0:
        raise ValueError(f"max_learning_rate must be > 0, got {max_learning_rate}.")
    check_whole_number("total_steps", total_steps, minimum=3)
    if not 0 < warmup_fraction <= 0.5:
        raise ValueError(f"warmup_fraction must be in (0, 0.5], got {warmup_fraction}.")


_MOMENTUM_ATTRIBUTE = {"Adam": "beta_1", "AdamW": "beta_1", "Nadam": "beta_1", "Adamax": "beta_1"}


class StepRateLog(keras.callbacks.Callback):
    """The learning rate of every training step, also when one call of the compiled step runs
    several (``steps_per_execution``), where callbacks see only each call's first batch.

    ``StepRateLog(learning_rate)``: pass what the optimizer was given. A schedule is evaluated at
    each step of a call; a number (which callbacks may change between calls) holds for the whole
    call. ``rates`` has one entry per step, as a callback reading the rate before every batch
    would record with one step per call.
    """

    def __init__(self, learning_rate: object) -> None:
        super().__init__()
        self.schedule = (
            learning_rate
            if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule)
            else None
        )
        self.rates: list[float] = []
        self._start, self._value = 0, float("nan")

    def _step(self) -> int:
        return int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._start = self._step()
        self._value = learning_rate_value(self.model.optimizer)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        steps = np.arange(self._start, self._step())
        if self.schedule is not None:
            self.rates.extend(float(rate) for rate in schedule_values(self.schedule, steps))
        else:
            self.rates.extend([self._value] * len(steps))


class OneCycleScheduler(keras.callbacks.Callback):
    """Set the optimizer's learning rate before every batch, following 1cycle.

    ``OneCycleScheduler(max_learning_rate, total_steps)``: ``total_steps`` is the
    number of batches of the whole run (epochs × batches per epoch). Optional
    keywords: ``start_learning_rate`` (default max/10), ``final_learning_rate``
    (default start/1000), ``warmup_fraction`` (default 0.45) and ``momentum_range``
    ``(high, low)``, e.g. ``(0.95, 0.85)``: the momentum (``beta_1`` of Adam, AdamW,
    Nadam, Adamax) then moves opposite to the learning rate, high → low → high.
    ``learning_rates`` and ``momentums`` record what was used at each step.
    """

    def __init__(
        self,
        max_learning_rate: float,
        total_steps: int,
        start_learning_rate: float | None = None,
        final_learning_rate: float | None = None,
        warmup_fraction: float = 0.45,
        momentum_range: tuple[float, float] | None = None,
    ):
        super().__init__()
        _check_one_cycle(max_learning_rate, total_steps, warmup_fraction)
        if momentum_range is not None and not 0 <= momentum_range[1] <= momentum_range[0] < 1:
            raise ValueError(
                f"momentum_range must be (high, low) with 1 > high ≥ low ≥ 0, got {momentum_range}."
            )
        self.max_learning_rate = float(max_learning_rate)
        self.total_steps = int(total_steps)
        self.start_learning_rate = (
            self.max_learning_rate / 10 if start_learning_rate is None else start_learning_rate
        )
        self.final_learning_rate = (
            self.start_learning_rate / 1000 if final_learning_rate is None else final_learning_rate
        )
        self.warmup_fraction = warmup_fraction
        self.momentum_range = momentum_range
        self.peak_step = one_cycle_peak_step(self.total_steps, warmup_fraction)
        self.step = 0
        self.learning_rates: list[float] = []
        self.momentums: list[float] = []
        self._momentum_variable: keras.Variable | None = None
        self._momentum_attribute: str | None = None
        self._original_momentum: float | None = None

    def learning_rate_at(self, step: int) -> float:
        """The learning rate this schedule gives at ``step``."""
        return float(
            one_cycle_learning_rate(
                step,
                self.max_learning_rate,
                self.total_steps,
                self.start_learning_rate,
                self.final_learning_rate,
                self.warmup_fraction,
            )
        )

    def momentum_at(self, step: int) -> float:
        """The momentum at ``step``: high → low while the rate rises, back, then high."""
        high, low = self.momentum_range or (0.0, 0.0)
        if step <= self.peak_step:
            return high - (high - low) * step / self.peak_step
        if step <= 2 * self.peak_step:
            return low + (high - low) * (step - self.peak_step) / self.peak_step
        return high

    def on_train_begin(self, logs=None):
        if self.momentum_range is None:
            return
        optimizer = self.model.optimizer
        name = type(optimizer).__name__
        if name not in _MOMENTUM_ATTRIBUTE:
            raise ValueError(
                f"momentum_range works with {', '.join(sorted(_MOMENTUM_ATTRIBUTE))}; got {name}. "
                "(SGD and RMSprop compile their momentum as a constant: use momentum_range=None.)"
            )
        # The optimizer's beta_1 is a Python float, frozen into the compiled train step; a
        # variable in its place can change between batches. object.__setattr__ keeps it out of
        # the optimizer's saved variables; on_train_end puts the float back.
        attribute = _MOMENTUM_ATTRIBUTE[name]
        self._momentum_attribute = attribute
        self._original_momentum = float(getattr(optimizer, attribute))
        self._momentum_variable = keras.Variable(
            self.momentum_at(self.step), dtype="float32", trainable=False, name="one_cycle_momentum"
        )
        object.__setattr__(optimizer, attribute, self._momentum_variable)
        self.model.make_train_function(force=True)

    def on_train_batch_begin(self, batch, logs=None):
        learning_rate = self.learning_rate_at(self.step)
        self.model.optimizer.learning_rate = learning_rate
        self.learning_rates.append(learning_rate)
        if self._momentum_variable is not None:
            momentum = self.momentum_at(self.step)
            self._momentum_variable.assign(momentum)
            self.momentums.append(momentum)
        self.step += 1

    def on_train_end(self, logs=None):
        if self._momentum_variable is not None:
            optimizer = self.model.optimizer
            self._momentum_variable.assign(self._original_momentum)
            object.__setattr__(optimizer, self._momentum_attribute, self._original_momentum)
            self._momentum_variable = None


__all__ = [
    "CHANCE_ACCURACY",
    "COLLAPSE_SHARE",
    "LearningRateFinder",
    "LearningRateFinderResult",
    "OneCycleScheduler",
    "PowerDecay",
    "StepRateLog",
    "StopOnDivergence",
    "TrainingRun",
    "epochs_to_target",
    "exponential_schedule",
    "find_learning_rate",
    "learning_rate_value",
    "one_cycle_learning_rate",
    "one_cycle_peak_step",
    "piecewise_constant_schedule",
    "plot_learning_rate_finder",
    "power_schedule",
    "schedule_curves",
    "schedule_values",
    "smooth",
    "top_class_share",
    "train_with_learning_rate",
]
