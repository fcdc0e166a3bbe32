"""The widget callbacks the benchmark times: each is what a slider move runs in the kernel.

A case builds its callback once (loading data, precomputing what the notebook computes before
it shows the widget), then the benchmark calls it with ~20 slider values (5 for widgets that
train on a button press). The callback calls the ``draw_<thing>`` function behind the widget
with that value, exactly as the widget does, and renders the figure to PNG as the widget
does (``helpers.widgets.figure_png``: the figure's own dpi, 80 in the course style, cropped
to a tight bounding box), then frees it.

Each setup also builds the widget itself, with the arguments the notebook gives it (quietly:
its first drawing is discarded), so whatever its ``explore_<thing>`` function precomputes (a
cache filled in advance, say) is in place as in the notebook. The callback carries that widget
as ``callback.widget``, so tests can check the values against its controls.

What a callback works on follows the mode (``DNN_QUICK``; the benchmark sets full mode), so it
sees the data the notebook's widget sees: e.g. notebook 08's training widget trains on 10,000
images in full mode. Precomputations whose size does not change a redraw (sweeps trained in
advance, model A of notebook 06, …) always use the notebook's quick settings, to keep the
setup short.

Sliders with several controls: the main one is timed with the others at their defaults, and a
control gets a case of its own when it changes the work a redraw does (network depth, the
activation function, the loss surface). Controls that only change numbers (a random seed, a
penalty's kind, VarianceScaling's mode) are not timed separately.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from helpers import config, plots

N_VALUES = 20  # slider values per NumPy redraw
N_TRAINING_VALUES = 5  # button presses per training widget


@dataclass(frozen=True)
class WidgetCase:
    """One slider: where it lives, whether it trains, how to build its callback, which values."""

    name: str
    notebook: str
    kind: str  # "numpy" or "training"
    make_callback: Callable[[], Callable[[object], None]]
    values: Sequence[object]


def render(result: object) -> None:
    """Turn a draw function's figure into the PNG the widget displays, and free it.

    A redraw ends in ``helpers.widgets.show_figure``: one render of the figure, cropped to
    its tight bounding box, compressed to PNG (``figure_png``), then closed."""
    from helpers import widgets

    fig = result[0] if isinstance(result, tuple) else result
    widgets.figure_png(fig)
    plt.close(fig)


# --- slider values ---------------------------------------------------------------------------


def linear_values(low: float, high: float, step: float, n: int = N_VALUES) -> list[float]:
    """``n`` positions of a linear slider from ``low`` to ``high``, on its ``step`` grid."""
    positions = np.round(np.linspace(low, high, n) / step) * step
    kind = int if all(isinstance(v, int) for v in (low, high, step)) else float
    return [kind(v) for v in dict.fromkeys(np.round(positions, 10))]


def log_values(low: float, high: float, n: int = N_VALUES, step: float = 0.1) -> list[float]:
    """``n`` positions of a ``log_slider`` from low to high: 10^k, k = log10(low) + i·step."""
    lo, hi = np.log10(low), np.log10(high)
    exponents = np.minimum(lo + np.round((np.linspace(lo, hi, n) - lo) / step) * step, hi)
    return [float(10**e) for e in dict.fromkeys(np.round(exponents, 10))]


def sweep(options: Sequence[Any], n: int = N_VALUES) -> list[Any]:
    """``n`` moves over a discrete control: every option, up and back down, until n moves;
    or ``n`` options spread over the range when there are more than ``n``."""
    options = list(options)
    if len(options) >= n:
        return [options[int(i)] for i in np.round(np.linspace(0, len(options) - 1, n))]
    moves: list[Any] = []
    order = options + options[-2:0:-1]  # up, then back down (no repeat at the ends)
    while len(moves) < n:
        moves += order
    return moves[:n]


# --- helpers shared by several setups ----------------------------------------------------------


def _fashion(train_size: int | None = None, **sizes: int | None) -> Any:
    from helpers import data

    return data.load_fashion_mnist(train_size=train_size, **sizes)


def _with_widget(
    callback: Callable[[object], None], explore: Callable[..., Any], *args: Any, **kwargs: Any
) -> Callable[[object], None]:
    """Build the widget as the notebook does (its text and first figure go nowhere) and
    attach it to the callback."""
    with contextlib.redirect_stdout(io.StringIO()):
        callback.widget = explore(*args, **kwargs)  # type: ignore[attr-defined]
    plt.close("all")
    return callback


def _fit_quietly(model: Any, x: np.ndarray, y: np.ndarray, **kwargs: Any) -> Any:
    return model.fit(x, y, batch_size=config.BATCH_SIZE, verbose=0, **kwargs)


# --- 00 start here ---------------------------------------------------------------------------


def _fashion_sample() -> Callable[[object], None]:
    from helpers import widgets

    fashion = _fashion()
    images, labels, names = fashion.x_valid, fashion.y_valid, fashion.class_names
    return _with_widget(
        lambda index: render(widgets.draw_fashion_mnist_sample(images, labels, names, int(index))),
        widgets.explore_fashion_mnist,
        images,
        labels,
        names,
    )


# --- 01 vanishing and exploding gradients -----------------------------------------------------

GRADIENT_FLOW_BATCH = 512  # notebook 01's probe batch: the first 512 validation images


def _gradient_flow(control: str) -> Callable[[], Callable[[object], None]]:
    def make() -> Callable[[object], None]:
        from helpers import widgets

        fashion = _fashion(train_size=1)
        x, y = fashion.x_valid[:GRADIENT_FLOW_BATCH], fashion.y_valid[:GRADIENT_FLOW_BATCH]
        defaults = {"depth": 10, "init_std": 1.0, "activation": "sigmoid"}  # the widget's

        def callback(value: object) -> None:
            settings = {**defaults, control: value}
            render(
                widgets.draw_gradient_flow(
                    x,
                    y,
                    int(settings["depth"]),
                    float(settings["init_std"]),
                    settings["activation"],
                )
            )

        return _with_widget(callback, widgets.explore_gradient_flow, x, y)

    return make


# --- 02 initialization -----------------------------------------------------------------------


def _variance_scaling(control: str) -> Callable[[], Callable[[object], None]]:
    def make() -> Callable[[object], None]:
        from helpers import widgets

        defaults = {"scale": 1.0, "mode": "fan_avg", "activation": "relu"}  # the widget's

        def callback(value: object) -> None:
            settings = {**defaults, control: value}
            render(widgets.draw_variance_scaling(**settings))

        return _with_widget(callback, widgets.explore_variance_scaling)

    return make


# --- 03 activation functions -----------------------------------------------------------------


def _one_slider(thing: str) -> Callable[[], Callable[[object], None]]:
    """A widget with one float slider and no data: ``explore_<thing>()`` over ``draw_<thing>``."""

    def make() -> Callable[[object], None]:
        from helpers import widgets

        draw = getattr(widgets, f"draw_{thing}")
        return _with_widget(
            lambda value: render(draw(float(value))), getattr(widgets, f"explore_{thing}")
        )

    return make


def _dead_units() -> Callable[[object], None]:
    """Notebook 03: a 4×100 ReLU net trained one epoch with Adam 0.001 on standardized images;
    the widget shifts its biases and counts dead units on 500 probe images."""
    import keras

    from helpers import models, widgets

    fashion = _fashion()
    mean, std = fashion.x_train.mean(), fashion.x_train.std()
    size = 4_000  # the notebook's quick dying_size (full: 20,000): only the weights differ
    config.set_seed(42)
    model = models.build_mlp(n_hidden=4, n_neurons=100, activation="relu")
    models.compile_classifier(model, keras.optimizers.Adam(learning_rate=1e-3))
    _fit_quietly(model, (fashion.x_train[:size] - mean) / std, fashion.y_train[:size], epochs=1)
    layers = [layer.get_weights() for layer in models.hidden_dense_layers(model)]
    probe = (fashion.x_valid[:500] - mean) / std
    return _with_widget(
        lambda shift: render(widgets.draw_dead_units(layers, probe, float(shift))),
        widgets.explore_dead_units,
        layers,
        probe,
    )


def _selu_depth() -> Callable[[object], None]:
    from helpers import widgets

    return _with_widget(
        lambda input_std: render(widgets.draw_selu_depth(float(input_std), 1.0, "selu")),
        widgets.explore_selu_depth,
    )


# --- 04 batch normalization ------------------------------------------------------------------


def _bn_momentum() -> Callable[[object], None]:
    """Notebook 04: one unit of a fixed random layer, its mean over 600 batches of 128."""
    from helpers import widgets

    fashion = _fashion(config.pick(full=None, quick=5_000))
    x_train = fashion.x_train.reshape(len(fashion.x_train), -1).astype(np.float64)
    rng = np.random.default_rng(0)
    projection = rng.normal(0, np.sqrt(2 / 784), size=(784, 6))
    z_all = x_train @ projection
    unit = int(np.argmax(np.abs(z_all.mean(axis=0)) / z_all.std(axis=0)))
    n_epochs = int(np.ceil(600 * 128 / len(x_train)))
    order = np.concatenate([rng.permutation(len(x_train)) for _ in range(n_epochs)])
    batch_means = np.array([z_all[order[s * 128 : (s + 1) * 128], unit].mean() for s in range(600)])
    target = float(z_all[:, unit].mean())
    steps_per_epoch = int(np.ceil(len(x_train) / 128))
    return _with_widget(
        lambda momentum: render(
            widgets.draw_bn_momentum(batch_means, float(momentum), target, 0.0, steps_per_epoch)
        ),
        widgets.explore_bn_momentum,
        batch_means,
        target,
        start=0.0,
        steps_per_epoch=steps_per_epoch,
    )


def _build_bn_net(batch_norm: str | None = None, hidden: tuple[int, ...] = (300, 100)) -> Any:
    """Notebook 04's net: 784 → 300 → 100 → 10 ReLU, BN before each activation, or none."""
    import keras

    layers: list[Any] = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for units in hidden:
        if batch_norm == "before":
            layers += [
                keras.layers.Dense(units, use_bias=False, kernel_initializer="he_normal"),
                keras.layers.BatchNormalization(),
                keras.layers.Activation("relu"),
            ]
        else:
            layers += [
                keras.layers.Dense(units, kernel_initializer="he_normal"),
                keras.layers.Activation("relu"),
            ]
    layers.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(layers)


