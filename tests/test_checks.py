"""The argument checks: one message format (what was given, what is allowed), and a sample of
the helpers that raise through them."""

import subprocess
import sys

import numpy as np
import pytest

from helpers import checks, data, deep_signals, optimizers2d
from helpers.dropout import selu_stack_statistics


def test_check_choice_keeps_the_wording_notebook_00_stores():
    with pytest.raises(ValueError) as error:
        checks.check_choice("activation", "relu6x", ("sigmoid", "tanh"))
    assert str(error.value) == "Unknown activation 'relu6x'; choose one of 'sigmoid', 'tanh'."
    assert checks.check_choice("activation", "tanh", ("sigmoid", "tanh")) == "tanh"


@pytest.mark.parametrize(
    ("kwargs", "value", "message"),
    [
        ({"minimum": 1}, 0, "n_layers must be a whole number ≥ 1; got 0."),
        ({"minimum": 1}, 2.0, "n_layers must be a whole number ≥ 1; got 2.0."),
        ({"minimum": 1}, True, "n_layers must be a whole number ≥ 1; got True."),
        ({"minimum": 1, "maximum": 5_000}, 5_001, "from 1 to 5,000; got 5001."),
        ({"maximum": 3}, 4, "n_layers must be a whole number ≤ 3; got 4."),
        ({"minimum": 1, "allow_none": True}, "x", "whole number ≥ 1 or None; got 'x'."),
    ],
)
def test_check_whole_number_says_what_was_given_and_what_is_allowed(kwargs, value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        checks.check_whole_number("n_layers", value, **kwargs)


def test_check_whole_number_passes_numpy_ints_and_none_when_allowed():
    assert checks.check_whole_number("n", np.int64(3), minimum=1) == 3
    assert checks.check_whole_number("n", None, allow_none=True) is None


def test_check_in_range_and_check_positive():
    assert checks.check_in_range("rate", 0.0, 0.0, 1.0) == 0.0
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\); got 1.0\."):
        checks.check_in_range("rate", 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"α must be in \(0, 2\]; got 0\."):
        checks.check_in_range("α", 0, 0, 2, low_closed=False, high_closed=True)
    assert checks.check_positive("lr", 0.1) == 0.1
    for bad in (0, -1.0, float("inf"), float("nan"), "1"):
        with pytest.raises(ValueError, match="lr must be > 0 and finite; got"):
            checks.check_positive("lr", bad)


def test_check_computed_returns_the_stored_key():
    assert checks.check_computed("rate", 0.2 + 1e-12, [0.0, 0.2, 0.4]) == 0.2
    with pytest.raises(ValueError, match=r"rate 0\.3 was not trained; choose one of 0, 0\.2, 0\.4"):
        checks.check_computed("rate", 0.3, [0.4, 0.0, 0.2], done="trained")


def test_callers_raise_in_the_one_format():
    with pytest.raises(ValueError, match="Unknown surface 'flat'; choose one of"):
        optimizers2d.get_surface("flat")
    with pytest.raises(ValueError, match=r"depth must be a whole number ≥ 1; got 0\."):
        deep_signals.numpy_mlp_signals(np.zeros((2, 4)), depth=0)
    with pytest.raises(ValueError, match="Unknown dropout kind 'gaussian'; choose one of"):
        selu_stack_statistics(0.1, "gaussian")
    with pytest.raises(ValueError, match=r"n_layers must be a whole number ≥ 1; got 0\."):
        selu_stack_statistics(0.1, "alpha", n_layers=0)
    with pytest.raises(ValueError, match="valid_size must be a whole number from 1 to 59,999"):
        data.check_split_sizes(0, None, None, 60_000, 10_000)


def test_checks_module_imports_neither_numpy_nor_keras():
    code = (
        "import sys; import helpers.checks; "
        "print(any(m in sys.modules for m in ('numpy', 'keras', 'tensorflow')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
