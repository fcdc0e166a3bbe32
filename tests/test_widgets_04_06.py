"""Widgets of notebooks 04–06, tested through their drawing functions."""

import time

import ipywidgets as widgets
import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import data, models, transfer
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
    # 0.99^459 < 0.01 < 0.99^458: the start value has faded to 1 % after 459 steps
    assert "averages ≈ 100 batches" in text and "after 459 steps" in text
    _, text_fast = course_widgets.draw_bn_momentum(batch_means, 0.5, target=2.0)
    assert "after 7 steps" in text_fast


def test_bn_momentum_redraw_is_fast():
    batch_means = np.random.default_rng(1).normal(size=600)
    seconds = _median_redraw_seconds(
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


# --- 05 gradient clipping ---


def test_draw_clipping_2d_keeps_direction_only_by_norm():
    fig, text = course_widgets.draw_clipping_2d((3.0, 0.5), 1.0)
    assert isinstance(fig, plt.Figure)
    assert "by value → (1.00, 0.50)" in text and "turned 0.0°, length 1.00" in text
    _, untouched = course_widgets.draw_clipping_2d((0.3, 0.2), 2.0)
    assert untouched.count("turned 0.0°") == 2  # nothing to clip
    with pytest.raises(ValueError, match="2-D vector"):
        course_widgets.draw_clipping_2d((1.0, 2.0, 3.0), 1.0)


def test_clipping_2d_redraw_is_fast():
    seconds = _median_redraw_seconds(
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


# --- 06 reusing pretrained layers ---


def test_draw_transfer_size_trains_both_and_reports_the_gain():
    fashion = data.load_fashion_mnist(valid_size=300, train_size=2_000, test_size=10)
    tasks = data.make_transfer_tasks(fashion, b_train_size=200)
    keras.utils.set_random_seed(0)
    model_a = models.build_mlp(n_hidden=1, n_neurons=16, n_outputs=8)
    pool, valid = (tasks.x_train_b, tasks.y_train_b), (tasks.x_valid_b, tasks.y_valid_b)

    def build_scratch():
        return models.build_mlp(n_hidden=1, n_neurons=16, output="sigmoid", n_outputs=1)

    fig, text = course_widgets.draw_transfer_size(
        pool, valid, 20, build_scratch, lambda: transfer.reuse_layers(model_a), seed=1
    )
    assert text.startswith("20 examples, seed 1: from scratch") and "gain" in text
    assert len(fig.axes[0].patches) == 3  # three bars


def test_explore_transfer_size_offers_the_sizes():
    box = course_widgets.explore_transfer_size((None, None), (None, None), None, None)
    size = box.children[1].children[0]
    assert isinstance(size, widgets.SelectionSlider)
    assert tuple(size.options) == course_widgets.TRANSFER_SIZES and size.value == 200
