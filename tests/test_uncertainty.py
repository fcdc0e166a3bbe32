"""helpers.uncertainty: MC dropout layers and the uncertainty measures, checked against Keras."""

import keras
import numpy as np
import pytest

from helpers import config, uncertainty


def small_model(batch_norm=True, first="dense", alpha=False):
    dropout = keras.layers.AlphaDropout if alpha else keras.layers.Dropout
    layers = [keras.Input(shape=(6,))]
    if first == "dropout":
        layers.append(dropout(0.3))
    layers += [keras.layers.Dense(16, activation="relu")]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization())
    layers += [dropout(0.5), keras.layers.Dense(3, activation="softmax")]
    return keras.Sequential(layers)


@pytest.fixture
def inputs():
    return np.random.default_rng(0).normal(size=(40, 6)).astype("float32")


def test_mc_dropout_layer_drops_at_inference_like_keras_in_training(inputs):
    config.set_seed(1)
    layer = uncertainty.MCDropout(0.4)
    out = keras.ops.convert_to_numpy(layer(np.ones((2000, 50), "float32")))
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / 0.6], rtol=1e-6)
    assert abs((out == 0).mean() - 0.4) < 0.01
    # Same seed, same mask as the plain Keras layer in training mode.
    same = keras.ops.convert_to_numpy(uncertainty.MCDropout(0.4, seed=7)(inputs, training=False))
    plain = keras.ops.convert_to_numpy(keras.layers.Dropout(0.4, seed=7)(inputs, training=True))
    np.testing.assert_allclose(same, plain)


def test_mc_alpha_dropout_stays_on_and_keeps_standard_statistics():
    config.set_seed(2)
    z = np.random.default_rng(2).normal(size=(20_000, 20)).astype("float32")
    out = keras.ops.convert_to_numpy(uncertainty.MCAlphaDropout(0.2)(z))
    assert not np.allclose(out, z)
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02


def test_with_mc_dropout_shares_layers_and_keeps_batch_norm_in_inference_mode(inputs):
    config.set_seed(3)
    model = small_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    model.fit(inputs, np.arange(40) % 3, epochs=1, verbose=0)
    mc = uncertainty.with_mc_dropout(model)
    assert mc.layers[0] is model.layers[0]
    assert uncertainty.count_dropout_layers(mc) == 1
    assert isinstance(mc.layers[2], uncertainty.MCDropout)
    bn = model.layers[1]
    moving_mean = bn.moving_mean.numpy().copy()
    # Up to the BN layer, the MC model computes exactly the inference-mode output.
    upto_bn = keras.Sequential([keras.Input(shape=(6,)), *model.layers[:2]])
    np.testing.assert_allclose(
        upto_bn(inputs, training=False).numpy(),
        keras.Sequential([keras.Input(shape=(6,)), *mc.layers[:2]])(inputs).numpy(),
        rtol=1e-6,
    )
    first, second = mc.predict(inputs, verbose=0), mc.predict(inputs, verbose=0)
    assert not np.allclose(first, second)  # dropout is on
    np.testing.assert_allclose(bn.moving_mean.numpy(), moving_mean)  # BN statistics untouched


def test_with_mc_dropout_needs_a_dropout_layer():
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no Dropout"):
        uncertainty.with_mc_dropout(model)
    with pytest.raises(ValueError, match="no Dropout"):
        uncertainty.mc_predict(model, np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="keras Model"):
        uncertainty.with_mc_dropout("model")


@pytest.mark.parametrize("first", ["dense", "dropout"])
def test_split_at_first_dropout(first, inputs):
    model = small_model(first=first)
    prefix, suffix = uncertainty.split_at_first_dropout(model)
    if first == "dropout":
        assert prefix is None
        assert isinstance(suffix.layers[0], uncertainty.MCDropout)
    else:
        assert [type(layer) for layer in prefix.layers] == [
            keras.layers.Dense,
            keras.layers.BatchNormalization,
        ]
        assert isinstance(suffix.layers[0], uncertainty.MCDropout)
    with pytest.raises(ValueError, match="Sequential"):
        uncertainty.split_at_first_dropout(keras.Model(model.inputs[0], model.outputs[0]))


@pytest.mark.parametrize("alpha", [False, True])
def test_mc_predict_shape_spread_and_mean(alpha, inputs):
    config.set_seed(4)
    model = small_model(alpha=alpha)
    probabilities = uncertainty.mc_predict(model, inputs, n_samples=25, batch_size=16)
    assert probabilities.shape == (25, 40, 3)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)
    assert probabilities.std(axis=0).mean() > 1e-3  # passes differ
    deterministic = model.predict(inputs, verbose=0)
    assert not np.allclose(probabilities[0], deterministic)


def test_mc_predict_of_a_functional_model_and_in_chunks(inputs):
    config.set_seed(5)
    sequential = small_model()
    functional = keras.Model(sequential.inputs[0], sequential.outputs[0])
    probabilities = uncertainty.mc_predict(functional, inputs, n_samples=3)
    assert probabilities.shape == (3, 40, 3)
    with pytest.raises(ValueError, match="n_samples"):
        uncertainty.mc_predict(sequential, inputs, n_samples=0)
    with pytest.raises(ValueError, match="batch_size"):
        uncertainty.mc_predict(sequential, inputs, batch_size=0)
    with pytest.raises(ValueError, match="at least one input"):
        uncertainty.mc_predict(sequential, np.ones((0, 6), "float32"))


def test_entropy_values_by_hand():
    assert uncertainty.entropy(np.array([1.0, 0.0, 0.0])) == pytest.approx(0.0, abs=1e-9)
    assert uncertainty.entropy(np.full(4, 0.25)) == pytest.approx(np.log(4))
    with pytest.raises(ValueError, match="sum to 1"):
        uncertainty.entropy(np.array([0.5, 0.2]))


