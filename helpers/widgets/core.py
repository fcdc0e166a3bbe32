"""What every widget of the course is made of: rendering a figure, wiring controls to a drawing
function (``interactive_figure``, or ``training_widget`` for drawings that train on a click),
slider factories, and the panel helpers that keep a redraw fast.

The lesson modules beside this one (``start_here``, ``vanishing_gradients``, …) hold one
notebook's widgets each and import from here; the one exception is notebook 13
(``optimization_today``), which races its optimizers on notebook 07's surfaces.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
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


def selection_slider(
    description: str, options: Sequence[float], value: float, label_format: str = "g"
) -> widgets.SelectionSlider:
    """A slider over settings computed in advance (each option labelled with ``label_format``),
    redrawing on release."""
    return widgets.SelectionSlider(
        options=[(format(option, label_format), option) for option in options],
        value=value,
        description=description,
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
    for ax in axes[0]:  # every tick is a few artists to lay out: keep them few
        ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=5))
        ax.yaxis.set_major_locator(mticker.MaxNLocator(nbins=4))
    return fig, list(axes[0])


def _log10_axis(ax: plt.Axes) -> None:
    """Label a linear axis that holds log10 values in plain numbers (0 → 1, 3 → 1e+03).

    A matplotlib log axis costs about twice as much to render as this one, which matters when a
    slider redraws the figure."""
    ax.yaxis.set_major_locator(mticker.MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{10**v:.2g}"))


def _log10(values: np.ndarray) -> np.ndarray:
    """log10 of the values, -inf for 0 and NaN for negatives, without a warning."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.asarray(values, dtype=float))
