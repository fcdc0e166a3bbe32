"""The optimizers of notebook 07 on a real net: many runs, one trace (Keras).

``helpers.optimizers2d`` holds the update rules in NumPy; this module trains Keras
classifiers with the same optimizers over seeds and learning rates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from helpers import config
from helpers.checks import check_choice, check_positive, check_whole_number
from helpers.models import Restarts
from helpers.optimizers2d import OPTIMIZERS, keras_optimizer

Array = np.ndarray

# Notebook 07 trains nine optimizers at three learning rates and three seeds each. Keras traces
# a new model's training step on its first fit, which costs more on a 2-core CPU than a short
# run itself. So each optimizer gets one compiled model, and every run resets it instead: the
# initial weights a fresh model gets for the seed, the optimizer's state as it was before the
# first step, the schedule's peak and length. Same numbers as a new model, a fraction of the time.


def _cosine_to_zero() -> Any:
    """A learning-rate schedule η(step) = η₀·½(1 + cos(π·step/total)) whose η₀ and total are
    Keras variables, so they change between runs without a new trace."""

    class CosineToZero(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self) -> None:
            self.peak = keras.Variable(1e-3, trainable=False, dtype="float32", name="peak")
            self.total = keras.Variable(1.0, trainable=False, dtype="float32", name="total")

        def __call__(self, step: Any) -> Any:
            progress = keras.ops.minimum(keras.ops.cast(step, "float32") / self.total, 1.0)
            return self.peak * 0.5 * (1.0 + keras.ops.cos(np.pi * progress))

        def get_config(self) -> dict:
            return {}

    return CosineToZero()


@dataclass(frozen=True)
class RunResult:
    """One training run: its settings, the training loss per epoch, and the loss and
    accuracy on held-out data at the end."""

    learning_rate: float
    seed: int
    loss: list[float]
    held_out_loss: float
    held_out_accuracy: float


class RepeatedTraining(Restarts):
    """One compiled Keras classifier with optimizer ``name``, trained afresh by every ``run``.

    A run starts from the weights ``build_model()`` gets after ``config.set_seed(seed)`` and
    from the optimizer's initial state (step 0, zero averages, AdaGrad's 0.1), and its
    learning rate decays from ``learning_rate`` to 0 along a half cosine over the run: the
    same training as a new model and optimizer, without Keras tracing its step again.
    ``steps_per_execution``: see ``models.Restarts`` (callbacks then see every that many batches).
    """

    def __init__(
        self,
        name: str,
        build_model: Callable[[], Any],
        *,
        steps_per_execution: int = 1,
        **hyperparameters: float,
    ):
        check_choice("optimizer", name, OPTIMIZERS)
        self.name, self.build_model = name, build_model
        self.schedule = _cosine_to_zero()
        super().__init__(
            build_model(),
            keras_optimizer(name, self.schedule, **hyperparameters),
            steps_per_execution=steps_per_execution,
        )

    def run(
        self,
        train: tuple[Array, Array],
        held_out: tuple[Array, Array],
        learning_rate: float,
        seed: int,
        epochs: int,
        batch_size: int = 256,
        callbacks: Sequence[Any] = (),
    ) -> RunResult:
        """Train from the seed's initial weights for ``epochs``, then score on ``held_out``."""
        check_positive("learning_rate", learning_rate)
        check_whole_number("epochs", epochs, minimum=1)
        self.check_callbacks(callbacks)
        config.set_seed(seed)
        self.restart(self.build_model().get_weights())
        steps_per_epoch = -(-len(train[0]) // batch_size)
        self.schedule.peak.assign(learning_rate)
        self.schedule.total.assign(float(epochs * steps_per_epoch))
        history = self.model.fit(
            *train, epochs=epochs, batch_size=batch_size, callbacks=list(callbacks), verbose=0
        )
        x_held_out, y_held_out = held_out
        probabilities = keras.ops.convert_to_numpy(self.model(x_held_out, training=False))
        picked = probabilities[np.arange(len(y_held_out)), np.asarray(y_held_out, dtype=int)]
        return RunResult(
            learning_rate=float(learning_rate),
            seed=int(seed),
            loss=[float(v) for v in history.history["loss"]],
            held_out_loss=float(-np.mean(np.log(np.maximum(picked, 1e-7)))),
            held_out_accuracy=float(np.mean(probabilities.argmax(axis=1) == y_held_out)),
        )
