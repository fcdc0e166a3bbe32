"""helpers.deep_signals: the NumPy deep net against a Keras net on the same weights, and
its weights against keras.initializers.VarianceScaling."""

import warnings

import keras
import numpy as np
import pytest

from helpers import deep_signals, diagnostics


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
    signals = deep_signals.numpy_mlp_signals(
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
    he = deep_signals.numpy_mlp_signals(x, depth=30, width=64, activation="relu", init="he")
    assert len(he.gradient_norms) == 30 and len(he.sites) == 30 and len(he.weights) == 30
    assert 0.3 < he.stds[-1] / he.stds[0] < 3  # He keeps a ReLU net's scale
    naive = deep_signals.numpy_mlp_signals(
        x, depth=5, width=64, activation="relu", init=1.0, keep_sites=False
    )
    assert naive.stds[-1] > 1e3 * naive.stds[0] and naive.sites == []
    pair = deep_signals.numpy_mlp_signals(x, depth=2, width=64, init=(2.0, "fan_in"), seed=1)
    scheme = deep_signals.numpy_mlp_signals(x, depth=2, width=64, init="he", seed=1)
    np.testing.assert_array_equal(pair.stds, scheme.stds)
    with pytest.raises(ValueError, match="'lecun', 'glorot', 'he'"):
        deep_signals.numpy_mlp_signals(x, depth=2, init="kaiming")
    with pytest.raises(ValueError, match="depth"):
        deep_signals.numpy_mlp_signals(x, depth=0)
    with pytest.raises(ValueError, match="std must be > 0"):
        deep_signals.numpy_mlp_signals(x, depth=1, init=0.0)
    with pytest.raises(ValueError, match="'sigmoid'"):
        deep_signals.numpy_mlp_signals(x, depth=1, activation="relu7")


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
@pytest.mark.parametrize(("scale", "mode"), [(1.0, "fan_in"), (2.0, "fan_out"), (1.0, "fan_avg")])
def test_weights_have_the_variance_of_keras_variance_scaling(distribution, scale, mode):
    fan_in, fan_out = 300, 200
    std = deep_signals.variance_scaling_std(fan_in, fan_out, scale, mode)
    ours = deep_signals.draw_weights(fan_in, fan_out, std, distribution, np.random.default_rng(0))
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
    assert deep_signals.variance_scaling_std(100, 300, 1.0, "fan_avg") == pytest.approx(
        0.07071, 1e-4
    )
    with pytest.raises(ValueError, match="'fan_in', 'fan_out', 'fan_avg'"):
        deep_signals.variance_scaling_std(1, 1, 1.0, "fan_sum")
    with pytest.raises(ValueError, match="scale"):
        deep_signals.variance_scaling_std(1, 1, 0.0)
    with pytest.raises(ValueError, match="'normal', 'uniform'"):
        deep_signals.draw_weights(2, 2, 1.0, "cauchy")


def test_numpy_net_with_unequal_widths_and_a_silent_overflow():
    x = np.random.default_rng(1).standard_normal((32, 64)).astype("float32")
    signals = deep_signals.numpy_mlp_signals(x, depth=3, width=[50, 20, 80], init=(1.0, "fan_out"))
    assert [w.shape for w in signals.weights] == [(64, 50), (50, 20), (20, 80)]
    with pytest.raises(ValueError, match="3 sizes"):
        deep_signals.numpy_mlp_signals(x, depth=3, width=[5, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an exploding net must not print RuntimeWarnings
        exploded = deep_signals.numpy_mlp_signals(
            x, depth=60, width=64, activation="relu", init=3.0
        )
    assert not np.isfinite(exploded.stds[-1])


def test_numpy_net_forward_only_skips_the_backward_pass():
    x = np.random.default_rng(2).standard_normal((64, 32)).astype("float32")
    both = deep_signals.numpy_mlp_signals(x, depth=5, width=16, activation="selu", init="lecun")
    forward = deep_signals.numpy_mlp_signals(
        x, depth=5, width=16, activation="selu", init="lecun", backward=False
    )
    np.testing.assert_array_equal(forward.stds, both.stds)
    assert np.all(np.isnan(forward.gradient_norms)) and np.all(np.isnan(forward.fraction_saturated))


def test_numpy_net_seed_goes_through_the_seed_knob(monkeypatch):
    """DNN_SEED shifts the NumPy net's draws: seed 0 under a shift of 3 is seed 3 unshifted."""
    from helpers import config

    x = np.random.default_rng(4).standard_normal((16, 8)).astype("float32")
    unshifted = deep_signals.numpy_mlp_signals(x, depth=3, width=8, seed=3).weights
    monkeypatch.setattr(config, "SEED_SHIFT", 3)
    shifted = deep_signals.numpy_mlp_signals(x, depth=3, width=8, seed=0).weights
    for a, b in zip(unshifted, shifted, strict=True):
        np.testing.assert_array_equal(a, b)
