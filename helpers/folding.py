"""Fold batch normalization into the Dense layer before it, for faster inference (notebook 04).

At inference a BatchNormalization layer is a fixed affine map per unit,
``y = γ (z − μ) / √(σ² + ε) + β``. When ``z = x W + b`` comes straight from a Dense layer
with no activation, the two maps compose into one Dense layer with

* kernel ``W' = W · s`` (column ``j`` scaled by ``s_j``) and
* bias ``b' = (b − μ) · s + β``,  where ``s = γ / √(σ² + ε)``.

The folded model gives the same predictions as the original in inference mode, with one
layer fewer per hidden block. ``build_mlp(batch_norm="before")`` makes exactly this pattern.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import keras
import numpy as np
import tensorflow as tf

from helpers.checks import check_whole_number


def _is_linear(activation: object) -> bool:
    return getattr(activation, "__name__", "") == "linear"


def _normalizes_last_axis(layer: keras.layers.BatchNormalization) -> bool:
    try:
        rank = len(layer.input.shape)
    except (AttributeError, ValueError):  # not connected to a graph: only -1 is known to be last
        rank = 0
    return layer.axis in (-1, rank - 1)


def folded_dense_weights(
    dense: keras.layers.Dense, batch_norm: keras.layers.BatchNormalization
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel and bias of one Dense layer equal to ``dense`` then ``batch_norm`` (inference)."""
    kernel = np.asarray(dense.kernel.numpy(), dtype=np.float64)
    bias = (
        np.asarray(dense.bias.numpy(), dtype=np.float64)
        if dense.use_bias
        else np.zeros(kernel.shape[-1])
    )
    units = kernel.shape[-1]
    gamma = np.asarray(batch_norm.gamma.numpy(), np.float64) if batch_norm.scale else np.ones(units)
    beta = np.asarray(batch_norm.beta.numpy(), np.float64) if batch_norm.center else np.zeros(units)
    mean = np.asarray(batch_norm.moving_mean.numpy(), dtype=np.float64)
    variance = np.asarray(batch_norm.moving_variance.numpy(), dtype=np.float64)
    scale = gamma / np.sqrt(variance + batch_norm.epsilon)
    dtype = dense.kernel.dtype
    return (kernel * scale).astype(dtype), ((bias - mean) * scale + beta).astype(dtype)


def _check_foldable(model: keras.Model) -> None:
    if not isinstance(model, keras.Sequential):
        raise ValueError(
            "fold_batch_norm needs a keras.Sequential model (build_mlp makes one), "
            f"got {type(model).__name__}."
        )
    if not model.built:
        raise ValueError("fold_batch_norm needs a built model: give it a keras.Input first.")
    layers = model.layers
    found = False
    for i, layer in enumerate(layers):
        if not isinstance(layer, keras.layers.BatchNormalization):
            continue
        found = True
        before = layers[i - 1] if i > 0 else None
        where = f"BatchNormalization layer {layer.name!r}"
        if not isinstance(before, keras.layers.Dense):
            kind = (
                "the model input" if before is None else f"{type(before).__name__} {before.name!r}"
            )
            raise ValueError(
                f"{where} follows {kind}; only BN directly after a Dense layer can be folded "
                '(BN before the activation, as build_mlp(batch_norm="before") places it).'
            )
        if not _is_linear(before.activation):
            raise ValueError(
                f"{where} follows Dense {before.name!r} with activation "
                f"{getattr(before.activation, '__name__', before.activation)!r}; only a Dense "
                "layer without activation (activation='linear') can absorb it."
            )
        if not _normalizes_last_axis(layer):
            raise ValueError(
                f"{where} normalizes axis {layer.axis!r}; only the last axis (the Dense units, "
                "axis=-1) can be folded."
            )
    if not found:
        raise ValueError(
            f"model {model.name!r} has no BatchNormalization layer to fold; allowed: a "
            "Sequential model with BN directly after Dense layers."
        )


def _copy_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    return layer.__class__.from_config(layer.get_config())


def fold_batch_norm(model: keras.Sequential) -> keras.Sequential:
    """A new model in which every BN layer right after a Dense layer is folded into it.

    Predictions equal the original model's in inference mode (``training=False``) up to
    float32 round-off. The original model is not changed. Raises ValueError for a model
    it cannot fold: not Sequential, no BN, or a BN that does not directly follow a Dense
    layer without activation on its last axis.
    """
    _check_foldable(model)
    new_layers: list[keras.layers.Layer] = []
    weights: list[list[np.ndarray]] = []
    layers = model.layers
    i = 0
    while i < len(layers):
        layer = layers[i]
        following = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(layer, keras.layers.Dense) and isinstance(
            following, keras.layers.BatchNormalization
        ):
            config = layer.get_config()
            config["use_bias"] = True
            config["bias_initializer"] = "zeros"
            new_layers.append(keras.layers.Dense.from_config(config))
            weights.append(list(folded_dense_weights(layer, following)))
            i += 2
            continue
        new_layers.append(_copy_layer(layer))
        weights.append(layer.get_weights())
        i += 1
    folded = keras.Sequential(
        [keras.Input(shape=model.input_shape[1:]), *new_layers], name=f"{model.name}_folded"
    )
    for layer, values in zip(folded.layers, weights, strict=True):
        if values:
            layer.set_weights(values)
    return folded


def compare_inference_seconds(
    models: Mapping[str, keras.Model], x: np.ndarray, repeats: int = 20, batch_size: int = 1024
) -> dict[str, float]:
    """Best-of-``repeats`` wall time (seconds) of one inference pass over ``x``, per model.

    Fair timing: each model runs as one compiled graph (a ``tf.function`` traced once for any
    batch size, outside the clock), all get the same batches already in memory as tensors,
    their passes are interleaved (a burst of load from other processes hits all of them
    alike), and the minimum over repeats is kept (the pass least disturbed).
    """
    if not models:
        raise ValueError("models is empty: give at least one {name: model}.")
    check_whole_number("repeats", repeats, minimum=1)
    check_whole_number("batch_size", batch_size, minimum=1)
    if len(x) == 0:
        raise ValueError("x is empty: give at least one example to time.")
    x = np.asarray(x, dtype="float32")
    batches = [tf.constant(x[start : start + batch_size]) for start in range(0, len(x), batch_size)]
    signature = [tf.TensorSpec((None, *x.shape[1:]), tf.float32)]
    forwards = {
        name: tf.function(
            lambda batch, model=model: model(batch, training=False), input_signature=signature
        )
        for name, model in models.items()
    }
    for forward in forwards.values():
        forward(batches[0]).numpy()  # trace and warm up outside the clock
    best = dict.fromkeys(models, float("inf"))
    for _ in range(repeats):
        for name, forward in forwards.items():
            start = time.perf_counter()
            for batch in batches:
                forward(batch).numpy()  # .numpy() waits for the result
            best[name] = min(best[name], time.perf_counter() - start)
    return best


__all__ = [
    "compare_inference_seconds",
    "fold_batch_norm",
    "folded_dense_weights",
]
