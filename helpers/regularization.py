"""Weight penalties and constraints: measuring their effect, and a fast sweep of strengths.

The penalties themselves are Keras's (``keras.regularizers.l1``/``l2``/``L1L2``) and the
constraint is ``keras.constraints.MaxNorm``; notebook 09 writes them out in NumPy and
checks them against Keras. What lives here is measuring (how sparse, how large) and
the plumbing of the penalty-strength widget: many softmax regressions, one per
strength, trained at once in a single Keras model; magnitude pruning. Dropout in NumPy is in
``helpers.dropout``, the regime that really overfits in ``helpers.overfit`` (both
re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from helpers.checks import check_choice, check_positive, check_whole_number
from helpers.dropout import (  # notebook 10 calls these as regularization.…
    alpha_dropout,
    inverted_dropout,
    selu_stack_statistics,
)
from helpers.overfit import (  # notebooks 09-11 call these as regularization.…
    CONTENDER_KEYS,
    OverfitResult,
    OverfitSetup,
    build_overfit_towers,
    train_overfit_regime,
)

PENALTY_KINDS = ("l1", "l2")
NEAR_ZERO = 1e-3  # |w| below this counts as "switched off" in notebook 09


def near_zero_fraction(
    weights: np.ndarray | Sequence[np.ndarray], threshold: float = NEAR_ZERO
) -> float:
    """Fraction of weights with |w| < threshold (one array or a list of arrays)."""
    check_positive("threshold", threshold)
    arrays = [weights] if isinstance(weights, np.ndarray) else list(weights)
    if not arrays:
        raise ValueError("weights is empty: give an array or a non-empty list of arrays.")
    flat = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    return float((np.abs(flat) < threshold).mean())


def kernels(model: keras.Model) -> list[np.ndarray]:
    """The kernels (weight matrices, not biases) of every Dense layer of a model, in order."""
    found = [
        layer.get_weights()[0] for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ]
    if not found:
        raise ValueError(f"model {model.name!r} has no Dense layer.")
    return found


def unit_norms(kernel: np.ndarray, axis: int = 0) -> np.ndarray:
    """Euclidean norm of each unit's weight vector: along ``axis`` (0 = incoming weights).

    A Dense kernel has shape (n_inputs, n_units); ``axis=0`` gives one norm per unit,
    the vector ``keras.constraints.MaxNorm(axis=0)`` keeps at most ``max_value``.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be 2-D (n_inputs, n_units), got shape {kernel.shape}.")
    if axis not in (0, 1):
        raise ValueError(f"axis must be 0 (per unit) or 1 (per input), got {axis!r}.")
    return np.sqrt((kernel.astype(np.float64) ** 2).sum(axis=axis))


