"""A short training run at one learning rate that may blow up (notebook 08's train button).

``train_with_learning_rate`` reports "diverged" or "collapsed to chance" instead of failing;
``epochs_to_target`` reads a learning curve.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keras
import numpy as np

from helpers import config, models
from helpers.checks import check_choice, check_positive
from helpers.loss_tracking import BatchLossHistory


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
    check_choice("optimizer", optimizer, ("sgd", "momentum", "adam"))
    check_positive("learning_rate", learning_rate)
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
    recorder = BatchLossHistory(batch_size, n_samples=len(train[0]))
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
        batch_losses=recorder.losses,  # NaN where a step's loss was not finite
        diverged=diverged,
        seconds=seconds,
        epochs=epochs,
        steps_per_epoch=math.ceil(len(train[0]) / batch_size),
        top_class_share=share,
    )
