"""Tests of helpers/widgets/residual.py (notebook 12): the knob draws what the net measures."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import residual
from helpers.widgets import residual as knob


def _probe():
    rng = np.random.default_rng(7)
    return rng.uniform(0, 1, (64, 784)), rng.integers(0, 10, 64)


@pytest.mark.parametrize(
    "depth, residual_on, norm, placement, branch",
    [
        (2, False, "none", "pre", "he"),
        (50, False, "batch", "pre", "he"),
        (50, True, "layer", "post", "scaled"),
        (100, True, "rms", "pre", "zero"),
    ],
)
def test_draw_depth_norm_draws_what_the_net_measures(depth, residual_on, norm, placement, branch):
    x, y = _probe()
    fig, text = knob.draw_depth_norm(x, y, depth, residual_on, norm, placement, branch)
    signals = residual.numpy_net_signals(x, y, depth, residual_on, norm, placement, branch)
    left, right = fig.axes[:2]
    np.testing.assert_allclose(left.lines[0].get_ydata(), np.log10(signals.stds))
    np.testing.assert_allclose(right.lines[0].get_ydata(), np.log10(signals.gradient_norms))
    assert f"depth {depth}" in text
    assert knob.describe(residual_on, norm, placement, branch) in text
    ratio = signals.gradient_norms[0] / signals.gradient_norms[-1]
    assert f"first / last layer: {ratio:.3g}" in text
    plt.close(fig)


def test_the_knob_shows_bn_alone_exploding_the_plain_nets_gradients():
    x, y = _probe()
    _, plain_bn = knob.draw_depth_norm(x, y, 50, False, "batch")
    ratio = float(plain_bn.split("‖∂L/∂W‖ first / last layer: ")[1].split(" ")[0])
    assert ratio > 100


def test_explore_depth_norm_builds_its_controls():
    x, y = _probe()
    box = knob.explore_depth_norm(x, y)
    controls = box.children[1].children
    assert [c.value for c in controls] == [50, "plain", "none", "pre", "he"]


def test_the_old_import_path_still_works():
    """Notebook 12 imports ``helpers.residual_widgets``: a shim over this module."""
    from helpers import residual_widgets

    assert residual_widgets.explore_depth_norm is knob.explore_depth_norm
