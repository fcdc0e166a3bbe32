"""Interactive controls for the notebooks.

Each ``explore_<thing>(...)`` builds and returns a widget. The drawing behind it
is a plain ``draw_<thing>(...)`` function that returns a matplotlib Figure (and
accepts ``axes=`` where a static grid of settings is drawn beside the widget), so
tests and benchmarks call it directly with any slider value.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
from IPython.core.pylabtools import print_figure
from IPython.display import Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image as PILImage

# PNG compression of a redrawn figure: level 1 encodes faster than the default 6 (a redraw of
# notebook 01's gradient-flow figure: 88 ms instead of 106 ms), for slightly larger files.
PNG_COMPRESS_LEVEL = 1


def figure_png(fig: plt.Figure, pad_inches: float = 0.1) -> bytes:
    """The figure as PNG bytes, as the inline backend shows it (cropped to the tight bounding
    box plus a margin, at the figure's dpi): what a widget shows after each slider move.

    ``display(fig)`` lays the figure out twice (once to find the bounding box, once to
    draw it) and compresses hard; a redraw spent most of its time there. When all the
    artwork lies inside the figure, as in the course's widgets, one draw is enough: crop
    its pixels to the bounding box and add the margin. Otherwise (a label sticking out of
    the canvas) the inline backend's way is used, as it enlarges the canvas.
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    height, width = rgba.shape[:2]
    box = fig.get_tightbbox(canvas.get_renderer())  # inches, from the draw just done
    left, right = int(np.floor(box.x0 * fig.dpi)), int(np.ceil(box.x1 * fig.dpi))
    top = int(np.floor(height - box.y1 * fig.dpi))
    bottom = int(np.ceil(height - box.y0 * fig.dpi))
    if left < 0 or top < 0 or right > width or bottom > height:
        return print_figure(
            fig,
            "png",
            bbox_inches="tight",
            pad_inches=pad_inches,
            pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL},
        )
    pad = round(pad_inches * fig.dpi)
    background = np.asarray(mcolors.to_rgba(fig.get_facecolor(), 1.0)) * 255
    framed = np.empty((bottom - top + 2 * pad, right - left + 2 * pad, 4), np.uint8)
    framed[:] = background.round().astype(np.uint8)
    framed[pad : pad + bottom - top, pad : pad + right - left] = rgba[top:bottom, left:right]
    buffer = io.BytesIO()
    PILImage.fromarray(framed).save(buffer, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def show_figure(fig: plt.Figure) -> None:
    """Display a figure once, inside a widget's output area, then free it."""
    display(Image(data=figure_png(fig), format="png"))
    plt.close(fig)


def freeze_heap() -> None:
    """Move every object alive now out of the garbage collector's reach.

    With TensorFlow imported, a kernel holds millions of objects, and each full collection
    walks them all: 300-400 ms, and the many short-lived objects of a matplotlib redraw
    trigger one every few redraws. Objects created after this call are still collected as
    usual. Called when a widget is built, after the notebook's imports and data."""
    gc.collect()
    gc.freeze()


def interactive_figure(
    draw: Callable[..., plt.Figure | tuple[plt.Figure, str]],
    controls: Mapping[str, widgets.ValueWidget],
    caption: str | None = None,
) -> widgets.VBox:
    """Wire controls to a drawing function: every change redraws the figure below them.

    ``draw`` may return a figure, or ``(figure, text)``; the text is printed above
    the figure (a live statistic that a reader, or a browser test, can read).
    """

    def redraw(**values: Any) -> None:
        result = draw(**values)
        fig, text = result if isinstance(result, tuple) else (result, None)
        if text:
            print(text)
        show_figure(fig)

    freeze_heap()
    output = widgets.interactive_output(redraw, dict(controls))
    header = [widgets.HTML(f"<i>{caption}</i>")] if caption else []
    return widgets.VBox([*header, widgets.HBox(list(controls.values())), output])


def float_slider(
    description: str,
    value: float,
    low: float,
    high: float,
    step: float,
    readout_format: str = ".2f",
) -> widgets.FloatSlider:
    """A float slider that redraws only on release (keeps slow redraws from queueing up)."""
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        readout_format=readout_format,
        continuous_update=False,
        style={"description_width": "initial"},
    )


def log_slider(
    description: str, value: float, low: float, high: float, readout_format: str = ".1e"
) -> widgets.FloatLogSlider:
    """A log-scale slider for learning rates and other positive scales."""
    if not 0 < low < value < high or low <= 0:
        raise ValueError(f"need 0 < low < value < high, got low={low}, value={value}, high={high}.")
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=float(np.log10(low)),
        max=float(np.log10(high)),
        step=0.1,
        description=description,
        readout_format=readout_format,
        continuous_update=False,
        style={"description_width": "initial"},
    )


# --- 00 start here ------------------------------------------------------------------------


def draw_fashion_mnist_sample(
    images: np.ndarray, labels: Sequence[int], class_names: Sequence[str], index: int
) -> tuple[plt.Figure, str]:
    """One training image, large, with its label and pixel statistics."""
    if not 0 <= index < len(images):
        raise ValueError(f"index must be in [0, {len(images) - 1}], got {index}.")
    image = images[index]
    fig, (ax_img, ax_hist) = plt.subplots(1, 2, figsize=(6.4, 2.8))
    ax_img.imshow(image, cmap="binary")
    ax_img.set_title(f"#{index}: {class_names[labels[index]]}")
    ax_img.axis("off")
    ax_hist.hist(image.ravel(), bins=20, range=(0, 1), color="tab:blue")
    ax_hist.set_title("pixel values")
    ax_hist.set_xlabel("intensity")
    fig.tight_layout()
    text = (
        f"image {index}: {class_names[labels[index]]} · mean pixel {image.mean():.3f} · "
        f"{(image > 0).mean():.0%} of pixels non-zero"
    )
    return fig, text


def explore_fashion_mnist(
    images: np.ndarray, labels: Sequence[int], class_names: Sequence[str]
) -> widgets.VBox:
    """A slider over the images of a data set."""
    slider = widgets.IntSlider(
        value=0, min=0, max=len(images) - 1, description="image", continuous_update=False
    )
    return interactive_figure(
        lambda index: draw_fashion_mnist_sample(images, labels, class_names, index),
        {"index": slider},
        caption="Move the slider: every image is 28×28 grey pixels in [0, 1].",
    )


__all__ = [
    "draw_fashion_mnist_sample",
    "explore_fashion_mnist",
    "figure_png",
    "float_slider",
    "freeze_heap",
    "interactive_figure",
    "log_slider",
    "show_figure",
]


# --- 07 faster optimizers -------------------------------------------------------------------

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
    from helpers import optimizers2d

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
    from helpers import optimizers2d

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


