"""One plotting style for the whole course, and the figures several notebooks draw.

Plotting convention, and where each kind lives:

* ``plot_<thing>(...)`` draws a **static figure** for the text of a lesson and returns the
  figure (or fills ``ax=``/``axes=``). Figures several notebooks draw live here
  (``plot_learning_curves``, ``plot_functions_with_derivatives``, ``show_images``); a
  figure of one topic lives in that topic's module (``diagnostics.plot_colorful_dimension``,
  ``schedules.plot_learning_rate_finder``).
* ``draw_<thing>(...)`` draws **what a widget shows**: a plain function that takes the
  slider values (and optionally ``axes=``, so a notebook can draw a static grid of
  settings beside the widget) and returns a figure or ``(figure, text)``, the text being the
  live statistic printed above it. They live in ``helpers/widgets/<lesson>.py`` beside the
  ``explore_<thing>`` that wires controls to them, and compute nothing that is not drawing:
  the numbers come from the topic module.
* Saving: ``save_fig(name)`` (full mode into ``images/``, quick mode into ``.work/``).
  The style (``COURSE_STYLE``) is set once, by ``config.setup``.

Names kept although they break the convention, because notebooks call them:
``diagnostics.draw_weights`` returns a weight matrix, not a figure (notebook 02), and
``widgets.draw_loss_surface`` / ``widgets.draw_momentum_phase`` are static pictures of
notebook 07 drawn with widget code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers import config

# The style itself lives in config, which applies it in ``setup`` without importing this module
# (plots imports config, never the other way round); these names stay here for callers.
from helpers.config import COURSE_STYLE as COURSE_STYLE
from helpers.config import use_course_style as use_course_style


def images_dir() -> Path:
    """Where figures go: images/ in full mode with the default seeds; a git-ignored folder in
    quick mode or under a seed shift (DNN_SEED), so that test runs and the claims report never
    overwrite the committed figures, which come from the stored full-mode run."""
    if config.QUICK:
        folder = config.WORK_DIR / "images-quick"
    elif config.SEED_SHIFT:
        folder = config.WORK_DIR / f"images-seed-{config.SEED_SHIFT}"
    else:
        folder = config.IMAGES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_fig(name: str, fig: plt.Figure | None = None, dpi: int | None = None) -> Path:
    """Save ``fig`` (default: the current figure) as ``images/<name>.png``; return the path."""
    if not name or any(sep in name for sep in "/\\") or name.startswith("."):
        raise ValueError(
            f"name must be a plain file name such as 'sigmoid_saturation', got {name!r}."
        )
    fig = fig or plt.gcf()
    path = images_dir() / (name if name.endswith(".png") else f"{name}.png")
    fig.savefig(path, dpi=dpi)
    return path


def _history_dict(history: Any) -> Mapping[str, Sequence[float]]:
    if hasattr(history, "history"):
        return history.history
    if isinstance(history, Mapping):
        return history
    raise ValueError("history must be a keras History (what fit returns) or a dict of lists.")


def plot_learning_curves(
    history: Any,
    metrics: Sequence[str] = ("loss", "accuracy"),
    title: str | None = None,
    axes: Sequence[plt.Axes] | None = None,
    label: str | None = None,
) -> plt.Figure:
    """Training and validation curves, one panel per metric, epochs counted from 1."""
    values = _history_dict(history)
    missing = [m for m in metrics if m not in values]
    if missing:
        raise ValueError(f"history has no {missing}; it records {sorted(values)}.")
    if axes is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
        axes = axes[0]
    fig = axes[0].figure
    prefix = f"{label} " if label else ""
    for ax, metric in zip(axes, metrics, strict=True):
        epochs = np.arange(1, len(values[metric]) + 1)
        (line,) = ax.plot(epochs, values[metric], label=f"{prefix}train")
        if f"val_{metric}" in values:
            ax.plot(
                epochs,
                values[f"val_{metric}"],
                "--",
                color=line.get_color(),
                label=f"{prefix}valid",
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_functions_with_derivatives(
    functions: Mapping[
        str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]
    ],
    z: np.ndarray | None = None,
    axes: Sequence[plt.Axes] | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Plot each f(z) on the left and f'(z) on the right, from {name: (f, f_prime)}."""
    if not functions:
        raise ValueError("functions must name at least one (f, f_prime) pair.")
    z = np.linspace(-5, 5, 401) if z is None else np.asarray(z)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    fig = axes[0].figure
    for name, (f, f_prime) in functions.items():
        (line,) = axes[0].plot(z, f(z), label=name)
        axes[1].plot(z, f_prime(z), color=line.get_color(), label=name)
    axes[0].set_title("f(z)")
    axes[1].set_title("f′(z)")
    for ax in axes:
        ax.axhline(0, color="k", lw=0.6)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_xlabel("z")
    axes[0].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_images(
    images: np.ndarray,
    labels: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    n_cols: int = 8,
    predictions: Sequence[int] | None = None,
    size: float = 1.2,
) -> plt.Figure:
    """A grid of 28×28 images with their class names (and predictions in red when wrong)."""
    n = len(images)
    if n == 0:
        raise ValueError("images is empty: give at least one image.")
    n_cols = min(n_cols, n)
    n_rows = int(np.ceil(n / n_cols))
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(size * n_cols, size * 1.25 * n_rows), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap="binary")
        if labels is not None:
            name = class_names[labels[i]] if class_names is not None else str(labels[i])
            color = "black"
            if predictions is not None and predictions[i] != labels[i]:
                guess = class_names[predictions[i]] if class_names is not None else predictions[i]
                name, color = f"{name}\n(said {guess})", "crimson"
            ax.set_title(name, fontsize=8, color=color)
    fig.tight_layout()
    return fig