def _bn_learning_rate() -> Callable[[object], None]:
    """Notebook 04: a plain and a BN net train one epoch on 4,000 images per press."""
    from helpers import widgets

    fashion = _fashion(config.pick(full=None, quick=5_000))
    train = (fashion.x_train[:4_000], fashion.y_train[:4_000])
    return _with_widget(
        lambda learning_rate: render(
            widgets.draw_bn_learning_rate(train, float(learning_rate), _build_bn_net, epochs=1)
        ),
        widgets.explore_bn_learning_rate,
        train,
        _build_bn_net,
    )


# --- 05 gradient clipping --------------------------------------------------------------------


def _clipping_2d() -> Callable[[object], None]:
    from helpers import widgets

    gradient = np.array([3.0, 0.5])  # the notebook's g
    return _with_widget(
        lambda threshold: render(widgets.draw_clipping_2d(gradient, float(threshold))),
        widgets.explore_clipping_2d,
        gradient,
    )


def _clip_threshold() -> Callable[[object], None]:
    """Notebook 05: the unstable 10-layer net (1.5× He weights) trains 2 epochs on 3,000
    images per press, drawn over the unclipped run computed once before the widget."""
    import keras

    from helpers import models, widgets

    unstable_init = keras.initializers.VarianceScaling(
        scale=2 * 1.5**2, mode="fan_in", distribution="truncated_normal"
    )

    def build_unstable() -> Any:
        return models.build_mlp(n_hidden=10, n_neurons=100, kernel_initializer=unstable_init)

    fashion = _fashion(config.pick(full=8_000, quick=5_000))
    train = (fashion.x_train[:3_000], fashion.y_train[:3_000])
    reference = widgets.train_with_clipping(train, None, build_unstable, 0.05)
    return _with_widget(
        lambda threshold: render(
            widgets.draw_clip_threshold(
                train, float(threshold), build_unstable, 0.05, 2, reference=reference
            )
        ),
        widgets.explore_clip_threshold,
        train,
        build_unstable,
        reference=reference,
    )