def _loss_gap(trajectory: Any) -> np.ndarray:
    from helpers import optimizers2d

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
    from helpers import models, optimizers2d

    optimizers2d.get_surface(surface)
    for name in optimizers:
        models.check_choice("optimizer", name, optimizers2d.OPTIMIZERS)
    if axes is None:
        # A fixed layout and plain-text ticks: tight_layout and log-axis mathtext labels would
        # triple the time a redraw takes.
        fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(8.4, 3.2), width_ratios=(1.25, 1))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.22)
    else:
        ax_path, ax_loss = axes
        fig = ax_path.figure
    draw_loss_surface(surface, ax_path)
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
    from helpers import optimizers2d

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
    from matplotlib.colors import LogNorm

    from helpers import optimizers2d

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


__all__ += [
    "draw_loss_surface",
    "draw_momentum_phase",
    "draw_optimizer_trajectories",
    "explore_optimizer_trajectories",
]


# --- 08 learning-rate schedules -------------------------------------------------------------

SCHEDULE_COLORS = {
    "power": "tab:blue",
    "exponential": "tab:orange",
    "piecewise": "tab:green",
    "1cycle": "tab:red",
}


def schedule_curves(
    initial_learning_rate: float,
    decay_steps: int,
    power: float,
    decay_rate: float,
    total_steps: int,
) -> dict[str, np.ndarray]:
    """The learning rate at every step under each schedule of notebook 08, with shared knobs.

    Power: η₀/(1 + t/s)^c. Exponential: η₀·r^(t/s). Piecewise: η₀, then η₀·r after s
    steps, η₀·r² after 2s. 1cycle: up to η₀ and down again over ``total_steps``.
    """
    from helpers import schedules

    steps = np.arange(total_steps)
    return {
        "power": schedules.schedule_values(
            schedules.power_schedule(initial_learning_rate, decay_steps, power), steps
        ),
        "exponential": schedules.schedule_values(
            schedules.exponential_schedule(initial_learning_rate, decay_steps, decay_rate), steps
        ),
        "piecewise": schedules.schedule_values(
            schedules.piecewise_constant_schedule(
                [decay_steps, 2 * decay_steps],
                [
                    initial_learning_rate,
                    initial_learning_rate * decay_rate,
                    initial_learning_rate * decay_rate**2,
                ],
            ),
            steps,
        ),
        "1cycle": schedules.one_cycle_learning_rate(steps, initial_learning_rate, total_steps),
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
    if not isinstance(decay_steps, (int, np.integer)) or decay_steps < 1:
        raise ValueError(f"decay_steps must be a whole number ≥ 1, got {decay_steps!r}.")
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
    from helpers import schedules

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


__all__ += [
    "draw_schedules",
    "draw_training_run",
    "explore_learning_rate_training",
    "explore_schedules",
    "schedule_curves",
]


# --- 04 batch normalization ---------------------------------------------------------------


def training_widget(
    draw: Callable[..., plt.Figure | tuple[plt.Figure, str]],
    controls: Mapping[str, widgets.ValueWidget],
    caption: str | None = None,
    button_label: str = "Train",
) -> widgets.VBox:
    """Controls plus a button: a click runs ``draw`` (which may train a model) once.

    For drawings that take seconds, a button is kinder than redrawing on every slider move.
    """
    button = widgets.Button(description=button_label, button_style="primary")
    output = widgets.Output()

    def on_click(_: widgets.Button) -> None:
        output.clear_output(wait=True)
        with output:
            result = draw(**{name: control.value for name, control in controls.items()})
            fig, text = result if isinstance(result, tuple) else (result, None)
            if text:
                print(text)
            show_figure(fig)

    button.on_click(on_click)
    header = [widgets.HTML(f"<i>{caption}</i>")] if caption else []
    return widgets.VBox([*header, widgets.HBox([*controls.values(), button]), output])


def moving_average(values: np.ndarray, momentum: float, start: float = 0.0) -> np.ndarray:
    """BN's running estimate after each batch: estimate ← ρ·estimate + (1 − ρ)·value."""
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}.")
    estimates = np.empty(len(values))
    estimate = float(start)
    for step, value in enumerate(np.asarray(values, dtype=float)):
        estimate = momentum * estimate + (1.0 - momentum) * value
        estimates[step] = estimate
    return estimates


def draw_bn_momentum(
    batch_values: np.ndarray,
    momentum: float,
    target: float,
    start: float = 0.0,
    steps_per_epoch: int | None = None,
    axes: plt.Axes | None = None,
) -> tuple[plt.Figure, str]:
    """One unit's batch means and the moving average BN keeps of them, for one momentum."""
    estimates = moving_average(batch_values, momentum, start)
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
    """Train a plain and a BN net at one learning rate (SGD, momentum 0.9); plot step losses.

    ``build_model(batch_norm)`` must return an uncompiled classifier for ``None`` (plain)
    and ``"before"`` (BN before each activation). The nets are compared by their training
    loss over the last 10 steps: after a few dozen steps BN's moving averages (momentum
    0.99) are still far from the data's statistics, so an inference-mode validation score
    would judge the moving averages, not the learning rate. ``curves`` ({"plain": losses,
    "BN": losses}, e.g. from runs already made) draws those step losses instead of training.
    """
    import keras

    from helpers import config, models
    from helpers.loss_tracking import BatchLossHistory

    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}.")
    if curves is not None and set(curves) != {"plain", "BN"}:
        raise ValueError(f"curves must have the keys 'plain' and 'BN', got {sorted(curves)}.")
    own_figure = axes is None
    if axes is None:
        fig, axes = plt.subplots(figsize=(5.6, 2.8))
    fig = axes.figure
    summary = []
    for label, batch_norm, color in (("plain", None, "tab:blue"), ("BN", "before", "tab:orange")):
        if curves is not None:
            curve = np.asarray(curves[label], dtype=float)
        else:
            config.set_seed(seed)
            model = build_model(batch_norm)
            optimizer = keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
            models.compile_classifier(model, optimizer)
            losses = BatchLossHistory(batch_size, n_samples=len(train[0]))
            model.fit(*train, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[losses])
            curve = losses.as_array()
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


__all__ += [
    "draw_bn_learning_rate",
    "draw_bn_momentum",
    "explore_bn_learning_rate",
    "explore_bn_momentum",
    "moving_average",
    "training_widget",
]


# --- 09 l1, l2 and max-norm ----------------------------------------------------------------

