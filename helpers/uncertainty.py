"""Monte Carlo dropout (Gal & Ghahramani, 2016): dropout kept on at inference, many passes.

``model(x, training=True)`` would turn dropout on, but it also switches every
BatchNormalization layer to batch statistics (and, in ``fit``, updates their moving
averages). The layers below turn on *only* the dropout: they ignore the ``training``
flag they are given, so BN layers of the same model keep using their moving averages.

The second half measures how good predicted probabilities are, whatever produced them
(one deterministic pass, an MC average): negative log-likelihood, expected calibration
error with its reliability bins, and the AUROC of a score (e.g. entropy) for spotting errors.
"""

from __future__ import annotations

import keras
import numpy as np

from helpers.checks import check_whole_number

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
    check_whole_number("n_samples", n_samples, minimum=1)
    check_whole_number("batch_size", batch_size, minimum=1)
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


# --- how good are the probabilities? (notebooks 10, 11) ---------------------------------------

# Keras's own floor for a probability inside the cross-entropy (keras.config.epsilon()), so the
# NLL below equals keras.losses.sparse_categorical_crossentropy on the same numbers.
_NLL_FLOOR = 1e-7


def _check_labelled(probabilities: np.ndarray, y_true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = _check_probabilities(probabilities, 2)
    if p.ndim != 2:
        raise ValueError(f"probabilities must be (n, n_classes), got shape {p.shape}.")
    y = np.asarray(y_true).reshape(-1)
    if len(y) != len(p) or len(y) == 0:
        raise ValueError(f"y_true has {len(y)} labels for {len(p)} predictions (need ≥ 1 each).")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= p.shape[1]:
        raise ValueError(f"y_true must hold class indices 0 … {p.shape[1] - 1}.")
    return p, y


def negative_log_likelihood(probabilities: np.ndarray, y_true: np.ndarray) -> float:
    """Mean −log p(true class) over instances (nats), from (n, classes) probabilities."""
    p, y = _check_labelled(probabilities, y_true)
    return float(-np.log(np.clip(p[np.arange(len(y)), y], _NLL_FLOOR, 1.0)).mean())


def reliability_bins(
    probabilities: np.ndarray, y_true: np.ndarray, n_bins: int = 15
) -> dict[str, np.ndarray]:
    """Confidence (top-class probability) in ``n_bins`` equal-width bins ((m−1)/M, m/M].

    Returns per bin: ``count``, mean ``confidence`` and ``accuracy`` (NaN for empty bins),
    and the bin ``edges`` (length n_bins + 1) — what a reliability diagram draws.
    """
    check_whole_number("n_bins", n_bins, minimum=1)
    p, y = _check_labelled(probabilities, y_true)
    confidence = p.max(axis=-1)
    correct = (p.argmax(axis=-1) == y).astype(np.float64)
    index = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, confidence, n_bins) / count
        accuracy = np.bincount(index, correct, n_bins) / count
    return {
        "edges": np.linspace(0.0, 1.0, n_bins + 1),
        "count": count.astype(np.int64),
        "confidence": mean_confidence,
        "accuracy": accuracy,
    }


def expected_calibration_error(
    probabilities: np.ndarray, y_true: np.ndarray, n_bins: int = 15
) -> float:
    """ECE = Σ_m (|B_m| / n) · |accuracy(B_m) − confidence(B_m)| over confidence bins.

    Equal-width bins of the top-class probability, 15 by default (Guo et al., 2017).
    """
    bins = reliability_bins(probabilities, y_true, n_bins)
    used = bins["count"] > 0
    weights = bins["count"][used] / bins["count"].sum()
    return float((weights * np.abs(bins["accuracy"][used] - bins["confidence"][used])).sum())


def auroc(scores: np.ndarray, positives: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a random positive > score of a random negative),
    ties counted ½ (the Mann–Whitney U statistic divided by n_pos · n_neg).

    With ``scores`` = predictive entropy and ``positives`` = misclassified, it answers: does
    high entropy flag the wrong predictions? 0.5 is chance, 1 a perfect ranking.
    """
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    positive = np.asarray(positives).reshape(-1)
    if positive.dtype != bool:
        raise ValueError(f"positives must be a boolean array, got dtype {positive.dtype}.")
    if len(s) != len(positive):
        raise ValueError(f"{len(s)} scores for {len(positive)} labels.")
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"need at least one positive and one negative, got {n_pos} and {n_neg}.")
    order = np.argsort(s, kind="mergesort")
    sorted_scores = s[order]
    ranks = np.empty(len(s))
    # Average ranks over tied scores, so a tie counts ½ a pair.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def probability_quality(probabilities: np.ndarray, y_true: np.ndarray, n_bins: int = 15) -> dict:
    """Accuracy, NLL, ECE and the AUROC of entropy → error of (n, classes) probabilities."""
    p, y = _check_labelled(probabilities, y_true)
    wrong = p.argmax(axis=-1) != y
    return {
        "accuracy": float(1.0 - wrong.mean()),
        "nll": negative_log_likelihood(p, y),
        "ece": expected_calibration_error(p, y, n_bins),
        "auroc": auroc(entropy(p), wrong) if 0 < wrong.sum() < len(y) else float("nan"),
    }


__all__ = [
    "MCAlphaDropout",
    "MCDropout",
    "accuracy_vs_passes",
    "auroc",
    "count_dropout_layers",
    "entropy",
    "expected_calibration_error",
    "mc_predict",
    "mc_summary",
    "mutual_information",
    "negative_log_likelihood",
    "probability_quality",
    "reliability_bins",
    "split_at_first_dropout",
    "with_mc_dropout",
]
