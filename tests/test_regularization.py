"""helpers.regularization: measurements checked by hand, penalties against Keras's own."""

import keras
import numpy as np
import pytest

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


# --- dropout in NumPy vs Keras ---------------------------------------------------------------


def test_inverted_dropout_matches_keras_dropout_statistics():
    a = np.random.default_rng(5).uniform(0.5, 1.5, size=(4000, 50)).astype("float32")
    ours = regularization.inverted_dropout(a, 0.3, np.random.default_rng(0))
    theirs = keras.ops.convert_to_numpy(keras.layers.Dropout(0.3, seed=1)(a, training=True))
    for out in (ours, theirs):
        kept = out != 0
        assert abs(1 - kept.mean() - 0.3) < 0.01
        np.testing.assert_allclose(out[kept], a[kept] / 0.7, rtol=1e-6)
        assert abs(out.mean() / a.mean() - 1) < 0.01
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(
        regularization.inverted_dropout(a, 0.3, np.random.default_rng(0), training=False), a
    )
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        regularization.inverted_dropout(a, 1.0, np.random.default_rng(0))


def test_alpha_dropout_matches_keras_alpha_dropout_statistics():
    z = np.random.default_rng(6).normal(size=(20_000, 20)).astype("float32")
    ours = regularization.alpha_dropout(z, 0.2, np.random.default_rng(0))
    theirs = keras.ops.convert_to_numpy(keras.layers.AlphaDropout(0.2, seed=2)(z, training=True))
    for out in (ours, theirs):
        assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    # Dropped entries all land on the same value, a·(−λα) + b, in both.
    floor_ours = np.bincount(np.unique(ours, return_inverse=True)[1].ravel()).argmax()
    floor_value = np.unique(ours)[floor_ours]
    assert np.isclose(np.mean(np.isclose(ours, floor_value)), 0.2, atol=0.01)
    assert np.isclose(np.mean(np.isclose(theirs, floor_value, atol=1e-5)), 0.2, atol=0.01)
    np.testing.assert_array_equal(
        regularization.alpha_dropout(z, 0.2, np.random.default_rng(0), training=False), z
    )


def test_selu_stack_keeps_its_statistics_with_alpha_dropout_only():
    means_a, stds_a = regularization.selu_stack_statistics(0.2, "alpha", n_layers=20)
    means_s, stds_s = regularization.selu_stack_statistics(0.2, "standard", n_layers=20)
    assert means_s[-1] > means_a[-1]  # standard dropout also shifts the mean up
    assert means_a.shape == stds_a.shape == (20,)
    assert abs(stds_a[-1] - 1) < 0.1 and abs(means_a[-1]) < 0.1
    assert stds_s[-1] > 1.25
    with pytest.raises(ValueError, match="'none', 'standard', 'alpha'"):
        regularization.selu_stack_statistics(0.2, "gaussian")
    with pytest.raises(ValueError, match="n_layers"):
        regularization.selu_stack_statistics(0.2, "alpha", n_layers=0)


# --- the overfitting regime ---------------------------------------------------------------------


def _toy_images(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, 4, 4)).astype("float32")
    y = (x[:, 0, 0] + x[:, 1, 1] > 1).astype(np.int64) + 2 * (x[:, 2, 2] > 0.5)
    return x, y


def test_overfit_towers_start_equal_and_differ_only_in_their_settings():
    config.set_seed(0)
    contenders = {
        "none": {},
        "l2": {"regularizer": keras.regularizers.l2(1e-3)},
        "dropout 0.5": {"dropout": 0.5},
    }
    model = regularization.build_overfit_towers(contenders, widths=(6, 5), input_shape=(4, 4))
    assert model.output_names == ["t_none", "t_l2", "t_dropout_0_5"]
    kernels = {
        name: [model.get_layer(f"{name}_hidden_{i}").get_weights()[0] for i in (1, 2)]
        for name in ("t_none", "t_l2", "t_dropout_0_5")
    }
    for name in ("t_l2", "t_dropout_0_5"):
        for mine, first in zip(kernels[name], kernels["t_none"], strict=True):
            np.testing.assert_array_equal(mine, first)
    dropouts = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert dropouts == ["t_dropout_0_5_dropout_1", "t_dropout_0_5_dropout_2"]
    assert len(model.losses) == 3  # the l2 tower's three kernels
    with pytest.raises(ValueError, match="unknown settings"):
        regularization.build_overfit_towers({"x": {"rate": 0.2}})
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        regularization.build_overfit_towers({"x": {"dropout": 1.0}})
    with pytest.raises(ValueError, match="differ"):
        regularization.build_overfit_towers({"a b": {}, "a_b": {}})


