"""Activation functions and their derivatives in NumPy, vectorized, checked against Keras.

Every function takes an array ``z`` (any shape) and returns an array of the same shape;
``<name>_derivative`` returns f'(z) elementwise. At a kink (z = 0 for ReLU and friends) the
derivative takes the left-hand slope; frameworks differ there, and it never matters in practice.

The SELU constants λ and α are not typed in: :func:`selu_constants` computes them from the
self-normalizing fixed point of Klambauer et al. (2017), and :func:`selu_moment_map` gives the
mean and variance a SELU layer outputs for a Gaussian input of any mean and variance.

``REGISTRY`` maps a name to ``(f, f_prime)`` at default parameters; :func:`get` builds the pair
for other parameters (``get("leaky_relu", alpha=0.1)``) and checks names and ranges.
:func:`near_dead_units` finds units whose slope is (nearly) zero on every input of a batch.

For the training comparison, :class:`FreshRuns` trains one compiled Keras net many times from
freshly drawn weights (other seeds, other learning rates) without tracing its training step again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from helpers.checks import check_choice, check_in_range

if TYPE_CHECKING:
    pass

Array = np.ndarray
ActivationPair = tuple[Callable[[Array], Array], Callable[[Array], Array]]

LEAKY_RELU_ALPHA_RANGE = (0.0, 1.0)
ELU_ALPHA_RANGE = (0.0, 10.0)
# RReLU's slope range in PyTorch's convention (slope ~ U(1/8, 1/3), (l + u)/2 at inference). Xu et
# al. (2015) write the negative side as z / a with a ~ U(3, 8) and use a = (3 + 8)/2 at inference:
# the same range of slopes, but a test-time slope of 1/5.5 ≈ 0.182 instead of 0.229.
RRELU_DEFAULT_RANGE = (1 / 8, 1 / 3)
RRELU_PAPER_DIVISOR_RANGE = (3.0, 8.0)
# A unit is near-dead on a batch when |f'(z)| stays below this share of the activation's peak
# slope for every example: the gradient reaching its incoming weights is then (almost) switched off.
NEAR_DEAD_SLOPE_SHARE = 0.01
GELU_TANH_COEFFICIENT = 0.044715  # Hendrycks & Gimpel (2016), tanh approximation
# Python floats, not NumPy scalars, so that float32 inputs give float32 outputs (NEP 50).
_SQRT_2_OVER_PI = float(np.sqrt(2 / np.pi))
_INV_SQRT_2PI = float(1 / np.sqrt(2 * np.pi))


def _as_array(z: object) -> Array:
    return np.asarray(z, dtype=np.result_type(np.asarray(z).dtype, np.float32))


def _check_alpha(name: str, alpha: float, allowed: tuple[float, float]) -> float:
    low, high = allowed
    return check_in_range(f"{name} α", alpha, low, high, high_closed=True)


# --- saturating: sigmoid and tanh ---------------------------------------------------------


def sigmoid(z: Array) -> Array:
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for large |z|."""
    return special.expit(_as_array(z))


def sigmoid_derivative(z: Array) -> Array:
    """σ'(z) = σ(z)(1 − σ(z)); at most 1/4, at z = 0."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z: Array) -> Array:
    """tanh(z) = 2σ(2z) − 1."""
    return np.tanh(_as_array(z))


def tanh_derivative(z: Array) -> Array:
    """tanh'(z) = 1 − tanh²(z); at most 1, at z = 0."""
    return 1 - np.tanh(_as_array(z)) ** 2


# --- rectifiers ---------------------------------------------------------------------------


def relu(z: Array) -> Array:
    """ReLU(z) = max(0, z)."""
    return np.maximum(_as_array(z), 0)


def relu_derivative(z: Array) -> Array:
    """1 for z > 0, else 0."""
    z = _as_array(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z: Array, alpha: float = 0.2) -> Array:
    """z for z > 0, αz otherwise (Maas et al., 2013).

    The default α = 0.2 is ``keras.activations.leaky_relu``'s (and ``activation="leaky_relu"``'s);
    the layer ``keras.layers.LeakyReLU`` defaults to ``negative_slope=0.3``.
    """
    alpha = _check_alpha("leaky ReLU", alpha, LEAKY_RELU_ALPHA_RANGE)
    z = _as_array(z)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_derivative(z: Array, alpha: float = 0.2) -> Array:
    """1 for z > 0, α otherwise."""
    alpha = _check_alpha("leaky ReLU", alpha, LEAKY_RELU_ALPHA_RANGE)
    z = _as_array(z)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)


def rrelu(
    z: Array,
    lower: float = RRELU_DEFAULT_RANGE[0],
    upper: float = RRELU_DEFAULT_RANGE[1],
    training: bool = False,
    rng: np.random.Generator | None = None,
) -> Array:
    """Randomized leaky ReLU (Xu et al., 2015) in PyTorch's convention: slope α ~ U(lower, upper)
    per entry in training, the mean slope (lower + upper) / 2 at inference.

    The paper draws a divisor a ~ U(3, 8) (slope 1/a) and divides by 5.5 at inference; pass
    ``lower=1/8, upper=1/3`` for the same slope range (see ``RRELU_PAPER_DIVISOR_RANGE``)."""
    if not 0 <= lower <= upper <= 1:
        raise ValueError(f"need 0 ≤ lower ≤ upper ≤ 1, got lower={lower}, upper={upper}.")
    z = _as_array(z)
    if training:
        rng = rng or np.random.default_rng()
        alpha = rng.uniform(lower, upper, size=z.shape).astype(z.dtype)
    else:
        alpha = (lower + upper) / 2
    return np.where(z > 0, z, alpha * z)


def elu(z: Array, alpha: float = 1.0) -> Array:
    """z for z > 0, α(e^z − 1) otherwise (Clevert et al., 2015)."""
    alpha = _check_alpha("ELU", alpha, ELU_ALPHA_RANGE)
    z = _as_array(z)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def elu_derivative(z: Array, alpha: float = 1.0) -> Array:
    """1 for z > 0, αe^z otherwise."""
    alpha = _check_alpha("ELU", alpha, ELU_ALPHA_RANGE)
    z = _as_array(z)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)


# --- SELU: constants from the fixed point ---------------------------------------------------


def _gaussian_pieces(mean: float, variance: float) -> dict[str, float]:
    """Truncated moments of z ~ N(mean, variance) on z > 0 and z ≤ 0 (closed form)."""
    sd = np.sqrt(variance)
    m = mean / sd
    cdf_pos, pdf = special.ndtr(m), np.exp(-0.5 * m * m) / np.sqrt(2 * np.pi)
    return {
        "p_neg": special.ndtr(-m),  # P(z ≤ 0)
        "z_pos": mean * cdf_pos + sd * pdf,  # E[z · 1(z > 0)]
        "z2_pos": (mean**2 + variance) * cdf_pos + mean * sd * pdf,  # E[z² · 1(z > 0)]
        # E[e^z · 1(z ≤ 0)] and E[e^(2z) · 1(z ≤ 0)]: complete the square in the Gaussian. In logs:
        # for a large variance e^(2ν) overflows while the product stays below 1.
        "ez_neg": np.exp(mean + variance / 2 + special.log_ndtr(-(mean + variance) / sd)),
        "e2z_neg": np.exp(2 * mean + 2 * variance + special.log_ndtr(-(mean + 2 * variance) / sd)),
    }


