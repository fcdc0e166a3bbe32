"""Notebook 03 (activation functions): leaky ReLU / ELU α, Swish β, dead ReLU units, and the
depth of a self-normalizing SELU net."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers import activations, config, deep_signals
from helpers.checks import check_choice, check_positive
from helpers.widgets.core import (
    _fast_panels,
    _log10,
    _log10_axis,
    float_slider,
    interactive_figure,
    log_slider,
)

# One fixed N(0, 1) sample (seed 0, shifted by DNN_SEED): the live statistic does not jitter
# from one redraw to the next.
_STANDARD_NORMAL_SAMPLE = config.rng(0).standard_normal(20_000)
_Z_GRID = np.linspace(-4.0, 4.0, 241)


def _draw_alpha_activation(
    name: str, label: str, alpha: float, axes: Sequence[plt.Axes] | None
) -> tuple[plt.Figure, str]:
    f, f_prime = activations.get(name, alpha=alpha)
    if axes is None:
        fig, axes = _fast_panels(2, (6.4, 2.5))
    fig = axes[0].figure
    axes[0].plot(_Z_GRID, activations.relu(_Z_GRID), color="0.7", lw=1, ls="--", label="ReLU")
    axes[0].plot(_Z_GRID, f(_Z_GRID), color="tab:blue", lw=2, label=f"{label}, α={alpha:.2f}")
    axes[1].plot(_Z_GRID, f_prime(_Z_GRID), color="tab:orange", lw=2)
    axes[0].set_title("f(z)")
    axes[1].set_title("f′(z)")
    axes[1].set_ylim(-0.1, max(1.1, alpha + 0.1))
    axes[0].legend(loc="upper left")
    for ax in axes:
        ax.set_xlabel("z")
    out = f(_STANDARD_NORMAL_SAMPLE)
    text = (
        f"α = {alpha:.2f} · mean output on N(0,1): {out.mean():+.3f} · std {out.std():.3f} · "
        f"slope for z < 0: {f_prime(np.array([-1.0]))[0]:.3f} at z = −1"
    )
    return fig, text


def draw_leaky_relu(alpha: float, axes: Sequence[plt.Axes] | None = None) -> tuple[plt.Figure, str]:
    """Leaky ReLU and its derivative at slope α, and its mean/std output on N(0, 1) inputs."""
    return _draw_alpha_activation("leaky_relu", "leaky ReLU", alpha, axes)


def draw_elu(alpha: float, axes: Sequence[plt.Axes] | None = None) -> tuple[plt.Figure, str]:
    """ELU and its derivative at α, and its mean/std output on N(0, 1) inputs."""
    return _draw_alpha_activation("elu", "ELU", alpha, axes)


def explore_leaky_relu(value: float = 0.2) -> widgets.VBox:
    """Slider ``leaky ReLU α``: the curve, its derivative and the mean output on N(0, 1)."""
    slider = float_slider("leaky ReLU α", value, 0.0, 1.0, 0.01)
    return interactive_figure(
        draw_leaky_relu,
        {"alpha": slider},
        caption="α = 0 is ReLU, α = 1 is the identity. The slope for z < 0 is α: never 0 if α > 0.",
    )


def explore_elu(value: float = 1.0) -> widgets.VBox:
    """Slider ``ELU α``: the curve, its derivative and the mean output on N(0, 1)."""
    slider = float_slider("ELU α", value, 0.0, 3.0, 0.05)
    return interactive_figure(
        draw_elu,
        {"alpha": slider},
        caption="α sets the floor −α that ELU approaches for very negative z. Find the α whose "
        "mean output on N(0, 1) is 0.",
    )


def draw_alpha_family(
    name: str, alphas: Sequence[float], axes: Sequence[plt.Axes] | None = None
) -> plt.Figure:
    """Static picture beside a slider: f and f′ of leaky_relu or elu at several α, overlaid."""
    check_choice("activation", name, ("leaky_relu", "elu"))
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(7.0, 2.6))
    fig = axes[0].figure
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(alphas)))
    for alpha, color in zip(alphas, colors, strict=True):
        f, f_prime = activations.get(name, alpha=alpha)
        mean = f(_STANDARD_NORMAL_SAMPLE).mean()
        axes[0].plot(_Z_GRID, f(_Z_GRID), color=color, label=f"α={alpha:g} (mean {mean:+.2f})")
        axes[1].plot(_Z_GRID, f_prime(_Z_GRID), color=color)
    axes[0].set_title(f"{name}: f(z)")
    axes[1].set_title("f′(z)")
    axes[0].legend(fontsize=7, loc="upper left")
    for ax in axes:
        ax.set_xlabel("z")
    fig.tight_layout()
    return fig


def draw_dead_units(
    layers: Sequence[tuple[np.ndarray, np.ndarray]],
    x: np.ndarray,
    bias_shift: float,
    ax: plt.Axes | None = None,
) -> tuple[plt.Figure, str]:
    """Bars: share of dead units per layer of a trained ReLU net after shifting every bias."""
    fractions = deep_signals.dead_unit_fractions(layers, x, bias_shift)
    if ax is None:
        fig, (ax,) = _fast_panels(1, (4.4, 2.5), left=0.15)
    fig = ax.figure
    ax.bar(np.arange(1, len(fractions) + 1), fractions, color="tab:red")
    ax.set_ylim(0, 1)
    ax.set_xticks(np.arange(1, len(fractions) + 1))
    ax.set_xlabel("hidden layer")
    ax.set_ylabel("share of dead units")
    ax.set_title(f"every bias shifted by {bias_shift:+.2f}")
    sizes = [kernel.shape[1] for kernel, _ in layers]
    overall = float(np.average(fractions, weights=sizes))
    text = (
        f"bias shift = {bias_shift:+.2f} · dead units: {overall:.1%} of {sum(sizes)} · per layer: "
        + ", ".join(f"{f:.0%}" for f in fractions)
    )
    return fig, text


def explore_dead_units(
    layers: Sequence[tuple[np.ndarray, np.ndarray]], x: np.ndarray
) -> widgets.VBox:
    """Slider ``bias shift``: how a step that lowers the biases kills ReLU units."""
    slider = float_slider("bias shift", 0.0, -2.0, 1.0, 0.05)
    return interactive_figure(
        lambda bias_shift: draw_dead_units(layers, x, bias_shift),
        {"bias_shift": slider},
        caption="A large update that pushes biases down (as a too-high learning rate can) "
        "switches units off on every input: their gradient is then 0. A first-layer unit stays "
        "dead for good; a deeper one comes back only if the layers below it change.",
    )


_SELU_PROBE = config.rng(1).standard_normal((200, 100)).astype(np.float32)


def draw_selu_depth(
    input_std: float,
    weight_scale: float,
    activation: str = "selu",
    depth: int = 100,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Mean and std of every layer of a 100-layer NumPy net on N(0, input_std²) inputs.

    Weights are N(0, weight_scale / fan_in): ``weight_scale = 1`` is LeCun normal, 2 is He.
    """
    check_positive("input_std", input_std)
    check_positive("weight_scale", weight_scale)
    signals = deep_signals.numpy_mlp_signals(
        _SELU_PROBE * np.float32(input_std),
        depth=depth,
        width=100,
        activation=activation,
        init=(weight_scale, "fan_in"),
        seed=config.shifted_seed(0),
        keep_sites=False,
        backward=False,
    )
    if axes is None:
        fig, axes = _fast_panels(2, (6.6, 2.5))
    fig = axes[0].figure
    layers = np.arange(1, depth + 1)
    axes[0].axhspan(np.log10(0.8), np.log10(1.2), color="tab:green", alpha=0.15, lw=0)
    axes[0].plot(layers, _log10(signals.stds), color="tab:blue")
    _log10_axis(axes[0])
    axes[0].set_title("std of activations (log scale)")
    axes[1].axhline(0, color="k", lw=0.6)
    axes[1].plot(layers, signals.means, color="tab:orange")
    axes[1].set_title("mean of activations")
    for ax in axes:
        ax.set_xlabel("layer")
    finite = np.isfinite(signals.stds)
    low, high = (
        (signals.stds[finite].min(), signals.stds[finite].max()) if finite.any() else (np.nan,) * 2
    )
    text = (
        f"input std = {input_std:.2f} · weight scale = {weight_scale:.2f} · {activation} · "
        f"std over {depth} layers in [{low:.2g}, {high:.2g}] · last layer: "
        f"mean {signals.means[-1]:+.2f}, std {signals.stds[-1]:.2f}"
    )
    return fig, text


