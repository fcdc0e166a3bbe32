"""helpers.widgets.figure_png: one render, cropped like the inline backend's tight bbox."""

from __future__ import annotations

import gc
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from IPython.core.pylabtools import print_figure
from PIL import Image

from helpers import widgets


def _figure(tight_layout: bool = True) -> plt.Figure:
    fig, (left, right) = plt.subplots(1, 2, figsize=(6, 2.5), dpi=80)
    z = np.linspace(-3, 3, 50)
    left.plot(z, np.tanh(z), label="tanh")
    left.set(xlabel="z", ylabel="f(z)", title="a title")
    left.legend()
    right.hist(np.random.default_rng(0).normal(size=500), bins=20)
    right.set_ylabel("a long label on the right axes")
    if tight_layout:
        fig.tight_layout()
    return fig


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _best_match(ours: np.ndarray, inline: np.ndarray) -> float:
    """Share of differing pixels at the best alignment within ±1 pixel."""
    rows, cols = min(len(ours), len(inline)) - 2, min(ours.shape[1], inline.shape[1]) - 2
    return min(
        np.mean(
            np.any(ours[dy : dy + rows, dx : dx + cols] != inline[1 : 1 + rows, 1 : 1 + cols], -1)
        )
        for dy in range(3)
        for dx in range(3)
    )


@pytest.mark.parametrize("tight_layout", [True, False], ids=["fits", "sticks-out"])
def test_png_is_the_inline_backends_picture(tight_layout):
    fig = _figure(tight_layout)
    ours = _pixels(widgets.figure_png(fig))
    inline = _pixels(print_figure(fig, "png", bbox_inches="tight"))
    plt.close(fig)
    # The same size up to rounding, and the same picture up to anti-aliasing at the edges.
    assert abs(ours.shape[0] - inline.shape[0]) <= 2
    assert abs(ours.shape[1] - inline.shape[1]) <= 2
    assert _best_match(ours, inline) < 0.02


def test_png_is_compressed_lightly():
    fig = _figure()
    ours, default = widgets.figure_png(fig), print_figure(fig, "png", bbox_inches="tight")
    plt.close(fig)
    assert len(default) < len(ours) < 2 * len(default)


def test_freeze_heap_leaves_new_objects_collectable():
    widgets.freeze_heap()
    try:
        assert gc.get_freeze_count() > 0

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
        del a, b
        assert gc.collect() >= 2
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("tight_layout", [True, False], ids=["fits", "sticks-out"])
def test_png_keeps_a_margin_of_background_around_the_artwork(tight_layout):
    fig = _figure(tight_layout)
    pixels = _pixels(widgets.figure_png(fig))
    plt.close(fig)
    white = np.all(pixels == 255, axis=-1)
    for edge in (white[:3], white[-3:], white[:, :3], white[:, -3:]):
        assert edge.all(), "artwork reaches the edge of the image: it was clipped"
