import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import models


def test_default_mlp_shapes_and_names():
    model = models.build_mlp(n_hidden=3, n_neurons=20)
    assert model.input_shape == (None, 28, 28)
    assert model.output_shape == (None, 10)
    assert [layer.name for layer in models.hidden_dense_layers(model)] == [
        "hidden_1",
        "hidden_2",
        "hidden_3",
    ]
    # 784·20+20 + 2·(20·20+20) + 20·10+10
    assert model.count_params() == 784 * 20 + 20 + 2 * (20 * 20 + 20) + 20 * 10 + 10


def test_batch_norm_before_drops_the_dense_bias():
    model = models.build_mlp(n_hidden=2, n_neurons=8, batch_norm="before")
    dense = models.hidden_dense_layers(model)
    assert all(not layer.use_bias for layer in dense)
    names = [layer.name for layer in model.layers]
    assert names.index("bn_1") == names.index("hidden_1") + 1
    assert names.index("act_1") == names.index("bn_1") + 1


def test_batch_norm_after_follows_the_activation():
    model = models.build_mlp(n_hidden=1, n_neurons=8, batch_norm="after")
    names = [layer.name for layer in model.layers]
    assert names.index("bn_1") == names.index("act_1") + 1
    # BN: 2 trainable (γ, β) and 2 non-trainable (moving mean, variance) per unit
    bn = model.get_layer("bn_1")
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2


def test_dropout_layers_and_kinds():
    model = models.build_mlp(
        n_hidden=2,
        n_neurons=8,
        dropout=0.2,
        dropout_kind="alpha",
        activation="selu",
        kernel_initializer="lecun_normal",
    )
    drops = [layer for layer in model.layers if layer.name.startswith("dropout_")]
    assert len(drops) == 3 and all(isinstance(d, keras.layers.AlphaDropout) for d in drops)


def test_prelu_and_regularizer_and_constraint():
    model = models.build_mlp(
        n_hidden=1,
        n_neurons=8,
        activation="prelu",
        kernel_regularizer=keras.regularizers.L2(1e-3),
        kernel_constraint=keras.constraints.MaxNorm(1.0),
    )
    assert isinstance(model.get_layer("act_1"), keras.layers.PReLU)
    model(np.zeros((2, 28, 28), dtype="float32"))
    assert len(model.losses) == 1


def test_initializer_object_is_accepted():
    init = keras.initializers.VarianceScaling(scale=2.0, mode="fan_avg")
    model = models.build_mlp(n_hidden=1, n_neurons=4, kernel_initializer=init)
    assert model.get_layer("hidden_1").kernel_initializer is init


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"activation": "relu6x"}, "Unknown activation 'relu6x'; choose one of 'sigmoid'"),
        ({"kernel_initializer": "xavier"}, "Unknown kernel_initializer 'xavier'.*'glorot_uniform'"),
        ({"batch_norm": "middle"}, "'before', 'after'"),
        ({"dropout_kind": "gaussian"}, "'standard', 'alpha'"),
        ({"output": "relu"}, "'softmax'"),
        ({"dropout": 1.0}, r"\[0, 1\)"),
        ({"dropout": -0.1}, r"\[0, 1\)"),
        ({"n_hidden": -1}, "n_hidden"),
        ({"n_neurons": 0}, "n_neurons"),
        ({"n_outputs": 0}, "n_outputs"),
    ],
)
def test_bad_arguments_are_rejected_with_the_choices(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        models.build_mlp(**kwargs)


def test_compile_classifier_trains_on_a_tiny_batch():
    keras.utils.set_random_seed(0)
    model = models.compile_classifier(models.build_mlp(n_hidden=1, n_neurons=16), "adam", 1e-2)
    x = np.random.rand(64, 28, 28).astype("float32")
    y = np.random.randint(0, 10, size=64)
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-2)