# --- 06 reusing pretrained layers -------------------------------------------------------------


def _transfer_size() -> Callable[[object], None]:
    """Notebook 06: model A (8 classes) is trained before the widget; each press trains task B
    from scratch and on A's layers with ``size`` examples (seed 0)."""
    import keras

    from helpers import data, models, transfer, widgets

    fashion = _fashion(12_000)  # the quick path: model A's size does not change a press
    pair = ("T-shirt/top", "Pullover")
    pool_size = int(np.isin(fashion.y_train, [data.class_index(c) for c in pair]).sum())
    tasks = data.make_transfer_tasks(fashion, pair=pair, b_train_size=pool_size)
    config.set_seed(42)
    model_a = models.build_mlp(n_hidden=3, n_neurons=100, n_outputs=8, name="model_a")
    models.compile_classifier(model_a, keras.optimizers.SGD(learning_rate=0.02, momentum=0.9))
    _fit_quietly(model_a, tasks.x_train_a, tasks.y_train_a, epochs=3)
    pool = (tasks.x_train_b, tasks.y_train_b)
    valid = (tasks.x_valid_b, tasks.y_valid_b)

    def build_scratch() -> Any:
        return models.build_mlp(
            n_hidden=3, n_neurons=100, output="sigmoid", n_outputs=1, name="b_scratch"
        )

    def build_reused() -> Any:
        return transfer.reuse_layers(model_a, name="b_on_a")

    return _with_widget(
        lambda size: render(
            widgets.draw_transfer_size(pool, valid, int(size), build_scratch, build_reused, seed=0)
        ),
        widgets.explore_transfer_size,
        pool,
        valid,
        build_scratch,
        build_reused,
    )


