import os
from pathlib import Path

import pytest

from helpers import config


def test_quiet_tensorflow_environment_is_set():
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_keras_home_is_writable_and_used_by_keras():
    home = config.keras_home()
    assert home.is_dir() and os.access(home, os.W_OK)
    # Set by helpers.config unless another test of this worker imported Keras first.
    if "KERAS_HOME" in os.environ:
        assert Path(os.environ["KERAS_HOME"]).expanduser() == home


@pytest.mark.parametrize("word", ["1", "true", "YES", " on "])
def test_quick_words(word):
    assert config.parse_quick_flag(word) is True


@pytest.mark.parametrize("word", [None, "", "0", "false", "No", "off"])
def test_full_words(word):
    assert config.parse_quick_flag(word) is False


def test_unknown_quick_word_lists_the_allowed_ones():
    with pytest.raises(ValueError, match=r"'1'.*'0'"):
        config.parse_quick_flag("maybe")


def test_tests_run_in_quick_mode():
    assert config.QUICK is True
    assert config.pick(full=100, quick=3) == 3


def test_keras_home_falls_back_when_the_chosen_one_is_not_writable(tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    chosen = config.choose_keras_home({"KERAS_HOME": str(blocked)})
    assert chosen != blocked and os.access(chosen, os.W_OK)


def test_set_seed_makes_draws_repeat():
    import keras
    import numpy as np

    config.set_seed(7)
    first = (np.random.rand(3), keras.random.normal((3,)).numpy())
    config.set_seed(7)
    second = (np.random.rand(3), keras.random.normal((3,)).numpy())
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_setup_prints_the_mode(capsys):
    config.setup(seed=1)
    assert "Quick mode" in capsys.readouterr().out


def test_work_dir_is_inside_the_git_ignored_folder():
    folder = config.work_dir("models")
    assert folder.is_dir() and config.WORK_DIR in folder.parents


def test_numpy_blas_runs_on_one_thread():
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"


@pytest.mark.parametrize(("word", "shift"), [(None, 0), ("", 0), ("3", 3), (" -2 ", -2)])
def test_seed_shift_words(word, shift):
    assert config.parse_seed_shift(word) == shift


def test_unknown_seed_shift_says_what_is_allowed():
    with pytest.raises(ValueError, match=r"DNN_SEED='one'.*whole number"):
        config.parse_seed_shift("one")


def test_seed_shift_moves_every_seed(monkeypatch):
    import numpy as np

    base = config.rng(5).standard_normal(3)
    monkeypatch.setattr(config, "SEED_SHIFT", 2)
    assert config.shifted_seed(5) == 7
    np.testing.assert_array_equal(
        config.rng(5).standard_normal(3), np.random.default_rng(7).standard_normal(3)
    )
    assert not np.array_equal(config.rng(5).standard_normal(3), base)
