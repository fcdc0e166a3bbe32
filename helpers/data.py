"""Fashion-MNIST (Xiao et al., 2017), found offline when it is on the machine.

Where the data come from, in order:

1. the folder named by the environment variable ``FASHION_MNIST_DIR``;
2. Debian's package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist/``);
3. Keras's own cache (``$KERAS_HOME/datasets/fashion-mnist``) or, with a network,
   Keras's download into it.

A found folder is linked into Keras's cache, so the file format is always read by
``keras.datasets.fashion_mnist.load_data``, never by a parser of ours.
"""

from __future__ import annotations

import concurrent.futures
import functools
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers import config
from helpers.checks import check_whole_number

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FILE_NAMES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
DIR_ENV_VAR = "FASHION_MNIST_DIR"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_HOST = "storage.googleapis.com"
N_TRAIN_FILE, N_TEST_FILE = 60_000, 10_000


class DataNotFoundError(FileNotFoundError):
    """Fashion-MNIST is on none of the known paths and cannot be downloaded."""


@dataclass(frozen=True)
class FashionMNIST:
    """Train / validation / test splits: images float32 in [0, 1], shape (n, 28, 28); labels int."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...] = CLASS_NAMES

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """(x_train, y_train)."""
        return self.x_train, self.y_train

    @property
    def valid(self) -> tuple[np.ndarray, np.ndarray]:
        """(x_valid, y_valid), ready for ``validation_data=``."""
        return self.x_valid, self.y_valid

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """(x_test, y_test)."""
        return self.x_test, self.y_test

    def __repr__(self) -> str:
        sizes = ", ".join(
            f"{name}={len(getattr(self, 'x_' + name)):,}" for name in ("train", "valid", "test")
        )
        return f"FashionMNIST({sizes}, image shape {self.x_train.shape[1:]})"


def _has_all_files(folder: Path) -> bool:
    return all((folder / name).is_file() for name in FILE_NAMES)


def _keras_cache_dir() -> Path:
    return config.keras_home() / "datasets" / "fashion-mnist"


def _host_resolves(host: str, timeout: float) -> bool:
    # getaddrinfo ignores socket timeouts; a thread bounds a hanging DNS lookup.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(socket.getaddrinfo, host, 443)
    try:
        future.result(timeout=timeout)
        return True
    except (concurrent.futures.TimeoutError, OSError):
        return False
    finally:
        pool.shutdown(wait=False)


def _missing_data_message(explicit_dir: Path | None) -> str:
    files = ", ".join(FILE_NAMES)
    lines = ["Fashion-MNIST was not found on this machine and could not be downloaded."]
    if explicit_dir is not None:
        lines.append(f"{DIR_ENV_VAR}={explicit_dir} does not hold all four files.")
    lines += [
        "Any one of these fixes it:",
        "  1. Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist"
        f"  (installs the files into {DEBIAN_DIR}/; `make setup` does this when run as root)",
        f"  2. Put the four files ({files}) in a folder and set {DIR_ENV_VAR} to that folder.",
        f"  3. Copy them into Keras's cache, {_keras_cache_dir()}/.",
        "  4. Connect to the internet once: Keras downloads them into its cache by itself.",
    ]
    return "\n".join(lines)


def find_fashion_mnist_dir(network_timeout: float = 3.0) -> Path | None:
    """The folder holding the four files, or None if only Keras's download can get them."""
    explicit = os.environ.get(DIR_ENV_VAR)
    explicit_dir = Path(explicit).expanduser() if explicit else None
    for folder in (explicit_dir, DEBIAN_DIR, _keras_cache_dir()):
        if folder is not None and _has_all_files(folder):
            return folder
    if _host_resolves(DOWNLOAD_HOST, network_timeout):
        return None
    raise DataNotFoundError(_missing_data_message(explicit_dir))


def _link_into_keras_cache(folder: Path) -> None:
    cache = _keras_cache_dir()
    if folder.resolve() == cache.resolve():
        return
    cache.mkdir(parents=True, exist_ok=True)
    for name in FILE_NAMES:
        target = cache / name
        if target.is_symlink() and target.resolve() != (folder / name).resolve():
            target.unlink()  # a link left by an earlier run to another folder
        if not target.exists():
            target.symlink_to((folder / name).resolve())


@functools.lru_cache(maxsize=1)
def _load_raw() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    folder = find_fashion_mnist_dir()
    if folder is not None:
        _link_into_keras_cache(folder)
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as error:  # a failed download: the same one message as above
        raise DataNotFoundError(_missing_data_message(None)) from error
    return x_train, y_train, x_test, y_test


def check_split_sizes(
    valid_size: int, train_size: int | None, test_size: int | None, n_train: int, n_test: int
) -> None:
    """Check the sizes a loader is asked for against a data set of ``n_train`` training
    images (validation carved from them) and ``n_test`` test images."""
    check_whole_number("valid_size", valid_size, minimum=1, maximum=n_train - 1)
    check_whole_number("train_size", train_size, 1, n_train - valid_size, allow_none=True)
    check_whole_number("test_size", test_size, minimum=1, maximum=n_test, allow_none=True)