# --- 07 faster optimizers --------------------------------------------------------------------


def _optimizer_trajectories(control: str) -> Callable[[], Callable[[object], None]]:
    def make() -> Callable[[object], None]:
        from helpers import widgets

        defaults = {"surface": "bowl", "learning_rate": 10**-1.5, "momentum": 0.9}  # the widget's

        def callback(value: object) -> None:
            settings = {**defaults, control: value}
            render(
                widgets.draw_optimizer_trajectories(
                    settings["surface"],
                    float(settings["learning_rate"]),
                    float(settings["momentum"]),
                )
            )

        return _with_widget(callback, widgets.explore_optimizer_trajectories)

    return make


# --- 08 learning-rate schedules ---------------------------------------------------------------


def _schedules() -> Callable[[object], None]:
    from helpers import widgets

    return _with_widget(
        lambda initial_learning_rate: render(
            widgets.draw_schedules(float(initial_learning_rate), 1000, 1.0, 0.1)
        ),
        widgets.explore_schedules,
    )


def _learning_rate_training() -> Callable[[object], None]:
    """Notebook 08: a fresh net trains 3 epochs (SGD) on 10,000 images per press (quick: 3,000)."""
    from helpers import schedules, widgets

    fashion = _fashion(config.pick(full=None, quick=10_000))
    n = config.pick(full=10_000, quick=3_000)
    train = (fashion.x_train[:n], fashion.y_train[:n])
    valid = (fashion.x_valid[:2_000], fashion.y_valid[:2_000])

    def callback(learning_rate: object) -> None:
        run = schedules.train_with_learning_rate(
            float(learning_rate), train, valid, epochs=3, optimizer="sgd"
        )
        render(widgets.draw_training_run(run))

    return _with_widget(callback, widgets.explore_learning_rate_training, train, valid, epochs=3)


