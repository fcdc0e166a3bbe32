"""Residual connections and normalization layers (notebook 12), in NumPy and in Keras.

* ``batch_norm``, ``layer_norm``, ``rms_norm`` — the three normalizations of a (batch, features)
  array, forward (with Keras's default ε) and backward, without γ/β (γ = 1, β = 0 at init).
* ``numpy_net_signals`` — a deep MLP at initialization, forward and backward in NumPy: plain or
  residual, no norm / BN / LN / RMSNorm, pre- or post-norm, a branch scale. Fast enough for a
  slider (a few ms at depth 100).
* ``build_deep_mlp`` / ``dense_gradient_norms`` — the same kind of net in Keras, for training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from helpers.checks import check_choice, check_whole_number

if TYPE_CHECKING:  # Keras loads lazily: the NumPy half (and the widget) must not pay for it
    import keras

NORM_KINDS = ("none", "batch", "layer", "rms")
PLACEMENTS = ("pre", "post")
BRANCH_INITS = ("he", "scaled", "zero")
# Keras's defaults: BatchNormalization and LayerNormalization 1e-3, RMSNormalization 1e-6.
EPSILON = {"batch": 1e-3, "layer": 1e-3, "rms": 1e-6}
# Which axis of a (batch, features) array each normalization averages over.
NORM_AXIS = {"batch": 0, "layer": 1, "rms": 1}


def _check_2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected a (batch, features) array, got shape {x.shape}.")
    return x


def batch_norm(x: np.ndarray, epsilon: float = EPSILON["batch"]) -> np.ndarray:
    """Standardize each feature over the batch (axis 0), training mode: (x − μ_B)/√(σ²_B + ε)."""
    x = _check_2d(x)
    return (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + epsilon)


def layer_norm(x: np.ndarray, epsilon: float = EPSILON["layer"]) -> np.ndarray:
    """Standardize each example over its features (axis 1): (x − μ_i)/√(σ²_i + ε)."""
    x = _check_2d(x)
    return (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + epsilon)


def rms_norm(x: np.ndarray, epsilon: float = EPSILON["rms"]) -> np.ndarray:
    """Divide each example by the root mean square of its features (no centring)."""
    x = _check_2d(x)
    return x / np.sqrt(np.mean(x**2, axis=1, keepdims=True) + epsilon)


def normalize(kind: str, x: np.ndarray) -> np.ndarray:
    """One of the three normalizations by name ('batch', 'layer', 'rms'), or 'none' (identity)."""
    check_choice("norm", kind, NORM_KINDS)
    if kind == "none":
        return _check_2d(x)
    return {"batch": batch_norm, "layer": layer_norm, "rms": rms_norm}[kind](x)


def normalize_backward(kind: str, x: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    """∂L/∂x of ``normalize(kind, x)`` given ∂L/∂y (γ = 1, β = 0)."""
    check_choice("norm", kind, NORM_KINDS)
    if kind == "none":
        return grad_out
    axis = NORM_AXIS[kind]
    if kind == "rms":
        mean_square = np.mean(x**2, axis=axis, keepdims=True) + EPSILON["rms"]
        rms = np.sqrt(mean_square)
        return (grad_out - x * np.mean(grad_out * x, axis=axis, keepdims=True) / mean_square) / rms
    centred = x - x.mean(axis=axis, keepdims=True)
    scale = np.sqrt(x.var(axis=axis, keepdims=True) + EPSILON[kind])
    x_hat = centred / scale
    mean_grad = grad_out.mean(axis=axis, keepdims=True)
    mean_grad_x_hat = np.mean(grad_out * x_hat, axis=axis, keepdims=True)
    return (grad_out - mean_grad - x_hat * mean_grad_x_hat) / scale


@dataclass(frozen=True)
class NetSignals:
    """One deep net at initialization: per layer, the activations' std and ‖∂L/∂W‖; the loss."""

    stds: np.ndarray  # std of h_l after layer l (l = 1 … depth)
    gradient_norms: np.ndarray  # Frobenius norm of ∂L/∂W_l (l = 1 … depth)
    loss: float


def branch_scale(branch: str, depth: int) -> float:
    """The factor on each residual branch's initial weights: 'he' 1, 'scaled' 1/√depth, 'zero' 0."""
    check_choice("branch", branch, BRANCH_INITS)
    return {"he": 1.0, "scaled": 1.0 / np.sqrt(depth), "zero": 0.0}[branch]


def _softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    grad = np.exp(log_p)
    grad[np.arange(n), y] -= 1.0
    return float(-log_p[np.arange(n), y].mean()), grad / n