def penalty(kernel: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> float:
    """What ``keras.regularizers.L1L2(l1, l2)`` adds to the loss: l1·Σ|w| + l2·Σw²."""
    if l1 < 0 or l2 < 0:
        raise ValueError(f"l1 and l2 must be ≥ 0, got l1={l1!r}, l2={l2!r}.")
    w = np.asarray(kernel, dtype=np.float64)
    return float(l1 * np.abs(w).sum() + l2 * (w**2).sum())


class LargestUnitNorm(keras.callbacks.Callback):
    """The largest incoming-weight norm over all units of all Dense layers: once before
    training (``initial``) and after every ``every``-th training step (``after_step``)."""

    def __init__(self, every: int = 1) -> None:
        super().__init__()
        check_whole_number("every", every, minimum=1)
        self.every = int(every)
        self.initial = float("nan")
        self.after_step: list[float] = []
        self.steps: list[int] = []
        self._kernels: list = []
        self._step = 0

    def _largest(self) -> float:
        # On the variables, in the backend: one number per step leaves it, not the weights.
        return float(
            max(
                keras.ops.convert_to_numpy(ops.max(ops.sqrt(ops.sum(ops.square(k), axis=0))))
                for k in self._kernels
            )
        )

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._kernels = [
            layer.kernel for layer in self.model.layers if isinstance(layer, keras.layers.Dense)
        ]
        if not self._kernels:
            raise ValueError(f"model {self.model.name!r} has no Dense layer to watch.")
        self.initial = self._largest()
        self.after_step, self.steps, self._step = [], [], 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._step += 1
        if self._step % self.every == 0:
            self.after_step.append(self._largest())
            self.steps.append(self._step)


@keras.saving.register_keras_serializable(package="course")
class PerHeadPenalty(keras.regularizers.Regularizer):
    """l1/l2 penalties with one strength per block of ``n_classes`` output columns (a head)."""

    def __init__(self, l1: Sequence[float], l2: Sequence[float], n_classes: int) -> None:
        if len(l1) != len(l2):
            raise ValueError(f"l1 and l2 need one strength per head, got {len(l1)} and {len(l2)}.")
        if min(*l1, *l2) < 0:
            raise ValueError("strengths must be ≥ 0.")
        self.l1 = [float(v) for v in l1]
        self.l2 = [float(v) for v in l2]
        self.n_classes = int(n_classes)

    def __call__(self, kernel):
        l1 = ops.repeat(ops.convert_to_tensor(self.l1, dtype=kernel.dtype), self.n_classes)
        l2 = ops.repeat(ops.convert_to_tensor(self.l2, dtype=kernel.dtype), self.n_classes)
        per_column_l1 = ops.sum(ops.abs(kernel), axis=0)
        per_column_l2 = ops.sum(ops.square(kernel), axis=0)
        return ops.sum(l1 * per_column_l1) + ops.sum(l2 * per_column_l2)

    def get_config(self) -> dict[str, object]:
        return {"l1": self.l1, "l2": self.l2, "n_classes": self.n_classes}


def _summed_cross_entropy(y_true, y_pred):
    # (batch, heads) labels vs (batch, heads, classes): the sum over heads gives each head
    # exactly the gradient it would get alone, so the heads train as separate models.
    per_head = keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
    return ops.sum(per_head, axis=-1)


@dataclass(frozen=True)
class PenaltySweep:
    """Softmax regressions trained at several penalty strengths (one row per strength)."""

    kind: str
    strengths: tuple[float, ...]
    kernels: np.ndarray  # (n_strengths, n_inputs, n_classes)
    val_accuracy: np.ndarray  # (n_strengths,)

    def near_zero(self, threshold: float = 1e-3) -> np.ndarray:
        """Fraction of near-zero weights at each strength."""
        return np.array([near_zero_fraction(k, threshold) for k in self.kernels])


def _check_sweep(strengths: Sequence[float], kinds: Sequence[str]) -> list[float]:
    if not kinds:
        raise ValueError(f"kinds must name at least one of {PENALTY_KINDS!r}.")
    for kind in kinds:
        check_choice("penalty kind", kind, PENALTY_KINDS)
    values = [float(s) for s in strengths]
    if not values or min(values) < 0:
        raise ValueError(f"strengths must be a non-empty list of values ≥ 0, got {strengths!r}.")
    return values


def build_penalty_sweep_model(
    strengths: Sequence[float],
    input_shape: tuple[int, ...],
    kinds: Sequence[str] = PENALTY_KINDS,
    n_classes: int = 10,
) -> keras.Model:
    """One Dense layer holding a softmax regression (a head) per (kind, strength) pair.

    Heads are ordered kind by kind: all strengths of ``kinds[0]``, then of ``kinds[1]``.
    """
    values = _check_sweep(strengths, kinds)
    l1 = [s if kind == "l1" else 0.0 for kind in kinds for s in values]
    l2 = [s if kind == "l2" else 0.0 for kind in kinds for s in values]
    regularizer = PerHeadPenalty(l1=l1, l2=l2, n_classes=n_classes)
    n_heads = len(l1)
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(n_heads * n_classes, kernel_regularizer=regularizer, name="heads"),
            keras.layers.Reshape((n_heads, n_classes)),
            keras.layers.Softmax(axis=-1),
        ],
        name="penalty_sweep",
    )