# --- 09 l1, l2 and max-norm ------------------------------------------------------------------

PENALTY_STRENGTHS = (0.0, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)  # notebook 09's STRENGTHS


def _penalty_sweep() -> Callable[[object], None]:
    """Notebook 09: 16 softmax regressions (8 strengths × l1/l2) trained in advance."""
    from helpers import regularization, widgets

    fashion = _fashion(5_000)  # the quick path: the kernels are 784×10 either way
    config.set_seed(42)
    sweeps = regularization.train_penalty_sweep(
        PENALTY_STRENGTHS,
        fashion.x_train,
        fashion.y_train,
        fashion.x_valid,
        fashion.y_valid,
        epochs=3,
    )
    return _with_widget(
        lambda strength: render(widgets.draw_penalty_sweep(sweeps, "l1", float(strength))),
        widgets.explore_penalty_sweep,
        sweeps,
    )


def _max_norm() -> Callable[[object], None]:
    """Notebook 09: the unit norms of the unconstrained 784 → 100 → 100 → 10 net."""
    import keras

    from helpers import regularization, widgets

    fashion = _fashion(5_000)  # the quick path: 210 unit norms either way
    config.set_seed(42)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dense(10, activation="softmax", kernel_initializer="he_normal"),
        ]
    )
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    )
    _fit_quietly(model, fashion.x_train, fashion.y_train, epochs=3)
    norms = np.concatenate([regularization.unit_norms(k) for k in regularization.kernels(model)])
    return _with_widget(
        lambda radius: render(widgets.draw_max_norm(norms, float(radius))),
        widgets.explore_max_norm,
        norms,
    )


# --- 10 dropout and MC dropout -----------------------------------------------------------------

DROPOUT_RATES = (0.0, 0.2, 0.4, 0.6)  # notebook 10's RATES


def _build_dropout_net(rate: float, widths: tuple[int, ...] = (300, 100)) -> Any:
    """Notebook 10's net: ReLU MLP with Dropout(rate) after each hidden layer, Nadam."""
    import keras

    layers: list[Any] = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for width in widths:
        layers += [
            keras.layers.Dense(width, activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dropout(rate),
        ]
    layers.append(keras.layers.Dense(10, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Nadam(learning_rate=1e-3),
        metrics=["accuracy"],
    )
    return model


def _dropout_mask() -> Callable[[object], None]:
    from helpers import widgets

    image = _fashion(train_size=1).x_valid[0]
    return _with_widget(
        lambda rate: render(widgets.draw_dropout_mask(image, float(rate), 0)),
        widgets.explore_dropout_mask,
        image,
    )


def _dropout_rate() -> Callable[[object], None]:
    """Notebook 10: the 200–100 net trained at four rates in advance, with the training loss
    and accuracy measured with dropout off after every epoch."""
    import keras

    from helpers import widgets

    fashion = _fashion(5_000)
    x, y = fashion.x_train[:1_000], fashion.y_train[:1_000]  # the quick path: 6 epochs
    valid = (fashion.x_valid[:2_000], fashion.y_valid[:2_000])
    runs = {}
    for rate in DROPOUT_RATES:
        config.set_seed(42)
        model = _build_dropout_net(rate, widths=(200, 100))
        honest: dict[str, list[float]] = {"honest_loss": [], "honest_accuracy": []}

        def measure(epoch: int, logs: object = None, model: Any = model, honest: dict = honest):
            p = keras.ops.convert_to_numpy(model(x, training=False))
            honest["honest_loss"].append(float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-7))))
            honest["honest_accuracy"].append(float(np.mean(p.argmax(axis=1) == y)))

        history = _fit_quietly(
            model,
            x,
            y,
            validation_data=valid,
            epochs=6,
            callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=measure)],
        )
        runs[rate] = {**history.history, **honest}
    return _with_widget(
        lambda rate: render(widgets.draw_dropout_rate(runs, float(rate))),
        widgets.explore_dropout_rate,
        runs,
    )


