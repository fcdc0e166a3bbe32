"""The loss of every training step, not just of every epoch (notebooks 04–06).

Keras reports, after each batch, the *running mean* of the loss since the epoch began.
``BatchLossHistory`` turns those running means back into the loss of each batch, so a
learning curve shows the step where training blows up rather than an average that hides it.
"""

from __future__ import annotations

import math

import keras
import numpy as np


class BatchLossHistory(keras.callbacks.Callback):
    """Record the training loss of every batch in ``self.losses`` (NaN once it is not finite).

    Keras's running mean after batch k of an epoch is ``M_k = Σ n_i L_i / Σ n_i`` (n_i
    examples in batch i), so ``L_k = (M_k N_k − M_{k−1} N_{k−1}) / n_k``. Give ``batch_size``
    and the number of training examples ``n_samples`` so that the last, smaller batch of
    each epoch is weighted exactly; without ``n_samples`` all batches count as equal.
    """

    def __init__(self, batch_size: int, n_samples: int | None = None) -> None:
        super().__init__()
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a whole number ≥ 1, got {batch_size!r}.")
        if n_samples is not None and (not isinstance(n_samples, int) or n_samples < 1):
            raise ValueError(f"n_samples must be a whole number ≥ 1 or None, got {n_samples!r}.")
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


__all__ = ["BatchLossHistory", "diverged"]