def train_penalty_sweep(
    strengths: Sequence[float],
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_valid: np.ndarray,
    y_valid: np.ndarray,
    kinds: Sequence[str] = PENALTY_KINDS,
    epochs: int = 3,
    learning_rate: float = 0.05,
    batch_size: int = 128,
    decay_to_zero: bool = True,
) -> dict[str, PenaltySweep]:
    """Train a softmax regression per (kind, strength) in one model; {kind: PenaltySweep}.

    The loss is the *sum* of the heads' cross-entropies, so each head receives exactly
    the gradient it would get if it were trained alone (SGD + momentum 0.9). With
    ``decay_to_zero`` the learning rate falls linearly to 0 over the run: l1's constant
    push makes a weight it has zeroed jitter around 0 by about η·λ/(1 − momentum) per
    step, so only a vanishing η lets those weights settle below a fixed threshold.
    """
    values = _check_sweep(strengths, kinds)
    model = build_penalty_sweep_model(values, tuple(x_train.shape[1:]), kinds)
    n_heads = len(values) * len(kinds)
    steps = epochs * int(np.ceil(len(x_train) / batch_size))
    rate = (
        keras.optimizers.schedules.PolynomialDecay(learning_rate, steps, end_learning_rate=0.0)
        if decay_to_zero
        else learning_rate
    )
    model.compile(
        loss=_summed_cross_entropy,
        optimizer=keras.optimizers.SGD(learning_rate=rate, momentum=0.9),
        steps_per_execution=16,  # the same updates, less Python between them
    )
    model.fit(
        x_train,
        np.repeat(np.asarray(y_train)[:, None], n_heads, axis=1),
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
    )
    # Direct calls, not predict(): predict traces a new graph for every new model, and TensorFlow
    # warns about the retracing when a notebook trains several sweeps.
    probabilities = np.concatenate(
        [
            keras.ops.convert_to_numpy(model(x_valid[start : start + 2048], training=False))
            for start in range(0, len(x_valid), 2048)
        ]
    )  # (n, heads, classes)
    accuracy = (probabilities.argmax(axis=-1) == np.asarray(y_valid)[:, None]).mean(axis=0)
    kernel = model.get_layer("heads").get_weights()[0]  # (n_inputs, heads·classes)
    per_head = kernel.reshape(kernel.shape[0], n_heads, -1).transpose(1, 0, 2)
    n = len(values)
    return {
        kind: PenaltySweep(
            kind, tuple(values), per_head[i * n : (i + 1) * n], accuracy[i * n : (i + 1) * n]
        )
        for i, kind in enumerate(kinds)
    }


def split_by_magnitude(
    kernels: Sequence[np.ndarray], fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude pruning at ``fraction`` of each kernel: the |w| kept and the |w| cut (the
    ``fraction`` smallest of every layer, by its own quantile), over all kernels."""
    if not kernels:
        raise ValueError("kernels is empty: give the hidden layers' kernels.")
    kept_parts, cut_parts = [], []
    for kernel in kernels:
        magnitude = np.abs(np.asarray(kernel)).ravel()
        threshold = np.quantile(magnitude, fraction) if fraction > 0 else -np.inf
        kept_parts.append(magnitude[magnitude >= threshold])
        cut_parts.append(magnitude[magnitude < threshold])
    return np.concatenate(kept_parts), np.concatenate(cut_parts)


__all__ = [
    "CONTENDER_KEYS",
    "PENALTY_KINDS",
    "OverfitResult",
    "OverfitSetup",
    "PenaltySweep",
    "PerHeadPenalty",
    "alpha_dropout",
    "build_overfit_towers",
    "build_penalty_sweep_model",
    "inverted_dropout",
    "kernels",
    "near_zero_fraction",
    "penalty",
    "selu_stack_statistics",
    "split_by_magnitude",
    "train_overfit_regime",
    "train_penalty_sweep",
    "unit_norms",
]
