"""Notebook 00 (start here): a slider over the images of Fashion MNIST."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_whole_number
from helpers.widgets.core import interactive_figure


def draw_fashion_mnist_sample(
    images: np.ndarray, labels: Sequence[int], class_names: Sequence[str], index: int
) -> tuple[plt.Figure, str]:
    """One training image, large, with its label and pixel statistics."""
    check_whole_number("index", index, minimum=0, maximum=len(images) - 1)
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