def test_a_tower_trains_like_a_model_of_its_own():
    """One loss per output: each tower gets exactly the gradient it would get alone."""
    x, y = _toy_images(64, 1)
    settings = {
        "regularizer": keras.regularizers.l2(0.01),
        "constraint": keras.constraints.MaxNorm(0.8),
    }
    config.set_seed(2)
    towers = regularization.build_overfit_towers(
        {"plain": {}, "both": settings}, widths=(8,), input_shape=(4, 4)
    )
    alone = regularization.build_overfit_towers({"both": settings}, widths=(8,), input_shape=(4, 4))
    for name in ("t_both_hidden_1", "t_both"):
        alone.get_layer(name).set_weights(towers.get_layer(name).get_weights())
    for model, n in ((towers, 2), (alone, 1)):
        model.compile(
            loss=["sparse_categorical_crossentropy"] * n,
            optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
        )
        model.fit(x, [y] * n, epochs=3, batch_size=16, shuffle=False, verbose=0)
    for name in ("t_both_hidden_1", "t_both"):
        for w_towers, w_alone in zip(
            towers.get_layer(name).get_weights(), alone.get_layer(name).get_weights(), strict=True
        ):
            np.testing.assert_allclose(w_towers, w_alone, rtol=1e-5, atol=1e-6)


def test_train_overfit_regime_records_curves_per_seed_and_contender():
    x, y = _toy_images(200, 3)
    setup = regularization.OverfitSetup(
        train_size=64, valid_size=40, widths=(8,), epochs=4, eval_every=2, batch_size=16
    )
    contenders = {"none": {}, "dropout": {"dropout": 0.3}}
    result = regularization.train_overfit_regime(
        contenders, x[:150], y[:150], x[150:], y[150:], seeds=(0, 1), setup=setup
    )
    np.testing.assert_array_equal(result.eval_epochs, [1, 2, 4])
    assert result.curves["none"]["val_loss"].shape == (2, 3)
    assert result.reported_loss["dropout"].shape == (2, 4)
    runs = result.final("dropout", "val_accuracy")
    assert runs.seeds == (0, 1) and runs.values.shape == (2,)
    gap = result.final("none", "gap").values
    np.testing.assert_allclose(
        gap, result.curves["none"]["val_loss"][:, -1] - result.curves["none"]["train_loss"][:, -1]
    )
    # The tower model on its own reproduces the recorded validation accuracy.
    x_valid, y_valid = result.valid
    p = result.tower("dropout", seed_index=1).predict(x_valid, verbose=0)
    assert float((p.argmax(1) == y_valid).mean()) == pytest.approx(runs.values[1])
    assert set(result.mean_runs()["none"]) == {
        "loss",
        "honest_loss",
        "honest_accuracy",
        "val_loss",
        "val_accuracy",
        "eval_epochs",
    }
    assert "dropout" in result.table() and "±" in result.table()
    with pytest.raises(ValueError, match="contender"):
        result.final("l3", "val_loss")
    with pytest.raises(ValueError, match="metric"):
        result.final("none", "val_auc")
    with pytest.raises(ValueError, match="images"):
        regularization.train_overfit_regime(
            contenders, x[:10], y[:10], x[150:], y[150:], setup=setup
        )


def test_overfit_setup_rejects_bad_values():
    with pytest.raises(ValueError, match="epochs"):
        regularization.OverfitSetup(epochs=0)
    with pytest.raises(ValueError, match="widths"):
        regularization.OverfitSetup(widths=())
    with pytest.raises(ValueError, match="momentum"):
        regularization.OverfitSetup(momentum=1.0)


def test_largest_unit_norm_is_recorded_before_training_and_after_every_step():
    x, y = _toy_images(48, 4)

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
