"""NumPy clipping equals TensorFlow's and Keras's; TensorBoard scalars read back as written."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import clipping, data, models
from helpers.diagnostics import GradientNormHistory


@pytest.fixture
def gradients():
    rng = np.random.default_rng(0)
    return [
        rng.normal(0, 3, size=(20, 5)),
        rng.normal(0, 1, size=5),
        rng.normal(0, 10, size=(5, 2)),
    ]


def test_clip_by_value_and_norm_match_tensorflow(gradients):
    g = gradients[0]
    np.testing.assert_allclose(clipping.clip_by_value(g, 1.5), tf.clip_by_value(g, -1.5, 1.5))
    for threshold in (0.5, 5.0, 1e3):  # shrinks, shrinks, leaves alone
        np.testing.assert_allclose(
            clipping.clip_by_norm(g, threshold), tf.clip_by_norm(g, threshold)
        )


def test_clip_by_global_norm_matches_tensorflow(gradients):
    expected, norm = tf.clip_by_global_norm(gradients, 2.0)
    assert clipping.global_norm(gradients) == pytest.approx(float(norm))
    for ours, theirs in zip(clipping.clip_by_global_norm(gradients, 2.0), expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert clipping.global_norm(clipping.clip_by_global_norm(gradients, 2.0)) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("clipvalue", lambda gs: [clipping.clip_by_value(g, 0.05) for g in gs]),
        ("clipnorm", lambda gs: [clipping.clip_by_norm(g, 0.05) for g in gs]),
        ("global_clipnorm", lambda gs: clipping.clip_by_global_norm(gs, 0.05)),
    ],
)
def test_keras_optimizer_steps_by_the_clipped_gradient(option, expected):
    """One SGD step with learning rate 1 moves the weights by exactly −(clipped gradient)."""
    fashion = data.load_fashion_mnist(valid_size=10, train_size=64, test_size=10)
    keras.utils.set_random_seed(0)
    model = models.build_mlp(n_hidden=1, n_neurons=8)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    with tf.GradientTape() as tape:
        loss = loss_fn(fashion.y_train, model(fashion.x_train))
    raw = [g.numpy() for g in tape.gradient(loss, model.trainable_variables)]
    before = [v.numpy() for v in model.trainable_variables]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **{option: 0.05})
    grads = [tf.constant(g) for g in raw]
    optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    steps = [b - v.numpy() for b, v in zip(before, model.trainable_variables, strict=True)]
    for step, clipped in zip(steps, expected(raw), strict=True):
        np.testing.assert_allclose(step, clipped, rtol=1e-4, atol=1e-7)


def test_angle_degrees():
    assert clipping.angle_degrees(np.array([1.0, 0]), np.array([0, 2.0])) == pytest.approx(90)
    assert clipping.angle_degrees(np.array([1.0, 1]), np.array([3.0, 3])) == pytest.approx(
        0, abs=1e-6
    )
    with pytest.raises(ValueError, match="zero vector"):
        clipping.angle_degrees(np.zeros(2), np.ones(2))


def test_bad_thresholds_are_rejected(gradients):
    for bad in (0.0, -1.0, np.inf):
        with pytest.raises(ValueError, match="threshold"):
            clipping.clip_by_norm(gradients[0], bad)
    with pytest.raises(ValueError, match="empty"):
        clipping.global_norm([])


def test_read_scalars_returns_what_the_callback_logged(tmp_path):
    fashion = data.load_fashion_mnist(valid_size=10, train_size=256, test_size=10)
    keras.utils.set_random_seed(0)
    model = models.build_mlp(n_hidden=2, n_neurons=8)
    models.compile_classifier(model, keras.optimizers.SGD(learning_rate=0.01))
    callback = GradientNormHistory(fashion.x_train[:32], fashion.y_train[:32], 2, log_dir=tmp_path)
    model.fit(*fashion.train, batch_size=64, epochs=1, verbose=0, callbacks=[callback])
    scalars = clipping.read_scalars(tmp_path)
    assert set(scalars) == {f"gradient_norm/{name}" for name in callback.history}
    steps, values = scalars["gradient_norm/hidden_1"]
    np.testing.assert_array_equal(steps, callback.steps)
    np.testing.assert_allclose(values, callback.history["hidden_1"], rtol=1e-6)
    with pytest.raises(ValueError, match="no TensorBoard event files"):
        clipping.read_scalars(tmp_path / "empty")
