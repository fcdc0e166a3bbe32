"""Shared by the widget tests: small data, a slider finder, and the redraw-timing helper."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import data
from helpers.widgets import figure_png


def median_redraw_ms(draw: Callable[[object], object], values: Sequence[object]) -> float:
    """Median time of a draw call (the figure built, not rendered), in milliseconds; the
    first call is a warm-up (first-call imports and caches are not a redraw)."""
    plt.close(_figure(draw(values[0])))
    times = []
    for value in values:
        start = time.perf_counter()
        result = draw(value)
        times.append(time.perf_counter() - start)
        plt.close(_figure(result))
    return 1000 * float(np.median(times))


def _figure(result: object) -> plt.Figure:
    return result[0] if isinstance(result, tuple) else result


@pytest.fixture
def redraw_ms() -> Callable[[Callable[[object], object], Sequence[object]], float]:
    """``redraw_ms(draw, values)``: the median time of a redraw, in milliseconds."""
    return median_redraw_ms


@pytest.fixture
def render() -> Callable[[object], None]:
    """``render(result)``: what a widget does after a slider move (PNG), then free the figure."""

    def render(result: object) -> None:
        fig = _figure(result)
        figure_png(fig)
        plt.close(fig)

    return render


@pytest.fixture
def sliders() -> Callable[[widgets.VBox], list[widgets.Widget]]:
    """``sliders(box)``: the controls of a widget built by ``interactive_figure``."""

    def sliders(box: widgets.VBox) -> list[widgets.Widget]:
        row = next(c for c in box.children if isinstance(c, widgets.HBox))
        return [w for w in row.children if isinstance(w, widgets.ValueWidget)]

    return sliders


@pytest.fixture
def tiny_images():
    rng = np.random.default_rng(0)
    return rng.random((5, 28, 28)).astype("float32"), [0, 1, 2, 3, 4], [f"c{i}" for i in range(10)]


@pytest.fixture(scope="session")
def fashion():
    return data.load_fashion_mnist(valid_size=200, train_size=512, test_size=10)
