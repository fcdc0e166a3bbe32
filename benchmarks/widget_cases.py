"""The widget callbacks the benchmark times: each is what a slider move runs in the kernel.

A case builds its callback once (loading data, precomputing what the widget precomputes),
then the benchmark calls it with ~20 slider values. The callback draws the figure and renders
it to PNG at the course's dpi, as the inline backend does, then frees it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from helpers import plots


@dataclass(frozen=True)
class WidgetCase:
    """One slider: where it lives, whether it trains, how to build its callback, which values."""

    name: str
    notebook: str
    kind: str  # "numpy" or "training"
    make_callback: Callable[[], Callable[[object], None]]
    values: Sequence[object]


def render(result: object) -> None:
    """Render a draw function's figure to PNG bytes, as the notebook's inline backend would."""
    fig = result[0] if isinstance(result, tuple) else result
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def _fashion_sample() -> Callable[[object], None]:
    from helpers import data, widgets

    fashion = data.load_fashion_mnist()
    return lambda index: render(
        widgets.draw_fashion_mnist_sample(
            fashion.x_valid, fashion.y_valid, fashion.class_names, int(index)
        )
    )


def cases() -> list[WidgetCase]:
    """Every widget of the course, in notebook order."""
    plots.use_course_style()
    return [
        WidgetCase("image browser", "00", "numpy", _fashion_sample, np.arange(0, 4000, 200)),
    ]
