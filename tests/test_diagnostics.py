import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf

from helpers import diagnostics, models


@pytest.fixture
def batch():
    rng = np.random.default_rng(0)
    return rng.random((64, 28, 28)).astype("float32"), rng.integers(0, 10, size=64)


def test_sites_match_a_hand_forward_pass(batch):
    x, _ = batch
    keras.utils.set_random_seed(1)
    model = models.build_mlp(n_hidden=2, n_neurons=16, activation="sigmoid")
    sites = diagnostics.activation_sites(model, x)
    assert [s.name for s in sites] == ["act_1", "act_2", "output"]
    w1, b1 = model.get_layer("hidden_1").get_weights()
    z1 = x.reshape(64, -1) @ w1 + b1
    np.testing.assert_allclose(sites[0].z, z1, rtol=1e-5, atol=1e-5)
    a1 = 1 / (1 + np.exp(-z1))
    np.testing.assert_allclose(sites[0].a, a1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sites[0].slope, a1 * (1 - a1), rtol=1e-4, atol=1e-6)


def test_dense_with_builtin_activation_is_a_site(batch):
    x, _ = batch
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(8, activation="tanh", name="d1"),
            keras.layers.Dense(10, name="out"),
        ]
    )
    (site,) = diagnostics.activation_sites(model, x)
    np.testing.assert_allclose(site.slope, 1 - site.a**2, rtol=1e-4, atol=1e-6)


def test_saturation_and_dead_units(batch):
    x, _ = batch
    keras.utils.set_random_seed(0)
    big = keras.initializers.RandomNormal(stddev=5.0)
    sig = models.build_mlp(n_hidden=2, n_neurons=32, activation="sigmoid", kernel_initializer=big)
    stats = diagnostics.layer_statistics(sig, x)
    assert all(s.fraction_saturated > 0.5 for s in stats)  # huge weights → sigmoid pinned at 0 or 1

    relu = models.build_mlp(n_hidden=1, n_neurons=4, activation="relu")
    dense = relu.get_layer("hidden_1")
    w, b = dense.get_weights()
    b[:2] = -1e3  # two units can never fire on inputs in [0, 1]
    w[:, :2] = 0.0
    dense.set_weights([w, b])
    (stat,) = diagnostics.layer_statistics(relu, x)
    assert stat.fraction_dead == pytest.approx(0.5)


def test_gradient_norms_match_gradient_tape(batch):
    x, y = batch
    keras.utils.set_random_seed(2)
    model = models.build_mlp(n_hidden=2, n_neurons=8)
    norms = diagnostics.gradient_norms_per_layer(model, x, y)
    assert list(norms) == ["hidden_1", "hidden_2", "output"]
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy()(y, model(x))
    g = tape.gradient(loss, model.get_layer("hidden_1").kernel)
    assert norms["hidden_1"] == pytest.approx(float(np.linalg.norm(g)), rel=1e-5)


def test_weight_change(batch):
    model = models.build_mlp(n_hidden=1, n_neurons=4)
    before = diagnostics.weight_snapshot(model)
    after = {k: v * 1.5 for k, v in before.items()}
    change = diagnostics.relative_weight_change(before, after)
    assert change["hidden_1"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="different layers"):
        diagnostics.relative_weight_change(before, {"x": before["hidden_1"]})


def test_gradient_norm_history_records_and_logs(batch, tmp_path):
    x, y = batch
    keras.utils.set_random_seed(3)
    model = models.compile_classifier(models.build_mlp(n_hidden=2, n_neurons=8), "sgd")
    logger = diagnostics.GradientNormHistory(x[:32], y[:32], every_n_batches=2, log_dir=tmp_path)
    model.fit(x, y, batch_size=8, epochs=1, callbacks=[logger], verbose=0)  # 8 steps
    assert logger.steps == [0, 2, 4, 6, 8]
    assert logger.as_array().shape == (5, 3)
    assert any(tmp_path.iterdir()), "TensorBoard event file written"
    with pytest.raises(ValueError, match="every_n_batches"):
        diagnostics.GradientNormHistory(x, y, every_n_batches=0)


