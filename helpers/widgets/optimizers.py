"""Notebook 07 (faster optimizers): optimizer paths on 2-D loss surfaces (NumPy), and the
(learning rate, β) map of momentum on the bowl."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from helpers import optimizers2d
from helpers.checks import check_choice
from helpers.widgets.core import float_slider, interactive_figure, log_slider

TRAJECTORY_OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
OPTIMIZER_COLORS = {
    "sgd": "tab:gray",
    "momentum": "tab:blue",
    "nesterov": "tab:cyan",
    "adagrad": "tab:brown",
    "rmsprop": "tab:orange",
    "adam": "tab:red",
    "adamax": "tab:pink",
    "nadam": "tab:purple",
    "adamw": "tab:green",
}


_SURFACE_GRIDS: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}


def _surface_grid(surface: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A 2-D surface on a grid, with log-spaced contour levels (computed once per surface)."""
    if surface in _SURFACE_GRIDS:
        return _SURFACE_GRIDS[surface]
    s = optimizers2d.get_surface(surface)
    x, y = np.meshgrid(np.linspace(*s.xlim, 120), np.linspace(*s.ylim, 100))
    z = s.loss(x, y)
    floor = s(np.array(s.minimum))
    levels = floor + np.geomspace(1e-2, max(z.max() - floor, 1.0), 12)
    _SURFACE_GRIDS[surface] = x, y, z, levels
    return _SURFACE_GRIDS[surface]


def draw_loss_surface(surface: str, ax: plt.Axes) -> None:
    """Contours of a 2-D loss surface, its start (○) and its minimum (★)."""
    s = optimizers2d.get_surface(surface)
    x, y, z, levels = _surface_grid(surface)
    ax.contour(x, y, z, levels=levels, colors="0.75", linewidths=0.7)
    ax.plot(*s.start, "o", color="black", ms=5, mfc="white")
    minima = [s.minimum, (s.minimum[0], -s.minimum[1])] if surface == "saddle" else [s.minimum]
    for point in minima:
        ax.plot(*point, "*", color="black", ms=10)
    ax.set_xlim(*s.xlim)
    ax.set_ylim(*s.ylim)
    ax.set_xticks(np.arange(np.ceil(s.xlim[0]), s.xlim[1] + 1e-9, 1 if np.ptp(s.xlim) < 5 else 2))
    ax.set_yticks(np.arange(np.ceil(s.ylim[0]), s.ylim[1] + 1e-9, 1))
    ax.set_xlabel("w₁")
    ax.set_ylabel("w₂")


def path_and_loss_axes(
    surface: str, axes: Sequence[plt.Axes] | None = None
) -> tuple[plt.Figure, plt.Axes, plt.Axes]:
    """The two panels of an optimizer race (notebooks 07 and 13): the surface's contours for
    the paths (left), an empty panel for the losses (right); or the ``axes`` given."""
    if axes is None:
        # A fixed layout and plain-text ticks: tight_layout and log-axis mathtext labels would
        # triple the time a redraw takes.
        fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(8.4, 3.2), width_ratios=(1.25, 1))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.22)
    else:
        ax_path, ax_loss = axes
        fig = ax_path.figure
    draw_loss_surface(surface, ax_path)
    return fig, ax_path, ax_loss


def _loss_gap(trajectory: Any) -> np.ndarray:
    s = optimizers2d.get_surface(trajectory.surface)
    return trajectory.losses - s(np.array(s.minimum))


