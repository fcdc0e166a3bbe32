"""The learning-rate range test (Smith 2017) in the form of fastai's ``lr_find``.

An exponential sweep over a few hundred batches, each batch's own loss, a bias-corrected
moving average, a stop at 4× the best loss; ``plot_learning_rate_finder`` draws it on a log
axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import keras
import matplotlib.pyplot as plt
import numpy as np


def learning_rate_value(optimizer: keras.optimizers.Optimizer) -> float:
    """The optimizer's current learning rate as a float (a Variable on older Keras 3 releases).

    ``float(optimizer.learning_rate)`` raises ``TypeError`` on Keras 3.3, where the rate is a
    ``keras.Variable``; ``keras.ops.convert_to_numpy`` reads it on every backend and release.
    """
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


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
