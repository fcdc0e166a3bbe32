"""Learning-rate schedules, the learning-rate finder and short training runs.

* ``power_schedule``, ``exponential_schedule``, ``piecewise_constant_schedule``: the
  learning rate as a function of the *step* (one step = one batch), as Keras
  ``LearningRateSchedule`` objects you pass as ``learning_rate=`` to any optimizer.
  ``schedule_values`` evaluates one at many steps, for plots.
* ``one_cycle_learning_rate`` and ``OneCycleScheduler``: the 1cycle policy (Smith 2018),
  as a formula and as a callback that sets the optimizer's learning rate before every batch.
* ``LearningRateFinder`` and ``find_learning_rate``: the learning-rate range test (Smith
  2017) in the form of fastai's ``lr_find``: an exponential sweep over a few hundred
  batches, each batch's own loss, a bias-corrected moving average, a stop at 4× the best
  loss; ``plot_learning_rate_finder`` draws it on a log axis.
* ``train_with_learning_rate``: a short training run that reports "diverged" or
  "collapsed to chance" instead of failing, for the notebook's "train with this learning
  rate" control; ``epochs_to_target`` reads a learning curve.
* ``learning_rate_value``: an optimizer's current rate as a float, on any Keras 3 release.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import keras
import matplotlib.pyplot as plt
import numpy as np

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


def learning_rate_value(optimizer: keras.optimizers.Optimizer) -> float:
    """The optimizer's current learning rate as a float (a Variable on older Keras 3 releases).

    ``float(optimizer.learning_rate)`` raises ``TypeError`` on Keras 3.3, where the rate is a
    ``keras.Variable``; ``keras.ops.convert_to_numpy`` reads it on every backend and release.
    """
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


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
    if not isinstance(total_steps, (int, np.integer)) or total_steps < 3:
        raise ValueError(f"total_steps must be a whole number ≥ 3, got {total_steps!r}.")
    if not 0 < warmup_fraction <= 0.5:
        raise ValueError(f"warmup_fraction must be in (0, 0.5], got {warmup_fraction}.")


_MOMENTUM_ATTRIBUTE = {"Adam": "beta_1", "AdamW": "beta_1", "Nadam": "beta_1", "Adamax": "beta_1"}


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


# --- the learning-rate finder -------------------------------------------------------------


class LearningRateFinder(keras.callbacks.Callback):
    """Grow the learning rate exponentially, batch by batch, and record each batch's loss.

    Keras's ``logs["loss"]`` is the running mean of the epoch so far; resetting the
    model's metrics before each batch makes it the loss of that batch alone. Training
    stops when the loss is not finite or exceeds ``divergence_factor`` × the best so far.
    """

    def __init__(
        self,
        min_learning_rate: float,
        max_learning_rate: float,
        n_steps: int,
        divergence_factor: float = 4.0,
    ):
        super().__init__()
        if not 0 < min_learning_rate < max_learning_rate:
            raise ValueError(
                "need 0 < min_learning_rate < max_learning_rate, got "
                f"{min_learning_rate}, {max_learning_rate}."
            )
        if n_steps < 2:
            raise ValueError(f"n_steps must be ≥ 2, got {n_steps}.")
        if divergence_factor <= 1:
            raise ValueError(f"divergence_factor must be > 1, got {divergence_factor}.")
        self.min_learning_rate = min_learning_rate
        self.max_learning_rate = max_learning_rate
        self.n_steps = n_steps
        self.divergence_factor = divergence_factor
        self.factor = (max_learning_rate / min_learning_rate) ** (1 / (n_steps - 1))
        self.learning_rates: list[float] = []
        self.losses: list[float] = []
        self.diverged = False

    def on_train_batch_begin(self, batch, logs=None):
        step = len(self.losses)
        learning_rate = self.min_learning_rate * self.factor**step
        self.model.reset_metrics()
        self.model.optimizer.learning_rate = learning_rate
        self.learning_rates.append(learning_rate)

    def on_train_batch_end(self, batch, logs=None):
        loss = float(logs["loss"])
        self.losses.append(loss)
        best = min(self.losses)
        if not math.isfinite(loss) or loss > self.divergence_factor * best:
            self.diverged = True
            self.model.stop_training = True
        elif len(self.losses) >= self.n_steps:
            self.model.stop_training = True


def smooth(values: Sequence[float], weight: float = 0.9) -> np.ndarray:
    """Bias-corrected exponential moving average (the same correction as Adam's)."""
    smoothed, average = [], 0.0
    for i, value in enumerate(values, start=1):
        average = weight * average + (1 - weight) * value
        smoothed.append(average / (1 - weight**i))
    return np.array(smoothed)


@dataclass
class LearningRateFinderResult:
    """What a sweep found: learning rates and per-batch losses, and the suggested rate."""

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    diverged: bool
    best_learning_rate: float  # where the smoothed loss was lowest
    suggested_learning_rate: float  # a tenth of it: still fast, safely before the cliff
    notes: dict[str, float] = field(default_factory=dict)


def find_learning_rate(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    min_learning_rate: float = 1e-5,
    max_learning_rate: float = 10.0,
    n_steps: int = 300,
    batch_size: int = 128,
    divergence_factor: float = 4.0,
    smoothing: float = 0.9,
) -> LearningRateFinderResult:
    """Run an exponential learning-rate sweep on a compiled model, then restore its weights."""
    if n_steps < 2:
        raise ValueError(f"n_steps must be ≥ 2, got {n_steps}.")
    weights = model.get_weights()
    optimizer_learning_rate = learning_rate_value(model.optimizer)
    finder = LearningRateFinder(min_learning_rate, max_learning_rate, n_steps, divergence_factor)
    steps_per_epoch = math.ceil(len(x) / batch_size)
    epochs = math.ceil(n_steps / steps_per_epoch)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, callbacks=[finder], verbose=0)
    model.set_weights(weights)
    model.optimizer.learning_rate = optimizer_learning_rate
    learning_rates = np.array(finder.learning_rates[: len(finder.losses)])
    losses = np.array(finder.losses)
    smoothed = smooth(losses, smoothing)
    # The last few batches of a diverged run are the cliff itself; ignore them for the minimum.
    usable = smoothed[: max(2, len(smoothed) - 1)] if finder.diverged else smoothed
    usable = np.where(np.isfinite(usable), usable, np.inf)
    best = float(learning_rates[int(np.argmin(usable))])
    return LearningRateFinderResult(
        learning_rates=learning_rates,
        losses=losses,
        smoothed_losses=smoothed,
        diverged=finder.diverged,
        best_learning_rate=best,
        suggested_learning_rate=best / 10,
    )


