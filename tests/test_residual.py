"""helpers.residual: the NumPy norms and the NumPy net's gradients, checked against Keras."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import residual


def _keras_norm(kind, dtype="float32"):
    if kind == "batch":
        return keras.layers.BatchNormalization(dtype=dtype)
    if kind == "layer":
        return keras.layers.LayerNormalization(dtype=dtype)
    return keras.layers.RMSNormalization(dtype=dtype)


def _call(layer, x):
    if isinstance(layer, keras.layers.BatchNormalization):
        return keras.ops.convert_to_numpy(layer(x, training=True))
    return keras.ops.convert_to_numpy(layer(x))


@pytest.mark.parametrize("kind", ["batch", "layer", "rms"])
def test_numpy_norms_match_keras_layers(kind):
    rng = np.random.default_rng(0)
    # Features with their own offsets and spreads, so every kind of averaging matters.
    x = rng.normal(0, 1, (32, 16)) * rng.uniform(0.2, 5, 16) + rng.normal(0, 3, 16)
    ours = residual.normalize(kind, x)
    theirs = _call(_keras_norm(kind), x.astype("float32"))
    gap = np.max(np.abs(ours - theirs)) / np.max(np.abs(ours))
    assert gap < 2e-5  # float32 round-off is ~1e-7 relative


def test_the_norms_differ_from_each_other():
    """Each check above could fail: the three functions give different answers on these numbers."""
    rng = np.random.default_rng(1)
    x = rng.normal(2, 3, (8, 5))
    batch, layer, rms = (residual.normalize(k, x) for k in ("batch", "layer", "rms"))
    assert np.max(np.abs(batch - layer)) > 0.1 and np.max(np.abs(layer - rms)) > 0.1


def test_batch_norm_of_one_example_is_zero_and_layer_norm_is_not():
    x = np.array([[1.0, 2.0, 4.0]])
    assert np.all(residual.batch_norm(x) == 0.0)
    assert np.abs(residual.layer_norm(x)).max() > 1.0


@pytest.mark.parametrize("kind", ["batch", "layer", "rms"])
def test_normalize_backward_matches_tensorflow(kind):
    rng = np.random.default_rng(2)
    x = rng.normal(1, 2, (10, 6))
    grad_out = rng.normal(0, 1, (10, 6))
    variable = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = _keras_norm(kind, "float64")(variable, training=True)
        loss = tf.reduce_sum(y * grad_out)
    theirs = tape.gradient(loss, variable).numpy()
    ours = residual.normalize_backward(kind, x, grad_out)
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9 * np.abs(theirs).max())


def _tensorflow_gradient_norms(x, y, weights, depth, residual_on, norm, placement):
    """The same net as numpy_net_signals, written with TensorFlow ops and Keras norm layers."""
    variables = [tf.Variable(w) for w in weights]
    layers = [_keras_norm(norm, "float64") if norm != "none" else None for _ in range(depth + 1)]

    def apply(index, h):
        return h if layers[index] is None else layers[index](h, training=True)

    with tf.GradientTape() as tape:
        h = tf.constant(x) @ variables[0]
        for layer in range(1, depth + 1):
            w = variables[layer]
            if residual_on and placement == "post":
                h = apply(layer, h + tf.nn.relu(h) @ w)
            else:
                a = tf.nn.relu(apply(layer, h))
                h = h + a @ w if residual_on else a @ w
        if residual_on and placement == "pre":
            h = apply(0, h)
        logits = tf.nn.relu(h) @ variables[-1]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
    grads = tape.gradient(loss, variables[1:-1])
    return np.array([np.linalg.norm(g.numpy()) for g in grads]), float(loss)


@pytest.mark.parametrize(
    "residual_on, norm, placement, branch",
    [
        (False, "none", "pre", "he"),
        (False, "batch", "pre", "he"),
        (True, "none", "pre", "he"),
        (True, "none", "pre", "zero"),
        (True, "batch", "pre", "scaled"),
        (True, "layer", "pre", "he"),
        (True, "rms", "pre", "he"),
        (True, "layer", "post", "he"),
        (True, "batch", "post", "scaled"),
        (True, "rms", "post", "he"),
    ],
)
def test_numpy_net_gradients_match_tensorflow(residual_on, norm, placement, branch):
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 1, (16, 20)), rng.integers(0, 10, 16)
    depth = 4
    weights = residual.make_net_weights(
        20, depth, width=12, seed=5, residual=residual_on, branch=branch
    )
    ours = residual.numpy_net_signals(
        x, y, depth, residual_on, norm, placement, branch, weights=weights
    )
    theirs, loss = _tensorflow_gradient_norms(x, y, weights, depth, residual_on, norm, placement)
    np.testing.assert_allclose(ours.gradient_norms, theirs, rtol=1e-6)
    assert ours.loss == pytest.approx(loss, rel=1e-9)


def test_wrong_names_are_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="'batch', 'layer'"):
        residual.normalize("group", np.ones((2, 2)))
    with pytest.raises(ValueError, match="'pre', 'post'"):
        residual.numpy_net_signals(np.ones((2, 4)), [0, 1], 2, True, placement="middle")
    with pytest.raises(ValueError, match="depth"):
        residual.make_net_weights(4, 0)


def test_branch_scaling_tames_the_residual_net_forward():
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0, 1, (64, 30)), rng.integers(0, 10, 64)
    he = residual.numpy_net_signals(x, y, 40, True, branch="he")
    scaled = residual.numpy_net_signals(x, y, 40, True, branch="scaled")
    zero = residual.numpy_net_signals(x, y, 40, True, branch="zero")
    assert he.stds[-1] / he.stds[0] > 1e3  # variance doubles per layer: std grows ~√2 per layer
    assert scaled.stds[-1] / scaled.stds[0] < 5
    assert np.allclose(zero.stds, zero.stds[0])


@pytest.mark.parametrize("branch", ["he", "scaled", "zero"])
def test_keras_deep_mlp_shapes_and_gradients(branch):
    model = residual.build_deep_mlp(n_blocks=3, width=8, residual=True, branch=branch)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert len(dense) == 1 + 2 * 3 + 1
    x = np.random.default_rng(0).uniform(0, 1, (4, 28, 28)).astype("float32")
    norms = residual.dense_gradient_norms(model, x, np.array([0, 1, 2, 3]))
    assert norms.shape == (8,) and np.all(np.isfinite(norms))
    if (
        branch == "zero"
    ):  # every block starts as the identity: the whole net is Dense → ReLU → Dense
        assert np.all(model.get_layer("block1_2").kernel.numpy() == 0)
        plain = residual.build_deep_mlp(n_blocks=3, width=8, residual=False)
        assert plain.count_params() == model.count_params()


def test_numpy_training_learns_shallow_and_deep_residual():
    rng = np.random.default_rng(6)
    centres = rng.normal(0, 1, (10, 30))
    y = rng.integers(0, 10, 1200)
    x = centres[y] + 0.3 * rng.normal(0, 1, (1200, 30))
    train, valid = (x[:1000], y[:1000]), (x[1000:], y[1000:])
    shallow = residual.train_numpy_net(
        train, valid, 2, False, learning_rate=3e-3, epochs=4, width=32
    )
    assert shallow.step_losses[-5:].mean() < shallow.step_losses[:5].mean() - 0.5
    assert shallow.val_accuracy > 0.8
    deep = residual.train_numpy_net(
        train, valid, 40, True, "zero", learning_rate=3e-3, epochs=4, width=32
    )
    assert deep.val_accuracy > 0.8
