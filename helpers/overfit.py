"""A regime that really overfits, shared by notebooks 09 to 11.

1,000 images, a net with 86,000 weights, 40 epochs: what a regularizer (l1/l2, max-norm,
dropout) does to the validation numbers, measured over seeds, with every contender trained
side by side as towers of one Keras model.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np

from helpers import config
from helpers.checks import check_choice, check_in_range, check_whole_number
from helpers.seeds import SeedRuns, check_seeds


@dataclass(frozen=True)
class OverfitSetup:
    """Few images, a wide net, many epochs, no early stopping: a net that memorizes.

    SGD with momentum; the learning rate falls linearly to 0 over the run, so the last
    epochs settle instead of bouncing (the final numbers are the run's, not one noisy step's).
    """

    train_size: int = 1_000
    valid_size: int = 2_000
    widths: tuple[int, ...] = (96, 96)
    epochs: int = 40
    learning_rate: float = 0.1
    momentum: float = 0.9
    batch_size: int = 128
    eval_every: int = 10
    early_evals: tuple[int, ...] = (1, 5)  # scored too: where the curves move fastest

    def __post_init__(self) -> None:
        for name in ("train_size", "valid_size", "epochs", "batch_size", "eval_every"):
            value = getattr(self, name)
            check_whole_number(name, value, minimum=1)
        if not self.widths or min(self.widths) < 1:
            raise ValueError(f"widths must be one or more layer sizes ≥ 1, got {self.widths!r}.")
        if not self.learning_rate > 0 or not 0 <= self.momentum < 1:
            raise ValueError(
                f"need learning_rate > 0 and momentum in [0, 1), got {self.learning_rate!r} "
                f"and {self.momentum!r}."
            )


CONTENDER_KEYS = ("regularizer", "constraint", "dropout")
METRICS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")


def _tower_name(name: str) -> str:
    return "t_" + "".join(c if c.isalnum() else "_" for c in name)


def _check_contenders(contenders: Mapping[str, Mapping[str, object]]) -> None:
    if not contenders:
        raise ValueError("contenders is empty; give e.g. {'none': {}, 'l2': {'regularizer': …}}.")
    names = [_tower_name(n) for n in contenders]
    if len(set(names)) != len(names):
        raise ValueError(
            f"contender names must differ in their letters and digits: {list(contenders)}"
        )
    for name, settings in contenders.items():
        unknown = set(settings) - set(CONTENDER_KEYS)
        if unknown:
            raise ValueError(
                f"contender {name!r} has unknown settings {sorted(unknown)}; allowed: "
                f"{', '.join(CONTENDER_KEYS)}."
            )
        check_in_range("dropout", float(settings.get("dropout", 0.0)), 0.0, 1.0)


def build_overfit_towers(
    contenders: Mapping[str, Mapping[str, object]],
    widths: Sequence[int] = (96, 96),
    input_shape: tuple[int, ...] = (28, 28),
    n_classes: int = 10,
) -> keras.Model:
    """One ReLU MLP (a tower) per contender side by side, all starting from the same weights.

    Each contender is a dict with optional ``regularizer`` and ``constraint`` (on every
    kernel) and ``dropout`` (a rate, after every hidden layer). One output per tower, named
    after it; trained with one loss per output, each tower gets exactly its own gradient.
    """
    _check_contenders(contenders)
    inputs = keras.Input(shape=input_shape)
    flat = keras.layers.Flatten()(inputs)
    outputs, dense_layers = [], []
    for name, settings in contenders.items():
        tower = _tower_name(name)
        dense = functools.partial(
            keras.layers.Dense,
            kernel_initializer="he_normal",
            kernel_regularizer=settings.get("regularizer"),
            kernel_constraint=settings.get("constraint"),
        )
        layers = [
            dense(width, activation="relu", name=f"{tower}_hidden_{i}")
            for i, width in enumerate(widths, start=1)
        ]
        layers.append(dense(n_classes, activation="softmax", name=tower))
        x = flat
        for i, layer in enumerate(layers, start=1):
            x = layer(x)
            if i < len(layers) and settings.get("dropout", 0.0):
                x = keras.layers.Dropout(settings["dropout"], name=f"{tower}_dropout_{i}")(x)
        outputs.append(x)
        dense_layers.append(layers)
    model = keras.Model(inputs, outputs, name="towers")
    # Same starting weights in every tower: the contenders differ only in their regularizer.
    for layers in dense_layers[1:]:
        for source, target in zip(dense_layers[0], layers, strict=True):
            target.set_weights(source.get_weights())
    return model


@dataclass
class OverfitResult:
    """Learning curves of every contender under every seed, and the trained models."""

    names: tuple[str, ...]
    seeds: tuple[int, ...]
    setup: OverfitSetup
    eval_epochs: np.ndarray  # epochs (1-based) at which the curves were measured
    curves: dict[str, dict[str, np.ndarray]]  # name → metric → (n_seeds, n_evals)
    reported_loss: dict[str, np.ndarray]  # name → (n_seeds, epochs): Keras's, dropout on
    models: list[keras.Model] = field(repr=False)
    valid: tuple[np.ndarray, np.ndarray] = field(repr=False)

    def final(self, name: str, metric: str) -> SeedRuns:
        """The last-epoch value of ``metric`` for contender ``name``, one per seed."""
        check_choice("contender", name, self.names)
        if metric == "gap":  # validation loss minus training loss, both with dropout off
            values = self.curves[name]["val_loss"][:, -1] - self.curves[name]["train_loss"][:, -1]
        else:
            check_choice("metric", metric, (*METRICS, "gap"))
            values = self.curves[name][metric][:, -1]
        return SeedRuns(self.seeds, np.asarray(values, dtype=float))

    def tower(self, name: str, seed_index: int = 0) -> keras.Sequential:
        """Contender ``name``'s trained net under seed number ``seed_index``, on its own.

        A Sequential of the tower's own (shared, trained) layers, so that
        ``uncertainty.mc_predict`` computes the part before the first dropout only once.
        """
        check_choice("contender", name, self.names)
        if not 0 <= seed_index < len(self.seeds):
            raise ValueError(
                f"seed_index must be in [0, {len(self.seeds) - 1}], got {seed_index!r}."
            )
        model, prefix = self.models[seed_index], _tower_name(name)
        own = [
            layer
            for layer in model.layers
            if layer.name == prefix
            or layer.name.startswith((f"{prefix}_hidden_", f"{prefix}_dropout_"))
        ]
        return keras.Sequential(
            [keras.Input(shape=model.input_shape[1:]), keras.layers.Flatten(), *own],
            name=prefix,
        )

    def mean_runs(self) -> dict[str, dict[str, object]]:
        """Seed-averaged curves per contender, as the dropout-rate widget reads them."""
        return {
            name: {
                "loss": self.reported_loss[name].mean(axis=0).tolist(),
                "honest_loss": self.curves[name]["train_loss"].mean(axis=0).tolist(),
                "honest_accuracy": self.curves[name]["train_accuracy"].mean(axis=0).tolist(),
                "val_loss": self.curves[name]["val_loss"].mean(axis=0).tolist(),
                "val_accuracy": self.curves[name]["val_accuracy"].mean(axis=0).tolist(),
                "eval_epochs": self.eval_epochs.tolist(),
            }
            for name in self.names
        }

    def table(self) -> str:
        """Mean ± std over seeds of the last epoch's numbers, one row per contender."""
        header = (
            f"{'':>14}  {'val. accuracy':>22}  {'val. loss':>22}  {'train loss':>22}  "
            f"{'gap (val − train loss)':>22}"
        )
        rows = [header]
        for name in self.names:
            cells = [
                self.final(name, m).format(3)
                for m in ("val_accuracy", "val_loss", "train_loss", "gap")
            ]
            rows.append(f"{name:>14}  " + "  ".join(f"{c:>22}" for c in cells))
        return "\n".join(rows)


