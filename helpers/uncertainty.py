"""Monte Carlo dropout (Gal & Ghahramani, 2016): dropout kept on at inference, many passes.

``model(x, training=True)`` would turn dropout on, but it also switches every
BatchNormalization layer to batch statistics (and, in ``fit``, updates their moving
averages). The layers below turn on *only* the dropout: they ignore the ``training``
flag they are given, so BN layers of the same model keep using their moving averages.
"""

from __future__ import annotations

import keras
import numpy as np

# float32 probabilities can be exactly 0; log(0) is -inf, and 0·log 0 is 0 by convention.
_TINY = 1e-12


@keras.saving.register_keras_serializable(package="course")
class MCDropout(keras.layers.Dropout):
    """Dropout that drops units at inference too (training flag ignored)."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


@keras.saving.register_keras_serializable(package="course")
class MCAlphaDropout(keras.layers.AlphaDropout):
    """Alpha dropout (for SELU nets) that stays on at inference too."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


def _mc_twin(layer: keras.layers.Layer) -> keras.layers.Layer:
    """The always-on twin of a dropout layer; any other layer itself (weights shared)."""
    if isinstance(layer, (MCDropout, MCAlphaDropout)):
        return layer
    if isinstance(layer, keras.layers.Dropout):
        return MCDropout(layer.rate, noise_shape=layer.noise_shape, name=f"mc_{layer.name}")
    if isinstance(layer, keras.layers.AlphaDropout):
        return MCAlphaDropout(layer.rate, noise_shape=layer.noise_shape, name=f"mc_{layer.name}")
    return layer


def count_dropout_layers(model: keras.Model) -> int:
    """How many Dropout / AlphaDropout layers (MC or not) a model holds."""
    return sum(
        isinstance(layer, (keras.layers.Dropout, keras.layers.AlphaDropout))
        for layer in model.layers
    )


def with_mc_dropout(model: keras.Model) -> keras.Model:
    """A model whose dropout layers stay on at inference; every other layer is *shared*.

    The returned model reuses the trained layers themselves (no copy), so it always
    sees the current weights, and BatchNormalization keeps its inference behaviour.
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras Model (Sequential or functional), got {model!r}.")
    if count_dropout_layers(model) == 0:
        raise ValueError(
            f"model {model.name!r} has no Dropout or AlphaDropout layer: MC dropout needs at "
            "least one (add keras.layers.Dropout(rate) and retrain)."
        )
    return keras.models.clone_model(model, clone_function=_mc_twin)


def split_at_first_dropout(model: keras.Model) -> tuple[keras.Sequential | None, keras.Sequential]:
    """Split a Sequential before its first dropout layer: (deterministic prefix, MC suffix).

    Everything before the first dropout gives the same output on every pass, so MC
    dropout needs to compute it only once; the suffix (with its dropout layers made
    always-on) is what the passes repeat. The prefix is None when dropout comes first.
    Both parts share the trained layers of ``model``.
    """
    if not isinstance(model, keras.Sequential):
        raise ValueError(
            f"split_at_first_dropout needs a keras.Sequential, got {type(model).__name__}."
        )
    dropout_types = (keras.layers.Dropout, keras.layers.AlphaDropout)
    layers = model.layers
    first = next((i for i, layer in enumerate(layers) if isinstance(layer, dropout_types)), None)
    if first is None:
        raise ValueError(
            f"model {model.name!r} has no Dropout or AlphaDropout layer: MC dropout needs at "
            "least one (add keras.layers.Dropout(rate) and retrain)."
        )
    input_shape = tuple(model.input_shape[1:])
    prefix = None
    if first > 0:
        prefix = keras.Sequential([keras.Input(shape=input_shape), *layers[:first]], name="prefix")
        input_shape = tuple(prefix.output_shape[1:])
    suffix = keras.Sequential(
        [keras.Input(shape=input_shape), *(_mc_twin(layer) for layer in layers[first:])],
        name="mc_suffix",
    )
    return prefix, suffix


def _call_in_chunks(model: keras.Model, x: np.ndarray, rows: int) -> np.ndarray:
    """``model(x)`` in inference mode, ``rows`` at a time. Direct calls, not ``predict``:
    ``predict`` traces a new graph for every new model and every new batch shape, and
    TensorFlow warns about the retracing when MC dropout builds models on the fly."""
    parts = [
        keras.ops.convert_to_numpy(model(x[start : start + rows], training=False))
        for start in range(0, len(x), rows)
    ]
    return np.concatenate(parts)


def mc_predict(
    model: keras.Model, x: np.ndarray, n_samples: int = 30, batch_size: int = 8192
) -> np.ndarray:
    """``n_samples`` stochastic forward passes with dropout on: array (n_samples, n, n_outputs).

    Ordinary Dropout / AlphaDropout layers are switched to their always-on twins;
    BatchNormalization stays in inference mode. For a Sequential model the layers
    before the first dropout are computed once (they are deterministic); the rest runs
    on several stacked copies of the inputs per call, ``batch_size`` rows at a time,
    each row with its own dropout mask.
    """
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a whole number ≥ 1, got {n_samples!r}.")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number ≥ 1, got {batch_size!r}.")
    x = np.asarray(x)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"x must be a batch of at least one input, got shape {x.shape}.")
    if isinstance(model, keras.Sequential):
        prefix, stochastic = split_at_first_dropout(model)
        if prefix is not None:
            x = _call_in_chunks(prefix, x, batch_size)
    else:
        stochastic = with_mc_dropout(model)
    # Copies of x per stacked array: ~80 MB of float32 at most.
    copies_per_call = int(max(1, min(n_samples, 20_000_000 // int(np.prod(x.shape)))))
    passes = []
    done = 0
    while done < n_samples:
        k = min(copies_per_call, n_samples - done)
        stacked = np.concatenate([x] * k) if k > 1 else x
        out = _call_in_chunks(stochastic, stacked, batch_size)
        passes.append(out.reshape(k, len(x), *out.shape[1:]))
        done += k
    return np.concatenate(passes).astype(np.float32)


def _check_probabilities(probabilities: np.ndarray, min_dims: int) -> np.ndarray:
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim < min_dims:
        raise ValueError(
            f"expected an array of at least {min_dims} dimensions (… , n_classes), got {p.shape}."
        )
    if np.any(p < -1e-6) or not np.allclose(p.sum(axis=-1), 1.0, atol=1e-3):
        raise ValueError("probabilities must be ≥ 0 and sum to 1 over the last axis.")
    return np.clip(p, 0.0, 1.0)


def entropy(probabilities: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) over the last axis: −Σ_k p_k log p_k, 0 for a sure prediction."""
    p = _check_probabilities(probabilities, 1)
    return -(p * np.log(p + _TINY)).sum(axis=-1)