def test_compile_classifier_binary_output_uses_binary_loss():
    model = models.build_mlp(n_hidden=1, n_neurons=4, output="sigmoid", n_outputs=1)
    models.compile_classifier(model)
    assert model.loss == "binary_crossentropy"
    with pytest.raises(ValueError, match="learning_rate"):
        models.compile_classifier(model, keras.optimizers.SGD(), learning_rate=0.1)


def test_restarts_repeat_what_a_fresh_keras_model_does():
    """A restarted run equals a freshly built and compiled one: same weights, seed, rate."""
    from helpers import config, data

    fashion = data.load_fashion_mnist(valid_size=10, train_size=256, test_size=10)

    def fresh(seed):
        config.set_seed(seed)
        return models.build_mlp(n_hidden=1, n_neurons=8, batch_norm="before")

    def fit(model):
        return model.fit(*fashion.train, epochs=2, batch_size=64, verbose=0).history["loss"]

    runs = models.Restarts(fresh(0), keras.optimizers.SGD(0.1, momentum=0.9))
    for seed, rate in ((1, 0.1), (2, 0.03), (1, 0.1)):  # the repeat follows other runs
        reference = fresh(seed)
        models.compile_classifier(reference, keras.optimizers.SGD(rate, momentum=0.9))
        expected = fit(reference)
        restarted = runs.restart(fresh(seed).get_weights(), learning_rate=rate)
        np.testing.assert_allclose(fit(restarted), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="learning_rate"):
        runs.restart(fresh(1).get_weights(), learning_rate=0.0)
    with pytest.raises(ValueError):
        runs.restart(models.build_mlp(n_hidden=2, n_neurons=8).get_weights())


def _small_net(activation="relu"):
    return models.build_mlp(n_hidden=2, n_neurons=8, activation=activation, input_shape=(6,))


def test_reinitialize_equals_a_fresh_build_with_the_same_seed():
    from helpers import config

    config.set_seed(7)
    fresh = _small_net("prelu")
    reused = _small_net("prelu")
    models.reinitialize(reused, 7)
    for a, b in zip(fresh.get_weights(), reused.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    models.reinitialize(reused, 8)
    assert not np.array_equal(fresh.get_weights()[0], reused.get_weights()[0])
    with_bn = keras.Sequential([keras.Input((6,)), keras.layers.BatchNormalization()])
    with pytest.raises(ValueError, match="Dense and PReLU"):
        models.reinitialize(with_bn, 0)


def test_fresh_runs_repeat_exactly_and_match_a_new_model_and_optimizer():
    from helpers import config

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 6)).astype("float32"), rng.integers(0, 10, 64)
    runs = models.FreshRuns(_small_net(), keras.optimizers.Nadam(learning_rate=1e-3))
    tf.random.set_seed(12345)
    first = [w.copy() for w in runs.train(3, 1e-2, x, y, steps=4, batch_size=16).get_weights()]
    runs.train(4, 1e-3, x, y, steps=2, batch_size=16)  # another seed and rate in between
    again = runs.train(3, 1e-2, x, y, steps=4, batch_size=16).get_weights()
    # No run reset TensorFlow's global seed: that makes Keras trace the compiled steps again
    # (seconds per run for a 100-layer net). config.set_seed in reinitialize would fail here.
    assert tf.compat.v1.random.get_seed(None)[0] == 12345
    config.set_seed(3)
    new = _small_net()
    models.compile_classifier(new, keras.optimizers.Nadam(learning_rate=1e-2))
    order = config.rng(3).permutation(64)
    new.fit(x[order], y[order], epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b, c in zip(first, again, new.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-7)
    lr = runs.optimizer.learning_rate.numpy()  # convert_to_numpy(Variable) warns under NumPy 2
    assert lr == pytest.approx(1e-2)
    assert 0.0 <= runs.accuracy(x, y, batch_size=32) <= 1.0
    with pytest.raises(ValueError, match="steps"):
        runs.train(0, 1e-3, x, y, steps=5, batch_size=16)
    with pytest.raises(ValueError, match="learning_rate"):
        runs.train(0, 0.0, x, y, steps=1, batch_size=16)
