"""Notebook 05 (gradient clipping): clipping one 2-D gradient by value and by norm, and training
an unstable net with ``global_clipnorm`` (on a button press)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_positive
from helpers.clipping import angle_degrees, clip_by_norm, clip_by_value, train_with_clipping
from helpers.loss_tracking import diverged
from helpers.widgets.core import float_slider, interactive_figure, log_slider, training_widget


def draw_clipping_2d(
    gradient: Sequence[float], threshold: float, axes: plt.Axes | None = None
) -> tuple[plt.Figure, str]:
    """A 2-D gradient clipped by value (into the square) and by norm (onto the circle)."""
    g = np.asarray(gradient, dtype=float)
    if g.shape != (2,):
        raise ValueError(f"gradient must be a 2-D vector such as (3, 0.5), got shape {g.shape}.")
    by_value, by_norm = clip_by_value(g, threshold), clip_by_norm(g, threshold)
    own_figure = axes is None
    if axes is None:
        fig, axes = plt.subplots(figsize=(3.8, 3.6))
    fig = axes.figure
    vectors = np.array([g, by_value, by_norm])
    colors = ["0.3", "tab:orange", "tab:green"]
    axes.quiver(
        np.zeros(3), np.zeros(3), vectors[:, 0], vectors[:, 1], color=colors,
        angles="xy", scale_units="xy", scale=1, width=0.012,
    )  # fmt: skip
    axes.add_patch(
        plt.Rectangle((-threshold, -threshold), 2 * threshold, 2 * threshold,
                      fill=False, ls="--", color="tab:orange")
    )  # fmt: skip
    axes.add_patch(plt.Circle((0, 0), threshold, fill=False, ls="--", color="tab:green"))
    limit = 1.15 * max(np.abs(g).max(), threshold)
    axes.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal")
    axes.set_title(f"threshold c = {threshold:g}")
    for color, label in zip(colors, ("gradient g", "clip by value", "clip by norm"), strict=True):
        axes.plot([], [], color=color, lw=2, label=label)
    axes.legend(loc="lower left", fontsize=7)
    if own_figure:
        fig.subplots_adjust(left=0.15, right=0.95, bottom=0.1, top=0.9)
    turned = angle_degrees(g, by_value)
    text = (
        f"c = {threshold:g}: by value → ({by_value[0]:.2f}, {by_value[1]:.2f}), turned "
        f"{turned:.1f}°, length {np.linalg.norm(by_value):.2f} · by norm → ({by_norm[0]:.2f}, "
        f"{by_norm[1]:.2f}), turned {angle_degrees(g, by_norm):.1f}°, length "
        f"{np.linalg.norm(by_norm):.2f}"
    )
    return fig, text


def explore_clipping_2d(gradient: Sequence[float] = (3.0, 0.5)) -> widgets.VBox:
    """A threshold slider: how clipping by value and by norm change one 2-D gradient."""
    slider = float_slider("threshold c", 1.0, 0.1, 4.0, 0.1)
    return interactive_figure(
        lambda threshold: draw_clipping_2d(gradient, threshold),
        {"threshold": slider},
        caption="Clip by value cuts each component (the square); clip by norm shrinks the "
        "arrow (the circle) and keeps its direction.",
    )


def draw_clip_threshold(
    train: tuple[np.ndarray, np.ndarray],
    threshold: float,
    build_model: Callable[[], Any],
    learning_rate: float = 0.05,
    epochs: int = 2,
    reference: np.ndarray | None = None,
    losses: np.ndarray | None = None,
    axes: plt.Axes | None = None,
) -> tuple[plt.Figure, str]:
    """Train the net with ``global_clipnorm=threshold`` (or plot given ``losses``) step by step.

    ``reference`` (e.g. the unclipped run's step losses) is drawn in grey for comparison.
    """
    check_positive("threshold", threshold)
    if losses is None:
        losses = train_with_clipping(train, threshold, build_model, learning_rate, epochs)
    curve = np.asarray(losses, dtype=float)
    own_figure = axes is None
    if axes is None:
        fig, axes = plt.subplots(figsize=(5.6, 2.8))
    fig = axes.figure
    if reference is not None:
        steps = np.arange(1, len(reference) + 1)
        axes.plot(steps, reference, color="0.6", lw=1, label="no clipping")
    axes.plot(np.arange(1, len(curve) + 1), curve, color="tab:green", lw=1.2, label="clipped")
    axes.axhline(np.log(10), color="k", ls=":", lw=0.8, label="chance (ln 10)")
    axes.set(yscale="log", xlabel="training step", ylabel="batch loss")
    axes.set_title(f"global_clipnorm = {threshold:g}")
    axes.legend(fontsize=7)
    if own_figure:
        fig.tight_layout()
    final = float(np.mean(curve[-10:]))
    verdict = "diverged (NaN or > 1000)" if diverged(curve) else "finite throughout"
    text = f"global_clipnorm = {threshold:g}: {verdict}; loss over the last 10 steps {final:.3f}"
    return fig, text


def explore_clip_threshold(
    train: tuple[np.ndarray, np.ndarray],
    build_model: Callable[[], Any],
    reference: np.ndarray | None = None,
    learning_rate: float = 0.05,
    epochs: int = 2,
) -> widgets.VBox:
    """Pick a global_clipnorm threshold, press Train: the unstable net trains with it (~2–4 s)."""
    slider = log_slider("global_clipnorm", 1.0, 0.01, 1000.0, readout_format=".2f")
    return training_widget(
        lambda threshold: draw_clip_threshold(
            train, threshold, build_model, learning_rate, epochs, reference=reference
        ),
        {"threshold": slider},
        caption="Small thresholds tame the explosion but slow learning; huge ones do nothing.",
    )
