"""helpers.overfit: the regime that overfits; towers train like models of their own."""

import keras
import numpy as np
import pytest
from builders import toy_images

from helpers import config, overfit


def test_overfit_towers_start_equal_and_differ_only_in_their_settings():
    config.set_seed(0)
    contenders = {
        "none": {},
        "l2": {"regularizer": keras.regularizers.l2(1e-3)},
        "dropout 0.5": {"dropout": 0.5},
    }
    model = overfit.build_overfit_towers(contenders, widths=(6, 5), input_shape=(4, 4))
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
        overfit.build_overfit_towers({"x": {"rate": 0.2}})
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        overfit.build_overfit_towers({"x": {"dropout": 1.0}})
    with pytest.raises(ValueError, match="differ"):
        overfit.build_overfit_towers({"a b": {}, "a_b": {}})


def test_a_tower_trains_like_a_model_of_its_own():
    """One loss per output: each tower gets exactly the gradient it would get alone."""
    x, y = toy_images(64, 1)
    settings = {
        "regularizer": keras.regularizers.l2(0.01),
        "constraint": keras.constraints.MaxNorm(0.8),
    }
    config.set_seed(2)
    towers = overfit.build_overfit_towers(
        {"plain": {}, "both": settings}, widths=(8,), input_shape=(4, 4)
    )
    alone = overfit.build_overfit_towers({"both": settings}, widths=(8,), input_shape=(4, 4))
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
    x, y = toy_images(200, 3)
    setup = overfit.OverfitSetup(
        train_size=64, valid_size=40, widths=(8,), epochs=4, eval_every=2, batch_size=16
    )
    contenders = {"none": {}, "dropout": {"dropout": 0.3}}
    result = overfit.train_overfit_regime(
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
        overfit.train_overfit_regime(contenders, x[:10], y[:10], x[150:], y[150:], setup=setup)


def test_overfit_setup_rejects_bad_values():
    with pytest.raises(ValueError, match="epochs"):
        overfit.OverfitSetup(epochs=0)
    with pytest.raises(ValueError, match="widths"):
        overfit.OverfitSetup(widths=())
    with pytest.raises(ValueError, match="momentum"):
        overfit.OverfitSetup(momentum=1.0)
