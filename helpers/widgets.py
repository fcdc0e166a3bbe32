"""Interactive controls for the notebooks.

Each ``explore_<thing>(...)`` builds and returns a widget. The drawing behind it
is a plain ``draw_<thing>(...)`` function that returns a matplotlib Figure (and
accepts ``axes=`` where a static grid of settings is drawn beside the widget), so
tests and benchmarks call it directly with any slider value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display


def show_figure(fig: plt.Figure) -> None:
    """Display a figure once, inside a widget's output area, then free it."""
    display(fig)
    plt.close(fig)


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
    "float_slider",
    "interactive_figure",
    "log_slider",
    "show_figure",
]
