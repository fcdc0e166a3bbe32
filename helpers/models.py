"""Build the plain multilayer perceptrons the lessons train, with every knob checked."""

from __future__ import annotations

import random as python_random
from collections.abc import Sequence

import keras
import numpy as np

from helpers import config
from helpers.checks import check_choice, check_positive, check_whole_number
from helpers.dropout import DROPOUT_KINDS

ACTIVATIONS = (
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "selu",
    "gelu",
    "swish",
    "silu",
    "mish",
    "linear",
)
INITIALIZERS = (
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "random_normal",
    "random_uniform",
    "orthogonal",
    "zeros",
    "ones",
)
BATCH_NORM_PLACEMENTS = (None, "before", "after")
OUTPUTS = ("softmax", "sigmoid", "linear", None)


def _check_initializer(value: object) -> None:
    if isinstance(value, keras.initializers.Initializer):
        return
    check_choice("kernel_initializer", value, INITIALIZERS)


def _activation_layer(activation: str, name: str) -> keras.layers.Layer:
    if activation == "prelu":
        return keras.layers.PReLU(name=name)
    return keras.layers.Activation(activation, name=name)


def build_mlp(
    n_hidden: int = 2,
    n_neurons: int = 100,
    activation: str = "relu",
    kernel_initializer: str | keras.initializers.Initializer = "he_normal",
    batch_norm: str | None = None,
    dropout: float = 0.0,
    dropout_kind: str = "standard",
    kernel_regularizer: keras.regularizers.Regularizer | None = None,
    kernel_constraint: keras.constraints.Constraint | None = None,
    output: str | None = "softmax",
    n_outputs: int = 10,
    input_shape: tuple[int, ...] = (28, 28),
    name: str = "mlp",
) -> keras.Sequential:
    """A dense net: Flatten, ``n_hidden`` hidden layers of ``n_neurons``, an output layer.

    ``batch_norm='before'`` puts BN between each Dense (then without bias) and its
    activation; ``'after'`` puts it after the activation. ``dropout`` is applied
    before every hidden layer and before the output, as standard or alpha dropout.
    Layers are named ``hidden_1 …`` (Dense), ``act_1 …``, ``bn_1 …``, ``dropout_1 …``
    so diagnostics can find them.
    """
    check_whole_number("n_hidden", n_hidden, minimum=0)
    check_whole_number("n_neurons", n_neurons, minimum=1)
    check_whole_number("n_outputs", n_outputs, minimum=1)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a rate in [0, 1), got {dropout!r}.")
    check_choice("activation", activation, ACTIVATIONS)
    _check_initializer(kernel_initializer)
    check_choice("batch_norm placement", batch_norm, BATCH_NORM_PLACEMENTS)
    check_choice("dropout_kind", dropout_kind, DROPOUT_KINDS)
    check_choice("output", output, OUTPUTS)

    def dropout_layer(index: int) -> keras.layers.Layer:
        layer_class = keras.layers.AlphaDropout if dropout_kind == "alpha" else keras.layers.Dropout
        return layer_class(dropout, name=f"dropout_{index}")

    layers: list[keras.layers.Layer] = [keras.layers.Flatten(name="flatten")]
    for i in range(1, n_hidden + 1):
        if dropout > 0:
            layers.append(dropout_layer(i))
        dense_kwargs = dict(
            kernel_initializer=kernel_initializer,
            kernel_regularizer=kernel_regularizer,
            kernel_constraint=kernel_constraint,
            name=f"hidden_{i}",
        )
        if batch_norm == "before":
            layers += [
                keras.layers.Dense(n_neurons, use_bias=False, **dense_kwargs),
                keras.layers.BatchNormalization(name=f"bn_{i}"),
                _activation_layer(activation, f"act_{i}"),
            ]
        else:
            layers += [
                keras.layers.Dense(n_neurons, **dense_kwargs),
                _activation_layer(activation, f"act_{i}"),
            ]
            if batch_norm == "after":
                layers.append(keras.layers.BatchNormalization(name=f"bn_{i}"))
    if dropout > 0:
        layers.append(dropout_layer(n_hidden + 1))
    layers.append(
        keras.layers.Dense(
            n_outputs,
            activation=output or "linear",
            kernel_initializer="glorot_uniform",
            name="output",
        )
    )
    return keras.Sequential([keras.Input(shape=input_shape), *layers], name=name)