def plot_learning_rate_finder(
    result: LearningRateFinderResult, ax: plt.Axes | None = None
) -> plt.Figure:
    """Per-batch loss (faint) and its smoothed curve vs the learning rate, on a log axis."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
    else:
        fig = ax.figure
    finite = np.isfinite(result.losses)
    ax.plot(
        result.learning_rates[finite],
        result.losses[finite],
        color="tab:blue",
        alpha=0.3,
        lw=0.8,
        label="loss of each batch",
    )
    ax.plot(result.learning_rates, result.smoothed_losses, color="tab:blue", lw=2, label="smoothed")
    ax.axvline(
        result.best_learning_rate,
        color="tab:red",
        ls=":",
        lw=1.2,
        label=f"lowest smoothed loss: {result.best_learning_rate:.2g}",
    )
    ax.axvline(
        result.suggested_learning_rate,
        color="tab:green",
        ls="--",
        lw=1.5,
        label=f"suggested (a tenth): {result.suggested_learning_rate:.2g}",
    )
    ax.set_xscale("log")
    start = result.smoothed_losses[0] if len(result.smoothed_losses) else 1.0
    finite_values = result.losses[finite]
    low = float(np.min(finite_values)) if finite_values.size else 0.0
    ax.set_ylim(max(0.0, low * 0.8), max(start * 1.6, low * 2))
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    ax.set_title("learning-rate finder" + (" (stopped: loss diverged)" if result.diverged else ""))
    ax.legend(fontsize=8)
    return fig


# --- a short training run that may diverge --------------------------------------------------


class StopOnDivergence(keras.callbacks.Callback):
    """Stop when a batch's running loss is not finite or exceeds ``factor`` × its first value."""

    def __init__(self, factor: float = 3.0):
        super().__init__()
        self.factor = factor
        self.first_loss: float | None = None
        self.diverged = False

    def on_train_batch_end(self, batch, logs=None):
        loss = float(logs["loss"])
        if self.first_loss is None:
            self.first_loss = loss
        if not math.isfinite(loss) or loss > self.factor * self.first_loss:
            self.diverged = True
            self.model.stop_training = True


class BatchLossRecorder(keras.callbacks.Callback):
    """Record each batch's own loss, recovered from Keras's running mean of the epoch.

    After batch k the log holds the mean over the n_k samples seen so far, so the batch's
    loss is (n_k·mean_k − n_(k−1)·mean_(k−1)) / (n_k − n_(k−1)).
    """

    def __init__(self, batch_size: int, n_samples: int):
        super().__init__()
        self.batch_size = batch_size
        self.n_samples = n_samples
        self.losses: list[float] = []
        self._seen = 0
        self._total = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._seen, self._total = 0, 0.0

    def on_train_batch_end(self, batch, logs=None):
        size = min(self.batch_size, self.n_samples - self._seen)
        self._seen += size
        total = float(logs["loss"]) * self._seen
        self.losses.append((total - self._total) / size)
        self._total = total


CHANCE_ACCURACY = 0.1  # ten balanced classes
COLLAPSE_SHARE = 0.9  # a net that gives one class to ≥ 90 % of the images ignores its input


