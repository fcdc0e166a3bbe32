"""Batch normalization's bookkeeping, as notebook 04 teaches it.

``moving_average`` is the running estimate BN keeps of each unit's mean and variance for
inference; ``tests/test_batch_norm.py`` checks it against ``keras.layers.BatchNormalization``'s
moving mean on the same batches. ``plain_and_bn_step_losses`` trains a plain and a BN net at
one learning rate, step by step (the training widget of notebook 04).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers.checks import check_in_range, check_positive
from helpers.loss_tracking import sgd_step_losses


def moving_average(values: np.ndarray, momentum: float, start: float = 0.0) -> np.ndarray:
    """BN's running estimate after each batch: estimate ← ρ·estimate + (1 − ρ)·value.

    ρ is Keras's ``momentum`` (0.99 by default): the weight of the old estimate. PyTorch's
    ``momentum`` is the weight of the new value, 1 − ρ."""
    check_in_range("momentum", momentum, 0.0, 1.0)
    estimates = np.empty(len(values))
    estimate = float(start)
    for step, value in enumerate(np.asarray(values, dtype=float)):
        estimate = momentum * estimate + (1.0 - momentum) * value
        estimates[step] = estimate
    return estimates


def plain_and_bn_step_losses(
    train: tuple[np.ndarray, np.ndarray],
    learning_rate: float,
    build_model: Callable[[str | None], Any],
    epochs: int = 1,
    batch_size: int = 128,
    seed: int = 42,
) -> dict[str, np.ndarray]:
    """Train ``build_model(None)`` (plain) and ``build_model("before")`` (BN before each
    activation) with SGD, momentum 0.9, from the same seed; every step's loss of each."""
    check_positive("learning_rate", learning_rate)
    return {
        label: sgd_step_losses(
            lambda placement=placement: build_model(placement),
            train,
            learning_rate,
            epochs,
            batch_size,
            seed,
        )
        for label, placement in (("plain", None), ("BN", "before"))
    }
