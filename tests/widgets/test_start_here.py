"""Tests of helpers/widgets/start_here.py: draw functions and widgets."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from helpers import widgets as course_widgets


def test_draw_sample_reports_label_and_statistics(tiny_images):
    images, labels, names = tiny_images
    fig, text = course_widgets.draw_fashion_mnist_sample(images, labels, names, 3)
    assert isinstance(fig, plt.Figure)
    assert text.startswith("image 3: c3")
    with pytest.raises(ValueError, match="whole number from 0 to 4; got 5"):
        course_widgets.draw_fashion_mnist_sample(images, labels, names, 5)


def test_explore_returns_a_widget_with_a_slider(tiny_images):
    box = course_widgets.explore_fashion_mnist(*tiny_images)
    assert isinstance(box, widgets.VBox)
    sliders = [w for w in box.children[1].children if isinstance(w, widgets.IntSlider)]
    assert sliders[0].max == 4
