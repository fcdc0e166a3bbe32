"""Shared test set-up: a headless plot backend, and nbval told not to compare stderr."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere in the test process

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import data


@pytest.fixture(scope="module")
def fashion():
    """1,024 training and 512 validation images (test modules may define their own sizes)."""
    return data.load_fashion_mnist(train_size=1024, valid_size=512)


@pytest.fixture
def batch():
    """64 random 28×28 images in [0, 1) and their random labels."""
    rng = np.random.default_rng(0)
    return rng.random((64, 28, 28)).astype("float32"), rng.integers(0, 10, size=64)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def pytest_collection_modifyitems(session, config, items):
    """stderr (TensorFlow's or Python's notices) is never part of a checked cell output."""
    for item in items:
        notebook = getattr(item, "parent", None)
        skip = getattr(notebook, "skip_compare", None)
        if skip is not None and "stderr" not in skip:
            notebook.skip_compare = (*skip, "stderr")
