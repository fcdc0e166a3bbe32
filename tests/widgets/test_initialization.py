"""Tests of helpers/widgets/initialization.py: draw functions and widgets."""

import pytest

from helpers import widgets as course_widgets


@pytest.mark.parametrize(
    ("scale", "mode", "activation", "flat_side"),
    [
        (2.0, "fan_in", "relu", "forward"),
        (2.0, "fan_out", "relu", "backward"),
        (1.0, "fan_in", "linear", "forward"),
    ],
)
def test_variance_scaling_mode_flattens_its_own_side(scale, mode, activation, flat_side):
    fig, text = course_widgets.draw_variance_scaling(scale, mode, activation)
    forward = float(text.split("layer 50 / 1: ")[1].split(" ")[0])
    backward = float(text.split("layer 1 / 50: ")[1])
    flat = forward if flat_side == "forward" else backward
    assert 0.3 < flat < 3
    assert text.startswith(f"scale = {scale:.2f} · mode {mode} · {activation}")
    assert len(fig.axes) == 2


def test_variance_scaling_too_small_a_scale_vanishes_and_bad_names_fail(sliders):
    _, text = course_widgets.draw_variance_scaling(1.0, "fan_avg", "relu")
    assert float(text.split("layer 50 / 1: ")[1].split(" ")[0]) < 1e-3  # Glorot halves ReLU nets
    with pytest.raises(ValueError, match="'linear', 'tanh'"):
        course_widgets.draw_variance_scaling(1.0, "fan_in", "gelu6")
    with pytest.raises(ValueError, match="'fan_in', 'fan_out', 'fan_avg'"):
        course_widgets.draw_variance_scaling(1.0, "fan_sum")
    box = course_widgets.explore_variance_scaling()
    assert [type(w).__name__ for w in sliders(box)] == ["FloatSlider", "ToggleButtons", "Dropdown"]
