"""Tests of helpers/widgets/vanishing_gradients.py: draw functions and widgets."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import widgets as course_widgets


def test_gradient_flow_reports_the_first_to_last_ratio(batch):
    x, y = batch
    fig, text = course_widgets.draw_gradient_flow(x, y, 6, 0.1, "sigmoid")
    assert text.startswith("depth = 6 · init std = 0.100 · sigmoid · ‖∂L/∂W‖ first / last")
    ratio = float(text.split("hidden layer: ")[1].split(" ")[0])
    assert ratio < 0.1  # a Glorot-sized sigmoid net: the gradient shrinks toward the input
    assert len(fig.axes) == 2 and "log scale" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="'sigmoid', 'tanh'"):
        course_widgets.draw_gradient_flow(x, y, 3, 0.1, "softmax")


@pytest.mark.parametrize(
    ("depth", "init_std", "activation"), [(30, 1.0, "relu"), (30, 0.01, "tanh"), (50, 3.0, "elu")]
)
def test_gradient_flow_extremes_say_what_happened_without_a_warning(
    batch, depth, init_std, activation
):
    """Slider corners where the signal overflows or vanishes: words in the text, and no
    RuntimeWarning printed into the learner's widget."""
    import warnings

    x, y = batch
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, text = course_widgets.draw_gradient_flow(x, y, depth, init_std, activation)
        course_widgets.figure_png(fig)
    plt.close(fig)
    ratio = text.split("hidden layer: ")[1].split(" · ")[0]
    assert ratio.startswith(("not a number", "∞")) or np.isfinite(float(ratio))


def test_gradient_flow_widget_has_three_controls(batch, sliders):
    box = course_widgets.explore_gradient_flow(*batch)
    descriptions = [w.description for w in sliders(box)]
    assert descriptions == ["depth", "init std", "activation"]
