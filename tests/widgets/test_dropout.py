"""Tests of helpers/widgets/dropout.py: draw functions and widgets."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import widgets as course_widgets


@pytest.fixture
def rate_runs():
    epochs = 5
    return {
        rate: {
            "loss": list(np.linspace(1.0, 0.3 + rate, epochs)),
            "honest_loss": list(np.linspace(0.9, 0.2 + rate / 2, epochs)),
            "val_loss": list(np.linspace(0.9, 0.5, epochs)),
            "honest_accuracy": list(np.linspace(0.7, 0.95, epochs)),
            "val_accuracy": list(np.linspace(0.7, 0.85, epochs)),
        }
        for rate in (0.0, 0.2, 0.4)
    }


@pytest.fixture
def mc_passes():
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(30, 400, 10))
    logits[:, :, 3] += 2.0
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    y = np.full(400, 3)
    y[:50] = 1
    return probabilities, y, [f"c{i}" for i in range(10)]


def test_draw_dropout_mask_keeps_the_mean_on_average():
    image = np.random.default_rng(2).random((28, 28)).astype("float32")
    fig, text = course_widgets.draw_dropout_mask(image, 0.5, seed=3)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 3
    assert text.startswith("rate 0.50:")
    _, average = (float(v.split(" ")[0]) for v in text.split("→ ")[1].split(", "))
    assert abs(average - image.mean()) < 0.01
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        course_widgets.draw_dropout_mask(image, 1.0)


def test_explore_dropout_mask_and_its_speed(redraw_ms):
    image = np.random.default_rng(2).random((28, 28)).astype("float32")
    box = course_widgets.explore_dropout_mask(image)
    rate, seed = box.children[1].children
    assert isinstance(rate, widgets.FloatSlider) and isinstance(seed, widgets.IntSlider)
    ms = redraw_ms(lambda r: course_widgets.draw_dropout_mask(image, r), np.linspace(0, 0.9, 20))
    print(f"redraw {ms:.0f} ms")  # latency is a benchmark target (make bench), not a test


def test_draw_dropout_rate_reports_the_gap(rate_runs):
    fig, text = course_widgets.draw_dropout_rate(rate_runs, 0.2)
    assert isinstance(fig, plt.Figure)
    assert "gap 0.200" in text and "train loss 0.500 reported" in text
    with pytest.raises(ValueError, match=r"was not trained; choose one of 0, 0\.2, 0\.4"):
        course_widgets.draw_dropout_rate(rate_runs, 0.3)
    with pytest.raises(ValueError, match="lacks"):
        course_widgets.draw_dropout_rate({0.1: {"loss": [1.0]}}, 0.1)


def test_draw_dropout_rate_with_curves_measured_every_few_epochs(rate_runs):
    run = dict(rate_runs[0.2])
    epochs = len(run["loss"])
    measured = [1, epochs]  # as OverfitResult.mean_runs gives them: only some epochs scored
    sparse = {k: [v[0], v[-1]] for k, v in run.items() if k != "loss"}
    fig, text = course_widgets.draw_dropout_rate(
        {0.2: {"loss": run["loss"], **sparse, "eval_epochs": measured}}, 0.2
    )
    honest_line = fig.axes[0].lines[1]
    np.testing.assert_array_equal(honest_line.get_xdata(), measured)
    assert f"{run['honest_loss'][-1]:.3f} with dropout off" in text
    plt.close(fig)


def test_explore_dropout_rate_and_its_speed(rate_runs, redraw_ms):
    box = course_widgets.explore_dropout_rate(rate_runs)
    slider = box.children[1].children[0]
    assert isinstance(slider, widgets.SelectionSlider)
    slider.value = 0.4
    ms = redraw_ms(lambda r: course_widgets.draw_dropout_rate(rate_runs, r), [0.0, 0.2, 0.4] * 7)
    print(f"redraw {ms:.0f} ms")  # latency is a benchmark target (make bench), not a test


def test_draw_mc_passes_text_and_checks(mc_passes):
    probabilities, y, names = mc_passes
    fig, text = course_widgets.draw_mc_passes(probabilities, y, 10, 60, names)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
    assert text.startswith("N = 10: accuracy") and "instance 60: true c3" in text
    images = np.zeros((400, 28, 28))
    fig, _ = course_widgets.draw_mc_passes(probabilities, y, 1, 0, names, images)
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="n_passes must be a whole number from 1 to 30"):
        course_widgets.draw_mc_passes(probabilities, y, 31, 0, names)
    with pytest.raises(ValueError, match="index must be a whole number from 0 to 399"):
        course_widgets.draw_mc_passes(probabilities, y, 5, 400, names)


def test_explore_mc_passes_and_its_speed(mc_passes, redraw_ms):
    probabilities, y, names = mc_passes
    box = course_widgets.explore_mc_passes(probabilities, y, names, indices=[5, 60, 70])
    passes, instance = box.children[1].children
    assert passes.max == 30 and instance.options == (5, 60, 70)
    passes.value = 3
    from helpers.uncertainty import accuracy_vs_passes

    curve = accuracy_vs_passes(probabilities, y)
    ms = redraw_ms(
        lambda n: course_widgets.draw_mc_passes(
            probabilities, y, int(n), 60, names, accuracy_curve=curve
        ),
        list(range(1, 31)),
    )
    print(f"redraw {ms:.0f} ms")  # latency is a benchmark target (make bench), not a test


def test_draw_alpha_dropout_and_its_speed(redraw_ms):
    fig, text = course_widgets.draw_alpha_dropout(0.2)
    assert isinstance(fig, plt.Figure)
    alpha_std = float(text.split("alpha dropout")[1].split("std ")[1])
    assert abs(alpha_std - 1) < 0.1
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        course_widgets.draw_alpha_dropout(-0.1)
    fig, _ = course_widgets.draw_alpha_dropout(0.4)  # dropout's std reaches ~3: no curve is cut off
    for ax in fig.axes:
        low, high = ax.get_ylim()
        for line in ax.get_lines():
            assert low <= np.min(line.get_ydata()) and np.max(line.get_ydata()) <= high
    plt.close(fig)
    box = course_widgets.explore_alpha_dropout()
    assert isinstance(box.children[1].children[0], widgets.FloatSlider)
    ms = redraw_ms(course_widgets.draw_alpha_dropout, list(np.arange(0.0, 0.5001, 0.05)) * 2)
    print(f"redraw {ms:.0f} ms")  # latency is a benchmark target (make bench), not a test
