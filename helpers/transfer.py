"""Reusing pretrained layers (notebook 06): clone, swap the head, freeze, fine-tune, compare.

Notebook 06 first does each step by hand; these functions repeat them for the multi-seed
comparisons, so every seed runs exactly the same recipe:

1. ``reuse_layers`` clones a pretrained Sequential model *and its weights* (the original is
   never touched), drops its output layer and puts a new head on top;
2. ``train_reused`` trains the head alone with the reused layers frozen, then unfreezes
   them and fine-tunes everything with a lower learning rate;
3. ``train_from_scratch`` trains the same architecture from random weights;
4. ``compare_over_seeds`` runs both on the same data subsets and seeds and returns the
   accuracies, so the gain is reported as a mean ± standard deviation, not one lucky run.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import keras
import numpy as np

from helpers import config, models
from helpers.checks import check_whole_number
from helpers.seeds import SeedRuns

T = TypeVar("T")


def clone_with_weights(model: keras.Model) -> keras.Model:
    """A new model with the same architecture and a *copy* of the weights (nothing shared)."""
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone


def reuse_layers(
    pretrained: keras.Sequential,
    n_reused: int | None = None,
    n_outputs: int = 1,
    activation: str = "sigmoid",
    name: str = "reused",
) -> keras.Sequential:
    """Clone ``pretrained`` with its weights, keep its first ``n_reused`` layers (default: all
    but the output layer) and add a new Dense head with ``n_outputs`` units."""
    if not isinstance(pretrained, keras.Sequential):
        raise ValueError("reuse_layers needs a keras.Sequential model (build_mlp makes one).")
    clone = clone_with_weights(pretrained)
    available = len(clone.layers) - 1
    n_reused = available if n_reused is None else n_reused
    if not isinstance(n_reused, int) or not 1 <= n_reused <= available:
        raise ValueError(
            f"n_reused must be a whole number from 1 to {available} (the layers below the "
            f"output layer), got {n_reused!r}."
        )
    head = keras.layers.Dense(n_outputs, activation=activation, name=f"{name}_output")
    return keras.Sequential(
        [keras.Input(shape=pretrained.input_shape[1:]), *clone.layers[:n_reused], head], name=name
    )


def set_reused_trainable(model: keras.Sequential, trainable: bool) -> None:
    """Freeze (``False``) or unfreeze (``True``) every layer except the head (the last layer).

    Keras reads ``trainable`` when a model is compiled: compile again after calling this.
    """
    for layer in model.layers[:-1]:
        layer.trainable = trainable


def weights_identical(before: Sequence[np.ndarray], after: Sequence[np.ndarray]) -> bool:
    """True if two weight lists are bit-for-bit equal (same shapes, same values)."""
    return len(before) == len(after) and all(
        a.shape == b.shape and np.array_equal(a, b) for a, b in zip(before, after, strict=True)
    )


@dataclass(frozen=True)
class TransferRecipe:
    """How a reused model is trained: head alone first, then everything at a lower rate."""

    frozen_epochs: int = 3
    fine_tune_epochs: int = 6
    learning_rate: float = 0.02
    fine_tune_learning_rate: float = 0.002
    batch_size: int = 32

    @property
    def epochs(self) -> int:
        """Epochs in total, the budget a model from scratch gets too."""
        return self.frozen_epochs + self.fine_tune_epochs

    @classmethod
    def for_steps(
        cls,
        n_examples: int,
        frozen_steps: int = 21,
        fine_tune_steps: int = 42,
        batch_size: int = 32,
        **rates: float,
    ) -> TransferRecipe:
        """A recipe with about the same number of *steps* whatever the data size (at least one
        epoch per phase), so that tiny and large training sets get a comparable budget."""
        check_whole_number("n_examples", n_examples, minimum=1)
        steps_per_epoch = math.ceil(n_examples / batch_size)
        return cls(
            frozen_epochs=max(1, round(frozen_steps / steps_per_epoch)),
            fine_tune_epochs=max(1, round(fine_tune_steps / steps_per_epoch)),
            batch_size=batch_size,
            **rates,
        )


DEFAULT_RECIPE = TransferRecipe()
EVALUATION_BATCH_SIZE = 2048  # evaluation only: large batches, few calls


@contextlib.contextmanager
def _without_retracing_notice() -> Iterator[None]:
    """Each fresh model traces its training graph once. TensorFlow counts traces per *source
    code* of the traced function, which all Keras models share, so training many fresh models
    in a row looks to it like one function retraced in a loop, and it logs a performance
    warning that does not apply. Its logger shows errors only meanwhile."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _sgd(learning_rate: float) -> keras.optimizers.Optimizer:
    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)


