"""Notebook 06 (reusing pretrained layers): how many task-B examples, from scratch against
reused layers (trains on a button press)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers import transfer
from helpers.widgets.core import training_widget

TRANSFER_SIZES = (10, 20, 50, 100, 200, 500, 1000)


def draw_transfer_size(
    train_pool: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    size: int,
    build_scratch: Callable[[], Any],
    build_reused: Callable[[], Any],
    seed: int = 0,
    axes: plt.Axes | None = None,
) -> tuple[plt.Figure, str]:
    """Train task B from scratch and on reused layers with ``size`` examples (one seed), for
    about the same number of steps whatever the size (``TransferRecipe.for_steps``)."""
    scratch, head_only, reused = transfer.scratch_and_reused_on_subset(
        train_pool, valid, size, build_scratch, build_reused, seed
    )
    own_figure = axes is None
    if axes is None:
        fig, axes = plt.subplots(figsize=(4.6, 2.6))
    fig = axes.figure
    labels = ["from scratch", "reused:\nhead only", "reused:\nfine-tuned"]
    values = [scratch, head_only, reused]
    bars = axes.bar(labels, values, color=["tab:blue", "tab:gray", "tab:orange"])
    axes.bar_label(bars, fmt="%.3f", fontsize=8)
    axes.set(ylim=(0.5, 1.0), ylabel="validation accuracy")
    axes.set_title(f"{size} examples of task B (seed {seed})")
    if own_figure:
        fig.tight_layout()
    text = (
        f"{size} examples, seed {seed}: from scratch {scratch:.3f} · reused, head only "
        f"{head_only:.3f} · reused, fine-tuned {reused:.3f} (gain {100 * (reused - scratch):+.1f} "
        "points)"
    )
    return fig, text


def explore_transfer_size(
    train_pool: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    build_scratch: Callable[[], Any],
    build_reused: Callable[[], Any],
) -> widgets.VBox:
    """Choose how many task-B examples to train on (and a seed), press Train (~2–5 s)."""
    size = widgets.SelectionSlider(
        options=list(TRANSFER_SIZES), value=200, description="B examples", continuous_update=False
    )
    seed = widgets.IntSlider(value=0, min=0, max=9, description="seed", continuous_update=False)
    return training_widget(
        lambda size, seed: draw_transfer_size(
            train_pool, valid, size, build_scratch, build_reused, seed=seed
        ),
        {"size": size, "seed": seed},
        caption="On this easy pair even 20 labelled images train a good net from scratch, so "
        "reuse gains little at any size; at 20 images the gain swings by a few points with the "
        "seed. Change the seed before you believe a difference.",
    )
