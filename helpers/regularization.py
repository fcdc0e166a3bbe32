"""Weight penalties and constraints: measuring their effect, and a fast sweep of strengths.

The penalties themselves are Keras's (``keras.regularizers.l1``/``l2``/``L1L2``) and the
constraint is ``keras.constraints.MaxNorm``; notebook 09 writes them out in NumPy and
checks them against Keras. What lives here is measuring (how sparse, how large) and
the plumbing of the penalty-strength widget: many softmax regressions, one per
strength, trained at once in a single Keras model.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

PENALTY_KINDS = ("l1", "l2")


def near_zero_fraction(
    weights: np.ndarray | Sequence[np.ndarray], threshold: float = 1e-3
) -> float:
    """Fraction of weights with |w| < threshold (one array or a list of arrays)."""
    if threshold <= 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}.")
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
    from helpers.models import check_choice

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
) -> dict[str, PenaltySweep]:
    """Train a softmax regression per (kind, strength) in one model; {kind: PenaltySweep}.

    The loss is the *sum* of the heads' cross-entropies, so each head receives exactly
    the gradient it would get if it were trained alone (SGD + momentum 0.9).
    """
    values = _check_sweep(strengths, kinds)
    model = build_penalty_sweep_model(values, tuple(x_train.shape[1:]), kinds)
    n_heads = len(values) * len(kinds)
    model.compile(
        loss=_summed_cross_entropy,
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),
    )
    model.fit(
        x_train,
        np.repeat(np.asarray(y_train)[:, None], n_heads, axis=1),
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
    )
    probabilities = model.predict(x_valid, batch_size=2048, verbose=0)  # (n, heads, classes)
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


# --- dropout in NumPy (notebook 10) -------------------------------------------------------

DROPOUT_KINDS = ("none", "standard", "alpha")


def _check_rate(rate: float) -> float:
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1), got {rate!r}.")
    return float(rate)


def inverted_dropout(
    a: np.ndarray, rate: float, rng: np.random.Generator, training: bool = True
) -> np.ndarray:
    """Zero each entry with probability ``rate`` and divide the kept ones by 1 − rate.

    At inference (``training=False``) the input passes unchanged: the scaling during
    training already keeps every unit's expected value equal to its inference value.
    """
    rate = _check_rate(rate)
    a = np.asarray(a)
    if not training or rate == 0.0:
        return a
    keep = rng.random(a.shape) >= rate
    return np.where(keep, a / (1.0 - rate), 0.0).astype(a.dtype, copy=False)


def alpha_dropout(
    a: np.ndarray, rate: float, rng: np.random.Generator, training: bool = True
) -> np.ndarray:
    """Alpha dropout (Klambauer et al., 2017): dropped entries go to SELU's floor −λα, then
    an affine map a·x + b restores mean 0 and variance 1 for standardized inputs."""
    from helpers.activations import selu_constants

    rate = _check_rate(rate)
    a = np.asarray(a)
    if not training or rate == 0.0:
        return a
    scale, alpha = selu_constants()
    floor = -scale * alpha
    factor = ((1.0 - rate) * (1.0 + rate * floor**2)) ** -0.5
    shift = -factor * floor * rate
    keep = rng.random(a.shape) >= rate
    return (factor * np.where(keep, a, floor) + shift).astype(a.dtype, copy=False)


def selu_stack_statistics(
    rate: float,
    kind: str = "alpha",
    n_layers: int = 30,
    n_units: int = 100,
    n_samples: int = 500,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of the activations after each layer of a deep SELU net (LeCun-normal
    weights, N(0, 1) inputs) with ``kind`` dropout ("none", "standard", "alpha") before
    every layer, in training mode. Returns two arrays of length ``n_layers``."""
    from helpers.models import check_choice

    check_choice("dropout kind", kind, DROPOUT_KINDS)
    rate = _check_rate(rate)
    for name, value in (("n_layers", n_layers), ("n_units", n_units), ("n_samples", n_samples)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}.")
    means, stds = _selu_stack(
        round(rate, 10), kind, int(n_layers), int(n_units), int(n_samples), int(seed)
    )
    return np.array(means), np.array(stds)


@functools.lru_cache(maxsize=256)
def _selu_stack(
    rate: float, kind: str, n_layers: int, n_units: int, n_samples: int, seed: int
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    # Cached: a slider revisits the same few rates, and the answer depends on nothing else.
    from helpers.activations import selu

    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n_samples, n_units)).astype(np.float32)
    drop = {"none": None, "standard": inverted_dropout, "alpha": alpha_dropout}[kind]
    means, stds = np.empty(n_layers), np.empty(n_layers)
    for layer in range(n_layers):
        if drop is not None:
            a = drop(a, rate, rng)
        weights = rng.normal(0.0, 1.0 / np.sqrt(n_units), (n_units, n_units)).astype(np.float32)
        a = selu(a @ weights)
        means[layer], stds[layer] = a.mean(), a.std()
    return tuple(means.tolist()), tuple(stds.tolist())


__all__ = [
    "DROPOUT_KINDS",
    "PENALTY_KINDS",
    "PenaltySweep",
    "PerHeadPenalty",
    "alpha_dropout",
    "build_penalty_sweep_model",
    "inverted_dropout",
    "kernels",
    "near_zero_fraction",
    "penalty",
    "selu_stack_statistics",
    "train_penalty_sweep",
    "unit_norms",
]
