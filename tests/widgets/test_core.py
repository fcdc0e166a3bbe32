"""Tests of helpers/widgets/core.py: draw functions and widgets."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from helpers import widgets as course_widgets
from helpers.widgets import core


def test_log_slider_checks_its_range():
    slider = course_widgets.log_slider("lr", 1e-2, 1e-4, 1.0)
    assert slider.value == pytest.approx(1e-2)
    with pytest.raises(ValueError, match="0 < low < value < high"):
        course_widgets.log_slider("lr", 1e-2, 0.0, 1.0)


def test_interactive_figure_prints_text_and_shows_figure(capsys, monkeypatch):
    """Render a real widget, move its slider: the printed statistic and the PNG both change.

    Outside a kernel the Output area captures nothing, so the images ``show_figure`` hands to
    ``display`` are collected here; the printed text goes to stdout."""
    shown: list[bytes] = []
    monkeypatch.setattr(core, "display", lambda image: shown.append(image.data))
    box = course_widgets.explore_leaky_relu(0.2)
    first_text = capsys.readouterr().out
    assert "α = 0.20" in first_text
    assert len(shown) == 1 and shown[0].startswith(b"\x89PNG")
    (slider,) = [w for w in box.children[1].children if isinstance(w, widgets.FloatSlider)]
    slider.value = 0.7  # what a reader's drag does: the change redraws through interactive_output
    second_text = capsys.readouterr().out
    assert "α = 0.70" in second_text and second_text != first_text
    assert len(shown) == 2
    assert shown[1] != shown[0]  # the picture changed, not only the text
    assert isinstance(box.children[-1], widgets.Output)


def test_training_widget_draws_on_click():
    calls = []

    def draw(a):
        calls.append(a)
        return plt.figure(), f"a={a}"

    slider = course_widgets.float_slider("a", 0.5, 0.0, 1.0, 0.1)
    box = course_widgets.training_widget(draw, {"a": slider})
    button = box.children[0].children[-1]
    assert calls == []  # nothing trains until the button is pressed
    button.click()
    assert calls == [0.5]