def _cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1.0)).mean())


def train_overfit_regime(
    contenders: Mapping[str, Mapping[str, object]],
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_valid: np.ndarray,
    y_valid: np.ndarray,
    seeds: Sequence[int] = (0, 1, 2),
    setup: OverfitSetup | None = None,
) -> OverfitResult:
    """Train every contender under every seed in the overfitting regime; curves and models.

    Per seed (``config.set_seed``, so DNN_SEED shifts it): ``setup.train_size`` images drawn
    from ``x_train`` with ``config.rng(seed)``, one model holding a tower per contender (same
    starting weights, same batches), SGD + momentum with the learning rate decayed linearly
    to 0. Every ``eval_every`` epochs, after the ``early_evals`` epochs and after the last,
    the training images and the first ``valid_size`` validation images are scored with
    dropout off.
    """
    setup = OverfitSetup() if setup is None else setup
    seeds = check_seeds(seeds)
    _check_contenders(contenders)
    if setup.train_size > len(x_train) or setup.valid_size > len(x_valid):
        raise ValueError(
            f"the setup asks for {setup.train_size:,} training and {setup.valid_size:,} validation "
            f"images; the data hold {len(x_train):,} and {len(x_valid):,}."
        )
    names = tuple(contenders)
    x_va, y_va = x_valid[: setup.valid_size], np.asarray(y_valid[: setup.valid_size])
    every = range(setup.eval_every, setup.epochs + 1, setup.eval_every)
    early = (e for e in setup.early_evals if 1 <= e <= setup.epochs)
    eval_epochs = sorted({setup.epochs, *early, *every})
    curves = {n: {m: np.zeros((len(seeds), len(eval_epochs))) for m in METRICS} for n in names}
    reported = {n: np.zeros((len(seeds), setup.epochs)) for n in names}
    models = []
    for s, seed in enumerate(seeds):
        config.set_seed(seed)
        chosen = config.rng(seed).choice(len(x_train), setup.train_size, replace=False)
        x_tr, y_tr = x_train[chosen], np.asarray(y_train[chosen])
        model = build_overfit_towers(contenders, setup.widths, tuple(x_train.shape[1:]))
        steps_per_epoch = int(np.ceil(setup.train_size / setup.batch_size))
        steps = setup.epochs * steps_per_epoch
        model.compile(
            steps_per_execution=steps_per_epoch,  # one graph call per epoch: less Python per step
            loss=["sparse_categorical_crossentropy"] * len(names),
            optimizer=keras.optimizers.SGD(
                learning_rate=keras.optimizers.schedules.PolynomialDecay(
                    setup.learning_rate, steps, end_learning_rate=0.0
                ),
                momentum=setup.momentum,
            ),
        )

        def score(epoch: int, logs: object = None, s: int = s, model=model, x_tr=x_tr, y_tr=y_tr):
            if epoch + 1 not in eval_epochs:
                return
            column = eval_epochs.index(epoch + 1)
            for x, y, split in ((x_tr, y_tr, "train"), (x_va, y_va, "val")):
                outputs = model(x, training=False)
                for name, p in zip(names, outputs, strict=True):
                    p = keras.ops.convert_to_numpy(p)
                    curves[name][f"{split}_loss"][s, column] = _cross_entropy(p, y)
                    curves[name][f"{split}_accuracy"][s, column] = float((p.argmax(1) == y).mean())

        history = model.fit(
            x_tr,
            [y_tr] * len(names),
            epochs=setup.epochs,
            batch_size=setup.batch_size,
            callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=score)],
            verbose=0,
        ).history
        for name in names:
            key = f"{_tower_name(name)}_loss" if len(names) > 1 else "loss"
            reported[name][s] = history[key]
        models.append(model)
    return OverfitResult(
        names, seeds, setup, np.asarray(eval_epochs), curves, reported, models, (x_va, y_va)
    )