NEAR_ZERO = 1e-3  # |w| below this counts as "switched off" in notebook 09


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
    if kind not in sweeps:
        raise ValueError(f"Unknown penalty kind {kind!r}; choose one of {sorted(sweeps)}.")
    sweep = sweeps[kind]
    matches = [i for i, s in enumerate(sweep.strengths) if np.isclose(s, strength, rtol=1e-6)]
    if not matches:
        allowed = ", ".join(f"{s:g}" for s in sweep.strengths)
        raise ValueError(f"strength {strength!r} was not trained; choose one of {allowed}.")
    index = matches[0]
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
    strength = widgets.SelectionSlider(
        options=[(f"{s:g}", s) for s in strengths],
        value=strengths[len(strengths) // 2],
        description="strength λ",
        continuous_update=False,
        style={"description_width": "initial"},
    )
    return interactive_figure(
        lambda kind, strength: draw_penalty_sweep(sweeps, kind, strength),
        {"kind": kind, "strength": strength},
        caption="l1 pushes weights to exactly zero (the pile at the left); l2 only shrinks them.",
    )


def _max_norm_demo_vectors() -> np.ndarray:
    from helpers import config

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
    if not max_value > 0:
        raise ValueError(f"max_value must be > 0, got {max_value!r}.")
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
    ax_2d.quiver(
        zeros,
        zeros,
        vectors[:, 0],
        vectors[:, 1],
        angles="xy",
        scale_units="xy",
        scale=1,
        color="0.7",
        width=0.006,
    )
    ax_2d.quiver(
        zeros,
        zeros,
        projected[:, 0],
        projected[:, 1],
        angles="xy",
        scale_units="xy",
        scale=1,
        color="tab:green",
        width=0.008,
    )
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


__all__ += [
    "draw_max_norm",
    "draw_penalty_sweep",
    "explore_max_norm",
    "explore_penalty_sweep",
]


# --- 05 gradient clipping -----------------------------------------------------------------


def draw_clipping_2d(
    gradient: Sequence[float], threshold: float, axes: plt.Axes | None = None
) -> tuple[plt.Figure, str]:
    """A 2-D gradient clipped by value (into the square) and by norm (onto the circle)."""
    from helpers.clipping import angle_degrees, clip_by_norm, clip_by_value

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


def train_with_clipping(
    train: tuple[np.ndarray, np.ndarray],
    threshold: float | None,
    build_model: Callable[[], Any],
    learning_rate: float = 0.05,
    epochs: int = 2,
    batch_size: int = 128,
    seed: int = 42,
) -> np.ndarray:
    """Train ``build_model()`` with SGD (momentum 0.9) and ``global_clipnorm=threshold``
    (``None``: no clipping, stopping at the first NaN loss); return the loss of every step."""
    import contextlib
    import io

    import keras

    from helpers import config, models
    from helpers.loss_tracking import BatchLossHistory

    if threshold is not None and (not np.isfinite(threshold) or threshold <= 0):
        raise ValueError(f"threshold must be a finite number > 0 or None, got {threshold!r}.")
    config.set_seed(seed)
    model = build_model()
    clip = {} if threshold is None else {"global_clipnorm": threshold}
    models.compile_classifier(model, keras.optimizers.SGD(learning_rate, momentum=0.9, **clip))
    losses = BatchLossHistory(batch_size, n_samples=len(train[0]))
    callbacks = [losses] + ([keras.callbacks.TerminateOnNaN()] if threshold is None else [])
    with contextlib.redirect_stdout(io.StringIO()):  # TerminateOnNaN prints a line; we report it
        model.fit(*train, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=callbacks)
    return losses.as_array()


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
    from helpers.loss_tracking import diverged

    if not np.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"threshold must be a finite number > 0, got {threshold!r}.")
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


__all__ += [
    "draw_clip_threshold",
    "draw_clipping_2d",
    "explore_clip_threshold",
    "explore_clipping_2d",
    "train_with_clipping",
]


# --- 03 activation functions ------------------------------------------------------------------



def _seeded(seed: int) -> np.random.Generator:
    """``config.rng(seed)``; imported here, like every helper this module uses."""
    from helpers import config

    return config.rng(seed)


# One fixed N(0, 1) sample (seed 0, shifted by DNN_SEED): the live statistic does not jitter
# from one redraw to the next.
_STANDARD_NORMAL_SAMPLE = _seeded(0).standard_normal(20_000)
_Z_GRID = np.linspace(-4.0, 4.0, 241)


def _fast_panels(
    n_cols: int, figsize: tuple[float, float], left: float = 0.08
) -> tuple[plt.Figure, list[plt.Axes]]:
    """Side-by-side panels with fixed margins: tight_layout would cost most of a redraw.
    The margins keep every label inside the figure, so ``figure_png`` needs one draw."""
    fig, axes = plt.subplots(
        1,
        n_cols,
        figsize=figsize,
        squeeze=False,
        gridspec_kw={"left": left, "right": 0.97, "bottom": 0.2, "top": 0.88, "wspace": 0.25},
    )
    import matplotlib.ticker as mticker

    for ax in axes[0]:  # every tick is a few artists to lay out: keep them few
        ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=5))
        ax.yaxis.set_major_locator(mticker.MaxNLocator(nbins=4))
    return fig, list(axes[0])