@dataclass
class TrainingRun:
    """A short run: per-batch and per-epoch numbers, and whether training diverged or collapsed.

    ``top_class_share`` is the fraction of validation images given the most common predicted
    class after training (about 0.1 for a net that discriminates, 1.0 for one that answers the
    same class whatever the image; nan when training diverged).
    """

    learning_rate: float
    history: dict[str, list[float]]
    batch_losses: list[float]
    diverged: bool
    seconds: float
    epochs: int
    steps_per_epoch: int
    top_class_share: float = float("nan")

    @property
    def final_val_accuracy(self) -> float:
        """Validation accuracy after the last epoch (nan if training diverged first)."""
        values = self.history.get("val_accuracy", [])
        return float(values[-1]) if values and not self.diverged else float("nan")

    @property
    def collapsed(self) -> bool:
        """Finished without diverging, but answers one class for (almost) every image.

        Such a net sits at chance accuracy with a loss near ln 10: typically a too-large step
        killed its ReLUs, so its output no longer depends on the input. A net that has barely
        moved (a too-low rate) is also near chance but still varies its answer: not collapsed.
        """
        return not self.diverged and self.top_class_share >= COLLAPSE_SHARE

    @property
    def outcome(self) -> str:
        """'diverged', 'collapsed to chance (…)' or 'val accuracy …', for printing."""
        if self.diverged:
            return "diverged"
        if self.collapsed:
            return (
                f"collapsed to chance (val accuracy {self.final_val_accuracy:.3f}, one class for "
                f"{self.top_class_share:.0%} of the images)"
            )
        return f"val accuracy {self.final_val_accuracy:.3f}"

    @property
    def trained(self) -> bool:
        """Neither diverged nor collapsed."""
        return not self.diverged and not self.collapsed


def top_class_share(model: keras.Model, x: np.ndarray) -> float:
    """The fraction of ``x`` that the model assigns to its most common predicted class."""
    if len(x) == 0:
        raise ValueError("x is empty; give at least one image.")
    # A direct call, not model.predict: predict traces a new function for every fresh model,
    # and TensorFlow warns about retracing after a few of them.
    outputs = [
        keras.ops.convert_to_numpy(model(x[i : i + 1024], training=False))
        for i in range(0, len(x), 1024)
    ]
    predicted = np.argmax(np.concatenate(outputs), axis=1)
    return float(np.bincount(predicted).max() / len(predicted))


def epochs_to_target(val_accuracy: Sequence[float], target: float) -> int | None:
    """The first epoch (1-based) whose validation accuracy reaches ``target``; None if none does."""
    if not 0 < target <= 1:
        raise ValueError(f"target must be an accuracy in (0, 1], got {target!r}.")
    reached = np.flatnonzero(np.asarray(val_accuracy, dtype=float) >= target)
    return int(reached[0]) + 1 if reached.size else None


def train_with_learning_rate(
    learning_rate: float,
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    epochs: int = 3,
    batch_size: int = 128,
    optimizer: str = "sgd",
    build_model: Callable[[], keras.Model] | None = None,
    seed: int = 42,
) -> TrainingRun:
    """Train a fresh small net for a few epochs; a run that blows up is reported, not raised.

    ``TerminateOnNaN`` stops a run whose loss became NaN or infinite; ``StopOnDivergence``
    stops one whose loss grew far above where it started (cross-entropy is clipped, so a
    wrecked net can sit at a large finite loss instead of NaN). A run that finishes but
    answers one class for every image is flagged as collapsed (``TrainingRun.collapsed``).
    """
    from helpers import config, models

    models.check_choice("optimizer", optimizer, ("sgd", "momentum", "adam"))
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}.")
    config.set_seed(seed)
    model = build_model() if build_model else models.build_mlp(n_hidden=2, n_neurons=64)
    if optimizer == "adam":
        opt = keras.optimizers.Adam(learning_rate=float(learning_rate))
    else:
        opt = keras.optimizers.SGD(
            learning_rate=float(learning_rate), momentum=0.9 if optimizer == "momentum" else 0.0
        )
    models.compile_classifier(model, opt)
    divergence = StopOnDivergence()
    recorder = BatchLossRecorder(batch_size, len(train[0]))
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        history = model.fit(
            *train,
            validation_data=valid,
            epochs=epochs,
            batch_size=batch_size,
            callbacks=[keras.callbacks.TerminateOnNaN(), divergence, recorder],
            verbose=0,
        )
    seconds = time.perf_counter() - start
    losses = history.history.get("loss", [])
    diverged = divergence.diverged or not all(math.isfinite(v) for v in losses)
    share = float("nan") if diverged else top_class_share(model, valid[0])
    return TrainingRun(
        learning_rate=float(learning_rate),
        history=dict(history.history),
        batch_losses=recorder.losses,
        diverged=diverged,
        seconds=seconds,
        epochs=epochs,
        steps_per_epoch=math.ceil(len(train[0]) / batch_size),
        top_class_share=share,
    )


__all__ = [
    "CHANCE_ACCURACY",
    "COLLAPSE_SHARE",
    "BatchLossRecorder",
    "LearningRateFinder",
    "LearningRateFinderResult",
    "OneCycleScheduler",
    "PowerDecay",
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
    "schedule_values",
    "smooth",
    "top_class_share",
    "train_with_learning_rate",
]
