"""A deep dense net in NumPy: signals and gradients layer by layer, in milliseconds.

The sliders of notebooks 01-03 and 12 redraw from these functions (no Keras, no TensorFlow):
``numpy_mlp_signals`` runs a fresh net's forward and backward pass; ``dead_unit_fractions``
pushes a batch through trained ReLU layers. ``helpers.diagnostics`` measures the same things
on Keras models (and re-exports these names).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from helpers import activations, config
from helpers.checks import check_choice, check_positive, check_whole_number

# A unit is "saturated" for an input when its local slope f'(z) is below this share of the
# activation's steepest slope: the gradient through it is then nearly switched off.
SATURATION_SLOPE_SHARE = 0.1


@dataclass(frozen=True)
class ActivationSite:
    """One nonlinearity in the net: its name, its input z and its output a = f(z) on a batch."""

    name: str
    z: np.ndarray
    a: np.ndarray
    slope: np.ndarray  # f'(z), elementwise


INIT_MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("normal", "uniform")
# (scale, mode) of VarianceScaling: σ² = scale / fan.
INIT_SCHEMES: dict[str, tuple[float, str]] = {
    "lecun": (1.0, "fan_in"),
    "glorot": (1.0, "fan_avg"),
    "he": (2.0, "fan_in"),
}


def variance_scaling_std(
    fan_in: int, fan_out: int, scale: float = 1.0, mode: str = "fan_in"
) -> float:
    """σ = √(scale / fan), fan = fan_in, fan_out or (fan_in + fan_out) / 2 (as VarianceScaling)."""
    check_choice("mode", mode, INIT_MODES)
    check_positive("scale", scale)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return float(np.sqrt(scale / fan))


def draw_weights(
    fan_in: int,
    fan_out: int,
    std: float,
    distribution: str = "normal",
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """A float32 (fan_in, fan_out) matrix of mean 0 and std σ: N(0, σ²), or U(−r, r), r = √3·σ."""
    check_choice("distribution", distribution, DISTRIBUTIONS)
    rng = rng or np.random.default_rng()
    if distribution == "normal":
        w = rng.standard_normal((fan_in, fan_out), dtype=np.float32) * np.float32(std)
    else:
        r = np.float32(np.sqrt(3.0) * std)
        w = rng.uniform(-r, r, size=(fan_in, fan_out)).astype(np.float32)
    return w


def _layer_std(init: str | float | tuple[float, str], fan_in: int, fan_out: int) -> float:
    if isinstance(init, str):
        if init not in INIT_SCHEMES:
            raise ValueError(
                f"Unknown init {init!r}; choose one of {', '.join(map(repr, INIT_SCHEMES))}, "
                "a standard deviation, or a (scale, mode) pair."
            )
        return variance_scaling_std(fan_in, fan_out, *INIT_SCHEMES[init])
    if isinstance(init, tuple):
        return variance_scaling_std(fan_in, fan_out, *init)
    return check_positive("a weight std", init)


@dataclass(frozen=True)
class DeepSignals:
    """What a NumPy MLP did on one batch: per hidden layer statistics and gradient norms."""

    means: np.ndarray  # mean of the outputs a_l, per hidden layer
    stds: np.ndarray  # std of a_l
    fraction_saturated: np.ndarray  # share of entries with f'(z) < 10 % of the peak slope
    delta_stds: np.ndarray  # std of ∂L/∂z_l: the backward signal
    gradient_norms: np.ndarray  # ‖∂L/∂W_l‖, first layer first (the output layer last, if any)
    sites: list[ActivationSite]  # z, a, f'(z) per hidden layer (empty if keep_sites=False)
    weights: list[np.ndarray]  # the kernels drawn, first layer first (output layer last, if any)


def _forward_backward(x, widths, f, f_prime, init, distribution, y, n_outputs, seed, backward):
    """The NumPy net's passes (see numpy_mlp_signals); returns its arrays as a tuple."""
    depth = len(widths)
    rng = config.rng(seed)  # shifted by DNN_SEED like every seed of the course
    h = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    inputs, zs, slopes, outs, weights = [], [], [], [], []
    for fan_out in widths:
        fan_in = h.shape[1]
        w = draw_weights(fan_in, fan_out, _layer_std(init, fan_in, fan_out), distribution, rng)
        inputs.append(h)
        z = h @ w
        h = f(z)
        weights.append(w)
        zs.append(z)
        slopes.append(f_prime(z) if backward else np.full_like(z, np.nan))
        outs.append(h)
    means = np.array([a.mean(dtype=np.float64) for a in outs])
    stds = np.array([a.std(dtype=np.float64) for a in outs])
    if not backward:
        nothing = np.full(depth, np.nan)
        return zs, outs, slopes, weights, nothing, nothing, means, stds
    norms = []
    if y is not None:
        w_out = draw_weights(
            widths[-1],
            n_outputs,
            variance_scaling_std(widths[-1], n_outputs, 1.0, "fan_avg"),
            "normal",
            rng,
        )
        logits = h @ w_out
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(p)), np.asarray(y)] -= 1.0
        upstream = p / len(p)  # ∂L/∂logits
        output_norm = float(np.linalg.norm(h.T @ upstream))
        weights.append(w_out)
        grad_a = upstream @ w_out.T
    else:
        output_norm = None
        grad_a = rng.standard_normal(h.shape, dtype=np.float32)
    delta_stds = np.empty(depth)
    for layer in range(depth - 1, -1, -1):
        delta = grad_a * slopes[layer]
        delta_stds[layer] = delta.std()
        norms.append(float(np.linalg.norm(inputs[layer].T @ delta)))
        grad_a = delta @ weights[layer].T
    gradient_norms = np.array(norms[::-1] + ([output_norm] if output_norm is not None else []))
    return zs, outs, slopes, weights, gradient_norms, delta_stds, means, stds


