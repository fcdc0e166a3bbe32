"""Widgets of notebooks 04–06, tested through their drawing functions."""

import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import data, models
from helpers import widgets as course_widgets


@pytest.fixture(scope="module")
def fashion():
    return data.load_fashion_mnist(valid_size=200, train_size=512, test_size=10)


def _median_redraw_seconds(draw, values):
    times = []
    for value in values:
        start = time.perf_counter()
        fig = draw(value)
        times.append(time.perf_counter() - start)
        plt.close(fig[0] if isinstance(fig, tuple) else fig)
    return float(np.median(times))


# --- 04 batch normalization ---


def test_moving_average_matches_the_closed_form():
    values = np.arange(1.0, 6.0)
    m = 0.8
    expected = [
        m ** (k + 1) * 2.0 + sum((1 - m) * m ** (k - i) * values[i] for i in range(k + 1))
        for k in range(5)
    ]
    np.testing.assert_allclose(course_widgets.moving_average(values, m, start=2.0), expected)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        course_widgets.moving_average(values, 1.0)


def test_draw_bn_momentum_reports_memory_and_fade():
    rng = np.random.default_rng(0)
    batch_means = rng.normal(2.0, 0.1, size=600)
    fig, text = course_widgets.draw_bn_momentum(batch_means, 0.99, target=2.0, steps_per_epoch=100)
    assert isinstance(fig, plt.Figure)
    assert "averages ≈ 100 batches" in text and "after 458 steps" in text
    _, text_fast = course_widgets.draw_bn_momentum(batch_means, 0.5, target=2.0)
    assert "after 7 steps" in text_fast


def test_bn_momentum_redraw_is_fast():
    batch_means = np.random.default_rng(1).normal(size=600)
    seconds = _median_redraw_seconds(
        lambda m: course_widgets.draw_bn_momentum(batch_means, m, 0.0, steps_per_epoch=430),
        np.linspace(0.5, 0.999, 20),
    )
    assert seconds < 0.1, f"median redraw {seconds * 1e3:.0f} ms"


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
