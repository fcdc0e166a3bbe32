"""helpers.live: the numbers the live view records, checked against what they must be."""

import keras
import numpy as np
import pytest

from helpers import config, live, models


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def _net(activation="relu", n_hidden=3, init="he_normal"):
    config.set_seed(0)
    return models.build_mlp(
        n_hidden=n_hidden, n_neurons=16, activation=activation, kernel_initializer=init
    )


def test_the_update_ratio_is_the_step_sgd_took():
    # Full-batch SGD on the probe batch itself: the step taken after measurement t is
    # -lr·g_t, so update:data at t+1 must equal log10(lr · grad:data at t).
    x, y = _data()
    model = _net()
    learning_rate = 0.05
    models.compile_classifier(model, keras.optimizers.SGD(learning_rate=learning_rate))
    callback = live.LiveTraining(x, y, every=1, show=False)
    model.fit(x, y, batch_size=len(x), epochs=4, shuffle=False, verbose=0, callbacks=[callback])
    record = callback.record
    assert record.steps == [1, 2, 3, 4]
    for name in callback.kernel_names:
        expected = np.log10(learning_rate * record.array("grad_data_ratio", name)[:-1])
        assert record.array("update_ratio", name)[1:] == pytest.approx(expected, abs=2e-3)


def test_measurements_come_every_k_steps():
    x, y = _data(n=100)
    model = _net()
    models.compile_classifier(model, "sgd")
    callback = live.LiveTraining(x[:20], y[:20], every=3, show=False)
    model.fit(x, y, batch_size=10, epochs=1, verbose=0, callbacks=[callback])  # 10 steps
    assert callback.record.steps == [1, 4, 7, 10]
    assert callback.record.colorful_dimension("act_1").shape == (live.HISTOGRAM_BINS, 4)
    assert len(callback.record.loss) == 4 and np.all(np.isfinite(callback.record.loss))


def test_a_dead_unit_and_saturated_sigmoids_are_counted():
    x, y = _data()
    relu = _net("relu")
    models.compile_classifier(relu, keras.optimizers.SGD(learning_rate=1e-9))
    kernel, bias = relu.get_layer("hidden_1").get_weights()
    alive = np.flatnonzero((x.reshape(len(x), -1) @ kernel + bias > 0).any(axis=0))
    already_dead = 16 - len(alive)
    bias[alive[:4]] = -1e3  # 4 more units can never fire on pixels in [0, 1]
    relu.get_layer("hidden_1").set_weights([kernel, bias])
    callback = live.LiveTraining(x, y, every=1, show=False)
    relu.fit(x, y, batch_size=len(x), epochs=1, verbose=0, callbacks=[callback])
    assert callback.record.array("dead", "act_1")[0] == pytest.approx((already_dead + 4) / 16)
    assert np.isnan(callback.record.array("saturated", "act_1")[0])  # ReLU has no bounds

    sigmoid = _net("sigmoid", init=keras.initializers.RandomNormal(stddev=3.0))
    models.compile_classifier(sigmoid, keras.optimizers.SGD(learning_rate=1e-9))
    callback = live.LiveTraining(x, y, every=1, show=False)
    sigmoid.fit(x, y, batch_size=len(x), epochs=1, verbose=0, callbacks=[callback])
    assert callback.record.array("saturated", "act_2")[0] > 0.5  # weights of std 3: pinned
    assert callback.record.array("dead", "act_2")[0] < 0.5


def test_frames_are_drawn_and_logged(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        live.LiveTraining, "_draw", lambda self, final: shown.append(len(self.record.steps))
    )
    x, y = _data()
    model = _net("tanh")
    models.compile_classifier(model, "sgd")
    callback = live.LiveTraining(
        x, y, every=1, show=True, max_fps=1e6, draw_share=1.0, log_dir=tmp_path
    )
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[callback])
    # A frame after each of the 4 steps and one at the end; measurements still computing in
    # the worker thread join a later frame, and the last frame has them all.
    assert len(shown) == 5 and shown == sorted(shown) and shown[-1] == 4
    assert list(tmp_path.glob("events.out.tfevents.*")), "no TensorBoard event file written"


def test_the_figure_has_six_panels_and_the_guide_line():
    x, y = _data()
    model = _net("sigmoid", init="glorot_uniform")
    models.compile_classifier(model, "sgd")
    callback = live.LiveTraining(x, y, every=2, show=False, title="sigmoid")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[callback])
    fig = callback.figure()
    assert len(fig.axes) == 6
    update_axis = fig.axes[1]
    guides = [line for line in update_axis.lines if np.allclose(line.get_ydata(), -3.0)]
    assert guides, "the update:data panel lost its guide line at -3"
    assert live._png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(every=0), r"every must be a whole number of steps ≥ 1, got 0"),
        (dict(max_fps=0), r"max_fps must be > 0"),
        (dict(draw_share=2), r"draw_share must be in \(0, 1\], got 2"),
    ],
)
def test_bad_settings_say_what_is_allowed(kwargs, message):
    x, y = _data(n=4)
    with pytest.raises(ValueError, match=message):
        live.LiveTraining(x, y, **kwargs)