def explore_selu_depth() -> widgets.VBox:
    """Sliders for the input std and the weight scale of a 100-layer SELU (or ELU) net."""
    return interactive_figure(
        draw_selu_depth,
        {
            "input_std": log_slider("input std", 1.0, 0.05, 30.0, readout_format=".2f"),
            "weight_scale": float_slider("weight scale (σ²·fan_in)", 1.0, 0.25, 3.0, 0.05),
            "activation": widgets.Dropdown(options=["selu", "elu"], value="selu"),
        },
        caption="The green band is std ∈ [0.8, 1.2]. SELU with standardized inputs and LeCun "
        "weights (both 1) stays in it for 100 layers. Move the weight scale and it drifts out "
        "of the band; move the input std and the first layers leave it, but by layer 100 the "
        "net has pulled the std back to 1.",
    )


def draw_swish_beta(beta: float, axes: Sequence[plt.Axes] | None = None) -> tuple[plt.Figure, str]:
    """Swish z·σ(βz) and its derivative at β, beside GELU and ReLU."""
    if beta < 0:
        raise ValueError(f"β must be ≥ 0; got {beta!r}.")
    if axes is None:
        fig, axes = _fast_panels(2, (6.4, 2.5))
    fig = axes[0].figure
    swish = activations.swish(_Z_GRID, beta)
    gelu = activations.gelu(_Z_GRID)
    axes[0].plot(_Z_GRID, activations.relu(_Z_GRID), color="0.7", lw=1, ls="--", label="ReLU")
    axes[0].plot(_Z_GRID, gelu, color="tab:green", lw=1, label="GELU")
    axes[0].plot(_Z_GRID, swish, color="tab:blue", lw=2, label=f"Swish, β={beta:.2f}")
    axes[1].plot(_Z_GRID, activations.gelu_derivative(_Z_GRID), color="tab:green", lw=1)
    axes[1].plot(_Z_GRID, activations.swish_derivative(_Z_GRID, beta), color="tab:blue", lw=2)
    axes[0].set_title("f(z)")
    axes[1].set_title("f′(z)")
    axes[0].legend(loc="upper left")
    for ax in axes:
        ax.set_xlabel("z")
    text = (
        f"β = {beta:.2f} · max |Swish − GELU| on [−4, 4]: {np.abs(swish - gelu).max():.3f} · "
        f"lowest value {swish.min():+.3f} at z = {_Z_GRID[np.argmin(swish)]:+.2f}"
    )
    return fig, text


def explore_swish_beta(value: float = 1.0) -> widgets.VBox:
    """Slider ``Swish β``: from z/2 (β = 0) through SiLU (β = 1) and ≈ GELU (β ≈ 1.7) to ReLU."""
    return interactive_figure(
        draw_swish_beta,
        {"beta": float_slider("Swish β", value, 0.0, 8.0, 0.05)},
        caption="β = 0 gives the line z/2, a large β gives ReLU. Which β comes closest to GELU?",
    )