def make_net_weights(
    n_inputs: int,
    depth: int,
    width: int = 64,
    n_classes: int = 10,
    seed: int = 0,
    residual: bool = False,
    branch: str = "he",
    dtype: type = np.float64,
) -> list[np.ndarray]:
    """He-normal weights [W_in, W_1 … W_depth, W_out] (seeded via config.rng, so DNN_SEED shifts
    them); in a residual net W_1 … W_depth are multiplied by ``branch_scale(branch, depth)``."""
    from helpers import config

    check_whole_number("depth", depth, minimum=1)
    scale = branch_scale(branch, depth) if residual else 1.0
    rng = config.rng(seed)
    shapes = [(n_inputs, width)] + [(width, width)] * depth + [(width, n_classes)]
    weights = [rng.standard_normal(shape) * np.sqrt(2.0 / shape[0]) for shape in shapes]
    weights[1:-1] = [scale * w for w in weights[1:-1]]
    return [w.astype(dtype) for w in weights]


def forward_backward(
    x: np.ndarray,
    y: np.ndarray | None,
    weights: list[np.ndarray],
    residual: bool,
    norm: str = "none",
    placement: str = "pre",
) -> tuple[float, list[np.ndarray], np.ndarray, np.ndarray]:
    """One pass of the deep ReLU MLP: (loss, ∂L/∂W for every weight, std of h per layer, logits).

    Layer l maps h to ``a = relu(N(h))``, then plain: ``h ← a W_l``; residual pre-norm:
    ``h ← h + a W_l``; residual post-norm: ``h ← N(h + relu(h) W_l)``, with N the chosen
    normalization (batch statistics, training mode; γ = 1, β = 0) and no biases. h_0 = x W_in;
    logits = relu(h_depth) W_out (a pre-norm residual net normalizes h_depth first, as
    pre-norm Transformers do). Plain nets ignore ``placement``. With ``y=None`` only the
    forward pass runs (loss nan, no gradients).
    """
    check_choice("norm", norm, NORM_KINDS)
    check_choice("placement", placement, PLACEMENTS)
    post = residual and placement == "post"
    final_norm = norm if residual and placement == "pre" else "none"
    depth = len(weights) - 2

    def norm_of(kind: str, values: np.ndarray) -> np.ndarray:
        return values if kind == "none" else normalize(kind, values).astype(x.dtype, copy=False)

    h = x @ weights[0]
    caches, stds = [], np.empty(depth)
    for layer in range(1, depth + 1):
        w = weights[layer]
        if post:
            a = np.maximum(h, 0.0)
            s = h + a @ w
            caches.append((h, a, s))
            h = norm_of(norm, s)
        else:
            u = norm_of(norm, h)
            a = np.maximum(u, 0.0)
            caches.append((h, u, a))
            h = h + a @ w if residual else a @ w
        stds[layer - 1] = h.std()
    z = norm_of(final_norm, h)
    top = np.maximum(z, 0.0)
    logits = top @ weights[-1]
    if y is None:
        return float("nan"), [], stds, logits
    loss, grad_logits = _softmax_cross_entropy(logits, y)

    grads: list[np.ndarray] = [np.empty(0)] * len(weights)
    grads[-1] = top.T @ grad_logits
    grad_h = normalize_backward(final_norm, h, (grad_logits @ weights[-1].T) * (z > 0))
    for layer in range(depth, 0, -1):
        w = weights[layer]
        if post:
            h_in, a, s = caches[layer - 1]
            grad_s = normalize_backward(norm, s, grad_h)
            grads[layer] = a.T @ grad_s
            grad_h = grad_s + (grad_s @ w.T) * (h_in > 0)
        else:
            h_in, u, a = caches[layer - 1]
            grads[layer] = a.T @ grad_h
            grad_branch_in = normalize_backward(norm, h_in, (grad_h @ w.T) * (u > 0))
            grad_h = grad_h + grad_branch_in if residual else grad_branch_in
    grads[0] = x.T @ grad_h
    return loss, [g.astype(x.dtype, copy=False) for g in grads], stds, logits


def numpy_net_signals(
    x: np.ndarray,
    y: np.ndarray,
    depth: int,
    residual: bool,
    norm: str = "none",
    placement: str = "pre",
    branch: str = "he",
    width: int = 64,
    seed: int = 0,
    weights: list[np.ndarray] | None = None,
    dtype: type = np.float64,
) -> NetSignals:
    """A fresh deep ReLU MLP on (x, y) at initialization: per-layer std of h and ‖∂L/∂W_l‖.

    The net is :func:`forward_backward`'s; its weights come from :func:`make_net_weights`
    (He normal, each residual branch scaled by ``branch``) unless ``weights`` are given (then
    used as they are).
    """
    check_choice("norm", norm, NORM_KINDS)
    check_choice("placement", placement, PLACEMENTS)
    x = _check_2d(np.reshape(x, (len(x), -1))).astype(dtype)
    y = np.asarray(y, dtype=np.int64)
    if weights is None:
        weights = make_net_weights(
            x.shape[1], depth, width, seed=seed, residual=residual, branch=branch, dtype=dtype
        )
    loss, grads, stds, _ = forward_backward(x, y, weights, residual, norm, placement)
    norms = np.array([np.linalg.norm(g.astype(np.float64)) for g in grads[1:-1]])
    return NetSignals(stds, norms, loss)


