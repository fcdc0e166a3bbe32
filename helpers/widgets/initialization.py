"""Notebook 02 (initialization): VarianceScaling's scale and mode against the forward and
backward signal of a deep NumPy net."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers import config, deep_signals
from helpers.checks import check_choice
from helpers.widgets.core import _fast_panels, _log10, _log10_axis, float_slider, interactive_figure

VARIANCE_SCALING_ACTIVATIONS = ("linear", "tanh", "sigmoid", "relu", "selu")
VARIANCE_SCALING_MODES = ("fan_in", "fan_out", "fan_avg")
_VARIANCE_PROBE = config.rng(2).standard_normal((128, 100)).astype(np.float32)  # DNN_SEED shifts it
# Alternating layer sizes: with equal sizes fan_in = fan_out and the modes could not differ.
ZIGZAG_WIDTHS = (200, 50)


def draw_variance_scaling(
    scale: float,
    mode: str,
    activation: str = "relu",
    depth: int = 50,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Forward std of the activations and backward std of ∂L/∂z, layer by layer, relative to
    layer 1, for a NumPy net whose weights are VarianceScaling(scale, mode)."""
    check_choice("activation", activation, VARIANCE_SCALING_ACTIVATIONS)
    widths = [ZIGZAG_WIDTHS[i % 2] for i in range(depth)]
    signals = deep_signals.numpy_mlp_signals(
        _VARIANCE_PROBE, depth, widths, activation, init=(scale, mode), keep_sites=False
    )
    forward = signals.stds / signals.stds[0]
    backward = signals.delta_stds / signals.delta_stds[-1]
    if axes is None:
        fig, axes = _fast_panels(2, (7.0, 2.6))
    fig = axes[0].figure
    layers = np.arange(1, depth + 1)
    for ax, values, title, color in (
        (axes[0], forward, "forward: std(a_l) / std(a_1)", "tab:blue"),
        (axes[1], backward, f"backward: std(δ_l) / std(δ_{depth})", "tab:orange"),
    ):
        ax.axhline(0.0, color="k", lw=0.6)
        ax.plot(layers, _log10(values), color=color)
        _log10_axis(ax)
        ax.set_title(f"{title} (log scale)")
        ax.set_xlabel("layer")
    text = (
        f"scale = {scale:.2f} · mode {mode} · {activation} · forward std ratio, layer {depth} / 1: "
        f"{forward[-1]:.2g} · backward, layer 1 / {depth}: {backward[0]:.2g}"
    )
    return fig, text


def explore_variance_scaling() -> widgets.VBox:
    """Slider for VarianceScaling's scale, buttons for its mode, a menu of activations."""
    return interactive_figure(
        draw_variance_scaling,
        {
            "scale": float_slider("scale", 1.0, 0.25, 4.0, 0.05),
            "mode": widgets.ToggleButtons(options=VARIANCE_SCALING_MODES, value="fan_avg"),
            "activation": widgets.Dropdown(options=VARIANCE_SCALING_ACTIVATIONS, value="relu"),
        },
        caption=f"Layers alternate between {ZIGZAG_WIDTHS[0]} and {ZIGZAG_WIDTHS[1]} units. "
        "At the scale that suits the activation (2 for ReLU), fan_in makes every layer's forward "
        "gain 1 and fan_out every layer's backward gain; the other side's gains cancel in pairs. "
        "fan_avg is off in both directions and its losses do not cancel: both panels fall.",
    )
