"""helpers.diagnostics_plots: one outline per layer, norms from dicts or lists."""

import keras
import numpy as np
import pytest

from helpers import diagnostics, diagnostics_plots, models


def test_histograms_one_outline_per_layer(batch):
    x, _ = batch
    keras.utils.set_random_seed(4)
    model = models.build_mlp(n_hidden=3, n_neurons=16, activation="tanh")
    sites = diagnostics.activation_sites(model, x)[:-1]
    fig = diagnostics_plots.plot_activation_histograms(sites, title="tanh")
    (ax,) = fig.axes
    assert len(ax.patches) == 3 and ax.get_title() == "tanh"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["act_1", "act_2", "act_3"]
    fig = diagnostics_plots.plot_activation_histograms(sites, quantity="slope", value_range=(0, 1))
    assert fig.axes[0].get_xlim()[1] >= 1
    with pytest.raises(ValueError, match="'a', 'z', 'slope'"):
        diagnostics_plots.plot_activation_histograms(sites, quantity="w")
    with pytest.raises(ValueError, match="empty"):
        diagnostics_plots.plot_activation_histograms([])


def test_histograms_of_many_layers_name_first_and_last():
    signals = diagnostics.numpy_mlp_signals(np.ones((8, 4)), depth=12, width=6, seed=0)
    fig = diagnostics_plots.plot_activation_histograms(signals.sites)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["layer_1", "layer_12"]


def test_gradient_norms_vs_depth_takes_dicts_and_lists():
    fig = diagnostics_plots.plot_gradient_norms_vs_depth(
        {"a": {"hidden_1": 1e-3, "hidden_2": 1.0}, "b": [0.5, 0.6, 0.7]}, title="t"
    )
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [1, 2, 3])
    with pytest.raises(ValueError, match="empty"):
        diagnostics_plots.plot_gradient_norms_vs_depth({})
    with pytest.raises(ValueError, match="'bad'"):
        diagnostics_plots.plot_gradient_norms_vs_depth({"bad": []})