def accuracy(model: keras.Model, data: tuple[np.ndarray, np.ndarray]) -> float:
    """The model's accuracy on (x, y): a sigmoid output counts as class 1 above 0.5, a softmax
    output by its largest probability. Computed by calling the model directly (inference
    mode, large batches): unlike ``evaluate``, this traces no graph, which matters when many
    small models are each evaluated once."""
    x, y = data
    outputs = np.concatenate(
        [
            keras.ops.convert_to_numpy(model(x[i : i + EVALUATION_BATCH_SIZE], training=False))
            for i in range(0, len(x), EVALUATION_BATCH_SIZE)
        ]
    )
    if outputs.shape[-1] == 1:
        predicted = (outputs[:, 0] > 0.5).astype(int)
    else:
        predicted = outputs.argmax(axis=-1)
    return float(np.mean(predicted == np.asarray(y).astype(int)))


def train_reused(
    model: keras.Sequential,
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    recipe: TransferRecipe = DEFAULT_RECIPE,
) -> tuple[float, float]:
    """Train the head with the reused layers frozen, then fine-tune all at a lower rate.

    Returns the validation accuracy after the frozen phase and at the end.
    """
    set_reused_trainable(model, False)
    models.compile_classifier(model, _sgd(recipe.learning_rate))
    with _without_retracing_notice():
        model.fit(*train, epochs=recipe.frozen_epochs, batch_size=recipe.batch_size, verbose=0)
    after_frozen = accuracy(model, valid)
    if recipe.fine_tune_epochs:
        set_reused_trainable(model, True)
        models.compile_classifier(model, _sgd(recipe.fine_tune_learning_rate))
        with _without_retracing_notice():
            model.fit(
                *train, epochs=recipe.fine_tune_epochs, batch_size=recipe.batch_size, verbose=0
            )
    return after_frozen, accuracy(model, valid)


def train_reused_at_rates(
    model: keras.Sequential,
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    fine_tune_rates: Sequence[float],
    recipe: TransferRecipe = DEFAULT_RECIPE,
) -> tuple[float, list[float]]:
    """Train the head once with the reused layers frozen, then fine-tune a separate copy of
    that model at each rate in ``fine_tune_rates`` (instead of the recipe's own rate).

    Returns the validation accuracy after the frozen phase and one per rate at the end: a
    comparison of fine-tuning rates that pays for the frozen phase once.
    """
    rates = tuple(fine_tune_rates)
    if not rates or not all(rate > 0 for rate in rates):
        raise ValueError(f"fine_tune_rates must be one or more rates > 0, got {rates!r}.")
    head_only = TransferRecipe(
        frozen_epochs=recipe.frozen_epochs,
        fine_tune_epochs=0,
        learning_rate=recipe.learning_rate,
        batch_size=recipe.batch_size,
    )
    after_frozen, _ = train_reused(model, train, valid, head_only)
    copies = [clone_with_weights(model) for _ in rates]  # each starts from the same head
    finals = []
    for copy, rate in zip(copies, rates, strict=True):
        set_reused_trainable(copy, True)
        models.compile_classifier(copy, _sgd(rate))
        with _without_retracing_notice():
            copy.fit(
                *train, epochs=recipe.fine_tune_epochs, batch_size=recipe.batch_size, verbose=0
            )
        finals.append(accuracy(copy, valid))
    return after_frozen, finals


