"""Tests of helpers/widgets/batch_norm.py: draw functions and widgets."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import models
from helpers import widgets as course_widgets


def test_draw_bn_momentum_reports_memory_and_fade():
    rng = np.random.default_rng(0)
    batch_means = rng.normal(2.0, 0.1, size=600)
    fig, text = course_widgets.draw_bn_momentum(batch_means, 0.99, target=2.0, steps_per_epoch=100)
    assert isinstance(fig, plt.Figure)
    # 0.99^459 < 0.01 < 0.99^458: the start value has faded to 1 % after 459 steps
    assert "averages ≈ 100 batches" in text and "after 459 steps" in text
    _, text_fast = course_widgets.draw_bn_momentum(batch_means, 0.5, target=2.0)
    assert "after 7 steps" in text_fast


def test_bn_momentum_redraw_is_fast(redraw_ms):
    batch_means = np.random.default_rng(1).normal(size=600)
    seconds = 0.001 * redraw_ms(
        lambda m: course_widgets.draw_bn_momentum(batch_means, m, 0.0, steps_per_epoch=430),
        np.linspace(0.5, 0.999, 20),
    )
    print(f"median redraw {seconds * 1e3:.0f} ms")  # a benchmark target (make bench), not a test


def test_explore_bn_momentum_builds_a_slider():
    box = course_widgets.explore_bn_momentum(np.zeros(10), target=1.0)
    slider = box.children[1].children[0]
    assert isinstance(slider, widgets.FloatSlider) and slider.max == pytest.approx(0.999)


def test_draw_bn_learning_rate_trains_both_nets(fashion):
    def build(batch_norm):
        return models.build_mlp(n_hidden=1, n_neurons=16, batch_norm=batch_norm)

    fig, text = course_widgets.draw_bn_learning_rate(fashion.train, 0.05, build)
    assert "plain net" in text and "BN net" in text
    assert len(fig.axes[0].lines) == 3  # plain, BN, chance line
    with pytest.raises(ValueError, match="learning_rate"):
        course_widgets.draw_bn_learning_rate(fashion.train, 0.0, build)


def test_draw_bn_learning_rate_draws_given_curves_without_training():
    curves = {"plain": np.full(20, 2.3), "BN": np.linspace(2.0, 0.5, 20)}
    fig, text = course_widgets.draw_bn_learning_rate(None, 0.5, None, curves=curves)
    assert "plain net: loss over the last 10 steps 2.300" in text and "BN net" in text
    assert len(fig.axes[0].lines) == 3
    with pytest.raises(ValueError, match="keys"):
        course_widgets.draw_bn_learning_rate(None, 0.5, None, curves={"plain": curves["plain"]})
