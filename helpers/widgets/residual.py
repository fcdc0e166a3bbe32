"""Notebook 12 (residual connections and normalization): depth × residual on/off ×
normalization kind, on a NumPy net.

``draw_depth_norm`` runs :func:`helpers.residual.numpy_net_signals` (forward and backward at
initialization) and draws, per layer, the activations' std and ‖∂L/∂W‖ on log scales;
``explore_depth_norm`` wires sliders to it. NumPy only: a redraw costs tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np

from helpers import residual
from helpers.widgets.core import _log10, interactive_figure

NORM_LABELS = {"none": "no norm", "batch": "BatchNorm", "layer": "LayerNorm", "rms": "RMSNorm"}
BRANCH_LABELS = {"he": "He", "scaled": "He/√L", "zero": "zero"}


def describe(residual_on: bool, norm: str, placement: str, branch: str) -> str:
    """A short name for one setting, e.g. 'residual, pre-LayerNorm, He/√L' or 'plain, BatchNorm'."""
    if not residual_on:
        return f"plain, {NORM_LABELS[norm]}"
    kind = NORM_LABELS[norm] if norm == "none" else f"{placement}-{NORM_LABELS[norm]}"
    return f"residual, {kind}, branch {BRANCH_LABELS[branch]}"


def _log_labels(ax: plt.Axes, values: np.ndarray) -> None:
    """A linear axis holding log10 values, labelled in plain numbers (cheaper than a log axis).

    It spans at least one decade, so float round-off around a constant (BN's std of exactly 1)
    is drawn as the flat line it is, not magnified into wiggles."""
    finite = values[np.isfinite(values)]
    if finite.size:
        low, high = float(finite.min()), float(finite.max())
        if high - low < 1.0:
            middle = (low + high) / 2
            low, high = middle - 0.5, middle + 0.5
        pad = 0.05 * (high - low)
        ax.set_ylim(low - pad, high + pad)
    ax.yaxis.set_major_locator(mticker.MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{10**v:.2g}"))
    ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=5, integer=True))


def draw_depth_norm(
    x: np.ndarray,
    y: np.ndarray,
    depth: int,
    residual_on: bool,
    norm: str,
    placement: str = "pre",
    branch: str = "he",
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Per layer of a fresh NumPy net on (x, y): std of h_l (left) and ‖∂L/∂W_l‖ (right)."""
    signals = residual.numpy_net_signals(x, y, depth, residual_on, norm, placement, branch)
    if axes is None:
        fig, axes = plt.subplots(
            1,
            2,
            figsize=(7.4, 2.7),
            gridspec_kw={"left": 0.1, "right": 0.97, "bottom": 0.18, "top": 0.86, "wspace": 0.3},
        )
    fig = axes[0].figure
    layers = np.arange(1, depth + 1)
    for ax, values, title, color in (
        (axes[0], _log10(signals.stds), "std of h_l (log scale)", "tab:blue"),
        (axes[1], _log10(signals.gradient_norms), "‖∂L/∂W_l‖ (log scale)", "tab:orange"),
    ):
        ax.plot(layers, values, color=color)
        ax.set_title(title)
        _log_labels(ax, values)
        ax.set_xlabel("layer l")
    norms = signals.gradient_norms
    text = (
        f"depth {depth} · {describe(residual_on, norm, placement, branch)} · std of h, "
        f"last / first layer: {signals.stds[-1] / signals.stds[0]:.3g} · ‖∂L/∂W‖ first / last "
        f"layer: {norms[0] / norms[-1]:.3g} · loss at init {signals.loss:.3g} (ln 10 = 2.30)"
    )
    return fig, text


def explore_depth_norm(x: np.ndarray, y: np.ndarray) -> widgets.VBox:
    """Depth slider, residual on/off, norm kind, pre/post placement, branch init: redraw."""

    def draw(depth, residual_on, norm, placement, branch):
        return draw_depth_norm(x, y, depth, residual_on == "residual", norm, placement, branch)

    return interactive_figure(
        draw,
        {
            "depth": widgets.IntSlider(
                value=50, min=2, max=100, description="depth", continuous_update=False
            ),
            "residual_on": widgets.ToggleButtons(options=["plain", "residual"], value="plain"),
            "norm": widgets.Dropdown(options=residual.NORM_KINDS, value="none", description="norm"),
            "placement": widgets.ToggleButtons(options=residual.PLACEMENTS, value="pre"),
            "branch": widgets.Dropdown(
                options=residual.BRANCH_INITS, value="he", description="branch init"
            ),
        },
        caption="A fresh ReLU net of width 64 on a batch of Fashion-MNIST images, at "
        "initialization. Placement and branch init only matter for residual nets. A flat right "
        "panel means every layer gets a gradient of the same size.",
    )


__all__ = ["BRANCH_LABELS", "NORM_LABELS", "describe", "draw_depth_norm", "explore_depth_norm"]