def predictive_entropy(mc_probabilities: np.ndarray) -> np.ndarray:
    """Entropy of the MC-averaged prediction, per instance, from (n_samples, n, classes)."""
    p = _check_probabilities(mc_probabilities, 3)
    return entropy(p.mean(axis=0))


def mutual_information(mc_probabilities: np.ndarray) -> np.ndarray:
    """Predictive entropy minus the mean entropy of single passes: the passes' disagreement."""
    p = _check_probabilities(mc_probabilities, 3)
    return np.maximum(entropy(p.mean(axis=0)) - entropy(p).mean(axis=0), 0.0)


def mc_summary(mc_probabilities: np.ndarray, y_true: np.ndarray | None = None) -> dict[str, object]:
    """Mean probabilities, per-class spread, predicted class, entropy (and accuracies if y given).

    Keys: ``mean`` (n, classes), ``std`` (n, classes), ``predicted`` (n,),
    ``entropy`` (n,), ``mutual_information`` (n,); with ``y_true`` also
    ``mc_accuracy`` (of the averaged prediction) and ``single_pass_accuracy`` (mean over passes).
    """
    p = _check_probabilities(mc_probabilities, 3)
    mean = p.mean(axis=0)
    summary: dict[str, object] = {
        "mean": mean,
        "std": p.std(axis=0),
        "predicted": mean.argmax(axis=-1),
        "entropy": entropy(mean),
        "mutual_information": mutual_information(p),
    }
    if y_true is not None:
        y = np.asarray(y_true).reshape(-1)
        if len(y) != p.shape[1]:
            raise ValueError(f"y_true has {len(y)} labels for {p.shape[1]} instances.")
        summary["mc_accuracy"] = float((mean.argmax(axis=-1) == y).mean())
        summary["single_pass_accuracy"] = float((p.argmax(axis=-1) == y).mean())
    return summary


def accuracy_vs_passes(mc_probabilities: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Accuracy of the average of the first N passes, for N = 1 … n_samples."""
    p = _check_probabilities(mc_probabilities, 3)
    y = np.asarray(y_true).reshape(-1)
    running_mean = np.cumsum(p, axis=0) / np.arange(1, len(p) + 1)[:, None, None]
    return (running_mean.argmax(axis=-1) == y[None, :]).mean(axis=1)


__all__ = [
    "MCAlphaDropout",
    "MCDropout",
    "accuracy_vs_passes",
    "count_dropout_layers",
    "entropy",
    "mc_predict",
    "mc_summary",
    "mutual_information",
    "predictive_entropy",
    "split_at_first_dropout",
    "with_mc_dropout",
]