# --- pictures, the histogram callback and the NumPy deep net (notebooks 01–03) ---------------


def test_histograms_one_outline_per_layer(batch):
    x, _ = batch
    keras.utils.set_random_seed(4)
    model = models.build_mlp(n_hidden=3, n_neurons=16, activation="tanh")
    sites = diagnostics.activation_sites(model, x)[:-1]
    fig = diagnostics.plot_activation_histograms(sites, title="tanh")
    (ax,) = fig.axes
    assert len(ax.patches) == 3 and ax.get_title() == "tanh"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["act_1", "act_2", "act_3"]
    fig = diagnostics.plot_activation_histograms(sites, quantity="slope", value_range=(0, 1))
    assert fig.axes[0].get_xlim()[1] >= 1
    with pytest.raises(ValueError, match="'a', 'z', 'slope'"):
        diagnostics.plot_activation_histograms(sites, quantity="w")
    with pytest.raises(ValueError, match="empty"):
        diagnostics.plot_activation_histograms([])


def test_histograms_of_many_layers_name_first_and_last():
    signals = diagnostics.numpy_mlp_signals(np.ones((8, 4)), depth=12, width=6, seed=0)
    fig = diagnostics.plot_activation_histograms(signals.sites)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["layer_1", "layer_12"]


def test_gradient_norms_vs_depth_takes_dicts_and_lists():
    fig = diagnostics.plot_gradient_norms_vs_depth(
        {"a": {"hidden_1": 1e-3, "hidden_2": 1.0}, "b": [0.5, 0.6, 0.7]}, title="t"
    )
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [1, 2, 3])
    with pytest.raises(ValueError, match="empty"):
        diagnostics.plot_gradient_norms_vs_depth({})
    with pytest.raises(ValueError, match="'bad'"):
        diagnostics.plot_gradient_norms_vs_depth({"bad": []})


def test_histogram_history_records_every_site_over_training(batch):
    x, y = batch
    keras.utils.set_random_seed(5)
    model = models.compile_classifier(
        models.build_mlp(n_hidden=2, n_neurons=8, activation="relu"), "sgd"
    )
    recorder = diagnostics.ActivationHistogramHistory(x[:16], every_n_batches=4, bins=10)
    model.fit(x, y, batch_size=8, epochs=1, callbacks=[recorder], verbose=0)  # 8 steps
    assert recorder.steps == [0, 4, 8]
    assert list(recorder.histograms) == ["act_1", "act_2"]
    image = recorder.as_image("act_1")
    assert image.shape == (10, 3)
    np.testing.assert_array_equal(image.sum(axis=0), 16 * 8)  # every value counted once
    assert len(recorder.edges) == 11
    assert set(recorder.statistics["act_2"]) == {"mean", "std", "near_zero"}
    assert 0 <= recorder.statistics["act_1"]["near_zero"][0] <= 1
    fig = diagnostics.plot_colorful_dimension(recorder, title="relu")
    assert sum(ax.images != [] for ax in fig.axes) == 2
    fig = diagnostics.plot_statistics_over_training(recorder, "near_zero")
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="act_1"):
        diagnostics.plot_colorful_dimension(recorder, layers=["act_9"])
    with pytest.raises(ValueError, match="act_1"):
        recorder.as_image("nope")
    with pytest.raises(ValueError, match="'mean', 'std', 'near_zero'"):
        diagnostics.plot_statistics_over_training(recorder, "max")


def test_histogram_history_checks_its_arguments(batch):
    x, _ = batch
    with pytest.raises(ValueError, match="every_n_batches"):
        diagnostics.ActivationHistogramHistory(x, every_n_batches=0)
    with pytest.raises(ValueError, match="bins"):
        diagnostics.ActivationHistogramHistory(x, bins=1)
    with pytest.raises(ValueError, match="low < high"):
        diagnostics.ActivationHistogramHistory(x, value_range=(1.0, 0.0))
    with pytest.raises(ValueError, match="no measurement"):
        _ = diagnostics.ActivationHistogramHistory(x).edges
    plt.close("all")