def _mc_passes() -> Callable[[object], None]:
    """Notebook 10: N stochastic passes over the 10,000 test images, computed in advance; the
    widget shows the most uncertain image (its default instance)."""
    from helpers import uncertainty, widgets

    fashion = _fashion(5_000)  # the quick path for training; the test set is the notebook's
    config.set_seed(42)
    model = _build_dropout_net(0.2)
    _fit_quietly(model, fashion.x_train, fashion.y_train, epochs=3)
    n_passes = config.pick(full=30, quick=20)
    probabilities = uncertainty.mc_predict(model, fashion.x_test, n_samples=n_passes)
    curve = uncertainty.accuracy_vs_passes(probabilities, fashion.y_test)  # as the widget does
    entropies = uncertainty.mc_summary(probabilities, fashion.y_test)["entropy"]
    most_uncertain = np.argsort(entropies)[::-1][:8]
    index = int(most_uncertain[0])  # the widget's first instance
    x, y, names = fashion.x_test, fashion.y_test, fashion.class_names
    return _with_widget(
        lambda n: render(widgets.draw_mc_passes(probabilities, y, int(n), index, names, x, curve)),
        widgets.explore_mc_passes,
        probabilities,
        y,
        names,
        most_uncertain,
        x,
    )


def _alpha_dropout() -> Callable[[object], None]:
    """Notebook 10: a 30-layer NumPy SELU stack; building the widget fills the cache of its
    statistics at every slider position."""
    from helpers import widgets

    return _with_widget(
        lambda rate: render(widgets.draw_alpha_dropout(float(rate), 30)),
        widgets.explore_alpha_dropout,
    )


# --- 11 practical guidelines -----------------------------------------------------------------

PRUNED_FRACTIONS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)  # notebook 11's FRACTIONS


def _pruning() -> Callable[[object], None]:
    """Notebook 11: the capstone's 1cycle SELU + alpha-dropout net (20 hidden layers of 64 in
    full mode, 8 in quick mode), pruned at each fraction and scored in advance."""
    import keras

    from helpers import widgets
    from helpers.schedules import OneCycleScheduler

    fashion = _fashion(3_000, valid_size=2_000)  # the quick path: 3 epochs on 3,000 images
    mean, std = fashion.x_train.mean(), fashion.x_train.std()
    x_train, x_valid = (fashion.x_train - mean) / std, (fashion.x_valid - mean) / std
    y_valid = fashion.y_valid
    n_hidden = config.pick(full=20, quick=8)  # the kernels' shapes are what a redraw sees
    config.set_seed(42)
    layers: list[Any] = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    for i in range(n_hidden):
        if i >= n_hidden - 3:
            layers.append(keras.layers.AlphaDropout(0.1))
        layers.append(keras.layers.Dense(64, activation="selu", kernel_initializer="lecun_normal"))
    layers += [keras.layers.AlphaDropout(0.1), keras.layers.Dense(10, activation="softmax")]
    model = keras.Sequential(layers)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Nadam(learning_rate=1e-3),
    )
    epochs = 3
    steps = epochs * int(np.ceil(len(x_train) / config.BATCH_SIZE))
    schedule = OneCycleScheduler(max_learning_rate=3e-3, total_steps=steps)
    _fit_quietly(model, x_train, fashion.y_train, epochs=epochs, callbacks=[schedule])
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    kernels = [layer.get_weights()[0] for layer in dense[:-1]]
    accuracies = {}
    original = model.get_weights()
    for fraction in PRUNED_FRACTIONS:
        for layer, kernel in zip(dense[:-1], kernels, strict=True):
            if fraction > 0:
                cut = np.abs(kernel) < np.quantile(np.abs(kernel), fraction)
                layer.kernel.assign(np.where(cut, 0.0, kernel))
        p = keras.ops.convert_to_numpy(model(x_valid, training=False))
        accuracies[fraction] = float(np.mean(p.argmax(axis=1) == y_valid))
        model.set_weights(original)
    return _with_widget(
        lambda fraction: render(widgets.draw_pruning(kernels, accuracies, float(fraction))),
        widgets.explore_pruning,
        kernels,
        accuracies,
    )