def train_from_scratch(
    model: keras.Model,
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    recipe: TransferRecipe = DEFAULT_RECIPE,
) -> float:
    """Train a fresh model for the recipe's total epochs; return its validation accuracy."""
    models.compile_classifier(model, _sgd(recipe.learning_rate))
    with _without_retracing_notice():
        model.fit(*train, epochs=recipe.epochs, batch_size=recipe.batch_size, verbose=0)
    return accuracy(model, valid)


def sample_subset(
    x: np.ndarray, y: np.ndarray, size: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` examples drawn without replacement (a different subset for every seed)."""
    check_whole_number("size", size, minimum=1, maximum=len(x))
    index = config.rng(seed).choice(len(x), size=size, replace=False)
    return x[index], y[index]


def repeat_to_fill(
    train: tuple[np.ndarray, np.ndarray], min_examples: int
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat a tiny training set until it holds at least ``min_examples`` examples.

    Keras pays a fixed overhead per epoch; with 20 examples an epoch is one step, so a
    budget of 60 steps would cost 60 epochs of overhead. Repeating the data k times makes
    one epoch k passes, and the same steps cost far less time.
    """
    x, y = train
    if len(x) == 0:
        raise ValueError("train is empty: give at least one example.")
    repeats = max(1, math.ceil(min_examples / len(x)))
    return np.concatenate([x] * repeats), np.concatenate([y] * repeats)


def scratch_and_reused_on_subset(
    train_pool: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    size: int,
    build_scratch: Callable[[], keras.Model],
    build_reused: Callable[[], keras.Sequential],
    seed: int = 0,
) -> tuple[float, float, float]:
    """Train task B on ``size`` examples of ``train_pool`` (one seed) from scratch and on
    reused layers, for about the same number of steps whatever the size; return the
    validation accuracies (from scratch, reused head only, reused fine-tuned)."""
    train = sample_subset(*train_pool, size=size, seed=seed)
    train = repeat_to_fill(train, 8 * 32)  # tiny sets: fewer, longer epochs
    recipe = TransferRecipe.for_steps(len(train[0]))  # the same steps for every size
    config.set_seed(seed)
    scratch = train_from_scratch(build_scratch(), train, valid, recipe)
    config.set_seed(seed)
    head_only, reused = train_reused(build_reused(), train, valid, recipe)
    return scratch, head_only, reused


@dataclass(frozen=True)
class SeedComparison:
    """Validation accuracies per seed: from scratch, reused (final) and reused after the
    frozen phase (the new head trained on the reused features alone)."""

    seeds: tuple[int, ...]
    scratch: np.ndarray
    reused: np.ndarray
    reused_frozen: np.ndarray

    @property
    def gain(self) -> np.ndarray:
        """Accuracy of the reused model minus the one from scratch, per seed."""
        return self.reused - self.scratch

    def summary(self) -> str:
        """One line: accuracies and the gain as mean ± (sample) standard deviation over seeds."""
        s, r, g = (SeedRuns(self.seeds, v) for v in (self.scratch, self.reused, self.gain))
        return (
            f"{len(self.seeds)} seeds · from scratch {s.mean:.3f} ± {s.std:.3f} · "
            f"reused {r.mean:.3f} ± {r.std:.3f} · gain {100 * g.mean:+.1f} ± "
            f"{100 * g.std:.1f} points"
        )


def scratch_over_seeds(
    build_scratch: Callable[[], keras.Model],
    train_pool: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    size: int,
    seeds: Sequence[int],
    recipe: TransferRecipe = DEFAULT_RECIPE,
) -> np.ndarray:
    """Validation accuracy of a model trained from scratch, one per seed (its own subset)."""
    return np.array(
        _over_seeds(
            lambda train: train_from_scratch(build_scratch(), train, valid, recipe),
            train_pool,
            size,
            seeds,
        )
    )


def reused_over_seeds(
    build_reused: Callable[[], keras.Sequential],
    train_pool: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    size: int,
    seeds: Sequence[int],
    recipe: TransferRecipe = DEFAULT_RECIPE,
) -> tuple[np.ndarray, np.ndarray]:
    """Validation accuracy of a reused model after the frozen phase and at the end, per seed
    (the same subsets as ``scratch_over_seeds`` with the same seeds)."""
    pairs = _over_seeds(
        lambda train: train_reused(build_reused(), train, valid, recipe), train_pool, size, seeds
    )
    frozen, final = zip(*pairs, strict=True)
    return np.array(frozen), np.array(final)


def reused_at_rates_over_seeds(
    build_reused: Callable[[], keras.Sequential],
    train_pool: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    size: int,
    seeds: Sequence[int],
    fine_tune_rates: Sequence[float],
    recipe: TransferRecipe = DEFAULT_RECIPE,
) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """``train_reused_at_rates`` once per seed (the same subsets as ``scratch_over_seeds``):
    the accuracy after the frozen phase per seed, and per fine-tuning rate the final ones."""
    rates = tuple(fine_tune_rates)
    results = _over_seeds(
        lambda train: train_reused_at_rates(build_reused(), train, valid, rates, recipe),
        train_pool,
        size,
        seeds,
    )
    frozen = np.array([after_frozen for after_frozen, _ in results])
    finals = np.array([per_rate for _, per_rate in results])
    return frozen, {rate: finals[:, i] for i, rate in enumerate(rates)}


def _over_seeds(
    train_one: Callable[[tuple[np.ndarray, np.ndarray]], T],
    train_pool: tuple[np.ndarray, np.ndarray],
    size: int,
    seeds: Sequence[int],
) -> list[T]:
    """``train_one(train)`` once per seed: on that seed's own subset of ``size`` examples,
    with every random generator seeded first."""
    results = []
    for seed in _check_seeds(seeds):
        train = sample_subset(*train_pool, size=size, seed=seed)
        config.set_seed(seed)
        results.append(train_one(train))
    return results


def _check_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed, e.g. range(5).")
    return seeds


def compare_over_seeds(
    build_scratch: Callable[[], keras.Model] | None,
    build_reused: Callable[[], keras.Sequential],
    train_pool: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    size: int,
    seeds: Sequence[int],
    recipe: TransferRecipe = DEFAULT_RECIPE,
    scratch: np.ndarray | None = None,
) -> SeedComparison:
    """For each seed: draw ``size`` training examples, train a model from scratch and a reused
    one on them (same seed, same number of epochs in total), and record both accuracies.

    Pass ``scratch`` (from an earlier call with the same seeds, size and recipe) to compare
    another pretrained model against the same from-scratch runs without training them again;
    ``build_scratch`` may then be None.
    """
    seeds = _check_seeds(seeds)
    if scratch is None:
        if build_scratch is None:
            raise ValueError("give build_scratch, or the scratch accuracies of an earlier call.")
        scratch = scratch_over_seeds(build_scratch, train_pool, valid, size, seeds, recipe)
    elif len(scratch) != len(seeds):
        raise ValueError(f"scratch has {len(scratch)} accuracies for {len(seeds)} seeds.")
    frozen, reused = reused_over_seeds(build_reused, train_pool, valid, size, seeds, recipe)
    return SeedComparison(seeds, np.asarray(scratch), reused, frozen)


__all__ = [
    "DEFAULT_RECIPE",
    "SeedComparison",
    "TransferRecipe",
    "accuracy",
    "clone_with_weights",
    "compare_over_seeds",
    "repeat_to_fill",
    "reuse_layers",
    "reused_at_rates_over_seeds",
    "reused_over_seeds",
    "sample_subset",
    "scratch_and_reused_on_subset",
    "scratch_over_seeds",
    "set_reused_trainable",
    "train_from_scratch",
    "train_reused",
    "train_reused_at_rates",
    "weights_identical",
]
