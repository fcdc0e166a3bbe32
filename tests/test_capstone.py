"""helpers.capstone: the data-set switch (never a download), standardization, float16 copies."""

import pickle
import tarfile

import keras
import numpy as np
import pytest

from helpers import capstone, config, data, schedules


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """A Keras cache without CIFAR-10, and no CIFAR10_DIR."""
    monkeypatch.setattr(config, "keras_home", lambda: tmp_path / "keras")
    monkeypatch.delenv(capstone.CIFAR10_DIR_ENV_VAR, raising=False)
    return tmp_path / "keras"


def write_batches(folder, n_per_batch=4):
    """Six batch files in CIFAR-10's layout (a pickled dict of uint8 rows R…G…B), tiny."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]
    for name in names:
        rows = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
        rows[:, :1024] = 255  # red channel saturated: checks the channel order on reading
        batch = {b"data": rows, b"labels": list(rng.integers(0, 10, size=n_per_batch))}
        with (folder / name).open("wb") as file:
            pickle.dump(batch, file)
    return folder


def test_fashion_mnist_is_the_default():
    images = capstone.load_dataset(train_size=100, valid_size=50, test_size=20)
    assert images.name == "fashion_mnist"
    assert images.input_shape == (28, 28)
    assert (len(images.x_train), len(images.x_valid), len(images.x_test)) == (100, 50, 20)
    assert images.class_names == data.CLASS_NAMES
    assert "fashion_mnist" in repr(images)


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(ValueError, match="'fashion_mnist', 'cifar10'"):
        capstone.load_dataset("mnist")


def test_missing_cifar10_says_where_it_looked_and_never_downloads(empty_keras_home):
    assert capstone.find_cifar10() is None
    assert "not available offline" in capstone.cifar10_status()
    with pytest.raises(data.DataNotFoundError, match="Looked in") as error:
        capstone.load_dataset("cifar10")
    assert str(empty_keras_home / "datasets" / "cifar-10-batches-py") in str(error.value)
    assert capstone.CIFAR10_DIR_ENV_VAR in str(error.value)


def test_cifar10_from_a_folder_named_by_the_environment(empty_keras_home, tmp_path, monkeypatch):
    folder = write_batches(tmp_path / "mine" / "cifar-10-batches-py")
    monkeypatch.setenv(capstone.CIFAR10_DIR_ENV_VAR, str(tmp_path / "mine"))
    assert capstone.find_cifar10() == folder
    images = capstone.load_dataset("cifar10", valid_size=5)
    assert images.name == "cifar10"
    assert images.input_shape == (32, 32, 3)
    assert (len(images.x_train), len(images.x_valid), len(images.x_test)) == (15, 5, 4)
    assert images.x_train.dtype == np.float32
    assert np.all(images.x_train[..., 0] == 1.0)  # channels last, red first
    assert images.class_names[0] == "airplane"


def test_cifar10_archive_in_the_keras_cache_is_unpacked(empty_keras_home, tmp_path):
    source = write_batches(tmp_path / "build" / "cifar-10-batches-py")
    datasets = empty_keras_home / "datasets"
    datasets.mkdir(parents=True)
    with tarfile.open(datasets / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(source, arcname="cifar-10-batches-py")
    found = capstone.find_cifar10()
    assert found == datasets / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    assert "found in" in capstone.cifar10_status()


def test_cifar10_sizes_are_checked(empty_keras_home):
    with pytest.raises(ValueError, match="valid_size"):
        capstone.load_cifar10(valid_size=0)
    with pytest.raises(ValueError, match="train_size"):
        capstone.load_cifar10(train_size=50_000)


def test_standardize_uses_the_training_statistics():
    rng = np.random.default_rng(1)
    train, valid = rng.uniform(0, 1, size=(200, 5)), rng.uniform(0, 2, size=(50, 5))
    train_std, valid_std = capstone.standardize(train, valid)
    assert abs(train_std.mean()) < 1e-6 and abs(train_std.std() - 1) < 1e-5
    np.testing.assert_allclose(valid_std, (valid - train.mean()) / train.std(), rtol=1e-5)
    with pytest.raises(ValueError, match="zero standard deviation"):
        capstone.standardize(np.ones((3, 2)))


def test_cast_model_to_float16_predicts_nearly_the_same():
    config.set_seed(0)
    model = _small_dropout_net(n_inputs=8, width=16, rate=0.1)
    x = np.random.default_rng(2).normal(size=(64, 8)).astype("float32")
    half = capstone.cast_model(model, "float16")
    assert all(w.dtype == np.float16 for w in half.get_weights())
    p32 = model.predict(x, verbose=0)
    p16 = half.predict(x, verbose=0).astype(np.float32)
    assert np.abs(p32 - p16).max() < 0.01
    with pytest.raises(ValueError, match="Sequential"):
        capstone.cast_model(keras.Model(model.inputs[0], model.outputs[0]))
    with pytest.raises(ValueError, match="'float16'"):
        capstone.cast_model(model, "int8")


def _small_dropout_net(n_inputs=6, width=8, rate=0.2):
    """Dense (no bias), BN, SELU, alpha dropout, softmax over 3 classes: the capstone in small."""
    return keras.Sequential(
        [
            keras.Input(shape=(n_inputs,)),
            keras.layers.Dense(width, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("selu"),
            keras.layers.AlphaDropout(rate),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def _compiled(model):
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Nadam(1e-2))
    return model


def test_restart_is_the_same_as_a_fresh_net_under_that_seed():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = rng.integers(0, 3, size=96)

    def trained_fresh(seed):
        config.set_seed(seed)
        model = _compiled(_small_dropout_net())
        config.set_seed(seed)
        model.fit(x, y, epochs=2, batch_size=32, verbose=0)
        return model.get_weights()

    reused = _compiled(_small_dropout_net())
    for seed in (5, 6, 5):  # weights, BN statistics, dropout masks, Nadam's state: all restarted
        capstone.restart(reused, _small_dropout_net, seed)
        reused.fit(x, y, epochs=2, batch_size=32, verbose=0)
        for mine, fresh in zip(reused.get_weights(), trained_fresh(seed), strict=True):
            np.testing.assert_allclose(mine, fresh, rtol=1e-5, atol=1e-6)


def test_restart_refuses_what_it_cannot_restart():
    with pytest.raises(ValueError, match="not compiled"):
        capstone.restart(_small_dropout_net(), _small_dropout_net, 0)
    trained = _compiled(_small_dropout_net())
    trained.fit(np.zeros((4, 6)), np.zeros(4), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="already taken steps"):
        capstone.restart(trained, _small_dropout_net, 0)
    other = _compiled(_small_dropout_net())

    def wider():
        return keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(9)])

    with pytest.raises(ValueError, match="do not match"):
        capstone.restart(other, wider, 0)


def test_one_cycle_schedule_follows_the_formula_of_notebook_08():
    schedule = capstone.OneCycleSchedule(max_learning_rate=3e-3, total_steps=480)
    steps = np.arange(0, 520)
    in_graph = keras.ops.convert_to_numpy(schedule(steps))
    formula = schedules.one_cycle_learning_rate(steps, 3e-3, 480)
    np.testing.assert_allclose(in_graph, formula, rtol=1e-5)
    assert in_graph.max() == pytest.approx(3e-3, rel=1e-6)
    restored = capstone.OneCycleSchedule.from_config(schedule.get_config())
    assert restored.total_steps == 480
    with pytest.raises(ValueError):
        capstone.OneCycleSchedule(max_learning_rate=-1.0, total_steps=10)
