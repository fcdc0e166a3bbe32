"""Dropout in NumPy, as notebook 10 builds it: inverted dropout, alpha dropout, and the
statistics of a deep SELU stack with either kind before every layer (no Keras)."""

from __future__ import annotations

import functools

import numpy as np

from helpers import config
from helpers.activations import selu, selu_constants
from helpers.checks import check_choice, check_in_range, check_whole_number

# The two kinds of dropout layer the course builds (helpers.models uses the same names).
DROPOUT_KINDS = ("standard", "alpha")
# The SELU stack also runs without dropout, as the baseline.
SELU_STACK_KINDS = ("none", *DROPOUT_KINDS)


def _check_rate(rate: float) -> float:
    return check_in_range("rate", rate, 0.0, 1.0)


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
    check_choice("dropout kind", kind, SELU_STACK_KINDS)
    rate = _check_rate(rate)
    for name, value in (("n_layers", n_layers), ("n_units", n_units), ("n_samples", n_samples)):
        check_whole_number(name, value, minimum=1)
    means, stds = _selu_stack(
        round(rate, 10), kind, int(n_layers), int(n_units), int(n_samples), int(seed)
    )
    return np.array(means), np.array(stds)


@functools.lru_cache(maxsize=256)
def _selu_stack(
    rate: float, kind: str, n_layers: int, n_units: int, n_samples: int, seed: int
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    # Cached: a slider revisits the same few rates, and the answer depends on nothing else.
    rng = config.rng(seed)
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
