"""Notebook 11 (practical guidelines): magnitude pruning at a fraction measured in advance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_computed
from helpers.regularization import split_by_magnitude
from helpers.widgets.core import interactive_figure, selection_slider


def draw_pruning(
    kernels: Sequence[np.ndarray],
    accuracies: Mapping[float, float],
    fraction: float,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Magnitude pruning at ``fraction`` per layer: which weights are cut (log |w| histogram,
    kept vs cut) and the validation accuracy measured at each fraction (``accuracies``)."""
    fraction = check_computed("fraction", fraction, accuracies, done="measured")
    kept, cut = split_by_magnitude(kernels, fraction)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 2.8))
        fig.subplots_adjust(left=0.095, right=0.98, bottom=0.18, top=0.88, wspace=0.28)
    ax_hist, ax_curve = axes
    fig = ax_hist.figure
    bins = np.linspace(-6, 0.5, 50)
    for values, color, label in ((kept, "tab:blue", "kept"), (cut, "tab:red", "set to 0")):
        counts, _ = np.histogram(np.log10(values + 1e-12), bins=bins)
        ax_hist.stairs(counts, bins, color=color, lw=1.5, label=label)
    ax_hist.set_xlabel("log10 |w| (hidden layers)")
    ax_hist.set_ylabel("weights")
    ax_hist.legend(loc="upper left")
    ax_hist.set_title(f"pruning {fraction:.0%} of each layer")
    xs = sorted(accuracies)
    ax_curve.plot(xs, [accuracies[f] for f in xs], "o-", color="0.4")
    ax_curve.plot([fraction], [accuracies[fraction]], "o", ms=9, color="tab:red")
    ax_curve.set_xlabel("fraction of weights pruned")
    ax_curve.set_ylabel("validation accuracy")
    ax_curve.set_title("without fine-tuning")
    for ax in axes:  # few tick labels: text is most of a redraw's rendering time
        ax.locator_params(nbins=4)
    unpruned = accuracies[min(xs)]
    text = (
        f"pruned {fraction:.0%}: {len(cut):,} of {len(cut) + len(kept):,} hidden weights "
        f"set to 0 · validation accuracy {accuracies[fraction]:.3f} (unpruned {unpruned:.3f})"
    )
    return fig, text


def explore_pruning(
    kernels: Sequence[np.ndarray], accuracies: Mapping[float, float]
) -> widgets.VBox:
    """A slider over the pruned fractions measured in advance → weights cut and accuracy."""
    fractions = sorted(accuracies)
    slider = selection_slider("pruned", fractions, fractions[len(fractions) // 2], ".0%")
    return interactive_figure(
        lambda fraction: draw_pruning(kernels, accuracies, fraction),
        {"fraction": slider},
        caption="Red: the smallest weights of each layer, set to zero. A plateau, then a cliff.",
    )