def selu_moment_map(
    mean: float, variance: float, scale: float | None = None, alpha: float | None = None
) -> tuple[float, float]:
    """Mean and variance of λ·ELU_α(z) for z ~ N(mean, variance): one layer's map (μ, ν) → (μ̃, ν̃).

    With ``scale``/``alpha`` left out, the computed SELU constants are used.
    """
    if variance <= 0:
        raise ValueError(f"variance must be > 0, got {variance!r}.")
    if scale is None or alpha is None:
        scale_0, alpha_0 = selu_constants()
        scale = scale_0 if scale is None else scale
        alpha = alpha_0 if alpha is None else alpha
    p = _gaussian_pieces(mean, variance)
    first = scale * (p["z_pos"] + alpha * (p["ez_neg"] - p["p_neg"]))
    neg_square = p["e2z_neg"] - 2 * p["ez_neg"] + p["p_neg"]  # E[(e^z − 1)² · 1(z ≤ 0)]
    second = scale**2 * (p["z2_pos"] + alpha**2 * neg_square)
    return float(first), float(second - first**2)


@functools.cache
def selu_constants() -> tuple[float, float]:
    """(λ, α) such that z ~ N(0, 1) gives λ·ELU_α(z) mean 0 and variance 1 exactly.

    Mean 0 fixes α (λ factors out): E[z; z>0] + α(E[e^z; z≤0] − P(z≤0)) = 0.
    Variance 1 then fixes λ: λ²(E[z²; z>0] + α²E[(e^z − 1)²; z≤0]) = 1.
    """
    p = _gaussian_pieces(0.0, 1.0)
    alpha = p["z_pos"] / (p["p_neg"] - p["ez_neg"])
    neg_square = p["e2z_neg"] - 2 * p["ez_neg"] + p["p_neg"]
    scale = 1 / np.sqrt(p["z2_pos"] + alpha**2 * neg_square)
    return float(scale), float(alpha)


def selu(z: Array) -> Array:
    """λ·ELU_α(z) with the self-normalizing λ ≈ 1.0507 and α ≈ 1.6733 (Klambauer et al., 2017)."""
    scale, alpha = selu_constants()
    return scale * elu(z, alpha)


def selu_derivative(z: Array) -> Array:
    """λ for z > 0, λαe^z otherwise."""
    scale, alpha = selu_constants()
    return scale * elu_derivative(z, alpha)


# --- smooth, non-monotonic: GELU, Swish/SiLU, Mish -----------------------------------------


def gelu(z: Array, approximate: bool = False) -> Array:
    """z·Φ(z) (Hendrycks & Gimpel, 2016); ``approximate=True`` uses the tanh formula."""
    z = _as_array(z)
    if approximate:
        inner = _SQRT_2_OVER_PI * (z + GELU_TANH_COEFFICIENT * z**3)
        return 0.5 * z * (1 + np.tanh(inner))
    return z * special.ndtr(z)


def gelu_derivative(z: Array, approximate: bool = False) -> Array:
    """Φ(z) + zφ(z) exactly, or the derivative of the tanh approximation."""
    z = _as_array(z)
    if approximate:
        c = _SQRT_2_OVER_PI
        t = np.tanh(c * (z + GELU_TANH_COEFFICIENT * z**3))
        return 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * c * (1 + 3 * GELU_TANH_COEFFICIENT * z**2)
    return special.ndtr(z) + z * np.exp(-0.5 * z * z) * _INV_SQRT_2PI


def gelu_tanh(z: Array) -> Array:
    """GELU's tanh approximation (as in the original BERT/GPT code)."""
    return gelu(z, approximate=True)


def gelu_tanh_derivative(z: Array) -> Array:
    """Derivative of GELU's tanh approximation."""
    return gelu_derivative(z, approximate=True)


def swish(z: Array, beta: float = 1.0) -> Array:
    """z·σ(βz) (Ramachandran et al., 2017); β = 1 is SiLU."""
    z = _as_array(z)
    return z * special.expit(beta * z)


def swish_derivative(z: Array, beta: float = 1.0) -> Array:
    """σ(βz) + βz·σ(βz)(1 − σ(βz))."""
    z = _as_array(z)
    s = special.expit(beta * z)
    return s + beta * z * s * (1 - s)


def silu(z: Array) -> Array:
    """SiLU(z) = z·σ(z), Swish with β = 1."""
    return swish(z, 1.0)