@dataclass(frozen=True)
class TrainingRun:
    """A NumPy net trained with Adam: its loss per step and its accuracy on the validation set."""

    step_losses: np.ndarray
    val_accuracy: float


def train_numpy_net(
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    depth: int,
    residual: bool,
    branch: str = "he",
    learning_rate: float = 1e-3,
    epochs: int = 2,
    batch_size: int = 128,
    width: int = 64,
    seed: int = 0,
) -> TrainingRun:
    """Train :func:`forward_backward`'s net (no norm) with Adam, Keras's defaults (β₁ 0.9,
    β₂ 0.999, ε 1e-7), in float32; shuffled batches; seeded via config.rng."""
    from helpers import config

    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}.")
    x, y = (np.reshape(train[0], (len(train[0]), -1)).astype(np.float32), np.asarray(train[1]))
    weights = make_net_weights(
        x.shape[1], depth, width, seed=seed, residual=residual, branch=branch, dtype=np.float32
    )
    first, second = [np.zeros_like(w) for w in weights], [np.zeros_like(w) for w in weights]
    rng = config.rng(seed + 1000)
    losses, step = [], 0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                batch = order[start : start + batch_size]
                loss, grads, _, _ = forward_backward(x[batch], y[batch], weights, residual)
                losses.append(loss)
                step += 1
                rate = learning_rate * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
                for w, g, m, v in zip(weights, grads, first, second, strict=True):
                    m += 0.1 * (g - m)
                    v += 0.001 * (g * g - v)
                    w -= (rate * m / (np.sqrt(v) + 1e-7)).astype(np.float32)
        x_valid = np.reshape(valid[0], (len(valid[0]), -1)).astype(np.float32)
        logits = forward_backward(x_valid, None, weights, residual)[3]
    accuracy = float(np.mean(np.argmax(logits, axis=1) == np.asarray(valid[1])))
    return TrainingRun(np.asarray(losses), accuracy)


# --- Keras ------------------------------------------------------------------------------------


def build_deep_mlp(
    n_blocks: int = 25,
    width: int = 64,
    residual: bool = True,
    branch: str = "he",
    n_classes: int = 10,
    name: str | None = None,
) -> keras.Model:
    """Flatten → Dense → ``n_blocks`` × [ReLU → Dense → ReLU → Dense] (+ skip) → ReLU → softmax.

    With ``residual=False`` the same layers form a plain chain of 2·n_blocks hidden Dense
    layers. ``branch`` initializes each block's last Dense: 'he' (He normal), 'scaled' (He
    variance / n_blocks) or 'zero' (all zeros: every block starts as the identity); a plain
    net always uses He. Dense layers are named ``dense_in``, ``block<b>_1``, ``block<b>_2``,
    ``output``.
    """
    import keras

    check_choice("branch", branch, BRANCH_INITS)
    check_whole_number("n_blocks", n_blocks, minimum=1)
    last_init = {
        "he": "he_normal",
        "scaled": keras.initializers.VarianceScaling(2.0 / n_blocks, "fan_in", "truncated_normal"),
        "zero": "zeros",
    }[branch if residual else "he"]
    inputs = keras.Input((28, 28))
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.Dense(width, kernel_initializer="he_normal", name="dense_in")(h)
    for b in range(1, n_blocks + 1):
        f = keras.layers.Activation("relu")(h)
        f = keras.layers.Dense(width, kernel_initializer="he_normal", name=f"block{b}_1")(f)
        f = keras.layers.Activation("relu")(f)
        f = keras.layers.Dense(width, kernel_initializer=last_init, name=f"block{b}_2")(f)
        h = keras.layers.Add(name=f"skip{b}")([h, f]) if residual else f
    h = keras.layers.Activation("relu")(h)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="output")(h)
    default = f"{'residual_' + branch if residual else 'plain'}_{2 * n_blocks}"
    return keras.Model(inputs, outputs, name=name or default)


def dense_gradient_norms(model: keras.Model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """‖∂L/∂kernel‖ of every Dense layer, input to output, on one batch (mean cross-entropy)."""
    import keras
    import tensorflow as tf

    kernels = [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    with tf.GradientTape() as tape:
        probabilities = model(x, training=True)
        loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, probabilities))
    return np.array([float(keras.ops.norm(g)) for g in tape.gradient(loss, kernels)])
