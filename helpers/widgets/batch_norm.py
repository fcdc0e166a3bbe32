"""Notebook 04 (batch normalization): the momentum of BN's moving mean, and a plain net against
a BN net at a learning rate picked by the reader (trains on a button press)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers import batch_norm
from helpers.checks import check_positive
from helpers.widgets.core import float_slider, interactive_figure, log_slider, training_widget


def draw_bn_momentum(
    batch_values: np.ndarray,
    momentum: float,
    target: float,
    start: float = 0.0,
    steps_per_epoch: int | None = None,
    axes: plt.Axes | None = None,
) -> tuple[plt.Figure, str]:
    """One unit's batch means and the moving average BN keeps of them, for one momentum."""
    estimates = batch_norm.moving_average(batch_values, momentum, start)
    steps = np.arange(1, len(batch_values) + 1)
    own_figure = axes is None
    if axes is None:
        fig, axes = plt.subplots(figsize=(5.6, 2.8))
    fig = axes.figure
    axes.plot(steps, batch_values, color="0.75", lw=0.8, label="batch mean μ_B")
    axes.plot(steps, estimates, color="tab:blue", lw=2, label="moving mean")
    axes.axhline(target, color="tab:red", ls="--", lw=1, label="mean over all data")
    if steps_per_epoch:
        for boundary in range(steps_per_epoch, len(steps), steps_per_epoch):
            axes.axvline(boundary, color="k", ls=":", lw=0.6)
    axes.set_title(f"momentum ρ = {momentum:g}")
    axes.set_xlabel("training step")
    axes.legend(loc="lower right", fontsize=7)
    # the start value's weight ρ^t is ≤ 1 % from the first whole t ≥ ln 0.01 / ln ρ on
    fade = int(np.ceil(np.log(0.01) / np.log(momentum) - 1e-9)) if momentum > 0 else 1
    error = abs(estimates[-1] - target)
    text = (
        f"ρ = {momentum:g}: averages ≈ {1 / (1 - momentum):.0f} batches; the start value fades "
        f"to 1 % after {fade} steps; after {len(steps)} steps the estimate is off by "
        f"{error:.3f} (batch means spread ±{np.std(batch_values):.3f})"
    )
    if own_figure:
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.17, top=0.9)  # tight_layout: too slow
    return fig, text


def explore_bn_momentum(
    batch_values: np.ndarray, target: float, start: float = 0.0, steps_per_epoch: int | None = None
) -> widgets.VBox:
    """A momentum slider over BN's moving mean of one unit (NumPy only: instant redraws)."""
    slider = float_slider("momentum ρ", 0.99, 0.5, 0.999, 0.001, readout_format=".3f")
    return interactive_figure(
        lambda momentum: draw_bn_momentum(batch_values, momentum, target, start, steps_per_epoch),
        {"momentum": slider},
        caption="Low ρ: quick but noisy. High ρ: smooth but slow to forget where it started.",
    )


def draw_bn_learning_rate(
    train: tuple[np.ndarray, np.ndarray],
    learning_rate: float,
    build_model: Callable[[str | None], Any],
    epochs: int = 1,
    batch_size: int = 128,
    seed: int = 42,
    axes: plt.Axes | None = None,
    curves: Mapping[str, np.ndarray] | None = None,
) -> tuple[plt.Figure, str]:
    """A plain and a BN net trained at one learning rate (SGD, momentum 0.9): step losses.

    ``build_model(batch_norm)`` must return an uncompiled classifier for ``None`` (plain)
    and ``"before"`` (BN before each activation). The nets are compared by their training
    loss over the last 10 steps: after a few dozen steps BN's moving averages (momentum
    0.99) are still far from the data's statistics, so an inference-mode validation score
    would judge the moving averages, not the learning rate. ``curves`` ({"plain": losses,
    "BN": losses}, e.g. from runs already made) draws those step losses instead of training.
    """
    check_positive("learning_rate", learning_rate)
    if curves is not None and set(curves) != {"plain", "BN"}:
        raise ValueError(f"curves must have the keys 'plain' and 'BN'; got {sorted(curves)}.")
    if curves is None:
        curves = batch_norm.plain_and_bn_step_losses(
            train, learning_rate, build_model, epochs, batch_size, seed
        )
    own_figure = axes is None
    if axes is None:
        fig, axes = plt.subplots(figsize=(5.6, 2.8))
    fig = axes.figure
    summary = []
    for label, color in (("plain", "tab:blue"), ("BN", "tab:orange")):
        curve = np.asarray(curves[label], dtype=float)
        final = float(np.mean(curve[-10:]))  # NaN if the run blew up
        steps = np.arange(1, len(curve) + 1)
        axes.plot(steps, curve, color=color, lw=1, label=f"{label}: final loss {final:.2f}")
        summary.append(f"{label} net: loss over the last 10 steps {final:.3f}")
    axes.axhline(np.log(10), color="k", ls=":", lw=0.8, label="chance (ln 10)")
    axes.set_yscale("log")
    axes.set_title(f"learning rate {learning_rate:g}")
    axes.set_xlabel("training step")
    axes.set_ylabel("batch loss")
    axes.legend(fontsize=7)
    if own_figure:
        fig.tight_layout()
    return fig, f"learning rate {learning_rate:g}: " + " · ".join(summary)


def explore_bn_learning_rate(
    train: tuple[np.ndarray, np.ndarray],
    build_model: Callable[[str | None], Any],
    epochs: int = 1,
) -> widgets.VBox:
    """Pick a learning rate, press Train: a plain and a BN net train side by side (~2–4 s)."""
    slider = log_slider("learning rate", 0.05, 1e-3, 2.0, readout_format=".3f")
    return training_widget(
        lambda learning_rate: draw_bn_learning_rate(
            train, learning_rate, build_model, epochs=epochs
        ),
        {"learning_rate": slider},
        caption="Raise the learning rate until the plain net's loss flies off; watch the BN net.",
    )
