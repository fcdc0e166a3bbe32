"""Notebook 08 (learning-rate schedules): four schedules under shared knobs, and a short training
run at a learning rate picked by the reader (on a button press)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers import schedules
from helpers.checks import check_whole_number
from helpers.schedules import schedule_curves
from helpers.widgets.core import float_slider, interactive_figure, log_slider, show_figure

SCHEDULE_COLORS = {
    "power": "tab:blue",
    "exponential": "tab:orange",
    "piecewise": "tab:green",
    "1cycle": "tab:red",
}


def draw_schedules(
    initial_learning_rate: float = 0.1,
    decay_steps: int = 1000,
    power: float = 1.0,
    decay_rate: float = 0.1,
    total_steps: int = 4300,
    steps_per_epoch: int = 430,
    ax: plt.Axes | None = None,
) -> tuple[plt.Figure, str]:
    """Power, exponential, piecewise-constant and 1cycle schedules over a run, step by step."""
    check_whole_number("decay_steps", decay_steps, minimum=1)
    curves = schedule_curves(initial_learning_rate, decay_steps, power, decay_rate, total_steps)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 3.0))
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.16, top=0.9)
    else:
        fig = ax.figure
    epochs = np.arange(total_steps) / steps_per_epoch
    for name, values in curves.items():
        ax.plot(epochs, values, color=SCHEDULE_COLORS[name], lw=1.6, label=name)
    ax.axvline(decay_steps / steps_per_epoch, color="0.6", ls=":", lw=1)
    ax.set_ylim(0, initial_learning_rate * 1.08)
    ax.set_xlabel(f"epoch ({steps_per_epoch} steps each)")
    ax.set_ylabel("learning rate")
    ax.set_title(
        f"η₀ = {initial_learning_rate:.3g}, s = {decay_steps}, c = {power:.2f}, "
        f"r = {decay_rate:.2f}",
        fontsize=9,
    )
    ax.legend(fontsize=8, loc="upper right")
    finals = ", ".join(f"{name} {values[-1]:.1e}" for name, values in curves.items())
    text = (
        f"initial learning rate = {initial_learning_rate:.3g} · decay steps s = {decay_steps} · "
        f"power c = {power:.2f} · decay rate r = {decay_rate:.2f} · "
        f"learning rate at the last step: {finals}"
    )
    return fig, text


def explore_schedules(
    initial_learning_rate: float = 0.1,
    decay_steps: int = 1000,
    power: float = 1.0,
    decay_rate: float = 0.1,
    total_steps: int = 4300,
    steps_per_epoch: int = 430,
) -> widgets.VBox:
    """Sliders for η₀, s, c and r over the four schedules (NumPy and Keras schedules only)."""
    controls = {
        "initial_learning_rate": log_slider(
            "initial learning rate", initial_learning_rate, 1e-3, 1.0, readout_format=".3g"
        ),
        "decay_steps": widgets.IntSlider(
            value=decay_steps,
            min=100,
            max=total_steps,
            step=100,
            description="decay steps s",
            continuous_update=False,
            style={"description_width": "initial"},
        ),
        "power": float_slider("power c", power, 0.25, 3.0, 0.25),
        "decay_rate": float_slider("decay rate r", decay_rate, 0.01, 0.9, 0.01),
    }
    return interactive_figure(
        lambda **values: draw_schedules(
            **values, total_steps=total_steps, steps_per_epoch=steps_per_epoch
        ),
        controls,
        caption="Each schedule is a function of the step. s moves the dotted line: power "
        "halves η at t = s (for c = 1), exponential and piecewise multiply it by r there.",
    )


def draw_training_run(run: Any, axes: Sequence[plt.Axes] | None = None) -> tuple[plt.Figure, str]:
    """A short run's loss per batch (left) and validation accuracy per epoch (right)."""
    if axes is None:
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(7.6, 2.8))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.88, wspace=0.25)
    else:
        ax_loss, ax_acc = axes
        fig = ax_loss.figure
    losses = np.asarray(run.batch_losses, dtype=float)
    batches = np.arange(1, len(losses) + 1) / max(run.steps_per_epoch, 1)
    collapsed = bool(getattr(run, "collapsed", False))
    color = "tab:red" if run.diverged else "tab:orange" if collapsed else "tab:blue"
    ax_loss.plot(batches, np.where(np.isfinite(losses), losses, np.nan), color=color, lw=0.8)
    ax_loss.set_ylim(0, 3.5)
    ax_loss.set_xlim(0, max(run.epochs, 1))
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss of each batch")
    accuracy = run.history.get("val_accuracy", [])
    ax_acc.plot(np.arange(1, len(accuracy) + 1), accuracy, "o-", color=color)
    ax_acc.set_ylim(0, 1)
    ax_acc.set_xlim(0.5, max(run.epochs, 1) + 0.5)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("validation accuracy")
    title = f"learning rate {run.learning_rate:.3g}"
    label = "diverged" if run.diverged else "collapsed to chance" if collapsed else None
    if run.diverged:
        text = (
            f"learning rate = {run.learning_rate:.3g} · diverged after {len(losses)} batches: "
            f"the loss blew up, so training was stopped ({run.seconds:.1f} s)"
        )
    elif collapsed:
        text = (
            f"learning rate = {run.learning_rate:.3g} · collapsed to chance: validation accuracy "
            f"{run.final_val_accuracy:.3f} after {len(accuracy)} epochs, the net gives one class "
            f"to {run.top_class_share:.0%} of the images, its loss sits near ln 10 ≈ 2.30 "
            f"({run.seconds:.1f} s)"
        )
        ax_loss.axhline(np.log(10), color="0.5", ls=":", lw=1)
        ax_acc.axhline(0.1, color="0.5", ls=":", lw=1)
    if label:
        for ax in (ax_loss, ax_acc):
            ax.text(
                0.5,
                0.5,
                label,
                transform=ax.transAxes,
                ha="center",
                va="center",
                color=color,
                fontsize=16 if run.diverged else 13,
                alpha=0.8,
            )
        title += f" — {label}"
    else:
        text = (
            f"learning rate = {run.learning_rate:.3g} · validation accuracy "
            f"{run.final_val_accuracy:.3f} after {len(accuracy)} epochs ({run.seconds:.1f} s)"
        )
    ax_loss.set_title(title, fontsize=9)
    return fig, text


