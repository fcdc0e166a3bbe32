"""Gradient clipping in NumPy, as notebook 05 derives it, and reading TensorBoard logs back.

The three rules Keras optimizers offer (``clipvalue``, ``clipnorm``, ``global_clipnorm``):

* by value: every component is cut to ``[-c, c]`` — the direction can change;
* by norm: a gradient longer than ``c`` is shrunk to length ``c`` — the direction is kept;
* by global norm: the gradients of all layers are shrunk by the same factor, so that
  their joint norm ``√(Σ_l ‖g_l‖²)`` is at most ``c`` — the direction of the whole step is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.checks import check_positive


def _check_threshold(threshold: float) -> None:
    check_positive("threshold", threshold)


def clip_by_value(gradient: np.ndarray, threshold: float) -> np.ndarray:
    """Cut every component to [−threshold, threshold] (Keras ``clipvalue``)."""
    _check_threshold(threshold)
    return np.clip(gradient, -threshold, threshold)


def clip_by_norm(gradient: np.ndarray, threshold: float) -> np.ndarray:
    """Shrink the gradient to norm ``threshold`` if longer (Keras ``clipnorm``, per weight)."""
    _check_threshold(threshold)
    norm = float(np.linalg.norm(gradient))
    return gradient * (threshold / norm) if norm > threshold else np.array(gradient, copy=True)


def global_norm(gradients: Sequence[np.ndarray]) -> float:
    """√(Σ ‖g_l‖²): the norm of all gradients seen as one long vector."""
    if not gradients:
        raise ValueError("gradients is empty: give at least one array.")
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in gradients)))


def clip_by_global_norm(gradients: Sequence[np.ndarray], threshold: float) -> list[np.ndarray]:
    """Shrink all gradients by one factor so their global norm is at most ``threshold``
    (Keras ``global_clipnorm``)."""
    _check_threshold(threshold)
    norm = global_norm(gradients)
    scale = min(1.0, threshold / norm) if norm > 0 else 1.0
    return [g * scale for g in gradients]


def angle_degrees(a: np.ndarray, b: np.ndarray) -> float:
    """The angle between two vectors (flattened), in degrees: 0 means the same direction."""
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"vectors differ in size: {a.size} vs {b.size}.")
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    if norms == 0:
        raise ValueError("the angle with a zero vector is undefined.")
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b) / norms, -1.0, 1.0))))


def read_scalars(log_dir: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every scalar in a TensorBoard log folder: {tag: (steps, values)}, sorted by step.

    Reads the event files ``tf.summary`` wrote (as GradientNormHistory does), so a notebook
    can check what TensorBoard will show without starting TensorBoard.
    """
    import tensorflow as tf

    folder = Path(log_dir)
    files = sorted(folder.rglob("events.out.tfevents.*"))
    if not files:
        raise ValueError(f"no TensorBoard event files under {folder}.")
    points: dict[str, list[tuple[int, float]]] = {}
    for path in files:
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.HasField("tensor"):
                    number = float(tf.make_ndarray(value.tensor))
                elif value.HasField("simple_value"):
                    number = float(value.simple_value)
                else:
                    continue
                points.setdefault(value.tag, []).append((int(event.step), number))
    return {
        tag: (np.array([s for s, _ in sorted(pairs)]), np.array([v for _, v in sorted(pairs)]))
        for tag, pairs in points.items()
    }


__all__ = [
    "angle_degrees",
    "clip_by_global_norm",
    "clip_by_norm",
    "clip_by_value",
    "global_norm",
    "read_scalars",
]


def train_with_clipping(
    train: tuple[np.ndarray, np.ndarray],
    threshold: float | None,
    build_model: Callable[[], Any],
    learning_rate: float = 0.05,
    epochs: int = 2,
    batch_size: int = 128,
    seed: int = 42,
) -> np.ndarray:
    """Train ``build_model()`` with SGD (momentum 0.9) and ``global_clipnorm=threshold``
    (``None``: no clipping, stopping at the first NaN loss); return the loss of every step."""
    # Keras only when training: the NumPy clipping above imports without it.
    from helpers.loss_tracking import sgd_step_losses

    check_positive("threshold", threshold, allow_none=True)
    clip = {} if threshold is None else {"global_clipnorm": threshold}
    return sgd_step_losses(
        build_model, train, learning_rate, epochs, batch_size, seed, threshold is None, **clip
    )