def test_fixed_range_piles_outliers_into_the_edge_bins(batch):
    x, _ = batch
    keras.utils.set_random_seed(6)
    model = models.build_mlp(n_hidden=1, n_neurons=8, activation="relu")
    recorder = diagnostics.ActivationHistogramHistory(x[:4], bins=4, value_range=(0.0, 1e-6))
    recorder.set_model(model)
    recorder.on_train_begin()
    counts = recorder.histograms["act_1"][0]
    assert counts.sum() == 32 and counts[-1] > 0  # positive outputs all land in the top bin
    dropping = diagnostics.ActivationHistogramHistory(
        x[:4], bins=4, value_range=(0.0, 1e-6), clip=False
    )
    dropping.set_model(model)
    dropping.on_train_begin()
    assert dropping.histograms["act_1"][0].sum() == 32 - counts[-1]  # outliers left out


def _keras_twin(signals, activation, width, n_outputs=10, input_dim=784):
    """A Keras net with the same kernels (and zero biases) as a NumPy run."""
    layers = [keras.Input((input_dim,))]
    layers += [keras.layers.Dense(width, activation=activation) for _ in signals.weights[:-1]]
    layers.append(keras.layers.Dense(n_outputs, activation="softmax"))
    model = keras.Sequential(layers)
    for layer, w in zip(model.layers, signals.weights, strict=True):
        layer.set_weights([w, np.zeros(w.shape[1], "float32")])
    return model


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "selu"])
def test_numpy_net_matches_keras_on_the_same_weights(batch, activation):
    x, y = batch
    x = x.reshape(len(x), -1)
    signals = diagnostics.numpy_mlp_signals(
        x, depth=4, width=12, activation=activation, init="he", y=y, seed=3
    )
    model = _keras_twin(signals, activation, 12)
    norms = list(diagnostics.gradient_norms_per_layer(model, x, y).values())
    np.testing.assert_allclose(signals.gradient_norms, norms, rtol=2e-4)
    sites = diagnostics.activation_sites(model, x)[:-1]
    np.testing.assert_allclose(signals.stds, [s.a.std() for s in sites], rtol=1e-4)
    np.testing.assert_allclose(signals.sites[2].slope, sites[2].slope, rtol=1e-4, atol=1e-6)


def test_numpy_net_without_labels_and_its_choices():
    x = np.random.default_rng(0).standard_normal((500, 64)).astype("float32")
    he = diagnostics.numpy_mlp_signals(x, depth=30, width=64, activation="relu", init="he")
    assert len(he.gradient_norms) == 30 and len(he.sites) == 30 and len(he.weights) == 30
    assert 0.3 < he.stds[-1] / he.stds[0] < 3  # He keeps a ReLU net's scale
    naive = diagnostics.numpy_mlp_signals(
        x, depth=5, width=64, activation="relu", init=1.0, keep_sites=False
    )
    assert naive.stds[-1] > 1e3 * naive.stds[0] and naive.sites == []
    pair = diagnostics.numpy_mlp_signals(x, depth=2, width=64, init=(2.0, "fan_in"), seed=1)
    scheme = diagnostics.numpy_mlp_signals(x, depth=2, width=64, init="he", seed=1)
    np.testing.assert_array_equal(pair.stds, scheme.stds)
    with pytest.raises(ValueError, match="'lecun', 'glorot', 'he'"):
        diagnostics.numpy_mlp_signals(x, depth=2, init="kaiming")
    with pytest.raises(ValueError, match="depth"):
        diagnostics.numpy_mlp_signals(x, depth=0)
    with pytest.raises(ValueError, match="std must be > 0"):
        diagnostics.numpy_mlp_signals(x, depth=1, init=0.0)
    with pytest.raises(ValueError, match="'sigmoid'"):
        diagnostics.numpy_mlp_signals(x, depth=1, activation="relu7")


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
@pytest.mark.parametrize(("scale", "mode"), [(1.0, "fan_in"), (2.0, "fan_out"), (1.0, "fan_avg")])
def test_weights_have_the_variance_of_keras_variance_scaling(distribution, scale, mode):
    fan_in, fan_out = 300, 200
    std = diagnostics.variance_scaling_std(fan_in, fan_out, scale, mode)
    ours = diagnostics.draw_weights(fan_in, fan_out, std, distribution, np.random.default_rng(0))
    initializer = keras.initializers.VarianceScaling(
        scale,
        mode,
        distribution="truncated_normal" if distribution == "normal" else "uniform",
        seed=0,
    )
    theirs = np.asarray(initializer((fan_in, fan_out)))
    assert ours.dtype == np.float32 and ours.shape == (fan_in, fan_out)
    assert ours.std() == pytest.approx(std, rel=0.02)
    assert theirs.std() == pytest.approx(std, rel=0.02)
    if distribution == "uniform":
        assert np.abs(ours).max() <= np.sqrt(3) * std + 1e-7
        assert np.abs(theirs).max() == pytest.approx(np.abs(ours).max(), rel=0.01)


