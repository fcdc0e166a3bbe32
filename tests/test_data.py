import os
import subprocess
import sys
import time

import numpy as np
import pytest

from helpers import data


@pytest.fixture(scope="module")
def fashion():
    return data.load_fashion_mnist()


def test_default_splits_are_55k_5k_10k_float32_in_unit_range(fashion):
    assert fashion.x_train.shape == (55_000, 28, 28)
    assert fashion.x_valid.shape == (5_000, 28, 28)
    assert fashion.x_test.shape == (10_000, 28, 28)
    for x in (fashion.x_train, fashion.x_valid, fashion.x_test):
        assert x.dtype == np.float32
        assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(fashion.y_train)) == set(range(10))
    assert fashion.class_names[0] == "T-shirt/top" and len(fashion.class_names) == 10


def test_validation_images_are_not_training_images(fashion):
    train_rows = {row.tobytes() for row in fashion.x_train[-200:]}
    assert not any(row.tobytes() in train_rows for row in fashion.x_valid[:200])


def test_subsets_keep_the_first_images(fashion):
    small = data.load_fashion_mnist(valid_size=1_000, train_size=300, test_size=50)
    assert (len(small.x_train), len(small.x_valid), len(small.x_test)) == (300, 1_000, 50)
    np.testing.assert_array_equal(small.x_train, fashion.x_train[:300])
    assert small.valid[0].shape == (1_000, 28, 28)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"valid_size": 0},
        {"valid_size": 60_000},
        {"train_size": 0},
        {"train_size": 56_000},
        {"test_size": 10_001},
        {"train_size": 2.5},
    ],
)
def test_out_of_range_sizes_are_rejected(kwargs):
    with pytest.raises(ValueError, match="whole number from 1 to"):
        data.load_fashion_mnist(**kwargs)


def test_loads_from_a_named_folder_through_keras_cache(tmp_path):
    """FASHION_MNIST_DIR wins; its files are linked into a fresh KERAS_HOME for Keras's loader."""
    source = data.find_fashion_mnist_dir()
    assert source is not None, "the test machine should have the data (make setup installs it)"
    keras_home = tmp_path / "keras-home"
    env = {**os.environ, "KERAS_HOME": str(keras_home), data.DIR_ENV_VAR: str(source)}
    code = "from helpers.data import load_fashion_mnist as f; d = f(); print(d.x_test.shape)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "(10000, 28, 28)" in result.stdout
    linked = keras_home / "datasets" / "fashion-mnist"
    assert sorted(p.name for p in linked.iterdir()) == sorted(data.FILE_NAMES)
    assert all((linked / name).resolve() == (source / name).resolve() for name in data.FILE_NAMES)
    assert result.stderr == "", "importing and loading should print nothing"


def test_missing_data_gives_one_clear_error_fast(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DIR_ENV_VAR, str(tmp_path / "empty"))
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian-package")
    monkeypatch.setattr(data, "_keras_cache_dir", lambda: tmp_path / "empty-keras-cache")
    monkeypatch.setattr(data, "DOWNLOAD_HOST", "fashion-mnist.invalid")  # never resolves
    data._load_raw.cache_clear()
    start = time.perf_counter()
    with pytest.raises(data.DataNotFoundError) as error:
        data.load_fashion_mnist()
    elapsed = time.perf_counter() - start
    data._load_raw.cache_clear()
    message = str(error.value)
    assert elapsed < 10
    for way in (
        "apt-get install dataset-fashion-mnist",
        data.DIR_ENV_VAR,
        "Keras's cache",
        "internet",
        *data.FILE_NAMES,
    ):
        assert way in message


def test_a_hanging_dns_lookup_is_cut_short(monkeypatch):
    monkeypatch.setattr(data.socket, "getaddrinfo", lambda *args: time.sleep(20))
    start = time.perf_counter()
    assert data._host_resolves("example.org", timeout=0.3) is False
    assert time.perf_counter() - start < 2


def test_class_index_by_name_or_number():
    assert data.class_index("Pullover") == 2
    assert data.class_index(9) == 9
    with pytest.raises(ValueError, match="'Ankle boot'"):
        data.class_index("Jumper")
    with pytest.raises(ValueError):
        data.class_index(10)


def test_split_task_a_b_relabels_and_separates():
    y = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 2, 0])
    x = np.arange(len(y) * 4, dtype=np.float32).reshape(len(y), 2, 2)
    x_a, y_a, x_b, y_b = data.split_task_a_b(x, y, pair=("T-shirt/top", "Pullover"))
    assert list(y_a) == [0, 1, 2, 3, 4, 5, 6, 7]  # classes 1,3..9 become 0..7
    assert list(y_b) == [0, 1, 1, 0]  # T-shirt → 0, Pullover → 1
    assert len(x_a) + len(x_b) == len(x)
    with pytest.raises(ValueError, match="two different classes"):
        data.split_task_a_b(x, y, pair=(2, "Pullover"))


def test_transfer_tasks_on_real_data(fashion):
    tasks = data.make_transfer_tasks(fashion, b_train_size=200)
    assert len(tasks.x_train_b) == 200
    assert set(np.unique(tasks.y_train_a)) == set(range(8))
    assert set(np.unique(tasks.y_valid_b)) == {0.0, 1.0}
    assert tasks.class_names_b == ("T-shirt/top", "Pullover")
    assert "Pullover" not in tasks.class_names_a and len(tasks.class_names_a) == 8
    n_pair = np.isin(fashion.y_train, [0, 2]).sum()
    assert len(tasks.x_train_a) == len(fashion.x_train) - n_pair
    with pytest.raises(ValueError, match="b_train_size"):
        data.make_transfer_tasks(fashion, b_train_size=1)