def _log10_axis(ax: plt.Axes) -> None:
    """Label a linear axis that holds log10 values in plain numbers (0 → 1, 3 → 1e+03).

    A matplotlib log axis costs about twice as much to render as this one, which matters when a
    slider redraws the figure."""
    import matplotlib.ticker as mticker

    ax.yaxis.set_major_locator(mticker.MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{10**v:.2g}"))


def _log10(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.asarray(values, dtype=float))


def _draw_alpha_activation(
    name: str, label: str, alpha: float, axes: Sequence[plt.Axes] | None
) -> tuple[plt.Figure, str]:
    from helpers import activations

    f, f_prime = activations.get(name, alpha=alpha)
    if axes is None:
        fig, axes = _fast_panels(2, (6.4, 2.5))
    fig = axes[0].figure
    axes[0].plot(_Z_GRID, activations.relu(_Z_GRID), color="0.7", lw=1, ls="--", label="ReLU")
    axes[0].plot(_Z_GRID, f(_Z_GRID), color="tab:blue", lw=2, label=f"{label}, α={alpha:.2f}")
    axes[1].plot(_Z_GRID, f_prime(_Z_GRID), color="tab:orange", lw=2)
    axes[0].set_title("f(z)")
    axes[1].set_title("f′(z)")
    axes[1].set_ylim(-0.1, max(1.1, alpha + 0.1))
    axes[0].legend(loc="upper left")
    for ax in axes:
        ax.set_xlabel("z")
    out = f(_STANDARD_NORMAL_SAMPLE)
    text = (
        f"α = {alpha:.2f} · mean output on N(0,1): {out.mean():+.3f} · std {out.std():.3f} · "
        f"slope for z < 0: {f_prime(np.array([-1.0]))[0]:.3f} at z = −1"
    )
    return fig, text


def draw_leaky_relu(alpha: float, axes: Sequence[plt.Axes] | None = None) -> tuple[plt.Figure, str]:
    """Leaky ReLU and its derivative at slope α, and its mean/std output on N(0, 1) inputs."""
    return _draw_alpha_activation("leaky_relu", "leaky ReLU", alpha, axes)


def draw_elu(alpha: float, axes: Sequence[plt.Axes] | None = None) -> tuple[plt.Figure, str]:
    """ELU and its derivative at α, and its mean/std output on N(0, 1) inputs."""
    return _draw_alpha_activation("elu", "ELU", alpha, axes)


def explore_leaky_relu(value: float = 0.2) -> widgets.VBox:
    """Slider ``leaky ReLU α``: the curve, its derivative and the mean output on N(0, 1)."""
    slider = float_slider("leaky ReLU α", value, 0.0, 1.0, 0.01)
    return interactive_figure(
        draw_leaky_relu,
        {"alpha": slider},
        caption="α = 0 is ReLU, α = 1 is the identity. The slope for z < 0 is α: never 0 if α > 0.",
    )


def explore_elu(value: float = 1.0) -> widgets.VBox:
    """Slider ``ELU α``: the curve, its derivative and the mean output on N(0, 1)."""
    slider = float_slider("ELU α", value, 0.0, 3.0, 0.05)
    return interactive_figure(
        draw_elu,
        {"alpha": slider},
        caption="α sets the floor −α that ELU approaches for very negative z. Find the α whose "
        "mean output on N(0, 1) is 0.",
    )


def draw_alpha_family(
    name: str, alphas: Sequence[float], axes: Sequence[plt.Axes] | None = None
) -> plt.Figure:
    """Static picture beside a slider: f and f′ of leaky_relu or elu at several α, overlaid."""
    from helpers import activations

    if name not in ("leaky_relu", "elu"):
        raise ValueError(f"Unknown activation {name!r}; choose one of 'leaky_relu', 'elu'.")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(7.0, 2.6))
    fig = axes[0].figure
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(alphas)))
    for alpha, color in zip(alphas, colors, strict=True):
        f, f_prime = activations.get(name, alpha=alpha)
        mean = f(_STANDARD_NORMAL_SAMPLE).mean()
        axes[0].plot(_Z_GRID, f(_Z_GRID), color=color, label=f"α={alpha:g} (mean {mean:+.2f})")
        axes[1].plot(_Z_GRID, f_prime(_Z_GRID), color=color)
    axes[0].set_title(f"{name}: f(z)")
    axes[1].set_title("f′(z)")
    axes[0].legend(fontsize=7, loc="upper left")
    for ax in axes:
        ax.set_xlabel("z")
    fig.tight_layout()
    return fig


__all__ += [
    "draw_alpha_family",
    "draw_elu",
    "draw_leaky_relu",
    "explore_elu",
    "explore_leaky_relu",
]


def dead_unit_fractions(
    layers: Sequence[tuple[np.ndarray, np.ndarray]], x: np.ndarray, bias_shift: float = 0.0
) -> np.ndarray:
    """Share of dead units per ReLU layer on batch ``x``, with every bias moved by ``bias_shift``.

    ``layers`` is [(kernel, bias), …] of the hidden Dense layers; a unit is dead when its
    output is 0 for every example of the batch.
    """
    h = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    fractions = []
    for kernel, bias in layers:
        h = np.maximum(h @ kernel + (bias + np.float32(bias_shift)), 0.0)
        fractions.append(float(np.mean(np.all(h == 0, axis=0))))
    return np.array(fractions)


def draw_dead_units(
    layers: Sequence[tuple[np.ndarray, np.ndarray]],
    x: np.ndarray,
    bias_shift: float,
    ax: plt.Axes | None = None,
) -> tuple[plt.Figure, str]:
    """Bars: share of dead units per layer of a trained ReLU net after shifting every bias."""
    fractions = dead_unit_fractions(layers, x, bias_shift)
    if ax is None:
        fig, (ax,) = _fast_panels(1, (4.4, 2.5), left=0.15)
    fig = ax.figure
    ax.bar(np.arange(1, len(fractions) + 1), fractions, color="tab:red")
    ax.set_ylim(0, 1)
    ax.set_xticks(np.arange(1, len(fractions) + 1))
    ax.set_xlabel("hidden layer")
    ax.set_ylabel("share of dead units")
    ax.set_title(f"every bias shifted by {bias_shift:+.2f}")
    sizes = [kernel.shape[1] for kernel, _ in layers]
    overall = float(np.average(fractions, weights=sizes))
    text = (
        f"bias shift = {bias_shift:+.2f} · dead units: {overall:.1%} of {sum(sizes)} · per layer: "
        + ", ".join(f"{f:.0%}" for f in fractions)
    )
    return fig, text


def explore_dead_units(
    layers: Sequence[tuple[np.ndarray, np.ndarray]], x: np.ndarray
) -> widgets.VBox:
    """Slider ``bias shift``: how a step that lowers the biases kills ReLU units."""
    slider = float_slider("bias shift", 0.0, -2.0, 1.0, 0.05)
    return interactive_figure(
        lambda bias_shift: draw_dead_units(layers, x, bias_shift),
        {"bias_shift": slider},
        caption="A large update that pushes biases down (as a too-high learning rate can) "
        "switches units off on every input: their gradient is then 0. A first-layer unit stays "
        "dead for good; a deeper one comes back only if the layers below it change.",
    )


_SELU_PROBE = _seeded(1).standard_normal((200, 100)).astype(np.float32)


