"""Pictures of per-layer statistics (notebooks 01-04): activation histograms per layer (after
Glorot & Bengio 2010), gradient norm against depth, and histograms over training (the
"colorful dimension", from ``diagnostics.ActivationHistogramHistory``).

They take what ``helpers.diagnostics`` measures (activation sites, norms, a history) and draw
it; ``helpers.diagnostics`` re-exports them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_choice
from helpers.deep_signals import ActivationSite

if TYPE_CHECKING:  # annotations only: diagnostics imports this module
    from helpers.diagnostics import ActivationHistogramHistory

HISTOGRAM_QUANTITIES = ("a", "z", "slope")


def _depth_colors(n: int) -> list:
    return [plt.get_cmap("viridis")(v) for v in np.linspace(0.0, 0.9, max(n, 1))]


def plot_activation_histograms(
    sites: Sequence[ActivationSite],
    quantity: str = "a",
    bins: int = 50,
    value_range: tuple[float, float] | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    log_density: bool = False,
) -> plt.Figure:
    """Normalized histograms of every layer's activations, overlaid and colored by depth.

    In the spirit of Glorot & Bengio (2010, fig. 6): one outline per layer, dark for the
    first layer and light for the last, so a drift with depth is visible at a glance.
    ``quantity`` is ``'a'`` (outputs f(z)), ``'z'`` (pre-activations) or ``'slope'`` (f'(z)).
    """
    check_choice("quantity", quantity, HISTOGRAM_QUANTITIES)
    if not sites:
        raise ValueError("sites is empty: pass what activation_sites(model, x) returns.")
    values = [np.asarray(getattr(site, quantity)).ravel() for site in sites]
    if any(v.size == 0 for v in values):
        raise ValueError(f"some sites hold no {quantity!r} values (were slopes recorded?).")
    if value_range is None:
        low = min(float(np.percentile(v, 0.5)) for v in values)
        high = max(float(np.percentile(v, 99.5)) for v in values)
        value_range = (low, high) if high > low else (low - 1.0, low + 1.0)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 3.2))
    fig = ax.figure
    edges = np.linspace(*value_range, bins + 1)
    for site, v, color in zip(sites, values, _depth_colors(len(sites)), strict=True):
        density, _ = np.histogram(np.clip(v, *value_range), bins=edges, density=True)
        ax.stairs(density, edges, color=color, lw=1.4, label=site.name)
    labels = {"a": "activation f(z)", "z": "pre-activation z", "slope": "slope f′(z)"}
    ax.set_xlabel(labels[quantity])
    ax.set_ylabel("density")
    if log_density:
        ax.set_yscale("log")
    if len(sites) <= 8:
        ax.legend(fontsize=8)
    else:  # a long legend hides the plot: name the first and the last layer only
        ax.legend([ax.patches[0], ax.patches[-1]], [sites[0].name, sites[-1].name], fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def _as_norm_series(values: Mapping[str, float] | Sequence[float] | np.ndarray) -> np.ndarray:
    if isinstance(values, Mapping):
        return np.array(list(values.values()), dtype=float)
    return np.asarray(values, dtype=float)


def plot_gradient_norms_vs_depth(
    series: Mapping[str, Mapping[str, float] | Sequence[float] | np.ndarray],
    ax: plt.Axes | None = None,
    title: str | None = None,
    xlabel: str = "layer (1 = closest to the input)",
) -> plt.Figure:
    """‖∂L/∂W‖ of each layer against its depth, on a log scale, one line per labelled net.

    ``series`` maps a label ("N(0,1)", "Glorot", …) to what ``gradient_norms_per_layer``
    returns, or to a plain sequence of norms, first layer first.
    """
    if not series:
        raise ValueError("series is empty: give {label: gradient norms per layer}.")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 3.2))
    fig = ax.figure
    for label, values in series.items():
        norms = _as_norm_series(values)
        if norms.ndim != 1 or norms.size == 0:
            raise ValueError(f"series {label!r} must be a non-empty 1-D list of norms.")
        ax.plot(np.arange(1, norms.size + 1), norms, "o-", ms=3, label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("‖∂L/∂W‖")
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def plot_colorful_dimension(
    history: ActivationHistogramHistory,
    layers: Sequence[str] | None = None,
    axes: Sequence[plt.Axes] | None = None,
    title: str | None = None,
) -> plt.Figure:
    """One panel per layer: training step → x, activation value → y, log(1 + count) → color.

    A layer whose outputs collapse to one value shows a single bright band; a healthy
    layer shows a broad smooth glow. (The picture fastai calls the "colorful dimension".)
    """
    names = list(history.histograms) if layers is None else list(layers)
    unknown = [n for n in names if n not in history.histograms]
    if unknown or not names:
        raise ValueError(
            f"no histograms for {unknown or names}; recorded: {list(history.histograms)}."
        )
    if axes is None:
        n_cols = min(len(names), 4)
        n_rows = int(np.ceil(len(names) / n_cols))
        fig, grid = plt.subplots(
            n_rows, n_cols, figsize=(2.4 * n_cols, 2.4 * n_rows + 0.4), squeeze=False, sharey=True
        )
        axes = list(grid.flat)
        for ax in axes[len(names) :]:
            ax.axis("off")
    fig = axes[0].figure
    low, high = history.value_range
    steps = history.steps
    extent = (steps[0], steps[-1] if len(steps) > 1 else steps[0] + 1, low, high)
    for ax, name in zip(axes, names, strict=False):
        ax.imshow(
            np.log1p(history.as_image(name)),
            origin="lower",
            aspect="auto",
            extent=extent,
            cmap="viridis",
            interpolation="nearest",
        )
        ax.set_title(name, fontsize=9)
        ax.grid(False)
        ax.set_xlabel("step", fontsize=8)
    axes[0].set_ylabel("activation")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_statistics_over_training(
    history: ActivationHistogramHistory,
    statistic: str = "std",
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Figure:
    """One line per layer: how its mean, std or near-zero share moved during training."""
    allowed = ("mean", "std", "near_zero")
    check_choice("statistic", statistic, allowed)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 3.2))
    fig = ax.figure
    names = list(history.statistics)
    for name, color in zip(names, _depth_colors(len(names)), strict=True):
        ax.plot(history.steps, history.statistics[name][statistic], color=color, label=name)
    ax.set_xlabel("training step")
    ax.set_ylabel(
        {"mean": "mean activation", "std": "std of activations"}.get(
            statistic, f"share within {history.near_zero:g} of 0"
        )
    )
    if len(names) <= 8:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig
