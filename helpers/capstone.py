"""What notebook 11's capstone needs around the lesson: its data set, a fresh start per seed
for a compiled net (``restart``), 1cycle as an in-graph schedule, and a float16 copy of a net.

The capstone runs on Fashion-MNIST by default. CIFAR-10 is used only when it is already on
this machine: nothing here downloads. It is looked for, in order, in the folder named by the
environment variable ``CIFAR10_DIR``, then in Keras's cache (``$KERAS_HOME/datasets/``, in the
layouts Keras 3 and Keras 2 leave there); a ``cifar-10-python.tar.gz`` archive found there is
unpacked locally. The batch files are Python pickles of uint8 rows (Krizhevsky, 2009).
"""

from __future__ import annotations

import os
import pickle
import tarfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import keras
import numpy as np

from helpers import config, data
from helpers.checks import check_choice
from helpers.schedules import one_cycle_learning_rate, one_cycle_peak_step

DATASETS = ("fashion_mnist", "cifar10")
CIFAR10_CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
CIFAR10_DIR_ENV_VAR = "CIFAR10_DIR"
_BATCH_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")
_ARCHIVE_NAMES = ("cifar-10-batches-py-target_archive", "cifar-10-python.tar.gz")


@dataclass(frozen=True)
class ImageData(data.FashionMNIST):
    """Any of the capstone's data sets: Fashion-MNIST's splits (float32 images in [0, 1],
    integer labels, ``.train`` / ``.valid`` / ``.test``) plus the data set's name."""

    name: str = "fashion_mnist"

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one image, e.g. (28, 28) or (32, 32, 3)."""
        return tuple(self.x_train.shape[1:])

    def __repr__(self) -> str:
        return (
            f"ImageData({self.name}: train={len(self.x_train):,}, valid={len(self.x_valid):,}, "
            f"test={len(self.x_test):,}, image shape {self.input_shape})"
        )


def cifar10_search_dirs() -> list[Path]:
    """Folders that may hold the extracted CIFAR-10 batches, in the order they are tried."""
    datasets = config.keras_home() / "datasets"
    dirs = []
    if os.environ.get(CIFAR10_DIR_ENV_VAR):
        explicit = Path(os.environ[CIFAR10_DIR_ENV_VAR]).expanduser()
        dirs += [explicit, explicit / "cifar-10-batches-py"]
    dirs += [
        datasets / "cifar-10-batches-py-target" / "cifar-10-batches-py",  # Keras 3
        datasets / "cifar-10-batches-py",  # Keras 2
    ]
    return dirs


def _archives() -> list[Path]:
    datasets = config.keras_home() / "datasets"
    found = [datasets / name for name in _ARCHIVE_NAMES]
    if os.environ.get(CIFAR10_DIR_ENV_VAR):
        found.append(Path(os.environ[CIFAR10_DIR_ENV_VAR]).expanduser() / "cifar-10-python.tar.gz")
    return [path for path in found if path.is_file()]


def find_cifar10() -> Path | None:
    """The folder holding CIFAR-10's six batch files, unpacking a local archive if needed;
    None when the data are not on this machine (nothing is downloaded)."""
    for folder in cifar10_search_dirs():
        if all((folder / name).is_file() for name in _BATCH_FILES):
            return folder
    for archive in _archives():
        target = config.keras_home() / "datasets" / "cifar-10-batches-py-target"
        try:
            with tarfile.open(archive, "r:gz") as tar:
                try:
                    tar.extractall(target, filter="data")  # refuses paths outside target
                except TypeError:  # Python < 3.10.12 / 3.11.4: no filter argument
                    tar.extractall(target)
        except (tarfile.TarError, OSError, EOFError):
            continue
        folder = target / "cifar-10-batches-py"
        if all((folder / name).is_file() for name in _BATCH_FILES):
            return folder
    return None


def cifar10_missing_message() -> str:
    """What to do when CIFAR-10 is not on this machine."""
    looked = "\n".join(f"    {folder}" for folder in cifar10_search_dirs())
    return (
        "CIFAR-10 is not on this machine (the course never downloads it by itself). Looked in:\n"
        f"{looked}\n"
        "To use it: put the extracted folder cifar-10-batches-py (or the archive "
        "cifar-10-python.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html) in one of these "
        f"places, or set {CIFAR10_DIR_ENV_VAR} to its folder; or, with a network, run "
        "keras.datasets.cifar10.load_data() once."
    )


def cifar10_status() -> str:
    """One line: where CIFAR-10 was found, or that it is not available offline."""
    folder = find_cifar10()
    if folder is None:
        return "CIFAR-10: not available offline (set DATASET = 'fashion_mnist', the default)."
    return f"CIFAR-10: found in {folder}"


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    # The official files are pickles written by the data set's authors: trusted local files.
    with path.open("rb") as file:
        batch = pickle.load(file, encoding="bytes")
    images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    return images.transpose(0, 2, 3, 1), labels


def load_cifar10(
    valid_size: int = 5_000, train_size: int | None = None, test_size: int | None = None
) -> ImageData:
    """CIFAR-10 from this machine as float32 (n, 32, 32, 3) in [0, 1]; raises
    ``data.DataNotFoundError`` with instructions when it is not here."""
    data.check_split_sizes(valid_size, train_size, test_size, 50_000, 10_000)
    folder = find_cifar10()
    if folder is None:
        raise data.DataNotFoundError(cifar10_missing_message())
    parts = [_read_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    x_full = np.concatenate([p[0] for p in parts])
    y_full = np.concatenate([p[1] for p in parts])
    x_test, y_test = _read_batch(folder / "test_batch")
    arrays = data.split_and_scale(x_full, y_full, x_test, y_test, valid_size, train_size, test_size)
    return ImageData(**arrays, class_names=CIFAR10_CLASS_NAMES, name="cifar10")


def load_dataset(
    name: str = "fashion_mnist",
    valid_size: int = 5_000,
    train_size: int | None = None,
    test_size: int | None = None,
) -> ImageData:
    """The capstone's data: ``"fashion_mnist"`` (default) or ``"cifar10"`` (offline only)."""
    check_choice("dataset", name, DATASETS)
    if name == "cifar10":
        return load_cifar10(valid_size, train_size, test_size)
    fashion = data.load_fashion_mnist(valid_size, train_size, test_size)
    return ImageData(**{f.name: getattr(fashion, f.name) for f in fields(fashion)})


