"""Tests of helpers/widgets/penalties.py: draw functions and widgets."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import widgets as course_widgets
from helpers.regularization import PenaltySweep

STRENGTHS = (0.0, 1e-4, 1e-2)


@pytest.fixture
def sweeps():
    rng = np.random.default_rng(0)
    kernels = rng.normal(0, 0.05, size=(3, 784, 10))
    kernels[2, :400] = 0.0  # the strongest l1 head: sparse
    return {
        "l1": PenaltySweep("l1", STRENGTHS, kernels, np.array([0.84, 0.83, 0.62])),
        "l2": PenaltySweep("l2", STRENGTHS, kernels * 0.5, np.array([0.84, 0.84, 0.80])),
    }


def test_draw_penalty_sweep_reports_sparsity_and_accuracy(sweeps):
    fig, text = course_widgets.draw_penalty_sweep(sweeps, "l1", 1e-2)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
    assert text.startswith("l1 λ = 0.01:")
    assert "validation accuracy 0.620" in text
    share = float(text.split(":")[1].split("%")[0]) / 100
    assert share > 400 * 10 / 7840 - 0.01


def test_draw_penalty_sweep_rejects_unknown_settings(sweeps):
    with pytest.raises(ValueError, match="l1"):
        course_widgets.draw_penalty_sweep(sweeps, "l3", 0.0)
    with pytest.raises(ValueError, match=r"0, 0\.0001, 0\.01"):
        course_widgets.draw_penalty_sweep(sweeps, "l2", 0.5)


def test_draw_penalty_sweep_into_given_axes(sweeps):
    fig, axes = plt.subplots(2, 2)
    for row, strength in zip(axes, STRENGTHS[:2], strict=True):
        same_fig, _ = course_widgets.draw_penalty_sweep(sweeps, "l2", strength, axes=row)
        assert same_fig is fig


def test_explore_penalty_sweep_has_kind_and_strength_controls(sweeps):
    box = course_widgets.explore_penalty_sweep(sweeps)
    assert isinstance(box, widgets.VBox)
    controls = box.children[1].children
    assert isinstance(controls[0], widgets.ToggleButtons)
    assert isinstance(controls[1], widgets.SelectionSlider)
    controls[1].value = 1e-2


def test_penalty_sweep_redraw_is_fast(sweeps, redraw_ms):
    ms = redraw_ms(lambda s: course_widgets.draw_penalty_sweep(sweeps, "l1", s), STRENGTHS * 7)
    print(f"redraw {ms:.0f} ms")  # latency is a benchmark target (make bench), not a test


def test_draw_max_norm_counts_rescaled_units():
    norms = np.array([0.5, 0.9, 1.2, 2.0])
    fig, text = course_widgets.draw_max_norm(norms, 1.0)
    assert isinstance(fig, plt.Figure)
    assert text.startswith("r = 1.00: 2 of 4 units (50%)")
    assert "2.00 → 1.00" in text
    with pytest.raises(ValueError, match="max_value"):
        course_widgets.draw_max_norm(norms, 0.0)
    with pytest.raises(ValueError, match="non-empty"):
        course_widgets.draw_max_norm(np.array([]), 1.0)


def test_explore_max_norm_and_its_speed(redraw_ms):
    norms = np.random.default_rng(1).uniform(0.5, 2.5, size=210)
    box = course_widgets.explore_max_norm(norms)
    slider = box.children[1].children[0]
    assert isinstance(slider, widgets.FloatSlider) and slider.value == 1.0
    slider.value = 1.5
    ms = redraw_ms(lambda r: course_widgets.draw_max_norm(norms, r), np.linspace(0.3, 3.0, 20))
    print(f"redraw {ms:.0f} ms")  # latency is a benchmark target (make bench), not a test
