"""A fixed small workload that says how fast this machine is at the moment.

Shared machines of this kind run the same notebooks 2-3x faster on one day than on another, so a
notebook's time says little alone. `make bench` runs this probe in a fresh Python (as a kernel
starts) before the notebooks and again after them, and reports its times beside theirs: two
benchmark runs compare through their ratio to the probe, not through their raw seconds.

    python benchmarks/speed_probe.py     # prints one JSON line

The workload has the notebooks' mix: importing TensorFlow and Keras; tracing a small net's
training step (the first epoch); training it one batch per call (Python between steps), and a
float32 matrix product in NumPy. On real Fashion-MNIST images (helpers.data), nothing random.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as helpers.config sets it in notebooks
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROBE_IMAGES = 8_192
PROBE_BATCH = 32  # 256 steps per epoch
LATER_EPOCHS = 2


def probe(n_images: int = PROBE_IMAGES, later_epochs: int = LATER_EPOCHS) -> dict[str, float]:
    """Seconds for each part of the workload, and their sum (``total_s``)."""
    start = time.perf_counter()
    import keras
    import tensorflow as tf  # noqa: F401  (Keras imports it too; timed together, as in a kernel)

    import_s = time.perf_counter() - start

    import numpy as np

    from helpers import config, data, models

    fashion = data.load_fashion_mnist(train_size=n_images, valid_size=512)
    config.set_seed(0)
    net = models.compile_classifier(
        models.build_mlp(n_hidden=3, n_neurons=100), keras.optimizers.Adam(learning_rate=1e-3)
    )
    start = time.perf_counter()
    net.fit(*fashion.train, epochs=1, batch_size=PROBE_BATCH, verbose=0)
    first_epoch_s = time.perf_counter() - start
    start = time.perf_counter()
    net.fit(*fashion.train, epochs=later_epochs, batch_size=PROBE_BATCH, verbose=0)
    later_epoch_s = (time.perf_counter() - start) / later_epochs

    matrix = fashion.x_train[:512].reshape(512, -1)[:, :512].astype("float32")
    start = time.perf_counter()
    for _ in range(100):
        matrix = np.tanh(matrix @ matrix.T @ matrix / 512.0)
    numpy_s = time.perf_counter() - start
    parts = {
        "import_s": import_s,
        "first_epoch_s": first_epoch_s,
        "later_epoch_s": later_epoch_s,
        "numpy_s": numpy_s,
    }
    return {**parts, "total_s": sum(parts.values())}


if __name__ == "__main__":
    print(json.dumps(probe()))
