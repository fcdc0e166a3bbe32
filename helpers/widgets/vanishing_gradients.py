"""Notebook 01 (vanishing and exploding gradients): depth, init std and activation of a fresh
NumPy MLP against the gradient norm of each layer."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers import deep_signals
from helpers.checks import check_choice
from helpers.widgets.core import _fast_panels, _log10, _log10_axis, interactive_figure, log_slider

GRADIENT_FLOW_ACTIVATIONS = (
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "swish",
)


def draw_gradient_flow(
    x: np.ndarray,
    y: np.ndarray,
    depth: int,
    init_std: float,
    activation: str,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """‖∂L/∂W‖ per layer and the share of saturated units, for a fresh NumPy MLP on (x, y).

    Every hidden layer has 100 units and N(0, init_std²) weights; the output layer is Glorot.
    """
    check_choice("activation", activation, GRADIENT_FLOW_ACTIVATIONS)
    signals = deep_signals.numpy_mlp_signals(
        x, depth=depth, width=100, activation=activation, init=init_std, y=y, keep_sites=False
    )
    norms = signals.gradient_norms
    if axes is None:
        fig, axes = _fast_panels(2, (7.0, 2.6), left=0.1)
    fig = axes[0].figure
    layers = np.arange(1, depth + 2)
    axes[0].plot(layers[:-1], _log10(norms[:-1]), "o-", ms=3, color="tab:blue", label="hidden")
    axes[0].plot(layers[-1:], _log10(norms[-1:]), "s", color="tab:red", label="output")
    _log10_axis(axes[0])
    axes[0].set_title("‖∂L/∂W‖ per layer (log scale)")
    axes[0].legend(loc="upper left")
    axes[1].bar(layers[:-1], signals.fraction_saturated, color="tab:purple")
    axes[1].set_ylim(0, 1)
    axes[1].set_title("share of units with f′(z) < 10 % of max")
    for ax in axes:
        ax.set_xlabel("layer")
    text = (
        f"depth = {depth} · init std = {init_std:.3f} · {activation} · ‖∂L/∂W‖ first / last "
        f"hidden layer: {_norm_ratio(norms[0], norms[depth - 1])} · "
        f"saturated: {signals.fraction_saturated.mean():.0%}"
    )
    return fig, text


def _norm_ratio(first: float, last: float) -> str:
    """first / last as text, naming the cases a float division cannot show."""
    if not (np.isfinite(first) and np.isfinite(last)):
        return "not a number (the signal overflowed to inf or NaN)"
    if last == 0:
        return "∞ (the last layer's gradient is exactly 0)"
    return f"{first / last:.1e}"


def explore_gradient_flow(x: np.ndarray, y: np.ndarray) -> widgets.VBox:
    """Sliders for depth and init std and a menu of activations: gradient norm per layer."""
    return interactive_figure(
        lambda depth, init_std, activation: draw_gradient_flow(x, y, depth, init_std, activation),
        {
            "depth": widgets.IntSlider(
                value=10, min=2, max=30, description="depth", continuous_update=False
            ),
            "init_std": log_slider("init std", 1.0, 0.01, 3.0, readout_format=".3f"),
            "activation": widgets.Dropdown(
                options=GRADIENT_FLOW_ACTIVATIONS, value="sigmoid", description="activation"
            ),
        },
        caption="For 100 units per layer, Glorot's std is 0.1 and He's 0.14. A flat line on the "
        "left means every layer learns at the same pace.",
    )
