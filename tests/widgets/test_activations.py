"""Tests of helpers/widgets/activations.py: draw functions and widgets."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import activations, deep_signals
from helpers import widgets as course_widgets


@pytest.mark.parametrize(
    ("explore", "description", "draw"),
    [
        (course_widgets.explore_leaky_relu, "leaky ReLU α", course_widgets.draw_leaky_relu),
        (course_widgets.explore_elu, "ELU α", course_widgets.draw_elu),
    ],
)
def test_alpha_sliders_keep_the_browser_contract(explore, description, draw, sliders):
    box = explore()
    (slider,) = sliders(box)
    assert isinstance(slider, widgets.FloatSlider)
    assert slider.description == description
    assert slider.min == 0.0 and slider.max >= 1.0 and slider.step in (0.01, 0.05)
    assert isinstance(box.children[-1], widgets.Output)
    fig, text = draw(0.37)
    assert isinstance(fig, plt.Figure)
    assert text.startswith("α = 0.37 · mean output on N(0,1): ")
    assert "\n" not in text


def test_leaky_relu_statistic_is_the_closed_form_mean():
    for alpha in (0.0, 0.2, 0.6):
        _, text = course_widgets.draw_leaky_relu(alpha)
        mean = float(text.split("N(0,1): ")[1].split(" ")[0])
        assert mean == pytest.approx((1 - alpha) / np.sqrt(2 * np.pi), abs=0.01)


def test_elu_mean_output_crosses_zero_near_the_selu_alpha():
    _, alpha_selu = activations.selu_constants()
    means = [
        float(course_widgets.draw_elu(a)[1].split("N(0,1): ")[1].split(" ")[0])
        for a in (alpha_selu - 0.1, alpha_selu + 0.1)
    ]
    assert means[0] > 0 > means[1]


def test_alpha_out_of_range_says_what_is_allowed():
    with pytest.raises(ValueError, match=r"leaky_relu α must be in \[0, 1\]; got 1.5"):
        course_widgets.draw_leaky_relu(1.5)
    with pytest.raises(ValueError, match="'leaky_relu', 'elu'"):
        course_widgets.draw_alpha_family("relu", [0.1])


def test_alpha_family_draws_one_curve_per_alpha():
    fig = course_widgets.draw_alpha_family("elu", [0.5, 1.0, 2.0])
    assert len(fig.axes[0].lines) == 3 and len(fig.axes[1].lines) == 3


def test_dead_units_grow_as_biases_drop(batch):
    x, _ = batch
    rng = np.random.default_rng(1)
    layers = [(rng.standard_normal((784, 20)).astype("float32") * 0.05, np.zeros(20, "float32"))]
    layers.append((rng.standard_normal((20, 10)).astype("float32") * 0.3, np.zeros(10, "float32")))
    none_shift = deep_signals.dead_unit_fractions(layers, x, 0.0)
    big_shift = deep_signals.dead_unit_fractions(layers, x, -100.0)
    assert none_shift.shape == (2,) and np.all(big_shift == 1.0)
    assert np.all(none_shift < 1.0)
    fig, text = course_widgets.draw_dead_units(layers, x, -100.0)
    assert text.startswith("bias shift = -100.00 · dead units: 100.0% of 30")
    assert len(fig.axes[0].patches) == 2


def test_selu_depth_stays_normalized_only_with_its_conditions():
    _, text = course_widgets.draw_selu_depth(1.0, 1.0)
    low, high = (float(v) for v in text.split(" in [")[1].split("]")[0].split(", "))
    assert low > 0.8 and high < 1.2
    _, text = course_widgets.draw_selu_depth(1.0, 2.0)  # He init: grows
    assert float(text.split(" in [")[1].split("]")[0].split(", ")[1]) > 2
    with pytest.raises(ValueError, match="> 0"):
        course_widgets.draw_selu_depth(0.0, 1.0)
    assert isinstance(course_widgets.explore_selu_depth(), widgets.VBox)


def test_swish_beta_near_1_7_is_closest_to_gelu(sliders):
    def gap(beta):
        return float(course_widgets.draw_swish_beta(beta)[1].split("GELU| on [−4, 4]: ")[1][:5])

    assert gap(1.7) < gap(1.0) and gap(1.7) < gap(4.0) and gap(1.7) < 0.03
    with pytest.raises(ValueError, match="≥ 0"):
        course_widgets.draw_swish_beta(-1.0)
    (slider,) = sliders(course_widgets.explore_swish_beta())
    assert slider.description == "Swish β"