def draw_selu_depth(
    input_std: float,
    weight_scale: float,
    activation: str = "selu",
    depth: int = 100,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Mean and std of every layer of a 100-layer NumPy net on N(0, input_std²) inputs.

    Weights are N(0, weight_scale / fan_in): ``weight_scale = 1`` is LeCun normal, 2 is He.
    """
    from helpers import config, diagnostics

    if input_std <= 0 or weight_scale <= 0:
        raise ValueError(
            f"input_std and weight_scale must be > 0, got {input_std}, {weight_scale}."
        )
    signals = diagnostics.numpy_mlp_signals(
        _SELU_PROBE * np.float32(input_std),
        depth=depth,
        width=100,
        activation=activation,
        init=(weight_scale, "fan_in"),
        seed=config.shifted_seed(0),
        keep_sites=False,
        backward=False,
    )
    if axes is None:
        fig, axes = _fast_panels(2, (6.6, 2.5))
    fig = axes[0].figure
    layers = np.arange(1, depth + 1)
    axes[0].axhspan(np.log10(0.8), np.log10(1.2), color="tab:green", alpha=0.15, lw=0)
    axes[0].plot(layers, _log10(signals.stds), color="tab:blue")
    _log10_axis(axes[0])
    axes[0].set_title("std of activations (log scale)")
    axes[1].axhline(0, color="k", lw=0.6)
    axes[1].plot(layers, signals.means, color="tab:orange")
    axes[1].set_title("mean of activations")
    for ax in axes:
        ax.set_xlabel("layer")
    finite = np.isfinite(signals.stds)
    low, high = (
        (signals.stds[finite].min(), signals.stds[finite].max()) if finite.any() else (np.nan,) * 2
    )
    text = (
        f"input std = {input_std:.2f} · weight scale = {weight_scale:.2f} · {activation} · "
        f"std over {depth} layers in [{low:.2g}, {high:.2g}] · last layer: "
        f"mean {signals.means[-1]:+.2f}, std {signals.stds[-1]:.2f}"
    )
    return fig, text


def explore_selu_depth() -> widgets.VBox:
    """Sliders for the input std and the weight scale of a 100-layer SELU (or ELU) net."""
    return interactive_figure(
        draw_selu_depth,
        {
            "input_std": log_slider("input std", 1.0, 0.05, 30.0, readout_format=".2f"),
            "weight_scale": float_slider("weight scale (σ²·fan_in)", 1.0, 0.25, 3.0, 0.05),
            "activation": widgets.Dropdown(options=["selu", "elu"], value="selu"),
        },
        caption="The green band is std ∈ [0.8, 1.2]. SELU with standardized inputs and LeCun "
        "weights (both 1) stays in it for 100 layers. Move the weight scale and it drifts out "
        "of the band; move the input std and the first layers leave it, but by layer 100 the "
        "net has pulled the std back to 1.",
    )


def draw_swish_beta(beta: float, axes: Sequence[plt.Axes] | None = None) -> tuple[plt.Figure, str]:
    """Swish z·σ(βz) and its derivative at β, beside GELU and ReLU."""
    from helpers import activations

    if beta < 0:
        raise ValueError(f"β must be ≥ 0, got {beta!r}.")
    if axes is None:
        fig, axes = _fast_panels(2, (6.4, 2.5))
    fig = axes[0].figure
    swish = activations.swish(_Z_GRID, beta)
    gelu = activations.gelu(_Z_GRID)
    axes[0].plot(_Z_GRID, activations.relu(_Z_GRID), color="0.7", lw=1, ls="--", label="ReLU")
    axes[0].plot(_Z_GRID, gelu, color="tab:green", lw=1, label="GELU")
    axes[0].plot(_Z_GRID, swish, color="tab:blue", lw=2, label=f"Swish, β={beta:.2f}")
    axes[1].plot(_Z_GRID, activations.gelu_derivative(_Z_GRID), color="tab:green", lw=1)
    axes[1].plot(_Z_GRID, activations.swish_derivative(_Z_GRID, beta), color="tab:blue", lw=2)
    axes[0].set_title("f(z)")
    axes[1].set_title("f′(z)")
    axes[0].legend(loc="upper left")
    for ax in axes:
        ax.set_xlabel("z")
    text = (
        f"β = {beta:.2f} · max |Swish − GELU| on [−4, 4]: {np.abs(swish - gelu).max():.3f} · "
        f"lowest value {swish.min():+.3f} at z = {_Z_GRID[np.argmin(swish)]:+.2f}"
    )
    return fig, text


def explore_swish_beta(value: float = 1.0) -> widgets.VBox:
    """Slider ``Swish β``: from z/2 (β = 0) through SiLU (β = 1) and ≈ GELU (β ≈ 1.7) to ReLU."""
    return interactive_figure(
        draw_swish_beta,
        {"beta": float_slider("Swish β", value, 0.0, 8.0, 0.05)},
        caption="β = 0 gives the line z/2, a large β gives ReLU. Which β comes closest to GELU?",
    )


__all__ += [
    "dead_unit_fractions",
    "draw_dead_units",
    "draw_selu_depth",
    "draw_swish_beta",
    "explore_dead_units",
    "explore_selu_depth",
    "explore_swish_beta",
]


# --- 01 vanishing and exploding gradients ---------------------------------------------------

GRADIENT_FLOW_ACTIVATIONS = (
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "swish",
)


def draw_gradient_flow(
    x: np.ndarray,
    y: np.ndarray,
    depth: int,
    init_std: float,
    activation: str,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """‖∂L/∂W‖ per layer and the share of saturated units, for a fresh NumPy MLP on (x, y).

    Every hidden layer has 100 units and N(0, init_std²) weights; the output layer is Glorot.
    """
    from helpers import diagnostics

    if activation not in GRADIENT_FLOW_ACTIVATIONS:
        raise ValueError(
            f"Unknown activation {activation!r}; choose one of "
            f"{', '.join(map(repr, GRADIENT_FLOW_ACTIVATIONS))}."
        )
    signals = diagnostics.numpy_mlp_signals(
        x, depth=depth, width=100, activation=activation, init=init_std, y=y, keep_sites=False
    )
    norms = signals.gradient_norms
    if axes is None:
        fig, axes = _fast_panels(2, (7.0, 2.6), left=0.1)
    fig = axes[0].figure
    layers = np.arange(1, depth + 2)
    axes[0].plot(layers[:-1], _log10(norms[:-1]), "o-", ms=3, color="tab:blue", label="hidden")
    axes[0].plot(layers[-1:], _log10(norms[-1:]), "s", color="tab:red", label="output")
    _log10_axis(axes[0])
    axes[0].set_title("‖∂L/∂W‖ per layer (log scale)")
    axes[0].legend(loc="upper left")
    axes[1].bar(layers[:-1], signals.fraction_saturated, color="tab:purple")
    axes[1].set_ylim(0, 1)
    axes[1].set_title("share of units with f′(z) < 10 % of max")
    for ax in axes:
        ax.set_xlabel("layer")
    text = (
        f"depth = {depth} · init std = {init_std:.3f} · {activation} · ‖∂L/∂W‖ first / last "
        f"hidden layer: {_norm_ratio(norms[0], norms[depth - 1])} · "
        f"saturated: {signals.fraction_saturated.mean():.0%}"
    )
    return fig, text


def _norm_ratio(first: float, last: float) -> str:
    """first / last as text, naming the cases a float division cannot show."""
    if not (np.isfinite(first) and np.isfinite(last)):
        return "not a number (the signal overflowed to inf or NaN)"
    if last == 0:
        return "∞ (the last layer's gradient is exactly 0)"
    return f"{first / last:.1e}"


def explore_gradient_flow(x: np.ndarray, y: np.ndarray) -> widgets.VBox:
    """Sliders for depth and init std and a menu of activations: gradient norm per layer."""
    return interactive_figure(
        lambda depth, init_std, activation: draw_gradient_flow(x, y, depth, init_std, activation),
        {
            "depth": widgets.IntSlider(
                value=10, min=2, max=30, description="depth", continuous_update=False
            ),
            "init_std": log_slider("init std", 1.0, 0.01, 3.0, readout_format=".3f"),
            "activation": widgets.Dropdown(
                options=GRADIENT_FLOW_ACTIVATIONS, value="sigmoid", description="activation"
            ),
        },
        caption="For 100 units per layer, Glorot's std is 0.1 and He's 0.14. A flat line on the "
        "left means every layer learns at the same pace.",
    )


__all__ += ["GRADIENT_FLOW_ACTIVATIONS", "draw_gradient_flow", "explore_gradient_flow"]


# --- 02 initialization ------------------------------------------------------------------------

VARIANCE_SCALING_ACTIVATIONS = ("linear", "tanh", "sigmoid", "relu", "selu")
VARIANCE_SCALING_MODES = ("fan_in", "fan_out", "fan_avg")
_VARIANCE_PROBE = _seeded(2).standard_normal((128, 100)).astype(np.float32)  # DNN_SEED shifts it
# Alternating layer sizes: with equal sizes fan_in = fan_out and the modes could not differ.
ZIGZAG_WIDTHS = (200, 50)


def draw_variance_scaling(
    scale: float,
    mode: str,
    activation: str = "relu",
    depth: int = 50,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Forward std of the activations and backward std of ∂L/∂z, layer by layer, relative to
    layer 1, for a NumPy net whose weights are VarianceScaling(scale, mode)."""
    from helpers import diagnostics

    if activation not in VARIANCE_SCALING_ACTIVATIONS:
        raise ValueError(
            f"Unknown activation {activation!r}; choose one of "
            f"{', '.join(map(repr, VARIANCE_SCALING_ACTIVATIONS))}."
        )
    widths = [ZIGZAG_WIDTHS[i % 2] for i in range(depth)]
    signals = diagnostics.numpy_mlp_signals(
        _VARIANCE_PROBE, depth, widths, activation, init=(scale, mode), keep_sites=False
    )
    forward = signals.stds / signals.stds[0]
    backward = signals.delta_stds / signals.delta_stds[-1]
    if axes is None:
        fig, axes = _fast_panels(2, (7.0, 2.6))
    fig = axes[0].figure
    layers = np.arange(1, depth + 1)
    for ax, values, title, color in (
        (axes[0], forward, "forward: std(a_l) / std(a_1)", "tab:blue"),
        (axes[1], backward, f"backward: std(δ_l) / std(δ_{depth})", "tab:orange"),
    ):
        ax.axhline(0.0, color="k", lw=0.6)
        ax.plot(layers, _log10(values), color=color)
        _log10_axis(ax)
        ax.set_title(f"{title} (log scale)")
        ax.set_xlabel("layer")
    text = (
        f"scale = {scale:.2f} · mode {mode} · {activation} · forward std ratio, layer {depth} / 1: "
        f"{forward[-1]:.2g} · backward, layer 1 / {depth}: {backward[0]:.2g}"
    )
    return fig, text


def explore_variance_scaling() -> widgets.VBox:
    """Slider for VarianceScaling's scale, buttons for its mode, a menu of activations."""
    return interactive_figure(
        draw_variance_scaling,
        {
            "scale": float_slider("scale", 1.0, 0.25, 4.0, 0.05),
            "mode": widgets.ToggleButtons(options=VARIANCE_SCALING_MODES, value="fan_avg"),
            "activation": widgets.Dropdown(options=VARIANCE_SCALING_ACTIVATIONS, value="relu"),
        },
        caption=f"Layers alternate between {ZIGZAG_WIDTHS[0]} and {ZIGZAG_WIDTHS[1]} units. "
        "At the scale that suits the activation (2 for ReLU), fan_in makes every layer's forward "
        "gain 1 and fan_out every layer's backward gain; the other side's gains cancel in pairs. "
        "fan_avg is off in both directions and its losses do not cancel: both panels fall.",
    )


__all__ += [
    "VARIANCE_SCALING_ACTIVATIONS",
    "VARIANCE_SCALING_MODES",
    "ZIGZAG_WIDTHS",
    "draw_variance_scaling",
    "explore_variance_scaling",
]


# --- 10 dropout and MC dropout -------------------------------------------------------------


def draw_dropout_mask(
    image: np.ndarray, rate: float, seed: int = 0, n_average: int = 200
) -> tuple[plt.Figure, str]:
    """An image through inverted dropout: one pass, and the average of many passes."""
    from helpers import config
    from helpers.regularization import inverted_dropout

    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1), got {rate!r}.")
    image = np.asarray(image, dtype=np.float32)
    rng = config.rng(seed)
    one_pass = inverted_dropout(image, rate, rng)
    many = inverted_dropout(np.broadcast_to(image, (n_average, *image.shape)), rate, rng)
    average = many.mean(axis=0)
    top = float(max(image.max(), 1e-6)) / (1.0 - rate)
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.85, wspace=0.05)
    panels = (
        (image, "inference: unchanged"),
        (one_pass, f"training: one pass (×{1 / (1 - rate):.2f})"),
        (average, f"average of {n_average} passes"),
    )
    for ax, (picture, title) in zip(axes, panels, strict=True):
        ax.imshow(picture, cmap="binary", vmin=0, vmax=top)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    dropped = float((one_pass == 0)[image != 0].mean()) if np.any(image != 0) else 0.0
    text = (
        f"rate {rate:.2f}: {dropped:.1%} of the non-zero pixels dropped in this pass · mean pixel "
        f"{image.mean():.3f} → {one_pass.mean():.3f} (one pass), {average.mean():.3f} (average)"
    )
    return fig, text


