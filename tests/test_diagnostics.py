import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf

from helpers import diagnostics, models


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


def test_gradient_norms_use_the_batch_mean_loss_for_compiled_string_losses(batch):
    x, y = batch
    keras.utils.set_random_seed(4)
    model = models.build_mlp(n_hidden=1, n_neurons=8)
    uncompiled = diagnostics.gradient_norms_per_layer(model, x, y)
    models.compile_classifier(model, "sgd")  # compiles with the string loss name
    compiled = diagnostics.gradient_norms_per_layer(model, x, y)
    assert compiled["hidden_1"] == pytest.approx(uncompiled["hidden_1"], rel=1e-5)