# --- 12 residual connections and normalization -------------------------------------------------

RESIDUAL_BATCH = 128  # notebook 12's probe batch: 128 training images


def _depth_norm() -> Callable[[object], None]:
    """Notebook 12: the depth slider of the residual/normalization knob at its defaults (plain,
    no norm); a redraw runs a fresh NumPy net forward and backward."""
    from helpers import widgets

    fashion = _fashion(train_size=RESIDUAL_BATCH)
    x, y = fashion.x_train[:RESIDUAL_BATCH], fashion.y_train[:RESIDUAL_BATCH]
    return _with_widget(
        lambda depth: render(widgets.draw_depth_norm(x, y, int(depth), False, "none", "pre", "he")),
        widgets.explore_depth_norm,
        x,
        y,
    )


# --- 13 optimization today -----------------------------------------------------------------------


def _warmup() -> Callable[[object], None]:
    """Notebook 13: the warm-up fraction at the default peak (NumPy and a cached noise run)."""
    from helpers import widgets

    return _with_widget(
        lambda fraction: render(widgets.draw_warmup(float(fraction))), widgets.explore_warmup
    )


def _new_optimizers() -> Callable[[object], None]:
    """Notebook 13: AdamW, Lion, Muon and schedule-free AdamW on the ravine, per learning rate."""
    from helpers import widgets

    return _with_widget(
        lambda lr: render(widgets.draw_new_optimizers("ravine", float(lr))),
        widgets.explore_new_optimizers,
    )


# --- the list --------------------------------------------------------------------------------