def explore_dropout_mask(image: np.ndarray) -> widgets.VBox:
    """Dropout rate and random seed → one dropout pass over an image, and the average."""
    rate = float_slider("dropout rate", 0.3, 0.0, 0.9, 0.05)
    seed = widgets.IntSlider(
        value=0, min=0, max=20, description="mask seed", continuous_update=False
    )
    return interactive_figure(
        lambda rate, seed: draw_dropout_mask(image, rate, seed),
        {"rate": rate, "seed": seed},
        caption="Kept pixels are scaled up by 1/(1 − rate), so the average pass equals the image.",
    )


def draw_dropout_rate(
    runs: Mapping[float, Mapping[str, Sequence[float]]],
    rate: float,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Learning curves of the net trained at ``rate``: reported (dropout on) and honest
    (dropout off) training loss, validation loss, and accuracies.

    ``runs[rate]`` holds lists per epoch: ``loss`` (Keras's report), ``honest_loss``,
    ``val_loss``, ``honest_accuracy``, ``val_accuracy``; the last four may be measured only
    at the epochs listed in an optional ``eval_epochs`` (as ``OverfitResult.mean_runs`` does).
    """
    matches = [r for r in runs if np.isclose(r, rate)]
    if not matches:
        raise ValueError(f"rate {rate!r} was not trained; choose one of {sorted(runs)}.")
    run = runs[matches[0]]
    missing = {"loss", "honest_loss", "val_loss", "honest_accuracy", "val_accuracy"} - set(run)
    if missing:
        raise ValueError(f"runs[{rate}] lacks {sorted(missing)}.")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 2.8))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.88, wspace=0.25)
    ax_loss, ax_acc = axes
    fig = ax_loss.figure
    epochs = np.arange(1, len(run["loss"]) + 1)
    measured = np.asarray(run.get("eval_epochs", epochs))
    ax_loss.plot(epochs, run["loss"], color="tab:orange", ls=":", label="train, as Keras reports")
    ax_loss.plot(measured, run["honest_loss"], color="tab:orange", label="train, dropout off")
    ax_loss.plot(measured, run["val_loss"], color="tab:blue", label="validation")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    top = max(max(run["loss"]), max(run["val_loss"]))
    ax_loss.set_ylim(0, min(top * 1.05, 2.5))
    ax_loss.legend(loc="upper right")
    ax_loss.set_title(f"dropout rate {matches[0]:.1f}")
    ax_acc.plot(measured, run["honest_accuracy"], color="tab:orange", label="train, dropout off")
    ax_acc.plot(measured, run["val_accuracy"], color="tab:blue", label="validation")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0.6, 1.0)
    ax_acc.legend(loc="lower right")
    for ax in axes:  # few tick labels: text is most of a redraw's rendering time
        ax.locator_params(nbins=4)
    gap = run["val_loss"][-1] - run["honest_loss"][-1]
    text = (
        f"rate {matches[0]:.1f}: last epoch — train loss {run['loss'][-1]:.3f} reported, "
        f"{run['honest_loss'][-1]:.3f} with dropout off; validation {run['val_loss'][-1]:.3f} "
        f"(gap {gap:.3f}) · validation accuracy {run['val_accuracy'][-1]:.3f}"
    )
    return fig, text


def explore_dropout_rate(runs: Mapping[float, Mapping[str, Sequence[float]]]) -> widgets.VBox:
    """A slider over the dropout rates trained in advance → their learning curves."""
    rates = sorted(runs)
    slider = widgets.SelectionSlider(
        options=[(f"{r:.1f}", r) for r in rates],
        value=rates[0],
        description="dropout rate",
        continuous_update=False,
        style={"description_width": "initial"},
    )
    return interactive_figure(
        lambda rate: draw_dropout_rate(runs, rate),
        {"rate": slider},
        caption="Dotted: the loss Keras prints. Solid orange: the real training loss.",
    )


def draw_mc_passes(
    mc_probabilities: np.ndarray,
    y_true: np.ndarray,
    n_passes: int,
    index: int,
    class_names: Sequence[str],
    images: np.ndarray | None = None,
    accuracy_curve: np.ndarray | None = None,
) -> tuple[plt.Figure, str]:
    """MC dropout with the first ``n_passes`` passes: accuracy vs passes, and one instance's
    mean probability per class ± its spread over the passes.

    ``accuracy_curve`` (from ``uncertainty.accuracy_vs_passes``) may be given to skip
    recomputing it at every redraw.
    """
    from matplotlib.ticker import NullLocator

    from helpers.uncertainty import accuracy_vs_passes, entropy

    p = np.asarray(mc_probabilities)
    if p.ndim != 3:
        raise ValueError(f"mc_probabilities must be (passes, n, classes), got shape {p.shape}.")
    if not 1 <= n_passes <= len(p):
        raise ValueError(f"n_passes must be in [1, {len(p)}], got {n_passes!r}.")
    if not 0 <= index < p.shape[1]:
        raise ValueError(f"index must be in [0, {p.shape[1] - 1}], got {index!r}.")
    curve = accuracy_vs_passes(p, y_true) if accuracy_curve is None else accuracy_curve
    used = p[:n_passes, index]
    mean, spread = used.mean(axis=0), used.std(axis=0)
    width = [1.2, 1.6] if images is None else [1.2, 1.6, 0.7]
    fig, axes = plt.subplots(1, len(width), figsize=(8.6, 2.8), gridspec_kw={"width_ratios": width})
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.32, top=0.88, wspace=0.3)
    passes = np.arange(1, len(p) + 1)
    axes[0].plot(passes, curve, color="0.7")
    axes[0].plot(passes[:n_passes], curve[:n_passes], color="tab:purple")
    axes[0].plot([n_passes], [curve[n_passes - 1]], "o", color="tab:purple")
    axes[0].set_xscale("log")
    # Few fixed ticks: a log axis's default minor tick labels cost more than the whole redraw.
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200) if t <= len(p)]
    axes[0].set_xticks(ticks, [str(t) for t in ticks])
    axes[0].xaxis.set_minor_locator(NullLocator())
    axes[0].set_xlabel("passes averaged (N)")
    axes[0].set_ylabel("accuracy")
    axes[0].locator_params(axis="y", nbins=4)
    axes[0].set_title("accuracy of the average")
    classes = np.arange(p.shape[2])
    colors = ["tab:green" if c == y_true[index] else "tab:gray" for c in classes]
    axes[1].bar(classes, mean, yerr=spread, color=colors, capsize=2)
    axes[1].set_xticks(classes, list(class_names), rotation=60, fontsize=8)
    axes[1].set_ylim(0, 1.05)
    axes[1].set_title(f"instance {index}: mean ± std over {n_passes} passes", fontsize=9)
    if images is not None:
        axes[2].imshow(images[index], cmap="binary")
        axes[2].set_title(class_names[int(y_true[index])], fontsize=9)
        axes[2].axis("off")
    predicted = int(mean.argmax())
    text = (
        f"N = {n_passes}: accuracy {curve[n_passes - 1]:.3f} (one pass: {curve[0]:.3f}) · "
        f"instance {index}: true {class_names[int(y_true[index])]}, predicted "
        f"{class_names[predicted]} ({mean[predicted]:.2f} ± {spread[predicted]:.2f}), "
        f"entropy {float(entropy(mean / mean.sum())):.2f} nats"
    )
    return fig, text


def explore_mc_passes(
    mc_probabilities: np.ndarray,
    y_true: np.ndarray,
    class_names: Sequence[str],
    indices: Sequence[int],
    images: np.ndarray | None = None,
) -> widgets.VBox:
    """Number of MC passes N and an instance (among ``indices``) → accuracy and spread."""
    from helpers.uncertainty import accuracy_vs_passes

    n_max = len(mc_probabilities)
    curve = accuracy_vs_passes(mc_probabilities, y_true)
    passes = widgets.IntSlider(
        value=min(10, n_max), min=1, max=n_max, description="passes N", continuous_update=False
    )
    instance = widgets.Dropdown(
        options=[int(i) for i in indices], value=int(indices[0]), description="instance"
    )
    return interactive_figure(
        lambda n_passes, index: draw_mc_passes(
            mc_probabilities, y_true, n_passes, index, class_names, images, curve
        ),
        {"n_passes": passes, "index": instance},
        caption="More passes: a steadier average. Error bars: how much the passes disagree.",
    )


def draw_alpha_dropout(
    rate: float, n_layers: int = 30, axes: Sequence[plt.Axes] | None = None
) -> tuple[plt.Figure, str]:
    """Mean and std of activations through a deep SELU net with no dropout, standard
    dropout or alpha dropout before every layer (training mode, NumPy)."""
    from helpers.regularization import selu_stack_statistics

    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1), got {rate!r}.")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 2.6))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.88, wspace=0.25)
    ax_mean, ax_std = axes
    fig = ax_mean.figure
    layers = np.arange(1, n_layers + 1)
    final = {}
    styles = {
        "none": ("0.5", "no dropout"),
        "standard": ("tab:red", "dropout"),
        "alpha": ("tab:green", "alpha dropout"),
    }
    # fixed limits for small rates, widened when a curve would leave them (dropout's std ≈ 3 at 0.4)
    mean_low, mean_high, std_top = -0.5, 1.0, 2.5
    for kind, (color, label) in styles.items():
        means, stds = selu_stack_statistics(rate, kind, n_layers=n_layers)
        ax_mean.plot(layers, means, color=color, label=label)
        ax_std.plot(layers, stds, color=color, label=label)
        final[kind] = (means[-1], stds[-1])
        mean_low = min(mean_low, 1.1 * np.min(means))
        mean_high = max(mean_high, 1.1 * np.max(means))
        std_top = max(std_top, 1.1 * np.max(stds))
    ax_mean.axhline(0, color="k", lw=0.6)
    ax_std.axhline(1, color="k", lw=0.6)
    ax_mean.set_ylim(mean_low, mean_high)
    ax_std.set_ylim(0.5, std_top)
    ax_mean.set_title(f"mean per layer (rate {rate:.2f})")
    ax_std.set_title("standard deviation per layer")
    for ax in axes:
        ax.set_xlabel("layer")
    ax_std.legend(loc="upper left")
    for ax in axes:
        ax.locator_params(nbins=4)
    text = (
        f"rate {rate:.2f}, after {n_layers} SELU layers: dropout mean {final['standard'][0]:+.2f} "
        f"std {final['standard'][1]:.2f} · alpha dropout mean {final['alpha'][0]:+.2f} "
        f"std {final['alpha'][1]:.2f}"
    )
    return fig, text


def explore_alpha_dropout(n_layers: int = 30) -> widgets.VBox:
    """Dropout rate → activation statistics of a SELU stack with dropout vs alpha dropout."""
    slider = float_slider("rate", 0.2, 0.0, 0.5, 0.05)
    from helpers.regularization import selu_stack_statistics

    for rate in np.arange(0.0, 0.5001, 0.05):  # fill the cache: every slider position is instant
        for kind in ("none", "standard", "alpha"):
            selu_stack_statistics(float(rate), kind, n_layers=n_layers)
    return interactive_figure(
        lambda rate: draw_alpha_dropout(rate, n_layers),
        {"rate": slider},
        caption="Self-normalization keeps mean 0 and std 1 — unless plain dropout breaks it.",
    )


__all__ += [
    "draw_alpha_dropout",
    "draw_dropout_mask",
    "draw_dropout_rate",
    "draw_mc_passes",
    "explore_alpha_dropout",
    "explore_dropout_mask",
    "explore_dropout_rate",
    "explore_mc_passes",
]


# --- 11 practical guidelines ---------------------------------------------------------------


def draw_pruning(
    kernels: Sequence[np.ndarray],
    accuracies: Mapping[float, float],
    fraction: float,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Magnitude pruning at ``fraction`` per layer: which weights are cut (log |w| histogram,
    kept vs cut) and the validation accuracy measured at each fraction (``accuracies``)."""
    if not kernels:
        raise ValueError("kernels is empty: give the hidden layers' kernels.")
    matches = [f for f in accuracies if np.isclose(f, fraction)]
    if not matches:
        allowed = ", ".join(f"{f:g}" for f in sorted(accuracies))
        raise ValueError(f"fraction {fraction!r} was not measured; choose one of {allowed}.")
    fraction = matches[0]
    kept_parts, cut_parts = [], []
    for kernel in kernels:
        magnitude = np.abs(np.asarray(kernel)).ravel()
        threshold = np.quantile(magnitude, fraction) if fraction > 0 else -np.inf
        kept_parts.append(magnitude[magnitude >= threshold])
        cut_parts.append(magnitude[magnitude < threshold])
    kept, cut = np.concatenate(kept_parts), np.concatenate(cut_parts)
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
    slider = widgets.SelectionSlider(
        options=[(f"{f:.0%}", f) for f in fractions],
        value=fractions[len(fractions) // 2],
        description="pruned",
        continuous_update=False,
        style={"description_width": "initial"},
    )
    return interactive_figure(
        lambda fraction: draw_pruning(kernels, accuracies, fraction),
        {"fraction": slider},
        caption="Red: the smallest weights of each layer, set to zero. A plateau, then a cliff.",
    )


__all__ += ["draw_pruning", "explore_pruning"]


# --- 06 reusing pretrained layers ---------------------------------------------------------

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
    from helpers import config, transfer

    train = transfer.sample_subset(*train_pool, size=size, seed=seed)
    train = transfer.repeat_to_fill(train, 8 * 32)  # tiny sets: fewer, longer epochs
    recipe = transfer.TransferRecipe.for_steps(len(train[0]))  # the same steps for every size
    config.set_seed(seed)
    scratch = transfer.train_from_scratch(build_scratch(), train, valid, recipe)
    config.set_seed(seed)
    head_only, reused = transfer.train_reused(build_reused(), train, valid, recipe)
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


__all__ += ["TRANSFER_SIZES", "draw_transfer_size", "explore_transfer_size"]