def explore_learning_rate_training(
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    epochs: int = 3,
    learning_rate: float = 0.1,
) -> widgets.VBox:
    """A learning-rate slider and a "train" button: a few seconds of real training per click."""
    slider = log_slider("learning rate", learning_rate, 1e-4, 100.0, readout_format=".3g")
    optimizer = widgets.Dropdown(
        options=["sgd", "momentum", "adam"], value="sgd", description="optimizer"
    )
    button = widgets.Button(description="train", button_style="primary", icon="play")
    output = widgets.Output()

    def on_click(_: object = None) -> None:
        button.disabled = True
        output.clear_output(wait=True)
        with output:
            print(f"training {epochs} epochs on {len(train[0]):,} images…")
        try:
            run = schedules.train_with_learning_rate(
                slider.value, train, valid, epochs=epochs, optimizer=optimizer.value
            )
            fig, text = draw_training_run(run)
            output.clear_output(wait=True)
            with output:
                print(text)
                show_figure(fig)
        finally:
            button.disabled = False

    button.on_click(on_click)
    return widgets.VBox(
        [
            widgets.HTML(
                "<i>Pick a learning rate, press <b>train</b>: a fresh net trains for "
                f"{epochs} epochs on {len(train[0]):,} images. Too high, and it says "
                "<b>diverged</b> (the loss blew up) or <b>collapsed to chance</b> (it "
                "finished, but gives one class to almost every image).</i>"
            ),
            widgets.HBox([slider, optimizer, button]),
            output,
        ]
    )
