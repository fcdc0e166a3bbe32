"""helpers.dropout: NumPy dropout and alpha dropout against Keras's layers, and the SELU stack."""

import keras
import numpy as np
import pytest

from helpers import dropout


def test_inverted_dropout_matches_keras_dropout_statistics():
    a = np.random.default_rng(5).uniform(0.5, 1.5, size=(4000, 50)).astype("float32")
    ours = dropout.inverted_dropout(a, 0.3, np.random.default_rng(0))
    theirs = keras.ops.convert_to_numpy(keras.layers.Dropout(0.3, seed=1)(a, training=True))
    for out in (ours, theirs):
        kept = out != 0
        assert abs(1 - kept.mean() - 0.3) < 0.01
        np.testing.assert_allclose(out[kept], a[kept] / 0.7, rtol=1e-6)
        assert abs(out.mean() / a.mean() - 1) < 0.01
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(
        dropout.inverted_dropout(a, 0.3, np.random.default_rng(0), training=False), a
    )
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        dropout.inverted_dropout(a, 1.0, np.random.default_rng(0))


def test_alpha_dropout_matches_keras_alpha_dropout_statistics():
    z = np.random.default_rng(6).normal(size=(20_000, 20)).astype("float32")
    ours = dropout.alpha_dropout(z, 0.2, np.random.default_rng(0))
    theirs = keras.ops.convert_to_numpy(keras.layers.AlphaDropout(0.2, seed=2)(z, training=True))
    for out in (ours, theirs):
        assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    # Dropped entries all land on the same value, a·(−λα) + b, in both.
    floor_ours = np.bincount(np.unique(ours, return_inverse=True)[1].ravel()).argmax()
    floor_value = np.unique(ours)[floor_ours]
    assert np.isclose(np.mean(np.isclose(ours, floor_value)), 0.2, atol=0.01)
    assert np.isclose(np.mean(np.isclose(theirs, floor_value, atol=1e-5)), 0.2, atol=0.01)
    np.testing.assert_array_equal(
        dropout.alpha_dropout(z, 0.2, np.random.default_rng(0), training=False), z
    )


def test_selu_stack_keeps_its_statistics_with_alpha_dropout_only():
    means_a, stds_a = dropout.selu_stack_statistics(0.2, "alpha", n_layers=20)
    means_s, stds_s = dropout.selu_stack_statistics(0.2, "standard", n_layers=20)
    assert means_s[-1] > means_a[-1]  # standard dropout also shifts the mean up
    assert means_a.shape == stds_a.shape == (20,)
    assert abs(stds_a[-1] - 1) < 0.1 and abs(means_a[-1]) < 0.1
    assert stds_s[-1] > 1.25
    with pytest.raises(ValueError, match="'none', 'standard', 'alpha'"):
        dropout.selu_stack_statistics(0.2, "gaussian")
    with pytest.raises(ValueError, match="n_layers"):
        dropout.selu_stack_statistics(0.2, "alpha", n_layers=0)