def test_entropy_of_the_mean_and_mutual_information():
    # Two passes that disagree completely vs two that agree on the same 50/50 guess.
    disagree = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    agree = np.array([[[0.5, 0.5]], [[0.5, 0.5]]])
    assert uncertainty.entropy(disagree.mean(axis=0))[0] == pytest.approx(np.log(2))
    assert uncertainty.entropy(agree.mean(axis=0))[0] == pytest.approx(np.log(2))
    assert uncertainty.mutual_information(disagree)[0] == pytest.approx(np.log(2))
    assert uncertainty.mutual_information(agree)[0] == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        uncertainty.mutual_information(np.array([0.5, 0.5]))


def test_mc_summary_and_accuracy_vs_passes():
    probabilities = np.array(
        [
            [[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]],
            [[0.6, 0.4], [0.7, 0.3], [0.3, 0.7]],
            [[0.8, 0.2], [0.7, 0.3], [0.6, 0.4]],
        ]
    )
    y = np.array([0, 0, 1])
    summary = uncertainty.mc_summary(probabilities, y)
    np.testing.assert_allclose(summary["mean"], probabilities.mean(axis=0))
    np.testing.assert_array_equal(summary["predicted"], [0, 0, 1])
    assert summary["mc_accuracy"] == pytest.approx(1.0)
    assert summary["single_pass_accuracy"] == pytest.approx(7 / 9)
    np.testing.assert_allclose(uncertainty.accuracy_vs_passes(probabilities, y), [2 / 3, 1.0, 1.0])
    with pytest.raises(ValueError, match="labels"):
        uncertainty.mc_summary(probabilities, np.array([0, 1]))


# --- quality of probabilities: NLL, ECE, AUROC -------------------------------------------------


def test_negative_log_likelihood_equals_keras_cross_entropy():
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(50, 4)) * 3
    p = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype("float32")
    p[0] = [1.0, 0.0, 0.0, 0.0]  # a sure, wrong prediction: Keras floors p at 1e-7, so do we
    y = rng.integers(0, 4, size=50)
    y[0] = 2
    keras_nll = float(np.mean(keras.losses.sparse_categorical_crossentropy(y, p)))
    assert uncertainty.negative_log_likelihood(p, y) == pytest.approx(keras_nll, rel=1e-5)
    with pytest.raises(ValueError, match="labels"):
        uncertainty.negative_log_likelihood(p, y[:10])
    with pytest.raises(ValueError, match="class indices"):
        uncertainty.negative_log_likelihood(p, np.full(50, 4))


def test_expected_calibration_error_by_hand():
    # Five bins of width 0.2. Bin (0.6, 0.8]: confidences 0.65 and 0.75, both right (accuracy 1,
    # confidence 0.70, gap 0.30). Bin (0.8, 1]: 0.85 twice, one right (accuracy 0.5, gap 0.35).
    # ECE = 2/4 · 0.30 + 2/4 · 0.35 = 0.325.
    p = np.array([[0.85, 0.15], [0.85, 0.15], [0.65, 0.35], [0.25, 0.75]])
    y = np.array([0, 1, 0, 1])
    bins = uncertainty.reliability_bins(p, y, n_bins=5)
    np.testing.assert_array_equal(bins["count"], [0, 0, 0, 2, 2])
    np.testing.assert_allclose(bins["confidence"][3:], [0.70, 0.85])
    np.testing.assert_allclose(bins["accuracy"][3:], [1.0, 0.5])
    assert np.isnan(bins["accuracy"][0])
    assert uncertainty.expected_calibration_error(p, y, n_bins=5) == pytest.approx(0.325)
    # Sure and right everywhere: perfectly calibrated.
    sure = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert uncertainty.expected_calibration_error(sure, np.array([0, 1])) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="n_bins"):
        uncertainty.expected_calibration_error(p, y, n_bins=0)


def test_auroc_equals_a_brute_force_pair_count():
    rng = np.random.default_rng(8)
    scores = np.round(rng.normal(size=300), 1)  # rounded: many ties
    positives = rng.random(300) < 0.3 + 0.2 * (scores > 0)
    pos, neg = scores[positives], scores[~positives]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert uncertainty.auroc(scores, positives) == pytest.approx(pairs / (len(pos) * len(neg)))
    assert uncertainty.auroc([0.1, 0.2, 0.9], np.array([False, False, True])) == 1.0
    assert uncertainty.auroc([0.9, 0.2, 0.1], np.array([False, False, True])) == 0.0
    with pytest.raises(ValueError, match="boolean"):
        uncertainty.auroc([0.1, 0.2], [0, 1])
    with pytest.raises(ValueError, match="at least one positive"):
        uncertainty.auroc([0.1, 0.2], np.array([False, False]))


def test_probability_quality_collects_the_four_numbers():
    p = np.array([[0.85, 0.15], [0.85, 0.15], [0.65, 0.35], [0.25, 0.75]])
    y = np.array([0, 1, 0, 1])
    quality = uncertainty.probability_quality(p, y, n_bins=5)
    assert quality["accuracy"] == pytest.approx(0.75)
    assert quality["ece"] == pytest.approx(0.325)
    assert quality["nll"] == pytest.approx(-np.mean(np.log([0.85, 0.15, 0.65, 0.75])))
    # The one error (instance 1, 0.85/0.15) is among the surest: it ties with instance 0 and
    # has lower entropy than the two others, so entropy ranks it badly: (0 + 0 + ½) / 3.
    assert quality["auroc"] == pytest.approx(0.5 / 3)
