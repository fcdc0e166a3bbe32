"""Build the plain multilayer perceptrons the lessons train, with every knob checked."""

from __future__ import annotations

from collections.abc import Sequence

import keras

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
DROPOUT_KINDS = ("standard", "alpha")
OUTPUTS = ("softmax", "sigmoid", "linear", None)


def _choices(values: Sequence[object]) -> str:
    return ", ".join(repr(v) for v in values)


def check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    """Raise a ValueError listing ``allowed`` if ``value`` is not one of them."""
    if value not in allowed:
        raise ValueError(f"Unknown {name} {value!r}; choose one of {_choices(allowed)}.")


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
    if not isinstance(n_hidden, int) or n_hidden < 0:
        raise ValueError(f"n_hidden must be a whole number ≥ 0, got {n_hidden!r}.")
    if not isinstance(n_neurons, int) or n_neurons < 1:
        raise ValueError(f"n_neurons must be a whole number ≥ 1, got {n_neurons!r}.")
    if not isinstance(n_outputs, int) or n_outputs < 1:
        raise ValueError(f"n_outputs must be a whole number ≥ 1, got {n_outputs!r}.")
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
) -> keras.Model:
    """Compile for integer class labels: sparse cross-entropy loss and accuracy."""
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
    )
    return model


class Restarts:
    """One compiled model trained many times, each run from given weights, its step traced once.

    Tracing a new model's training step costs about two seconds of CPU, as much as a short run.
    For many runs of one architecture (seeds, learning rates, initializations),
    :meth:`restart` puts the given weights back (BN's moving statistics included), resets the
    optimizer's state (momentum buffers, step count) and sets the learning rate, so ``fit``
    re-uses the traced step. Options fixed at compile time (clipping, loss) stay as compiled.
    """

    def __init__(self, model: keras.Model, optimizer: keras.optimizers.Optimizer) -> None:
        self.model = compile_classifier(model, optimizer)
        self.optimizer = optimizer
        optimizer.build(model.trainable_variables)
        self._initial_state = [variable.numpy() for variable in optimizer.variables]

    def restart(self, weights: Sequence, learning_rate: float | None = None) -> keras.Model:
        """The model with ``weights``, a fresh optimizer state and (if given) this learning rate."""
        if learning_rate is not None and not learning_rate > 0:
            raise ValueError(
                f"learning_rate must be > 0 (or None: keep it), got {learning_rate!r}."
            )
        self.model.set_weights(weights)  # a list for another architecture raises ValueError
        for variable, value in zip(self.optimizer.variables, self._initial_state, strict=True):
            variable.assign(value)
        if learning_rate is not None:
            self.optimizer.learning_rate = learning_rate
        return self.model
