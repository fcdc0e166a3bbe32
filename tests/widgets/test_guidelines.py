"""Tests of helpers/widgets/guidelines.py: draw functions and widgets."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import widgets as course_widgets


@pytest.fixture
def pruning_case():
    rng = np.random.default_rng(5)
    kernels = [rng.normal(0, 0.1, size=(784, 64)), rng.normal(0, 0.1, size=(64, 64))]
    accuracies = {0.0: 0.86, 0.5: 0.85, 0.9: 0.40}
    return kernels, accuracies


def test_draw_pruning_counts_cut_weights(pruning_case):
    kernels, accuracies = pruning_case
    fig, text = course_widgets.draw_pruning(kernels, accuracies, 0.5)
    assert isinstance(fig, plt.Figure)
    total = 784 * 64 + 64 * 64
    assert text.startswith(f"pruned 50%: {total // 2:,} of {total:,}")
    assert "validation accuracy 0.850 (unpruned 0.860)" in text
    _, text0 = course_widgets.draw_pruning(kernels, accuracies, 0.0)
    assert text0.startswith(f"pruned 0%: 0 of {total:,}")
    with pytest.raises(ValueError, match=r"0, 0\.5, 0\.9"):
        course_widgets.draw_pruning(kernels, accuracies, 0.7)
    with pytest.raises(ValueError, match="empty"):
        course_widgets.draw_pruning([], accuracies, 0.5)


def test_explore_pruning_and_its_speed(pruning_case, redraw_ms):
    kernels, accuracies = pruning_case
    box = course_widgets.explore_pruning(kernels, accuracies)
    slider = box.children[1].children[0]
    assert isinstance(slider, widgets.SelectionSlider) and slider.value == 0.5
    slider.value = 0.9
    ms = redraw_ms(
        lambda f: course_widgets.draw_pruning(kernels, accuracies, f), [0.0, 0.5, 0.9] * 7
    )
    print(f"redraw {ms:.0f} ms")  # latency is a benchmark target (make bench), not a test