def silu_derivative(z: Array) -> Array:
    """σ(z)(1 + z(1 − σ(z)))."""
    return swish_derivative(z, 1.0)


def softplus(z: Array) -> Array:
    """log(1 + e^z), without overflow."""
    return np.logaddexp(0, _as_array(z))


def mish(z: Array) -> Array:
    """z·tanh(softplus(z)) (Misra, 2019)."""
    z = _as_array(z)
    return z * np.tanh(softplus(z))


def mish_derivative(z: Array) -> Array:
    """tanh(sp(z)) + z·(1 − tanh²(sp(z)))·σ(z), since sp'(z) = σ(z)."""
    z = _as_array(z)
    t = np.tanh(softplus(z))
    return t + z * (1 - t**2) * special.expit(z)


def linear(z: Array) -> Array:
    """The identity: no nonlinearity."""
    return _as_array(z)


def linear_derivative(z: Array) -> Array:
    """1 everywhere."""
    return np.ones_like(_as_array(z))


# --- registry ------------------------------------------------------------------------------

REGISTRY: dict[str, ActivationPair] = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "elu": (elu, elu_derivative),
    "selu": (selu, selu_derivative),
    "gelu": (gelu, gelu_derivative),
    "gelu_tanh": (gelu_tanh, gelu_tanh_derivative),
    "swish": (swish, swish_derivative),
    "silu": (silu, silu_derivative),
    "mish": (mish, mish_derivative),
    "linear": (linear, linear_derivative),
}
NAMES = tuple(REGISTRY)
_ALPHA_NAMES = {"leaky_relu": LEAKY_RELU_ALPHA_RANGE, "elu": ELU_ALPHA_RANGE}


def get(name: str, alpha: float | None = None) -> ActivationPair:
    """(f, f') for ``name``; ``alpha`` sets the slope of leaky_relu or the α of elu."""
    check_choice("activation", name, NAMES)
    f, f_prime = REGISTRY[name]
    if alpha is None:
        return f, f_prime
    if name not in _ALPHA_NAMES:
        raise ValueError(
            f"{name!r} takes no α; α is a parameter of {', '.join(repr(n) for n in _ALPHA_NAMES)}."
        )
    alpha = _check_alpha(name, alpha, _ALPHA_NAMES[name])
    return functools.partial(f, alpha=alpha), functools.partial(f_prime, alpha=alpha)


def function(name: str, alpha: float | None = None) -> Callable[[Array], Array]:
    """Just f for ``name`` (see :func:`get`)."""
    return get(name, alpha)[0]


def derivative(name: str, alpha: float | None = None) -> Callable[[Array], Array]:
    """Just f' for ``name`` (see :func:`get`)."""
    return get(name, alpha)[1]


# --- dead and near-dead units ----------------------------------------------------------------


def near_dead_units(
    slopes: Array, peak_slope: float, share: float = NEAR_DEAD_SLOPE_SHARE
) -> Array:
    """Boolean per unit: |f'(z)| < share · peak_slope on every example of the batch.

    ``slopes`` is f'(z) of one layer, shape (examples, units). A dead ReLU unit (slope exactly
    0 everywhere) is near-dead; so is an ELU or GELU unit whose z is very negative on every input.
    """
    slopes = np.asarray(slopes)
    if slopes.ndim != 2 or not len(slopes):
        raise ValueError(f"slopes must have shape (examples, units), got {slopes.shape}.")
    if not peak_slope > 0 or not 0 < share < 1:
        raise ValueError(f"need peak_slope > 0 and 0 < share < 1, got {peak_slope}, {share}.")
    return np.all(np.abs(slopes) < share * peak_slope, axis=0)


def __getattr__(name: str) -> object:
    """``activations.FreshRuns`` / ``activations.reinitialize`` (notebook 03 calls them from
    here) live in helpers.models: they are loaded on first use, so this NumPy module imports
    without Keras."""
    if name in ("FreshRuns", "reinitialize"):
        from helpers import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