def hidden_dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The Dense layers of a model, in order, without the output layer."""
    return [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.Dense) and layer.name != "output"
    ]


def compile_classifier(
    model: keras.Model,
    optimizer: str | keras.optimizers.Optimizer = "sgd",
    learning_rate: float | None = None,
    steps_per_execution: int = 1,
) -> keras.Model:
    """Compile for integer class labels: sparse cross-entropy loss and accuracy.

    ``steps_per_execution``: training steps per call of the compiled step (see :class:`Restarts`).
    """
    if isinstance(optimizer, str):
        optimizer = keras.optimizers.get(optimizer)
        if learning_rate is not None:
            optimizer.learning_rate = learning_rate
    elif learning_rate is not None:
        raise ValueError("Pass learning_rate only with an optimizer name; set it on the object.")
    binary = model.output_shape[-1] == 1
    model.compile(
        loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
        optimizer=optimizer,
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


class Restarts:
    """One compiled model trained many times, each run from given weights, its step traced once.

    Tracing a new model's training step costs about two seconds of CPU, as much as a short run.
    For many runs of one architecture (seeds, learning rates, initializations),
    :meth:`restart` puts the given weights back (BN's moving statistics included), resets the
    optimizer's state (momentum buffers, step count) and sets the learning rate, so ``fit``
    re-uses the traced step. Options fixed at compile time (clipping, loss) stay as compiled.

    ``steps_per_execution`` > 1 runs that many steps per call of the compiled step: the same
    updates in the same order, with less Python between steps (a small net's epoch runs about
    twice as fast on two cores), but callbacks then see a batch only every that many steps.
    """

    def __init__(
        self,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        loss: keras.losses.Loss | None = None,
        steps_per_execution: int = 1,
    ) -> None:
        check_whole_number("steps_per_execution", steps_per_execution, minimum=1)
        if loss is None:
            self.model = compile_classifier(
                model, optimizer, steps_per_execution=steps_per_execution
            )
        else:  # e.g. label smoothing, which needs one-hot targets and its own loss
            model.compile(
                loss=loss,
                optimizer=optimizer,
                metrics=["accuracy"],
                steps_per_execution=steps_per_execution,
            )
            self.model = model
        self.steps_per_execution = steps_per_execution
        self.optimizer = optimizer
        optimizer.build(model.trainable_variables)
        self._initial_state = [variable.numpy() for variable in optimizer.variables]

    def check_callbacks(self, callbacks: Sequence) -> None:
        """Refuse callbacks that act on every batch when several steps run per call (they
        would see only every ``steps_per_execution``-th batch)."""
        if self.steps_per_execution == 1:
            return
        base = keras.callbacks.Callback
        hooks = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")
        per_batch = [
            c for c in callbacks if any(getattr(type(c), h) is not getattr(base, h) for h in hooks)
        ]
        if per_batch:
            raise ValueError(
                f"callbacks that act on every batch ({type(per_batch[0]).__name__}) need "
                f"steps_per_execution=1, got {self.steps_per_execution}."
            )

    def restart(self, weights: Sequence, learning_rate: float | None = None) -> keras.Model:
        """The model with ``weights``, a fresh optimizer state and (if given) this learning rate."""
        check_positive("learning_rate", learning_rate, allow_none=True)
        self.model.set_weights(weights)  # a list for another architecture raises ValueError
        self._reset_optimizer(learning_rate)
        return self.model

    def _reset_optimizer(self, learning_rate: float | None) -> None:
        """The optimizer's state as after ``build`` (momentum buffers, step count), and the
        learning rate if given."""
        for variable, value in zip(self.optimizer.variables, self._initial_state, strict=True):
            variable.assign(value)
        if learning_rate is not None:
            self.optimizer.learning_rate = learning_rate


# Seeded redraws: Keras's unseeded initializers take their seeds from Python's generator.
_INITIALIZED_WEIGHTS = {
    "kernel": "kernel_initializer",
    "bias": "bias_initializer",
    "alpha": "alpha_initializer",
}


def reinitialize(model: keras.Model, seed: int) -> None:
    """Draw every weight of ``model`` again from its layer's initializer, for ``seed``.

    Keras's unseeded initializers take their seeds from Python's generator, which is seeded here
    (shifted by DNN_SEED) and drawn in the order a fresh build draws it: the weights equal those
    of the same architecture built right after ``config.set_seed(seed)``. TensorFlow's global seed
    is left alone: resetting it makes Keras trace the compiled steps again. Dense and PReLU only.
    """
    python_random.seed(config.shifted_seed(seed))
    for layer in model.layers:
        redrawn = 0
        for weight_name, initializer_name in _INITIALIZED_WEIGHTS.items():
            variable = getattr(layer, weight_name, None)
            if variable is None or not hasattr(layer, initializer_name):
                continue
            # A new initializer object draws a new seed, as the layer's constructor did.
            config_ = keras.initializers.serialize(getattr(layer, initializer_name))
            initializer = keras.initializers.get(config_)
            variable.assign(initializer(variable.shape, dtype=variable.dtype))
            redrawn += 1
        if redrawn != len(layer.weights):
            raise ValueError(
                f"layer {layer.name!r} ({type(layer).__name__}) has weights that cannot be redrawn "
                "here; allowed: Dense and PReLU layers (and layers without weights)."
            )


class FreshRuns(Restarts):
    """``Restarts`` from freshly drawn weights: one compiled net trained once per seed.

    Each :meth:`train` redraws the weights (``reinitialize``), resets the optimizer's state and
    sets the learning rate, then trains for ``steps`` batches in an order drawn from
    ``config.rng(seed)``: a run depends on its seed, not on the runs before it (layers with
    their own random generators, such as dropout, continue their draws). Notebook 03.
    """

    def train(
        self,
        seed: int,
        learning_rate: float,
        x: np.ndarray,
        y: np.ndarray,
        steps: int,
        batch_size: int = config.BATCH_SIZE,
    ) -> keras.Model:
        """Fresh weights for ``seed``, then ``steps`` batches of the first images of (x, y)."""
        check_whole_number("steps", steps, minimum=1, maximum=len(x) // batch_size)
        check_positive("learning_rate", learning_rate)
        size = steps * batch_size
        reinitialize(self.model, seed)
        self._reset_optimizer(learning_rate)
        order = config.rng(seed).permutation(size)  # Keras's own shuffle would need TF's seed
        x_run, y_run = x[:size][order], y[:size][order]
        self.model.fit(x_run, y_run, epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
        return self.model

    def accuracy(self, x: np.ndarray, y: np.ndarray, batch_size: int = 1_000) -> float:
        """Accuracy of the current weights on (x, y), predicted in batches to bound memory."""
        predicted = self.model.predict(x, batch_size=batch_size, verbose=0).argmax(axis=1)
        return float(np.mean(predicted == np.asarray(y)))
