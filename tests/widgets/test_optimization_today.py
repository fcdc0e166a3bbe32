"""Tests of helpers/widgets/optimization_today.py (notebook 13): warm-up and the new rules."""

import re

import matplotlib.pyplot as plt
import pytest

from helpers import modern_opt as mo
from helpers.widgets import optimization_today as mow


@pytest.mark.parametrize("fraction, peak", [(0.0, 1e-2), (0.1, 1e-2), (0.3, 1e-3)])
def test_draw_warmup_reports_the_first_updates(fraction, peak):
    fig, text = mow.draw_warmup(fraction, peak)
    plt.close(fig)
    assert f"peak η = {peak:.3g}" in text
    found = re.search(r"\(99th pct\.\): (\S+) with warm-up, (\S+) without", text)
    with_warmup, without = float(found.group(1)), float(found.group(2))
    if fraction == 0:
        assert with_warmup == pytest.approx(without)
    else:
        assert with_warmup < without / 2


def test_draw_warmup_refuses_bad_fraction():
    with pytest.raises(ValueError, match="warmup_fraction"):
        mow.draw_warmup(1.2)


@pytest.mark.parametrize("surface, rate", [("bowl", 0.05), ("ravine", 0.02), ("saddle", 0.2)])
def test_draw_new_optimizers_names_every_rule(surface, rate):
    fig, text = mow.draw_new_optimizers(surface, rate)
    assert len(fig.axes[0].lines) >= 4
    plt.close(fig)
    for label in mo.LABELS.values():
        assert label in text
    assert f"surface = {surface}" in text


def test_explore_widgets_build():
    assert mow.explore_warmup() is not None
    assert mow.explore_new_optimizers() is not None


def test_the_old_import_path_still_works():
    """Notebook 13 imports ``helpers.modern_opt_widgets``: a shim over this module."""
    from helpers import modern_opt_widgets

    assert modern_opt_widgets.explore_warmup is mow.explore_warmup