def cases() -> list[WidgetCase]:
    """Every widget of the course, in notebook order.

    The values mirror each slider's range in ``helpers/widgets/`` (and the options the
    notebooks give their selection sliders); tests/test_widget_cases.py checks them against
    the sliders themselves.
    """
    from helpers import optimizers2d, widgets

    plots.use_course_style()
    n_passes = config.pick(full=30, quick=20)
    return [
        # 00
        WidgetCase("image browser", "00", "numpy", _fashion_sample, linear_values(0, 4_999, 1)),
        # 01
        WidgetCase(
            "gradient flow: init std",
            "01",
            "numpy",
            _gradient_flow("init_std"),
            log_values(0.01, 3.0),
        ),
        WidgetCase(
            "gradient flow: depth", "01", "numpy", _gradient_flow("depth"), linear_values(2, 30, 1)
        ),
        WidgetCase(
            "gradient flow: activation",
            "01",
            "numpy",
            _gradient_flow("activation"),
            sweep(widgets.GRADIENT_FLOW_ACTIVATIONS),
        ),
        # 02
        WidgetCase(
            "variance scaling: scale",
            "02",
            "numpy",
            _variance_scaling("scale"),
            linear_values(0.25, 4.0, 0.05),
        ),
        WidgetCase(
            "variance scaling: activation",
            "02",
            "numpy",
            _variance_scaling("activation"),
            sweep(widgets.VARIANCE_SCALING_ACTIVATIONS),
        ),
        # 03
        WidgetCase(
            "leaky ReLU α",
            "03",
            "numpy",
            _one_slider("leaky_relu"),
            linear_values(0.0, 1.0, 0.01),
        ),
        WidgetCase("ELU α", "03", "numpy", _one_slider("elu"), linear_values(0.0, 3.0, 0.05)),
        WidgetCase(
            "dead units: bias shift", "03", "numpy", _dead_units, linear_values(-2.0, 1.0, 0.05)
        ),
        WidgetCase("SELU depth: input std", "03", "numpy", _selu_depth, log_values(0.05, 30.0)),
        WidgetCase(
            "Swish β",
            "03",
            "numpy",
            _one_slider("swish_beta"),
            linear_values(0.0, 8.0, 0.05),
        ),
        # 04
        WidgetCase("BN momentum", "04", "numpy", _bn_momentum, linear_values(0.5, 0.999, 0.001)),
        WidgetCase(
            "BN vs plain: learning rate",
            "04",
            "training",
            _bn_learning_rate,
            log_values(1e-3, 2.0, N_TRAINING_VALUES),
        ),
        # 05
        WidgetCase(
            "clipping a 2-D gradient: threshold",
            "05",
            "numpy",
            _clipping_2d,
            linear_values(0.1, 4.0, 0.1),
        ),
        WidgetCase(
            "training with global_clipnorm",
            "05",
            "training",
            _clip_threshold,
            log_values(0.01, 1000.0, N_TRAINING_VALUES),
        ),
        # 06
        WidgetCase(
            "transfer: B examples",
            "06",
            "training",
            _transfer_size,
            sweep(widgets.TRANSFER_SIZES, N_TRAINING_VALUES),
        ),
        # 07
        WidgetCase(
            "optimizer trajectories: learning rate",
            "07",
            "numpy",
            _optimizer_trajectories("learning_rate"),
            log_values(1e-3, 1.0),
        ),
        WidgetCase(
            "optimizer trajectories: momentum",
            "07",
            "numpy",
            _optimizer_trajectories("momentum"),
            linear_values(0.0, 0.99, 0.01),
        ),
        WidgetCase(
            "optimizer trajectories: surface",
            "07",
            "numpy",
            _optimizer_trajectories("surface"),
            sweep(optimizers2d.SURFACES),
        ),
        # 08
        WidgetCase(
            "schedules: initial learning rate", "08", "numpy", _schedules, log_values(1e-3, 1.0)
        ),
        WidgetCase(
            "training at a learning rate",
            "08",
            "training",
            _learning_rate_training,
            log_values(1e-4, 100.0, N_TRAINING_VALUES),
        ),
        # 09
        WidgetCase(
            "penalty strength λ (l1)", "09", "numpy", _penalty_sweep, sweep(PENALTY_STRENGTHS)
        ),
        WidgetCase("max-norm radius", "09", "numpy", _max_norm, linear_values(0.25, 3.0, 0.05)),
        # 10
        WidgetCase(
            "dropout mask: rate", "10", "numpy", _dropout_mask, linear_values(0.0, 0.9, 0.05)
        ),
        WidgetCase(
            "dropout rate: learning curves", "10", "numpy", _dropout_rate, sweep(DROPOUT_RATES)
        ),
        WidgetCase("MC dropout: passes", "10", "numpy", _mc_passes, linear_values(1, n_passes, 1)),
        WidgetCase(
            "alpha dropout: rate",
            "10",
            "numpy",
            _alpha_dropout,
            sweep(linear_values(0.0, 0.5, 0.05)),
        ),
        # 11
        WidgetCase("pruning: fraction", "11", "numpy", _pruning, sweep(PRUNED_FRACTIONS)),
        # 12
        WidgetCase("residual knob: depth", "12", "numpy", _depth_norm, linear_values(2, 100, 1)),
        # 13
        WidgetCase("warm-up: fraction", "13", "numpy", _warmup, linear_values(0.0, 0.5, 0.02)),
        WidgetCase(
            "new optimizers: learning rate",
            "13",
            "numpy",
            _new_optimizers,
            log_values(1e-3, 0.3),
        ),
    ]