def test_variance_scaling_std_and_draw_weights_check_their_arguments():
    assert diagnostics.variance_scaling_std(100, 300, 1.0, "fan_avg") == pytest.approx(
        0.07071, 1e-4
    )
    with pytest.raises(ValueError, match="'fan_in', 'fan_out', 'fan_avg'"):
        diagnostics.variance_scaling_std(1, 1, 1.0, "fan_sum")
    with pytest.raises(ValueError, match="scale"):
        diagnostics.variance_scaling_std(1, 1, 0.0)
    with pytest.raises(ValueError, match="'normal', 'uniform'"):
        diagnostics.draw_weights(2, 2, 1.0, "cauchy")


def test_numpy_net_with_unequal_widths_and_a_silent_overflow():
    x = np.random.default_rng(1).standard_normal((32, 64)).astype("float32")
    signals = diagnostics.numpy_mlp_signals(x, depth=3, width=[50, 20, 80], init=(1.0, "fan_out"))
    assert [w.shape for w in signals.weights] == [(64, 50), (50, 20), (20, 80)]
    with pytest.raises(ValueError, match="3 sizes"):
        diagnostics.numpy_mlp_signals(x, depth=3, width=[5, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an exploding net must not print RuntimeWarnings
        exploded = diagnostics.numpy_mlp_signals(x, depth=60, width=64, activation="relu", init=3.0)
    assert not np.isfinite(exploded.stds[-1])


def test_gradient_norms_use_the_batch_mean_loss_for_compiled_string_losses(batch):
    x, y = batch
    keras.utils.set_random_seed(4)
    model = models.build_mlp(n_hidden=1, n_neurons=8)
    uncompiled = diagnostics.gradient_norms_per_layer(model, x, y)
    models.compile_classifier(model, "sgd")  # compiles with the string loss name
    compiled = diagnostics.gradient_norms_per_layer(model, x, y)
    assert compiled["hidden_1"] == pytest.approx(uncompiled["hidden_1"], rel=1e-5)


def test_numpy_net_forward_only_skips_the_backward_pass():
    x = np.random.default_rng(2).standard_normal((64, 32)).astype("float32")
    both = diagnostics.numpy_mlp_signals(x, depth=5, width=16, activation="selu", init="lecun")
    forward = diagnostics.numpy_mlp_signals(
        x, depth=5, width=16, activation="selu", init="lecun", backward=False
    )
    np.testing.assert_array_equal(forward.stds, both.stds)
    assert np.all(np.isnan(forward.gradient_norms)) and np.all(np.isnan(forward.fraction_saturated))


def test_numpy_net_seed_goes_through_the_seed_knob(monkeypatch):
    """DNN_SEED shifts the NumPy net's draws: seed 0 under a shift of 3 is seed 3 unshifted."""
    from helpers import config

    x = np.random.default_rng(4).standard_normal((16, 8)).astype("float32")
    unshifted = diagnostics.numpy_mlp_signals(x, depth=3, width=8, seed=3).weights
    monkeypatch.setattr(config, "SEED_SHIFT", 3)
    shifted = diagnostics.numpy_mlp_signals(x, depth=3, width=8, seed=0).weights
    for a, b in zip(unshifted, shifted, strict=True):
        np.testing.assert_array_equal(a, b)
