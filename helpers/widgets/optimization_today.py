"""Notebook 13 (optimization today): warm-up + cosine vs 1cycle, and the new optimizers
on notebook 07's 2-D surfaces. NumPy only, so a redraw is fast; the widget core (sliders,
``interactive_figure``) and the surface contours come from ``helpers.widgets``.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as ipw
import matplotlib.pyplot as plt
import numpy as np

from helpers import modern_opt
from helpers import optimizers2d as opt2d
from helpers.schedules import one_cycle_learning_rate
from helpers.widgets.core import float_slider, interactive_figure, log_slider
from helpers.widgets.optimizers import path_and_loss_axes

NOISE_WEIGHTS = 2_000
_NOISE_SIZES: dict[int, np.ndarray] = {}


def noise_step_sizes(total_steps: int) -> np.ndarray:
    """Median and 99th percentile of |Adam's step|/η per step when gradients are pure noise
    (2,000 weights, g ~ N(0, 1), a fixed generator): shape (2, total_steps), cached."""
    if total_steps not in _NOISE_SIZES:
        noise = np.random.default_rng(0).standard_normal((total_steps, NOISE_WEIGHTS))
        sizes = modern_opt.adam_step_sizes(noise)
        _NOISE_SIZES[total_steps] = np.percentile(sizes, [50, 99], axis=1)
    return _NOISE_SIZES[total_steps]


def draw_warmup(
    warmup_fraction: float = 0.1,
    peak: float = 1e-2,
    total_steps: int = 300,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Left: warm-up + cosine and 1cycle at the same peak. Right: the size of Adam's update,
    η(t) × |step|/η, in the first steps when gradients are noise, with and without warm-up."""
    if not 0 <= warmup_fraction < 1 or not peak > 0:
        raise ValueError(
            f"need 0 ≤ warmup_fraction < 1 and peak > 0, got {warmup_fraction}, {peak}."
        )
    steps = np.arange(total_steps)
    warmup = round(warmup_fraction * total_steps)
    cosine = modern_opt.warmup_cosine(steps, peak, warmup, total_steps - warmup)
    no_warmup = modern_opt.warmup_cosine(steps, peak, 0, total_steps)
    one_cycle = one_cycle_learning_rate(steps, peak, total_steps)
    if axes is None:
        fig, (ax_rate, ax_step) = plt.subplots(1, 2, figsize=(9.0, 3.0))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.88, wspace=0.3)
    else:
        ax_rate, ax_step = axes
        fig = ax_rate.figure
    ax_rate.plot(steps, cosine, color="tab:green", lw=1.6, label=f"warm-up {warmup} + cosine")
    ax_rate.plot(steps, one_cycle, color="tab:red", lw=1.2, label="1cycle (notebook 08)")
    ax_rate.plot(steps, no_warmup, color="0.6", lw=1.0, ls="--", label="cosine, no warm-up")
    # Few, fixed ticks: laying out tick labels is most of a redraw's time.
    ax_rate.set(xlabel="step", ylabel="learning rate", ylim=(0, 1.08 * peak))
    ax_rate.set_xticks(np.linspace(0, total_steps, 4).round())
    ax_rate.set_yticks([0, peak / 2, peak], ["0", f"{peak / 2:.2g}", f"{peak:.2g}"])
    ax_rate.legend(fontsize=7, loc="upper right")
    median, top = noise_step_sizes(total_steps)
    early = slice(0, min(60, total_steps))
    # log10 values on a linear axis: a log axis's mathtext labels would triple the redraw time
    with np.errstate(divide="ignore"):
        for rate, color, label in (
            (no_warmup, "0.5", "no warm-up"),
            (cosine, "tab:green", "warm-up"),
        ):
            ax_step.plot(
                steps[early],
                np.log10(rate * top)[early],
                color=color,
                lw=1.4,
                label=f"{label}, 99th pct.",
            )
            ax_step.plot(steps[early], np.log10(rate * median)[early], color=color, lw=1.0, ls=":")
    top_tick = np.ceil(np.log10(peak))
    ax_step.set(xlabel="step (dotted: median)", ylabel="log₁₀ |update|, noise gradients")
    ax_step.set_ylim(top_tick - 3.5, top_tick + 0.3)
    ax_step.set_yticks(np.arange(top_tick - 3, top_tick + 1))
    ax_step.set_xticks([0, 20, 40, 60])
    ax_step.legend(fontsize=7, loc="lower right")
    first = slice(0, 10)
    text = (
        f"warm-up {warmup} of {total_steps} steps · peak η = {peak:.3g} · largest update in the "
        f"first 10 steps (99th pct.): {np.max((cosine * top)[first]):.2e} with warm-up, "
        f"{np.max((no_warmup * top)[first]):.2e} without"
    )
    return fig, text


