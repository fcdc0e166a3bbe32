"""What the live view measures on its probe batch, without slowing the fit it watches.

A *probe* takes the probe images and labels and the Dense kernels as they were before the
step just taken (NumPy arrays), and returns the probe loss, each watched nonlinearity's outputs,
per kernel [std(∂L/∂W), std(W), std(ΔW), std(W before)], per nonlinearity [mean, std, dead
share], and the kernels it read (NumPy probe; None from the Keras one), all as NumPy values.

Two ways to compute it:

* ``numpy_probe``: forward and backward by hand in NumPy, for the layers these notebooks build
  (Flatten, Dense, Activation and the ReLU-family layers, BatchNormalization in inference mode,
  Dropout, a softmax output with sparse cross-entropy). No tracing, a few milliseconds a call
  on a 10 × 100 net: cheap enough to watch every step of a 40-step fit.
* ``keras_probe``: the same quantities through ``tf.GradientTape``, for any other model (and,
  in the tests, the reference the NumPy probe is checked against).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from threadpoolctl import ThreadpoolController

from helpers import activations

Probe = Callable[[Any, Any, Sequence[np.ndarray]], tuple]

# Keras activation names the NumPy probe knows (Keras's defaults: leaky_relu slope 0.2,
# elu α 1, exact gelu), mapped to helpers.activations' (f, f') pairs.
_KNOWN = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "elu": "elu",
    "selu": "selu",
    "gelu": "gelu",
    "silu": "silu",
    "swish": "swish",
    "mish": "mish",
    "linear": "linear",
}
_DROPOUT_TYPES = (keras.layers.Dropout, keras.layers.AlphaDropout, keras.layers.GaussianDropout)


# Slopes computed from the activation's output a (cheaper than from z: no second exp).
@functools.lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread() -> Any:
    """Keep NumPy's BLAS to one thread (until ``.restore_original_limits()`` or the end of a
    ``with`` block). The probe's matrices are small; a second BLAS thread, woken by the probe or
    by switching back to two threads, spun beside the training steps that followed (measured on
    a 2-core machine: a 2.0 s fit took 3.1 s in most runs with the live view, instead of 2.2 s).
    A float32 matrix product can differ in its last bits between one and two BLAS threads."""
    return _blas().limit(limits=1, user_api="blas")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^(−z)) in float32: e^(−z) overflows to inf for z < −88, giving the right 0."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


_FAST_FUNCTION = {"sigmoid": _sigmoid}
_SLOPE_FROM_OUTPUT = {
    "sigmoid": lambda a: a * (1 - a),
    "tanh": lambda a: 1 - a * a,
    "relu": lambda a: (a > 0).astype(a.dtype),
}


def read(variable: Any) -> np.ndarray:
    """A Keras variable's current value as a NumPy array (later steps do not change it: TensorFlow
    copies a variable's buffer before updating it while a read of it is alive).

    On the TensorFlow backend one ``ReadVariableOp`` per variable, about a quarter of the time
    of ``variable.numpy()`` (measured: 12 variables of a 784-300-100 BN net, 0.32 ms against
    1.35 ms), which goes through several layers of Python first; anything else: ``.numpy()``."""
    tf_variable = getattr(variable, "_value", None)  # the tf.Variable inside a Keras variable
    handle = getattr(tf_variable, "handle", None)
    if handle is None:
        return variable.numpy()
    return tf.raw_ops.ReadVariableOp(resource=handle, dtype=tf_variable.dtype).numpy()


def _stds(arrays: Sequence[np.ndarray]) -> list[float]:
    """The std of each array; arrays of one shape go through NumPy together (a deep net's
    hidden layers: one call instead of one per layer)."""
    groups: dict[tuple, list[int]] = {}
    for i, a in enumerate(arrays):
        groups.setdefault(a.shape, []).append(i)
    result = [0.0] * len(arrays)
    for indices in groups.values():
        if len(indices) == 1:
            result[indices[0]] = _std(arrays[indices[0]])
            continue
        stack = np.stack([arrays[i] for i in indices]).reshape(len(indices), -1)
        for i, value in zip(indices, stack.std(axis=1).tolist(), strict=True):
            result[i] = value
    return result


def _std(x: np.ndarray) -> float:
    """np.std through one BLAS dot (a third of the time on a 784 × 100 kernel)."""
    x = x.ravel()
    d = x - x.mean()
    return float(np.sqrt(np.dot(d, d) / x.size))


def _activation_pair(layer: keras.layers.Layer) -> tuple | None:
    """(f, f') of a Dense/Activation layer's activation, an ELU/LeakyReLU/ReLU layer's, or
    None when the NumPy probe does not know it."""
    if isinstance(layer, keras.layers.Dense | keras.layers.Activation):
        name = getattr(layer.activation, "__name__", "")
        if name in _SLOPE_FROM_OUTPUT:
            function = _FAST_FUNCTION.get(name) or activations.function(name)
            return function, _SLOPE_FROM_OUTPUT[name], True
        return (*activations.get(_KNOWN[name]), False) if name in _KNOWN else None
    if isinstance(layer, keras.layers.LeakyReLU):
        slope = float(layer.negative_slope)
        return (
            lambda z: np.where(z > 0, z, slope * z),
            lambda z: np.where(z > 0, 1.0, slope).astype(z.dtype),
            False,
        )
    if isinstance(layer, keras.layers.ELU) and float(layer.alpha) == 1.0:
        return (*activations.get("elu"), False)
    if isinstance(layer, keras.layers.ReLU) and (
        layer.max_value is None and float(layer.negative_slope) == 0 and float(layer.threshold) == 0
    ):
        return activations.function("relu"), _SLOPE_FROM_OUTPUT["relu"], True
    return None


def _plan(model: keras.Model) -> list[tuple] | None:
    """One entry per layer, what the NumPy pass does there; None if a layer is unknown or the
    model does not end in a softmax Dense layer."""
    layers = list(model.layers)
    if not layers or not isinstance(layers[-1], keras.layers.Dense):
        return None
    if getattr(layers[-1].activation, "__name__", "") != "softmax":
        return None
    plan = []
    # Everything after a Flatten (or from the start, for flat inputs) acts on (batch, features):
    # the only shape the pass below handles.
    flat = len(model.inputs[0].shape) == 2 if getattr(model, "inputs", None) else False
    for layer in layers:
        if isinstance(layer, keras.layers.Flatten):
            plan.append(("flatten", layer, None))
            flat = True
        elif isinstance(layer, _DROPOUT_TYPES):
            plan.append(("identity", layer, None))  # inference mode: dropout does nothing
        elif not flat:
            return None
        elif isinstance(layer, keras.layers.Dense):
            pair = (None, None, False) if layer is layers[-1] else _activation_pair(layer)
            if pair is None:
                return None
            plan.append(("dense", layer, pair))
        elif isinstance(layer, keras.layers.BatchNormalization):
            if layer.axis not in (-1, 1):
                return None
            plan.append(("batch_norm", layer, None))
        elif isinstance(layer, keras.layers.PReLU):
            plan.append(("prelu", layer, None))
        else:
            pair = _activation_pair(layer)
            if pair is None:
                return None
            plan.append(("activation", layer, pair))
    return plan


def _site_stats(outputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """[mean, std, share of units with the same output on every image] of each site's outputs,
    sites of one width together."""
    stats: list[np.ndarray] = [None] * len(outputs)  # type: ignore[list-item]
    groups: dict[tuple, list[int]] = {}
    for i, a in enumerate(outputs):
        groups.setdefault(a.shape, []).append(i)
    for indices in groups.values():
        stack = np.stack([outputs[i] for i in indices])  # (sites, images, units)
        flat = stack.reshape(len(indices), -1)
        means, stds = flat.mean(axis=1), flat.std(axis=1)
        dead = (stack.max(axis=1) == stack.min(axis=1)).mean(axis=1)
        for j, i in enumerate(indices):
            stats[i] = np.array([means[j], stds[j], dead[j]], dtype=np.float64)
    return stats


def numpy_probe(model: keras.Model, site_names: set[str], kernels: Sequence[Any]) -> Probe | None:
    """A probe that runs forward and backward in NumPy, or None for a model it cannot follow."""
    plan = _plan(model)
    if plan is None:
        return None
    kernel_ids = [id(kernel) for kernel in kernels]
    dense_layers = [layer for kind, layer, _ in plan if kind == "dense"]
    if sorted(id(layer.kernel) for layer in dense_layers) != sorted(kernel_ids):
        return None
    order = {id(layer.kernel): i for i, layer in enumerate(dense_layers)}
    # std of each kernel read last time: measuring every step, this step's "before" kernels
    # are the arrays the last call read, and their std need not be computed again.
    known_std: dict[int, tuple[np.ndarray, float]] = {}  # id → (the array itself, its std)

    variables = []  # everything the pass reads, in the order it reads them
    for kind, layer, _ in plan:
        if kind == "dense":
            variables += [layer.kernel, *([layer.bias] if layer.use_bias else [])]
        elif kind == "batch_norm":
            variables += [layer.moving_mean, layer.moving_variance]
            variables += [layer.gamma] if layer.scale else []
            variables += [layer.beta] if layer.center else []
        elif kind == "prelu":
            variables.append(layer.alpha)

    def snapshot() -> dict[int, np.ndarray]:
        """The weights as they are now (the only part that must run between two steps)."""
        return {id(variable): read(variable) for variable in variables}

    def probe(x: np.ndarray, y: np.ndarray, before: Sequence[np.ndarray]) -> tuple:
        with one_blas_thread():
            return compute(x, y, before, snapshot())

    def compute(x, y, before, values):
        """The probe's numbers from a snapshot: may run while training goes on."""
        read = lambda variable: values[id(variable)]  # noqa: E731
        h = np.asarray(x, dtype=np.float32)
        n = len(h)
        tape, outputs, kernel_values = [], [], []
        for kind, layer, pair in plan:
            if kind == "flatten":
                tape.append((kind, h.shape, None))
                h = h.reshape(n, -1)
            elif kind == "dense":
                w = read(layer.kernel)
                kernel_values.append(w)
                z = h @ w
                if layer.use_bias:
                    z = z + read(layer.bias)
                h_in = h
                h = z if pair[0] is None else pair[0](z).astype(np.float32, copy=False)
                tape.append((kind, h_in, (w, h if pair[2] else z, pair)))
            elif kind == "batch_norm":
                scale = 1.0 / np.sqrt(read(layer.moving_variance) + layer.epsilon)
                if layer.scale:
                    scale = scale * read(layer.gamma)
                shift = -read(layer.moving_mean) * scale
                if layer.center:
                    shift = shift + read(layer.beta)
                tape.append((kind, None, scale.astype(np.float32)))
                h = h * scale + shift
            elif kind == "prelu":
                alpha = read(layer.alpha)
                tape.append((kind, h, alpha))
                h = np.where(h > 0, h, alpha * h)
            elif kind == "activation":
                z = h
                h = pair[0](z).astype(np.float32, copy=False)
                tape.append((kind, h if pair[2] else z, pair))
            else:
                tape.append((kind, None, None))
            if layer.name in site_names:
                outputs.append(h)
        # Softmax cross-entropy through the logits, as Keras computes it for a softmax output.
        logits = h
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        labels = np.asarray(y).astype(np.intp).ravel()
        loss = -float(log_p[np.arange(n), labels].mean())
        delta = np.exp(log_p)
        delta[np.arange(n), labels] -= 1.0
        delta = (delta / n).astype(np.float32)
        grads: list[np.ndarray] = [None] * len(dense_layers)  # type: ignore[list-item]
        dense_index = len(dense_layers)
        for kind, saved, extra in reversed(tape):
            if kind == "dense":
                a_in, (w, z, pair) = saved, extra
                if pair[1] is not None:
                    delta = delta * pair[1](z)
                dense_index -= 1
                grads[dense_index] = a_in.T @ delta
                if dense_index == 0:
                    break  # nothing below the first kernel needs a gradient
                delta = delta @ w.T
            elif kind == "batch_norm":
                delta = delta * extra
            elif kind == "prelu":
                delta = delta * np.where(saved > 0, 1.0, extra).astype(np.float32)
            elif kind == "activation":
                delta = delta * extra[1](saved)
            elif kind == "flatten":
                delta = delta.reshape(saved)
        weights = [kernel_values[order[id(kernel)]] for kernel in kernels]
        grads_in_order = [grads[order[id(kernel)]] for kernel in kernels]
        known = [known_std.get(id(old)) for old in before]
        # Measuring every step, this step's "before" kernels are the arrays the last call read.
        fresh = [old for old, k in zip(before, known, strict=True) if k is None or k[0] is not old]
        columns = _stds(
            [
                *grads_in_order,
                *weights,
                *(w - old for w, old in zip(weights, before, strict=True)),
                *fresh,
            ]
        )
        m = len(kernels)
        fresh_std = iter(columns[3 * m :])
        kernel_stats = []
        for i, (old, k) in enumerate(zip(before, known, strict=True)):
            old_std = k[1] if k is not None and k[0] is old else next(fresh_std)
            kernel_stats.append(
                np.array([columns[i], columns[m + i], columns[2 * m + i], old_std], np.float64)
            )
        known_std.clear()
        # Holding the arrays keeps their ids from being reused by new ones.
        known_std.update(
            {id(w): (w, std) for w, std in zip(weights, columns[m : 2 * m], strict=True)}
        )
        site_stats = _site_stats(outputs)
        return loss, outputs, kernel_stats, site_stats, weights

    probe.snapshot = snapshot  # type: ignore[attr-defined]
    probe.compute = compute  # type: ignore[attr-defined]
    return probe


def keras_probe(
    model: keras.Model, site_names: set[str], kernels: Sequence[Any], compiled: bool
) -> Probe:
    """The probe through ``tf.GradientTape`` (traced once if ``compiled``): any Sequential."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy()

    # Plain Python over the layers, so it runs eagerly or, compiled without autograph, as one
    # graph. The per-layer reductions happen inside, so only scalars and activations come back.
    def probe(x, y, before):
        with tf.GradientTape() as tape:
            h, outputs = x, []
            for layer in model.layers:
                h = layer(h, training=False)
                if layer.name in site_names:
                    outputs.append(h)
            loss = loss_fn(y, h)
        grads = tape.gradient(loss, kernels)
        kernel_stats = [
            tf.stack(
                [
                    tf.math.reduce_std(g),
                    tf.math.reduce_std(kernel),
                    tf.math.reduce_std(kernel - old),
                    tf.math.reduce_std(old),
                ]
            )
            for g, kernel, old in zip(grads, kernels, before, strict=True)
        ]
        site_stats = [
            tf.stack(
                [
                    tf.reduce_mean(a),
                    tf.math.reduce_std(a),
                    tf.reduce_mean(tf.cast(tf.reduce_max(a, 0) == tf.reduce_min(a, 0), tf.float32)),
                ]
            )
            for a in outputs
        ]
        return loss, outputs, kernel_stats, site_stats

    traced = tf.function(probe, autograph=False, reduce_retracing=True) if compiled else probe

    def as_numpy(x, y, before):
        x, y, before = tf.constant(x), tf.constant(y), [tf.constant(b) for b in before]
        loss, outputs, kernel_stats, site_stats = traced(x, y, before)
        return (
            float(loss),
            [a.numpy() for a in outputs],
            [s.numpy().astype(np.float64) for s in kernel_stats],
            [s.numpy().astype(np.float64) for s in site_stats],
            None,
        )

    as_numpy.compiled = compiled  # type: ignore[attr-defined]
    return as_numpy