def numpy_mlp_signals(
    x: np.ndarray,
    depth: int,
    width: int | Sequence[int] = 100,
    activation: str = "tanh",
    init: str | float | tuple[float, str] = "glorot",
    distribution: str = "normal",
    y: np.ndarray | None = None,
    n_outputs: int = 10,
    alpha: float | None = None,
    seed: int = 0,
    keep_sites: bool = True,
    backward: bool = True,
) -> DeepSignals:
    """Forward and backward pass of a fresh dense net (zero biases) in NumPy, layer by layer.

    ``width`` is one layer size for all ``depth`` hidden layers, or a list of ``depth`` sizes
    (unequal sizes are where fan_in, fan_out and fan_avg differ).

    ``init`` is a scheme (``'lecun'``, ``'glorot'``, ``'he'``), one std for every hidden layer
    (the naive N(0, σ²)), or a VarianceScaling ``(scale, mode)`` pair. With labels ``y``
    the net ends in a Glorot softmax layer of ``n_outputs`` and the loss is the mean cross
    entropy; without, the backward pass starts from ∂L/∂a_L ~ N(0, 1) (a random linear loss).
    ``backward=False`` runs the forward pass only (slopes, saturation, gradients are NaN).
    ``seed`` draws the weights through ``config.rng``, so ``DNN_SEED`` shifts it.
    """
    check_whole_number("depth", depth, minimum=1)
    widths = [width] * depth if isinstance(width, (int, np.integer)) else list(width)
    if len(widths) != depth or any(int(w) < 1 for w in widths):
        raise ValueError(f"width must be a size ≥ 1 or {depth} sizes ≥ 1, got {width!r}.")
    f, f_prime = activations.get(activation, alpha)
    grid = np.linspace(-10, 10, 2001, dtype=np.float32)
    peak = float(np.max(np.abs(f_prime(grid))))
    # An exploding net overflows float32 to inf/nan on purpose: that is the lesson, not a bug.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        signals = _forward_backward(
            x, widths, f, f_prime, init, distribution, y, n_outputs, seed, backward
        )
    zs, outs, slopes, weights, gradient_norms, delta_stds, means, stds = signals
    saturated = np.array(
        [np.mean(np.abs(s) < SATURATION_SLOPE_SHARE * peak) if backward else np.nan for s in slopes]
    )
    sites = (
        [
            ActivationSite(f"layer_{i + 1}", z, a, s)
            for i, (z, a, s) in enumerate(zip(zs, outs, slopes, strict=True))
        ]
        if keep_sites
        else []
    )
    return DeepSignals(means, stds, saturated, delta_stds, gradient_norms, sites, weights)


def dead_unit_fractions(
    layers: Sequence[tuple[np.ndarray, np.ndarray]], x: np.ndarray, bias_shift: float = 0.0
) -> np.ndarray:
    """Share of dead units per ReLU layer on batch ``x``, with every bias moved by ``bias_shift``.

    ``layers`` is [(kernel, bias), …] of the hidden Dense layers; a unit is dead when its
    output is 0 for every example of the batch.
    """
    h = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    fractions = []
    for kernel, bias in layers:
        h = np.maximum(h @ kernel + (bias + np.float32(bias_shift)), 0.0)
        fractions.append(float(np.mean(np.all(h == 0, axis=0))))
    return np.array(fractions)