def explore_warmup(warmup_fraction: float = 0.1, peak: float = 1e-2) -> ipw.VBox:
    """Sliders for the warm-up length and the peak rate over ``draw_warmup``."""
    controls = {
        "warmup_fraction": float_slider("warm-up fraction", warmup_fraction, 0.0, 0.5, 0.02),
        "peak": log_slider("peak η", peak, 1e-4, 1e-1, readout_format=".2g"),
    }
    return interactive_figure(
        draw_warmup,
        controls,
        caption="Warm-up length and peak rate: the schedule (left) and the size of Adam's first "
        "updates when its second-moment estimate is still young (right).",
    )


def draw_new_optimizers(
    surface: str = "ravine",
    learning_rate: float = 0.02,
    n_steps: int = 150,
    names: Sequence[str] = tuple(modern_opt.RULES),
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Paths of AdamW, Lion, Muon and schedule-free AdamW on a surface, and their losses."""
    s = opt2d.get_surface(surface)
    fig, ax_path, ax_loss = path_and_loss_axes(surface, axes)
    floor = s(np.array(s.minimum))
    summary = []
    for name in names:
        path = modern_opt.run_rule(name, surface, learning_rate, n_steps)
        color = modern_opt.COLORS[name]
        ax_path.plot(*path.points.T, "-", color=color, lw=1.2, label=modern_opt.LABELS[name])
        gap = np.log10(np.maximum(path.losses - floor, 1e-12))
        ax_loss.plot(gap, color=color, lw=1.2)
        summary.append(
            f"{modern_opt.LABELS[name]} "
            + ("diverged" if path.diverged else f"{path.losses[-1] - floor:.1e}")
        )
    ax_loss.legend(*ax_path.get_legend_handles_labels(), fontsize=7, loc="upper right")
    ax_path.set_title(f"{surface}: η = {learning_rate:.3g}", fontsize=9)
    ax_loss.set(xlabel="step", ylabel="log₁₀(loss − minimum)", ylim=(-8, 3), yticks=[-8, -4, 0])
    ax_loss.set_xticks(np.linspace(0, n_steps, 4).round())
    text = (
        f"surface = {surface} · η = {learning_rate:.3g} · loss above the minimum after {n_steps} "
        "steps: " + ", ".join(summary)
    )
    return fig, text


def explore_new_optimizers(surface: str = "ravine", learning_rate: float = 0.02) -> ipw.VBox:
    """A learning-rate slider and a surface menu over ``draw_new_optimizers``."""
    controls = {
        "learning_rate": log_slider("η", learning_rate, 1e-3, 0.3, readout_format=".3g"),
        "surface": ipw.Dropdown(options=list(opt2d.SURFACES), value=surface, description="surface"),
    }
    return interactive_figure(
        lambda learning_rate, surface: draw_new_optimizers(surface, learning_rate),
        controls,
        caption="Every rule here takes steps of about η whatever the gradient's size. "
        "Watch Lion's ±η staircase, and Muon's steps of fixed length.",
    )
