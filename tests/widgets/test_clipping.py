"""Tests of helpers/widgets/clipping.py: draw functions and widgets."""

import ipywidgets as widgets
import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import models
from helpers import widgets as course_widgets


def test_draw_clipping_2d_keeps_direction_only_by_norm():
    fig, text = course_widgets.draw_clipping_2d((3.0, 0.5), 1.0)
    assert isinstance(fig, plt.Figure)
    assert "by value → (1.00, 0.50)" in text and "turned 0.0°, length 1.00" in text
    _, untouched = course_widgets.draw_clipping_2d((0.3, 0.2), 2.0)
    assert untouched.count("turned 0.0°") == 2  # nothing to clip
    with pytest.raises(ValueError, match="2-D vector"):
        course_widgets.draw_clipping_2d((1.0, 2.0, 3.0), 1.0)


def test_clipping_2d_redraw_is_fast(redraw_ms):
    seconds = 0.001 * redraw_ms(
        lambda t: course_widgets.draw_clipping_2d((3.0, 0.5), t), np.linspace(0.1, 4.0, 20)
    )
    print(f"median redraw {seconds * 1e3:.0f} ms")  # a benchmark target (make bench), not a test


def test_draw_clip_threshold_trains_and_reports(fashion):
    def build():
        return models.build_mlp(n_hidden=2, n_neurons=16)

    reference = np.array([2.3, 50.0, np.nan])
    fig, text = course_widgets.draw_clip_threshold(fashion.train, 1.0, build, reference=reference)
    assert text.startswith("global_clipnorm = 1: finite throughout")
    assert len(fig.axes[0].lines) == 3  # reference, clipped run, chance line
    with pytest.raises(ValueError, match="threshold"):
        course_widgets.draw_clip_threshold(fashion.train, 0.0, build)


def test_explore_clip_threshold_waits_for_the_button(fashion):
    box = course_widgets.explore_clip_threshold(fashion.train, lambda: None)
    assert isinstance(box.children[-1], widgets.Output)
    assert isinstance(box.children[1].children[-1], widgets.Button)


def test_train_with_clipping_stops_an_exploding_run_at_nan(fashion):
    big = keras.initializers.RandomNormal(stddev=3.0)

    def build():
        return models.build_mlp(n_hidden=4, n_neurons=32, kernel_initializer=big)

    unclipped = course_widgets.train_with_clipping(fashion.train, None, build, learning_rate=1.0)
    assert (
        np.isnan(unclipped[-1]) and len(unclipped) < 8
    )  # 512 images = 4 steps per epoch, 2 epochs
    clipped = course_widgets.train_with_clipping(fashion.train, 0.5, build, learning_rate=1.0)
    assert len(clipped) == 8 and np.all(np.isfinite(clipped))
    with pytest.raises(ValueError, match="threshold"):
        course_widgets.train_with_clipping(fashion.train, -1.0, build)
