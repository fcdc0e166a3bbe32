"""helpers.live_probe: the NumPy probe's forward and backward pass against tf.GradientTape."""

import keras
import numpy as np
import pytest

from helpers import config, live, live_probe, models


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def _layers_net(*hidden):
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            *hidden,
            keras.layers.Dense(10, activation="softmax", name="output"),
        ]
    )


NETS = {
    "sigmoid, Glorot": lambda: models.build_mlp(
        n_hidden=4, n_neurons=24, activation="sigmoid", kernel_initializer="glorot_uniform"
    ),
    "tanh": lambda: models.build_mlp(n_hidden=3, n_neurons=24, activation="tanh"),
    "relu": lambda: models.build_mlp(n_hidden=3, n_neurons=24),
    "leaky_relu": lambda: models.build_mlp(n_hidden=3, n_neurons=24, activation="leaky_relu"),
    "elu": lambda: models.build_mlp(n_hidden=3, n_neurons=24, activation="elu"),
    "selu": lambda: models.build_mlp(
        n_hidden=3, n_neurons=24, activation="selu", kernel_initializer="lecun_normal"
    ),
    "swish": lambda: models.build_mlp(n_hidden=3, n_neurons=24, activation="swish"),
    "prelu": lambda: models.build_mlp(n_hidden=2, n_neurons=24, activation="prelu"),
    "BN before": lambda: models.build_mlp(n_hidden=2, n_neurons=24, batch_norm="before"),
    "BN after, dropout": lambda: models.build_mlp(
        n_hidden=2, n_neurons=24, batch_norm="after", dropout=0.3
    ),
    "Dense gelu, LeakyReLU/ReLU/ELU layers": lambda: _layers_net(
        keras.layers.Dense(24, activation="gelu", name="hidden_1"),
        keras.layers.Dense(24, name="hidden_2"),
        keras.layers.LeakyReLU(negative_slope=0.1, name="act_2"),
        keras.layers.Dense(24, name="hidden_3"),
        keras.layers.ReLU(name="act_3"),
        keras.layers.Dense(24, name="hidden_4"),
        keras.layers.ELU(name="act_4"),
    ),
}


def _probes(build):
    config.set_seed(0)
    model = build()
    models.compile_classifier(model, keras.optimizers.SGD(learning_rate=0.1))
    x, y = _data()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # BN's moving statistics move off 0/1
    sites, kernel_names = live.watched_layers(model)
    names = {site.name for site in sites}
    kernels = [model.get_layer(name).kernel for name in kernel_names]
    return model, names, kernels, x[:40], y[:40]


@pytest.mark.parametrize("label", NETS)
def test_numpy_probe_matches_gradient_tape(label):
    model, names, kernels, x, y = _probes(NETS[label])
    # "Before" kernels that differ from the current ones, as after a step.
    rng = np.random.default_rng(1)
    before = [
        live_probe.read(k) + 0.01 * rng.standard_normal(k.shape).astype("float32") for k in kernels
    ]
    fast = live_probe.numpy_probe(model, names, kernels)
    assert fast is not None, f"{label}: the NumPy probe should follow this net"
    reference = live_probe.keras_probe(model, names, kernels, compiled=False)
    loss, outputs, kernel_stats, site_stats, after = fast(x, y, before)
    ref_loss, ref_outputs, ref_kernel_stats, ref_site_stats, _ = reference(x, y, before)
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-5)
    for a, b in zip(outputs, ref_outputs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * float(np.abs(b).max()))
    for a, b in zip(kernel_stats, ref_kernel_stats, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4)  # std(∂L/∂W), std(W), std(ΔW), std(W before)
    for a, b in zip(site_stats, ref_site_stats, strict=True):
        scale = float(b[1])  # the mean is compared on the scale of the outputs' spread
        np.testing.assert_allclose(a[:2], b[:2], rtol=1e-4, atol=1e-5 * scale)
        assert abs(a[2] - b[2]) < 1e-6  # dead share: the same count of units
    for w, kernel in zip(after, kernels, strict=True):
        np.testing.assert_array_equal(w, live_probe.read(kernel))


def test_numpy_probe_declines_what_it_cannot_follow():
    x, _ = _data()
    noisy = _layers_net(keras.layers.GaussianNoise(0.1), keras.layers.Dense(8, name="hidden_1"))
    linear_out = models.build_mlp(n_hidden=1, n_neurons=8, output="linear")
    for model in (noisy, linear_out):
        model(x[:2])
        sites, kernel_names = live.watched_layers(model)
        kernels = [model.get_layer(name).kernel for name in kernel_names]
        assert live_probe.numpy_probe(model, {s.name for s in sites}, kernels) is None


def test_the_live_view_records_the_same_numbers_with_either_probe(monkeypatch):
    x, y = _data()

    def run():
        config.set_seed(0)
        model = models.build_mlp(n_hidden=2, n_neurons=16, activation="tanh")
        models.compile_classifier(model, keras.optimizers.SGD(learning_rate=0.1))
        view = live.LiveTraining(x[:32], y[:32], every=2, show=False)
        model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0, callbacks=[view])
        return view.record

    fast = run()
    monkeypatch.setattr(live_probe, "numpy_probe", lambda *args: None)
    slow = run()
    assert fast.steps == slow.steps
    np.testing.assert_allclose(fast.loss, slow.loss, rtol=1e-5)
    for name in fast.update_ratio:
        np.testing.assert_allclose(fast.update_ratio[name], slow.update_ratio[name], atol=1e-4)
        np.testing.assert_allclose(
            fast.grad_data_ratio[name], slow.grad_data_ratio[name], rtol=1e-4
        )
