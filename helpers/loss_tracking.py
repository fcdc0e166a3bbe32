"""The loss of every training step, not just of every epoch (notebooks 04–06).

Keras reports, after each batch, the *running mean* of the loss since the epoch began.
``BatchLossHistory`` turns those running means back into the loss of each batch, so a
learning curve shows the step where training blows up rather than an average that hides it.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from helpers import config, models
from helpers.checks import check_whole_number


class BatchLossHistory(keras.callbacks.Callback):
    """Record the training loss of every batch in ``self.losses`` (NaN once it is not finite).

    Keras's running mean after batch k of an epoch is ``M_k = Σ n_i L_i / Σ n_i`` (n_i
    examples in batch i), so ``L_k = (M_k N_k − M_{k−1} N_{k−1}) / n_k``. Give ``batch_size``
    and the number of training examples ``n_samples`` so that the last, smaller batch of
    each epoch is weighted exactly; without ``n_samples`` all batches count as equal.
    """

    def __init__(self, batch_size: int, n_samples: int | None = None) -> None:
        super().__init__()
        check_whole_number("batch_size", batch_size, minimum=1)
        check_whole_number("n_samples", n_samples, minimum=1, allow_none=True)
        self.batch_size, self.n_samples = batch_size, n_samples
        self.losses: list[float] = []
        self.epoch_starts: list[int] = []
        self._seen = 0
        self._previous_mean = 0.0

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self.epoch_starts.append(len(self.losses))
        self._seen, self._previous_mean = 0, 0.0

    def _batch_examples(self) -> int:
        if self.n_samples is None:
            return self.batch_size
        return max(1, min(self.batch_size, self.n_samples - self._seen))

    def on_train_batch_end(self, batch, logs=None) -> None:
        mean = float((logs or {}).get("loss", math.nan))
        size = self._batch_examples()
        seen = self._seen + size
        loss = (mean * seen - self._previous_mean * self._seen) / size
        finite = math.isfinite(mean) and math.isfinite(loss)
        self.losses.append(loss if finite else math.nan)
        self._seen, self._previous_mean = seen, mean

    def as_array(self) -> np.ndarray:
        """The losses as a float array, one entry per training step."""
        return np.asarray(self.losses, dtype=float)


def diverged(losses: np.ndarray | list[float], limit: float = 1e3) -> bool:
    """True if a loss curve ever became NaN/infinite or exceeded ``limit``."""
    values = np.asarray(losses, dtype=float)
    return bool(np.any(~np.isfinite(values)) or np.any(values > limit))


def sgd_step_losses(
    build_model: Callable[[], Any],
    train: tuple[np.ndarray, np.ndarray],
    learning_rate: float,
    epochs: int = 1,
    batch_size: int = 128,
    seed: int = 42,
    stop_at_nan: bool = False,
    **sgd_options: float,
) -> np.ndarray:
    """Seed, build, compile with SGD (momentum 0.9, plus ``sgd_options`` such as
    ``global_clipnorm``) and fit ``build_model()`` on ``train``; return every step's loss.

    ``stop_at_nan`` ends the run at the first NaN loss (Keras's ``TerminateOnNaN``, whose
    line of output is swallowed: the NaN in the curve says it)."""
    config.set_seed(seed)
    model = build_model()
    optimizer = keras.optimizers.SGD(learning_rate, momentum=0.9, **sgd_options)
    models.compile_classifier(model, optimizer)
    losses = BatchLossHistory(batch_size, n_samples=len(train[0]))
    callbacks = [losses] + ([keras.callbacks.TerminateOnNaN()] if stop_at_nan else [])
    with contextlib.redirect_stdout(io.StringIO()):
        model.fit(*train, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=callbacks)
    return losses.as_array()


__all__ = ["BatchLossHistory", "diverged", "sgd_step_losses"]
