"""Widgets are tested through their drawing functions, at any slider value."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import widgets as course_widgets


@pytest.fixture
def tiny_images():
    rng = np.random.default_rng(0)
    return rng.random((5, 28, 28)).astype("float32"), [0, 1, 2, 3, 4], [f"c{i}" for i in range(10)]


def test_draw_sample_reports_label_and_statistics(tiny_images):
    images, labels, names = tiny_images
    fig, text = course_widgets.draw_fashion_mnist_sample(images, labels, names, 3)
    assert isinstance(fig, plt.Figure)
    assert text.startswith("image 3: c3")
    with pytest.raises(ValueError, match=r"\[0, 4\]"):
        course_widgets.draw_fashion_mnist_sample(images, labels, names, 5)


def test_explore_returns_a_widget_with_a_slider(tiny_images):
    box = course_widgets.explore_fashion_mnist(*tiny_images)
    assert isinstance(box, widgets.VBox)
    sliders = [w for w in box.children[1].children if isinstance(w, widgets.IntSlider)]
    assert sliders[0].max == 4


def test_log_slider_checks_its_range():
    slider = course_widgets.log_slider("lr", 1e-2, 1e-4, 1.0)
    assert slider.value == pytest.approx(1e-2)
    with pytest.raises(ValueError, match="0 < low < value < high"):
        course_widgets.log_slider("lr", 1e-2, 0.0, 1.0)


def test_interactive_figure_prints_text_and_shows_figure(capsys):
    slider = course_widgets.float_slider("a", 0.5, 0.0, 1.0, 0.1)

    def draw(a):
        fig, ax = plt.subplots()
        ax.plot([0, a])
        return fig, f"a is {a:.1f}"

    box = course_widgets.interactive_figure(draw, {"a": slider})
    slider.value = 0.7  # a change redraws through the interactive output
    assert isinstance(box.children[-1], widgets.Output)