def standardize(x_train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Scale every array by the training set's mean and std (one number each): mean 0, std 1.

    Returns the standardized ``x_train`` followed by each of ``others``.
    """
    mean, std = float(x_train.mean()), float(x_train.std())
    if std == 0:
        raise ValueError("x_train has zero standard deviation: cannot standardize.")
    return tuple(((x - mean) / std).astype(np.float32) for x in (x_train, *others))


# The optimizer's variables as they were before its first step, one snapshot per optimizer.
_INITIAL_OPTIMIZER_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def restart(model: keras.Model, build: Callable[[], keras.Model], seed: int) -> None:
    """Give a compiled ``model`` the fresh start ``build()`` would have under ``seed``.

    Its variables (weights, BN statistics, dropout's random state) are replaced by those of a
    new ``build()`` drawn after ``config.set_seed(seed)``, and its optimizer's variables
    (step count, learning rate, moments) by their values before the first step; then the
    seed is set again, so the next ``fit`` shuffles as it would for that seed. The model
    keeps its traced training step: for a 20-layer net, tracing costs more than a few
    epochs of training on a CPU, and a restart costs almost nothing.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(f"model {model.name!r} is not compiled: compile it once, then restart it.")
    if optimizer not in _INITIAL_OPTIMIZER_STATE:
        if optimizer.built and int(keras.ops.convert_to_numpy(optimizer.iterations)) > 0:
            raise ValueError(
                f"the optimizer of {model.name!r} has already taken steps; restart needs a "
                "freshly compiled model (its first restart records the optimizer's initial state)."
            )
        optimizer.build(model.trainable_variables)
        _INITIAL_OPTIMIZER_STATE[optimizer] = [
            keras.ops.convert_to_numpy(v) for v in optimizer.variables
        ]
    config.set_seed(seed)
    fresh = build()
    if len(fresh.variables) != len(model.variables) or any(
        tuple(a.shape) != tuple(b.shape)
        for a, b in zip(fresh.variables, model.variables, strict=True)
    ):
        raise ValueError(
            f"build() made a net whose variables do not match {model.name!r}'s: "
            "give the function that built it."
        )
    for target, source in zip(model.variables, fresh.variables, strict=True):
        target.assign(source)
    for variable, value in zip(
        optimizer.variables, _INITIAL_OPTIMIZER_STATE[optimizer], strict=True
    ):
        variable.assign(value)
    config.set_seed(seed)


@keras.saving.register_keras_serializable(package="helpers")
class OneCycleSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """The 1cycle rate of ``schedules.one_cycle_learning_rate`` as a schedule the optimizer
    evaluates inside its compiled step (Smith 2018).

    ``schedules.OneCycleScheduler`` (a callback, notebook 08) sets the rate before each batch
    from Python; a schedule object keeps working when ``fit`` runs several steps per call
    (``steps_per_execution``), where callbacks only see every k-th batch.
    """

    def __init__(self, max_learning_rate: float, total_steps: int, warmup_fraction: float = 0.45):
        one_cycle_learning_rate(0, max_learning_rate, total_steps, warmup_fraction=warmup_fraction)
        self.max_learning_rate = float(max_learning_rate)
        self.total_steps = int(total_steps)
        self.warmup_fraction = float(warmup_fraction)

    def __call__(self, step):
        top = self.max_learning_rate
        start, peak = top / 10, float(one_cycle_peak_step(self.total_steps, self.warmup_fraction))
        final = start / 1000
        tail_length = float(max(self.total_steps - 1 - 2 * peak, 1))
        t = keras.ops.cast(step, "float32")
        up = start + (top - start) * t / peak
        down = top - (top - start) * (t - peak) / peak
        tail = start - (start - final) * keras.ops.minimum((t - 2 * peak) / tail_length, 1.0)
        return keras.ops.where(t <= peak, up, keras.ops.where(t <= 2 * peak, down, tail))

    def get_config(self) -> dict[str, float]:
        return {
            "max_learning_rate": self.max_learning_rate,
            "total_steps": self.total_steps,
            "warmup_fraction": self.warmup_fraction,
        }


def cast_model(model: keras.Sequential, dtype: str = "float16") -> keras.Sequential:
    """A copy of a Sequential whose layers compute and store weights in ``dtype``.

    Inputs are cast by the first layer; the weights are the original ones rounded to
    ``dtype``. Used to measure what reduced precision costs at inference.
    """
    if not isinstance(model, keras.Sequential):
        raise ValueError(f"cast_model needs a keras.Sequential, got {type(model).__name__}.")
    check_choice("dtype", dtype, ("float16", "bfloat16", "float32", "float64"))
    layers = []
    for layer in model.layers:
        layer_config = layer.get_config()
        layer_config["dtype"] = dtype
        layers.append(layer.__class__.from_config(layer_config))
    copy = keras.Sequential(
        [keras.Input(shape=model.input_shape[1:]), *layers], name=f"{model.name}_{dtype}"
    )
    for source, target in zip(model.layers, copy.layers, strict=True):
        target.set_weights([np.asarray(w).astype(dtype) for w in source.get_weights()])
    return copy


__all__ = [
    "CIFAR10_CLASS_NAMES",
    "DATASETS",
    "ImageData",
    "OneCycleSchedule",
    "cast_model",
    "cifar10_missing_message",
    "cifar10_search_dirs",
    "cifar10_status",
    "find_cifar10",
    "load_cifar10",
    "load_dataset",
    "restart",
    "standardize",
]
