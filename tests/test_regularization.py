"""helpers.regularization: measurements checked by hand, penalties against Keras's own."""

import keras
import numpy as np
import pytest
from builders import toy_images

from helpers import config, regularization


def test_near_zero_fraction_counts_small_weights():
    weights = np.array([0.0, 1e-5, -5e-4, 2e-3, -0.5])
    assert regularization.near_zero_fraction(weights, 1e-3) == pytest.approx(3 / 5)
    assert regularization.near_zero_fraction([weights, np.ones(5)], 1e-3) == pytest.approx(3 / 10)
    with pytest.raises(ValueError, match="threshold"):
        regularization.near_zero_fraction(weights, 0.0)
    with pytest.raises(ValueError, match="non-empty"):
        regularization.near_zero_fraction([])


def test_unit_norms_are_column_norms_and_match_keras_max_norm():
    kernel = np.array([[3.0, 0.0], [4.0, 0.5]])
    np.testing.assert_allclose(regularization.unit_norms(kernel), [5.0, 0.5])
    np.testing.assert_allclose(regularization.unit_norms(kernel, axis=1), [3.0, np.hypot(4, 0.5)])
    constrained = keras.ops.convert_to_numpy(keras.constraints.MaxNorm(1.0, axis=0)(kernel))
    assert regularization.unit_norms(constrained).max() <= 1.0 + 1e-6
    with pytest.raises(ValueError, match="2-D"):
        regularization.unit_norms(np.ones(3))
    with pytest.raises(ValueError, match="axis"):
        regularization.unit_norms(kernel, axis=2)


def test_penalty_equals_keras_l1l2():
    kernel = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    keras_value = float(keras.regularizers.L1L2(l1=0.01, l2=0.003)(kernel))
    assert regularization.penalty(kernel, l1=0.01, l2=0.003) == pytest.approx(keras_value, rel=1e-5)
    with pytest.raises(ValueError, match="≥ 0"):
        regularization.penalty(kernel, l1=-1.0)


def test_kernels_lists_dense_kernels_only():
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(4),
            keras.layers.Dropout(0.1),
            keras.layers.Dense(2),
        ]
    )
    shapes = [k.shape for k in regularization.kernels(model)]
    assert shapes == [(3, 4), (4, 2)]
    with pytest.raises(ValueError, match="no Dense"):
        regularization.kernels(keras.Sequential([keras.Input(shape=(3,)), keras.layers.Flatten()]))


def test_per_head_penalty_sums_each_heads_own_penalty():
    kernel = np.random.default_rng(1).normal(size=(5, 6)).astype("float32")  # 3 heads × 2 classes
    regularizer = regularization.PerHeadPenalty(l1=[0.0, 0.1, 0.0], l2=[0.0, 0.0, 0.2], n_classes=2)
    expected = 0.1 * np.abs(kernel[:, 2:4]).sum() + 0.2 * (kernel[:, 4:6] ** 2).sum()
    assert float(regularizer(kernel)) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="one strength per head"):
        regularization.PerHeadPenalty(l1=[0.1], l2=[0.1, 0.2], n_classes=2)


def test_sweep_model_checks_its_arguments():
    with pytest.raises(ValueError, match="'l1', 'l2'"):
        regularization.build_penalty_sweep_model([0.1], (4,), kinds=("l3",))
    with pytest.raises(ValueError, match="≥ 0"):
        regularization.build_penalty_sweep_model([-0.1], (4,))


def test_a_sweep_head_trains_like_a_model_of_its_own():
    """The summed loss gives each head exactly its separate gradient: same init, same steps."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = rng.integers(0, 3, size=64)
    strengths = [0.0, 0.05]
    config.set_seed(3)
    sweep_model = regularization.build_penalty_sweep_model(
        strengths, (6,), kinds=("l1",), n_classes=3
    )
    kernel0 = sweep_model.get_layer("heads").get_weights()[0]
    single = keras.Sequential(
        [
            keras.Input(shape=(6,)),
            keras.layers.Dense(
                3, activation="softmax", kernel_regularizer=keras.regularizers.l1(0.05)
            ),
        ]
    )
    single.layers[0].set_weights([kernel0[:, 3:6], np.zeros(3, "float32")])
    sweep_model.compile(
        loss=regularization._summed_cross_entropy, optimizer=keras.optimizers.SGD(learning_rate=0.1)
    )
    single.compile(
        loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.1)
    )
    sweep_model.fit(
        x, np.repeat(y[:, None], 2, axis=1), epochs=3, batch_size=16, shuffle=False, verbose=0
    )
    single.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    trained_head = sweep_model.get_layer("heads").get_weights()[0][:, 3:6]
    np.testing.assert_allclose(trained_head, single.layers[0].get_weights()[0], atol=1e-5)


def test_train_penalty_sweep_l1_makes_the_strong_head_sparse():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(256, 8, 8)).astype("float32")
    y = (x[:, 0, 0] > 0).astype(int)  # only one pixel matters
    config.set_seed(4)
    sweeps = regularization.train_penalty_sweep(
        [0.0, 0.02],
        x[:200],
        y[:200],
        x[200:],
        y[200:],
        epochs=20,
        batch_size=32,
        learning_rate=0.01,
    )
    assert set(sweeps) == {"l1", "l2"}
    l1 = sweeps["l1"]
    assert l1.kernels.shape == (2, 64, 10)
    assert l1.val_accuracy.shape == (2,)
    assert l1.near_zero(1e-3)[1] > l1.near_zero(1e-3)[0] + 0.3
    assert l1.near_zero(1e-3)[1] > sweeps["l2"].near_zero(1e-3)[1] + 0.3


# --- the overfitting regime ---------------------------------------------------------------------


def test_largest_unit_norm_is_recorded_before_training_and_after_every_step():
    x, y = toy_images(48, 4)

    def net(constraint):
        config.set_seed(5)
        model = keras.Sequential(
            [
                keras.Input(shape=(4, 4)),
                keras.layers.Flatten(),
                keras.layers.Dense(6, activation="relu", kernel_constraint=constraint),
                keras.layers.Dense(4, activation="softmax", kernel_constraint=constraint),
            ]
        )
        model.compile(
            loss="sparse_categorical_crossentropy",
            optimizer=keras.optimizers.SGD(learning_rate=0.5),
        )
        tracker = regularization.LargestUnitNorm()
        model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[tracker])
        return model, tracker

    free_model, free = net(None)
    _, capped = net(keras.constraints.MaxNorm(0.5))
    assert len(capped.after_step) == 6  # 2 epochs × 3 batches
    assert capped.initial == pytest.approx(free.initial) and capped.initial > 0.5
    assert max(capped.after_step) <= 0.5 * (1 + 1e-5)
    assert max(free.after_step) > 0.5  # the same net without the cap: the check can fail
    last = max(regularization.unit_norms(k).max() for k in regularization.kernels(free_model))
    assert free.after_step[-1] == pytest.approx(last)
