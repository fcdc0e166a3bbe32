"""Notebook 09 (l1, l2 and max-norm): a penalty sweep trained in advance (|w| histogram and the
weight templates), and max-norm as a projection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers import config
from helpers.checks import check_choice, check_computed, check_positive
from helpers.regularization import NEAR_ZERO
from helpers.widgets.core import float_slider, interactive_figure, selection_slider


def _template_mosaic(
    kernel: np.ndarray, image_shape: tuple[int, int], n_cols: int = 5
) -> np.ndarray:
    """Each output unit's incoming weights as an image, tiled into one array (NaN gutters)."""
    n_inputs, n_units = kernel.shape
    height, width = image_shape
    if height * width != n_inputs:
        raise ValueError(f"image_shape {image_shape} does not hold {n_inputs} weights per unit.")
    n_rows = int(np.ceil(n_units / n_cols))
    mosaic = np.full((n_rows * (height + 1) - 1, n_cols * (width + 1) - 1), np.nan)
    for unit in range(n_units):
        row, col = divmod(unit, n_cols)
        top, left = row * (height + 1), col * (width + 1)
        mosaic[top : top + height, left : left + width] = kernel[:, unit].reshape(height, width)
    return mosaic


def draw_penalty_sweep(
    sweeps: Mapping[str, Any],
    kind: str,
    strength: float,
    axes: Sequence[plt.Axes] | None = None,
    image_shape: tuple[int, int] = (28, 28),
) -> tuple[plt.Figure, str]:
    """One softmax regression of a penalty sweep: |w| histogram and its ten weight templates.

    ``sweeps`` maps "l1"/"l2" to ``helpers.regularization.PenaltySweep`` results.
    """
    check_choice("penalty kind", kind, sorted(sweeps))
    sweep = sweeps[kind]
    strengths = list(sweep.strengths)
    index = strengths.index(check_computed("strength", strength, strengths, done="trained"))
    kernel = sweep.kernels[index]
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 2.6), gridspec_kw={"width_ratios": [1, 1.6]})
        # Fixed margins: tight_layout would cost more than the rest of the redraw.
        fig.subplots_adjust(left=0.08, right=0.99, bottom=0.2, top=0.9, wspace=0.1)
    ax_hist, ax_img = axes
    fig = ax_hist.figure
    bins = np.linspace(-9, 0.5, 58)  # weights l1 has zeroed settle near 1e-5 (η decayed to 0)
    log_abs = np.log10(np.abs(kernel).ravel() + 1e-12)
    reference = sweep.kernels[int(np.argmin(sweep.strengths))]
    ref_counts, _ = np.histogram(np.log10(np.abs(reference).ravel() + 1e-12), bins=bins)
    counts, _ = np.histogram(log_abs, bins=bins)
    ax_hist.stairs(ref_counts, bins, color="0.6", label=f"λ={min(sweep.strengths):g}")
    ax_hist.stairs(
        counts,
        bins,
        fill=True,
        alpha=0.6,
        color="tab:red" if kind == "l1" else "tab:blue",
        label=f"{kind}, λ={strength:g}",
    )
    ax_hist.axvline(np.log10(NEAR_ZERO), color="k", lw=0.8, ls="--")
    ax_hist.set_xlabel("log10 |w|")
    ax_hist.set_ylabel("weights")
    ax_hist.locator_params(nbins=4)
    ax_hist.legend(loc="upper left")
    limit = float(np.abs(kernel).max()) or 1.0
    ax_img.imshow(_template_mosaic(kernel, image_shape), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax_img.set_title("weights of each class (red +, blue −)")
    ax_img.axis("off")
    near_zero = float((np.abs(kernel) < NEAR_ZERO).mean())
    text = (
        f"{kind} λ = {strength:g}: {near_zero:.1%} of weights have |w| < {NEAR_ZERO:g} · "
        f"validation accuracy {sweep.val_accuracy[index]:.3f}"
    )
    return fig, text


def explore_penalty_sweep(sweeps: Mapping[str, Any]) -> widgets.VBox:
    """Penalty kind and strength → histogram of |w| and the weight templates (precomputed)."""
    kinds = list(sweeps)
    strengths = list(sweeps[kinds[0]].strengths)
    kind = widgets.ToggleButtons(options=kinds, value=kinds[0], description="penalty")
    strength = selection_slider("strength λ", strengths, strengths[len(strengths) // 2])
    return interactive_figure(
        lambda kind, strength: draw_penalty_sweep(sweeps, kind, strength),
        {"kind": kind, "strength": strength},
        caption="l1 pushes weights to exactly zero (the pile at the left); l2 only shrinks them.",
    )


def _max_norm_demo_vectors() -> np.ndarray:
    rng = config.rng(9)
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False) + rng.uniform(0, 0.4, 12)
    lengths = np.linspace(0.3, 2.4, 12)
    rng.shuffle(lengths)
    return np.stack([lengths * np.cos(angles), lengths * np.sin(angles)], axis=1)


def draw_max_norm(
    unit_norms: np.ndarray, max_value: float, axes: Sequence[plt.Axes] | None = None
) -> tuple[plt.Figure, str]:
    """Max-norm as a projection: 2-D weight vectors onto the disc of radius r, and the
    per-unit norms of a trained (unconstrained) layer before and after projecting."""
    check_positive("max_value", max_value)
    norms = np.asarray(unit_norms, dtype=float).ravel()
    if norms.size == 0 or np.any(norms < 0):
        raise ValueError("unit_norms must be a non-empty array of norms (≥ 0).")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.0), gridspec_kw={"width_ratios": [1, 1.5]})
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.17, top=0.9, wspace=0.15)
    ax_2d, ax_hist = axes
    fig = ax_2d.figure
    vectors = _max_norm_demo_vectors()
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    projected = vectors * np.minimum(1.0, max_value / lengths)
    zeros = np.zeros(len(vectors))
    for arrows, color, width in ((vectors, "0.7", 0.006), (projected, "tab:green", 0.008)):
        ax_2d.quiver(
            zeros, zeros, arrows[:, 0], arrows[:, 1], color=color, width=width,
            angles="xy", scale_units="xy", scale=1,
        )  # fmt: skip
    theta = np.linspace(0, 2 * np.pi, 121)
    ax_2d.plot(max_value * np.cos(theta), max_value * np.sin(theta), "k--", lw=0.8)
    ax_2d.set_xlim(-2.6, 2.6)
    ax_2d.set_ylim(-2.6, 2.6)
    ax_2d.set_aspect("equal")
    ax_2d.set_xticks([])
    ax_2d.set_yticks([])
    ax_2d.set_title(f"projection onto ‖w‖ ≤ {max_value:.2f}")
    top = max(float(norms.max()), max_value) * 1.05
    bins = np.linspace(0, top, 41)
    before, _ = np.histogram(norms, bins=bins)
    after, _ = np.histogram(np.minimum(norms, max_value), bins=bins)
    ax_hist.stairs(before, bins, color="0.5", label="trained, no constraint")
    ax_hist.stairs(after, bins, fill=True, alpha=0.5, color="tab:green", label="after projection")
    ax_hist.axvline(max_value, color="k", ls="--", lw=0.8)
    ax_hist.set_xlabel("‖w‖₂ of a unit's incoming weights")
    ax_hist.set_ylabel("units")
    ax_hist.locator_params(nbins=5)
    ax_hist.legend(loc="upper right")
    clipped = int((norms > max_value).sum())
    text = (
        f"r = {max_value:.2f}: {clipped} of {norms.size} units ({clipped / norms.size:.0%}) "
        f"would be rescaled; the largest norm {norms.max():.2f} → {min(norms.max(), max_value):.2f}"
    )
    return fig, text


def explore_max_norm(unit_norms: np.ndarray, low: float = 0.25, high: float = 3.0) -> widgets.VBox:
    """Slider for the max-norm radius r over a trained layer's unit norms."""
    slider = float_slider("radius r", 1.0, low, high, 0.05)
    return interactive_figure(
        lambda max_value: draw_max_norm(unit_norms, max_value),
        {"max_value": slider},
        caption="Vectors longer than r are shrunk onto the circle; shorter ones are untouched.",
    )