def draw_optimizer_trajectories(
    surface: str = "bowl",
    learning_rate: float = 10**-1.5,
    momentum: float = 0.9,
    optimizers: Sequence[str] = TRAJECTORY_OPTIMIZERS,
    n_steps: int = 150,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Paths of several optimizers on a surface (left) and their loss per step (right).

    ``momentum`` is β of momentum and Nesterov, and β₁ of the Adam family; every
    other hyperparameter keeps its Keras default.
    """
    optimizers2d.get_surface(surface)
    for name in optimizers:
        check_choice("optimizer", name, optimizers2d.OPTIMIZERS)
    fig, ax_path, ax_loss = path_and_loss_axes(surface, axes)
    summary = []
    for name in optimizers:
        beta = {"momentum": momentum} if name in ("momentum", "nesterov") else {}
        if name in ("adam", "adamax", "nadam", "adamw"):
            beta = {"beta_1": min(momentum, 0.999)}
        trajectory = optimizers2d.run_optimizer(name, surface, learning_rate, n_steps, **beta)
        color = OPTIMIZER_COLORS[name]
        ax_path.plot(*trajectory.points.T, "-", color=color, lw=1.3, label=trajectory.label)
        gap = _loss_gap(trajectory)
        ax_loss.plot(np.log10(np.maximum(gap, 1e-12)), color=color, lw=1.3)
        final = gap[-1]
        summary.append(
            f"{trajectory.label} {'diverged' if trajectory.diverged else f'{final:.1e}'}"
        )
    ax_loss.legend(*ax_path.get_legend_handles_labels(), fontsize=7, loc="upper right", ncol=2)
    ax_path.set_title(f"{surface}: lr {learning_rate:.3g}, β {momentum:.2f}", fontsize=9)
    ax_loss.set_ylim(-8, 3)
    ax_loss.set_yticks([-8, -4, 0])
    ax_loss.set_xticks(np.linspace(0, n_steps, 4).round())
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("log₁₀(loss − minimum)")
    text = (
        f"learning rate = {learning_rate:.3g} · momentum β = {momentum:.2f} · surface = {surface}"
        f" · loss above the minimum after {n_steps} steps: " + ", ".join(summary)
    )
    return fig, text


def explore_optimizer_trajectories(
    surface: str = "bowl",
    learning_rate: float = 10**-1.5,
    momentum: float = 0.9,
    optimizers: Sequence[str] = TRAJECTORY_OPTIMIZERS,
    n_steps: int = 150,
) -> widgets.VBox:
    """Learning-rate and momentum sliders over the paths of several optimizers (NumPy only)."""
    optimizers2d.get_surface(surface)
    controls = {
        "learning_rate": log_slider(
            "learning rate", learning_rate, 1e-3, 1.0, readout_format=".3g"
        ),
        "momentum": float_slider("momentum β", momentum, 0.0, 0.99, 0.01),
        "surface": widgets.Dropdown(
            options=list(optimizers2d.SURFACES), value=surface, description="surface"
        ),
    }
    return interactive_figure(
        lambda learning_rate, momentum, surface: draw_optimizer_trajectories(
            surface, learning_rate, momentum, optimizers, n_steps
        ),
        controls,
        caption="β is the momentum of momentum and Nesterov and β₁ of Adam. "
        "Watch SGD crawl along the bowl's flat direction, and what too much β does.",
    )


def draw_momentum_phase(
    max_steps: int = 400,
    tolerance: float = 1e-3,
    marker: tuple[float, float] | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Steps momentum needs to reach the bowl's minimum, over (learning rate, β)."""
    learning_rates = np.geomspace(1e-3, 0.3, 70)
    betas = np.linspace(0.0, 0.99, 67)
    lr_grid, beta_grid = np.meshgrid(learning_rates, betas)
    steps = optimizers2d.steps_to_converge(
        lr_grid, beta_grid, tolerance=tolerance, max_steps=max_steps
    )
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.4, 3.6))
    else:
        fig = ax.figure
    never = np.ma.masked_greater_equal(steps, max_steps)  # masked cells show the grey background
    ax.set_facecolor("0.82")
    mesh = ax.pcolormesh(
        learning_rates,
        betas,
        never,
        cmap="viridis_r",
        shading="nearest",
        norm=LogNorm(vmin=max(1, steps.min()), vmax=max_steps),
    )
    fig.colorbar(mesh, ax=ax, label=f"steps to |w| < {tolerance:g} (grey: > {max_steps})")
    small, large = optimizers2d.BOWL_CURVATURES
    best_lr = 4 / (np.sqrt(small) + np.sqrt(large)) ** 2
    best_beta = ((np.sqrt(large / small) - 1) / (np.sqrt(large / small) + 1)) ** 2
    ax.plot(best_lr, best_beta, "*", color="white", mec="black", ms=12, label="theory's best")
    if marker is not None:
        ax.plot(*marker, "o", color="tab:red", mec="white", ms=7, label="your setting")
    ax.set_xscale("log")
    ax.grid(False)
    ax.set_xlabel("learning rate η")
    ax.set_ylabel("momentum β")
    ax.set_title("momentum on the bowl: steps to converge", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    return fig
