"""Small models and data that several test modules build (import: ``from builders import …``)."""

from __future__ import annotations

import keras
import numpy as np

from helpers import config, models


def small_model(
    optimizer: keras.optimizers.Optimizer | None = None, seed: int = 0
) -> keras.Sequential:
    """A compiled 1×32 MLP for Fashion-MNIST, its weights drawn for ``seed``."""
    config.set_seed(seed)
    model = models.build_mlp(n_hidden=1, n_neurons=32)
    return models.compile_classifier(model, optimizer or keras.optimizers.SGD(learning_rate=0.01))


def toy_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random 4×4 images and four classes that depend on three of their pixels."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, 4, 4)).astype("float32")
    y = (x[:, 0, 0] + x[:, 1, 1] > 1).astype(np.int64) + 2 * (x[:, 2, 2] > 0.5)
    return x, y