def split_and_scale(
    x_full: np.ndarray,
    y_full: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    valid_size: int,
    train_size: int | None = None,
    test_size: int | None = None,
) -> dict[str, np.ndarray]:
    """The six arrays of a loader: validation = the last ``valid_size`` training images,
    training and test = the first ``train_size`` / ``test_size`` of theirs (None: all);
    pixels as float32 in [0, 1], labels as int64."""
    n_train = len(x_full) - valid_size if train_size is None else train_size
    n_test = len(x_test) if test_size is None else test_size

    def scale(images: np.ndarray) -> np.ndarray:
        return images.astype(np.float32) / np.float32(255.0)

    return {
        "x_train": scale(x_full[:n_train]),
        "y_train": y_full[:n_train].astype(np.int64),
        "x_valid": scale(x_full[-valid_size:]),
        "y_valid": y_full[-valid_size:].astype(np.int64),
        "x_test": scale(x_test[:n_test]),
        "y_test": y_test[:n_test].astype(np.int64),
    }


def load_fashion_mnist(
    valid_size: int = 5_000,
    train_size: int | None = None,
    test_size: int | None = None,
) -> FashionMNIST:
    """Fashion-MNIST as float32 images in [0, 1]: 55k/5k/10k by default.

    The validation set is the last ``valid_size`` images of the official training
    file; ``train_size`` and ``test_size`` keep only the first images of their split
    (quick mode uses that to shrink the lesson).
    """
    check_split_sizes(valid_size, train_size, test_size, N_TRAIN_FILE, N_TEST_FILE)
    return FashionMNIST(**split_and_scale(*_load_raw(), valid_size, train_size, test_size))


def class_index(name_or_index: str | int) -> int:
    """The label of a class given by name ('Pullover') or index (2)."""
    if isinstance(name_or_index, (int, np.integer)) and 0 <= name_or_index < len(CLASS_NAMES):
        return int(name_or_index)
    if isinstance(name_or_index, str) and name_or_index in CLASS_NAMES:
        return CLASS_NAMES.index(name_or_index)
    allowed = ", ".join(f"{i}={n!r}" for i, n in enumerate(CLASS_NAMES))
    raise ValueError(f"Unknown Fashion-MNIST class {name_or_index!r}; choose one of {allowed}.")


@dataclass(frozen=True)
class TransferTasks:
    """Task A: the 8 other classes (labels 0–7). Task B: is it ``pair[1]``? (labels 0/1)."""

    x_train_a: np.ndarray
    y_train_a: np.ndarray
    x_valid_a: np.ndarray
    y_valid_a: np.ndarray
    x_test_a: np.ndarray
    y_test_a: np.ndarray
    x_train_b: np.ndarray
    y_train_b: np.ndarray
    x_valid_b: np.ndarray
    y_valid_b: np.ndarray
    x_test_b: np.ndarray
    y_test_b: np.ndarray
    class_names_a: tuple[str, ...]
    class_names_b: tuple[str, str]


def split_task_a_b(
    x: np.ndarray, y: np.ndarray, pair: tuple[str | int, str | int] = ("T-shirt/top", "Pullover")
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split a set into task A (8 other classes, labels 0–7) and task B (the pair, 0/1)."""
    first, second = (class_index(c) for c in pair)
    if first == second:
        raise ValueError(f"pair must name two different classes, got {pair!r}.")
    in_b = (y == first) | (y == second)
    a_classes = [c for c in range(len(CLASS_NAMES)) if c not in (first, second)]
    relabel = np.full(len(CLASS_NAMES), -1, dtype=np.int64)
    relabel[a_classes] = np.arange(len(a_classes))
    y_a = relabel[y[~in_b]]
    y_b = (y[in_b] == second).astype(np.float32)
    return x[~in_b], y_a, x[in_b], y_b


def make_transfer_tasks(
    data: FashionMNIST,
    pair: tuple[str | int, str | int] = ("T-shirt/top", "Pullover"),
    b_train_size: int = 200,
) -> TransferTasks:
    """Task A (8 classes, plenty of data) and task B (a hard binary pair, few training images)."""
    first, second = (class_index(c) for c in pair)
    x_tr_a, y_tr_a, x_tr_b, y_tr_b = split_task_a_b(data.x_train, data.y_train, (first, second))
    if not isinstance(b_train_size, (int, np.integer)) or not 2 <= b_train_size <= len(y_tr_b):
        raise ValueError(
            f"b_train_size must be a whole number from 2 to {len(y_tr_b):,} "
            f"(the images of the pair in the training split), got {b_train_size!r}."
        )
    x_va_a, y_va_a, x_va_b, y_va_b = split_task_a_b(data.x_valid, data.y_valid, (first, second))
    x_te_a, y_te_a, x_te_b, y_te_b = split_task_a_b(data.x_test, data.y_test, (first, second))
    names_a = tuple(n for i, n in enumerate(CLASS_NAMES) if i not in (first, second))
    return TransferTasks(
        x_tr_a,
        y_tr_a,
        x_va_a,
        y_va_a,
        x_te_a,
        y_te_a,
        x_tr_b[:b_train_size],
        y_tr_b[:b_train_size],
        x_va_b,
        y_va_b,
        x_te_b,
        y_te_b,
        class_names_a=names_a,
        class_names_b=(CLASS_NAMES[first], CLASS_NAMES[second]),
    )