def test_a_probe_batch_without_labels_is_refused():
    x, y = _data(n=4)
    with pytest.raises(ValueError, match="4 images and 3 labels"):
        live.LiveTraining(x, y[:3])


def test_non_sequential_models_are_refused():
    inputs = keras.Input((28, 28))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    with pytest.raises(ValueError, match=r"needs a keras\.Sequential model, got Functional"):
        live.watched_layers(keras.Model(inputs, outputs))


def test_unknown_quantities_and_layers_are_named():
    record = live.LiveRecord(update_ratio={"hidden_1": [-3.0]})
    with pytest.raises(ValueError, match=r"quantity 'speed'.*allowed"):
        record.array("speed", "hidden_1")
    with pytest.raises(
        ValueError, match=r"layer 'hidden_9' was not recorded; recorded: \['hidden_1'\]"
    ):
        record.array("update_ratio", "hidden_9")


def test_the_first_frame_draws_before_any_measurement():
    sites = [live.Site("act_1", "sigmoid")]
    fig = live.draw_live(live.LiveRecord(), sites, ["hidden_1", "output"], "act_1", "empty")
    assert live._png(fig)[:4] == b"\x89PNG"


def test_a_preview_fills_the_widget_before_the_first_click():
    import ipywidgets

    calls = []
    slider = ipywidgets.FloatLogSlider(value=0.1, min=-3, max=0)
    box = live.live_training_widget(
        lambda learning_rate, live_output: calls.append(learning_rate), {"learning_rate": slider}
    )
    fig = live.draw_live(live.LiveRecord(), [live.Site("act_1", "relu")], ["hidden_1"], "act_1")
    assert live.preview(box, fig, "stored run at 0.1") is box
    figure_area, text_area = (c for c in box.children if isinstance(c, ipywidgets.Output))
    assert [o["output_type"] for o in figure_area.outputs] == ["display_data"]
    assert "image/png" in figure_area.outputs[0]["data"]
    assert text_area.outputs[0]["text"] == "stored run at 0.1\n"
    assert calls == []  # nothing was trained to make the preview


def test_a_preview_needs_the_live_widget():
    import ipywidgets

    with pytest.raises(ValueError, match=r"got VBox with 0 output areas"):
        live.preview(ipywidgets.VBox([]), text="x")


def test_histogram_counts_match_numpy_on_clipped_values():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(50, 30)) * 3
    edges = np.linspace(-2.0, 4.0, live.HISTOGRAM_BINS + 1)
    expected = np.histogram(np.clip(a.ravel(), edges[0], edges[-1]), edges)[0]
    np.testing.assert_array_equal(live._counts(a, edges), expected)


def _unknown_net():
    # A layer the NumPy probe does not follow (GaussianNoise: the identity at inference).
    config.set_seed(0)
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.GaussianNoise(0.1),
            keras.layers.Dense(16, activation="relu", name="hidden_1"),
            keras.layers.Dense(10, activation="softmax", name="output"),
        ]
    )


@pytest.mark.parametrize("epochs, compiled", [(1, False), (3, True)])
def test_short_fits_probe_eagerly_long_ones_compiled(epochs, compiled):
    # A net only the Keras probe follows, 4 steps an epoch, every step measured: 4 measurements
    # stay eager, 12 are worth a trace.
    x, y = _data()
    model = _unknown_net()
    models.compile_classifier(model, "sgd")
    callback = live.LiveTraining(x, y, every=1, show=False)
    model.fit(x, y, batch_size=16, epochs=epochs, verbose=0, callbacks=[callback])
    assert len(callback.record.steps) == 4 * epochs
    assert callback._probe.compiled == compiled


def test_a_fit_shorter_than_one_frame_interval_shows_only_its_final_frame(monkeypatch):
    # The first frame waits 1 / max_fps (here 100 s); the last one always comes, as final.
    shown = []
    monkeypatch.setattr(
        live.LiveTraining, "_draw", lambda self, final: shown.append((self._step, final))
    )
    x, y = _data()
    model = _net()
    models.compile_classifier(model, "sgd")
    callback = live.LiveTraining(x, y, every=1, show=True, max_fps=0.01)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[callback])
    assert shown == [(8, True)]


def test_fitting_the_same_model_again_reuses_its_traced_probe():
    x, y = _data()
    model = _unknown_net()
    models.compile_classifier(model, "sgd")
    probes = []
    for _ in range(2):
        callback = live.LiveTraining(x, y, every=1, show=False)
        model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[callback])
        probes.append(callback._probe)
    assert probes[0] is probes[1]
    other = _unknown_net()
    models.compile_classifier(other, "sgd")
    callback = live.LiveTraining(x, y, every=1, show=False)
    other.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[callback])
    assert callback._probe is not probes[0]


def test_the_first_steps_can_be_measured_each():
    x, y = _data()
    model = _net()
    models.compile_classifier(model, "sgd")
    callback = live.LiveTraining(x, y, every=3, first=2, show=False)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[callback])  # 8 steps
    # Measured before steps 0, 1 (first), 3, 6 (every) and 7 (the last); recorded after them.
    assert callback.record.steps == [1, 2, 4, 7, 8]
    with pytest.raises(ValueError, match=r"first must be a whole number of steps ≥ 0, got -1"):
        live.LiveTraining(x, y, first=-1)
