"""Weight penalties and constraints: measuring their effect, and a fast sweep of strengths.

The penalties themselves are Keras's (``keras.regularizers.l1``/``l2``/``L1L2``) and the
constraint is ``keras.constraints.MaxNorm``; notebook 09 writes them out in NumPy and
checks them against Keras. What lives here is measuring (how sparse, how large) and
the plumbing of the penalty-strength widget: many softmax regressions, one per
strength, trained at once in a single Keras model; dropout in NumPy; and a regime that
really overfits (1,000 images, a net with 86,000 weights, 40 epochs), shared by notebooks
09 to 11 to measure over seeds what a regularizer does to validation numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np
from keras import ops

from helpers import config
from helpers.seeds import SeedRuns, check_seeds

PENALTY_KINDS = ("l1", "l2")


def near_zero_fraction(
    weights: np.ndarray | Sequence[np.ndarray], threshold: float = 1e-3
) -> float:
    """Fraction of weights with |w| < threshold (one array or a list of arrays)."""
    if threshold <= 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}.")
    arrays = [weights] if isinstance(weights, np.ndarray) else list(weights)
    if not arrays:
        raise ValueError("weights is empty: give an array or a non-empty list of arrays.")
    flat = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    return float((np.abs(flat) < threshold).mean())


def kernels(model: keras.Model) -> list[np.ndarray]:
    """The kernels (weight matrices, not biases) of every Dense layer of a model, in order."""
    found = [
        layer.get_weights()[0] for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ]
    if not found:
        raise ValueError(f"model {model.name!r} has no Dense layer.")
    return found


def unit_norms(kernel: np.ndarray, axis: int = 0) -> np.ndarray:
    """Euclidean norm of each unit's weight vector: along ``axis`` (0 = incoming weights).

    A Dense kernel has shape (n_inputs, n_units); ``axis=0`` gives one norm per unit,
    the vector ``keras.constraints.MaxNorm(axis=0)`` keeps at most ``max_value``.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be 2-D (n_inputs, n_units), got shape {kernel.shape}.")
    if axis not in (0, 1):
        raise ValueError(f"axis must be 0 (per unit) or 1 (per input), got {axis!r}.")
    return np.sqrt((kernel.astype(np.float64) ** 2).sum(axis=axis))


def penalty(kernel: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> float:
    """What ``keras.regularizers.L1L2(l1, l2)`` adds to the loss: l1·Σ|w| + l2·Σw²."""
    if l1 < 0 or l2 < 0:
        raise ValueError(f"l1 and l2 must be ≥ 0, got l1={l1!r}, l2={l2!r}.")
    w = np.asarray(kernel, dtype=np.float64)
    return float(l1 * np.abs(w).sum() + l2 * (w**2).sum())


class LargestUnitNorm(keras.callbacks.Callback):
    """The largest incoming-weight norm over all units of all Dense layers: once before
    training (``initial``) and after every ``every``-th training step (``after_step``)."""

    def __init__(self, every: int = 1) -> None:
        super().__init__()
        if not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be a whole number ≥ 1, got {every!r}.")
        self.every = int(every)
        self.initial = float("nan")
        self.after_step: list[float] = []
        self.steps: list[int] = []
        self._kernels: list = []
        self._step = 0

    def _largest(self) -> float:
        # On the variables, in the backend: one number per step leaves it, not the weights.
        return float(
            max(
                keras.ops.convert_to_numpy(ops.max(ops.sqrt(ops.sum(ops.square(k), axis=0))))
                for k in self._kernels
            )
        )

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._kernels = [
            layer.kernel for layer in self.model.layers if isinstance(layer, keras.layers.Dense)
        ]
        if not self._kernels:
            raise ValueError(f"model {self.model.name!r} has no Dense layer to watch.")
        self.initial = self._largest()
        self.after_step, self.steps, self._step = [], [], 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._step += 1
        if self._step % self.every == 0:
            self.after_step.append(self._largest())
            self.steps.append(self._step)


@keras.saving.register_keras_serializable(package="course")
class PerHeadPenalty(keras.regularizers.Regularizer):
    """l1/l2 penalties with one strength per block of ``n_classes`` output columns (a head)."""

    def __init__(self, l1: Sequence[float], l2: Sequence[float], n_classes: int) -> None:
        if len(l1) != len(l2):
            raise ValueError(f"l1 and l2 need one strength per head, got {len(l1)} and {len(l2)}.")
        if min(*l1, *l2) < 0:
            raise ValueError("strengths must be ≥ 0.")
        self.l1 = [float(v) for v in l1]
        self.l2 = [float(v) for v in l2]
        self.n_classes = int(n_classes)

    def __call__(self, kernel):
        l1 = ops.repeat(ops.convert_to_tensor(self.l1, dtype=kernel.dtype), self.n_classes)
        l2 = ops.repeat(ops.convert_to_tensor(self.l2, dtype=kernel.dtype), self.n_classes)
        per_column_l1 = ops.sum(ops.abs(kernel), axis=0)
        per_column_l2 = ops.sum(ops.square(kernel), axis=0)
        return ops.sum(l1 * per_column_l1) + ops.sum(l2 * per_column_l2)

    def get_config(self) -> dict[str, object]:
        return {"l1": self.l1, "l2": self.l2, "n_classes": self.n_classes}


def _summed_cross_entropy(y_true, y_pred):
    # (batch, heads) labels vs (batch, heads, classes): the sum over heads gives each head
    # exactly the gradient it would get alone, so the heads train as separate models.
    per_head = keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
    return ops.sum(per_head, axis=-1)


@dataclass(frozen=True)
class PenaltySweep:
    """Softmax regressions trained at several penalty strengths (one row per strength)."""

    kind: str
    strengths: tuple[float, ...]
    kernels: np.ndarray  # (n_strengths, n_inputs, n_classes)
    val_accuracy: np.ndarray  # (n_strengths,)

    def near_zero(self, threshold: float = 1e-3) -> np.ndarray:
        """Fraction of near-zero weights at each strength."""
        return np.array([near_zero_fraction(k, threshold) for k in self.kernels])


def _check_sweep(strengths: Sequence[float], kinds: Sequence[str]) -> list[float]:
    from helpers.models import check_choice

    if not kinds:
        raise ValueError(f"kinds must name at least one of {PENALTY_KINDS!r}.")
    for kind in kinds:
        check_choice("penalty kind", kind, PENALTY_KINDS)
    values = [float(s) for s in strengths]
    if not values or min(values) < 0:
        raise ValueError(f"strengths must be a non-empty list of values ≥ 0, got {strengths!r}.")
    return values


def build_penalty_sweep_model(
    strengths: Sequence[float],
    input_shape: tuple[int, ...],
    kinds: Sequence[str] = PENALTY_KINDS,
    n_classes: int = 10,
) -> keras.Model:
    """One Dense layer holding a softmax regression (a head) per (kind, strength) pair.

    Heads are ordered kind by kind: all strengths of ``kinds[0]``, then of ``kinds[1]``.
    """
    values = _check_sweep(strengths, kinds)
    l1 = [s if kind == "l1" else 0.0 for kind in kinds for s in values]
    l2 = [s if kind == "l2" else 0.0 for kind in kinds for s in values]
    regularizer = PerHeadPenalty(l1=l1, l2=l2, n_classes=n_classes)
    n_heads = len(l1)
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(n_heads * n_classes, kernel_regularizer=regularizer, name="heads"),
            keras.layers.Reshape((n_heads, n_classes)),
            keras.layers.Softmax(axis=-1),
        ],
        name="penalty_sweep",
    )


def train_penalty_sweep(
    strengths: Sequence[float],
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_valid: np.ndarray,
    y_valid: np.ndarray,
    kinds: Sequence[str] = PENALTY_KINDS,
    epochs: int = 3,
    learning_rate: float = 0.05,
    batch_size: int = 128,
    decay_to_zero: bool = True,
) -> dict[str, PenaltySweep]:
    """Train a softmax regression per (kind, strength) in one model; {kind: PenaltySweep}.

    The loss is the *sum* of the heads' cross-entropies, so each head receives exactly
    the gradient it would get if it were trained alone (SGD + momentum 0.9). With
    ``decay_to_zero`` the learning rate falls linearly to 0 over the run: l1's constant
    push makes a weight it has zeroed jitter around 0 by about η·λ/(1 − momentum) per
    step, so only a vanishing η lets those weights settle below a fixed threshold.
    """
    values = _check_sweep(strengths, kinds)
    model = build_penalty_sweep_model(values, tuple(x_train.shape[1:]), kinds)
    n_heads = len(values) * len(kinds)
    steps = epochs * int(np.ceil(len(x_train) / batch_size))
    rate = (
        keras.optimizers.schedules.PolynomialDecay(learning_rate, steps, end_learning_rate=0.0)
        if decay_to_zero
        else learning_rate
    )
    model.compile(
        loss=_summed_cross_entropy,
        optimizer=keras.optimizers.SGD(learning_rate=rate, momentum=0.9),
    )
    model.fit(
        x_train,
        np.repeat(np.asarray(y_train)[:, None], n_heads, axis=1),
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
    )
    # Direct calls, not predict(): predict traces a new graph for every new model, and TensorFlow
    # warns about the retracing when a notebook trains several sweeps.
    probabilities = np.concatenate(
        [
            keras.ops.convert_to_numpy(model(x_valid[start : start + 2048], training=False))
            for start in range(0, len(x_valid), 2048)
        ]
    )  # (n, heads, classes)
    accuracy = (probabilities.argmax(axis=-1) == np.asarray(y_valid)[:, None]).mean(axis=0)
    kernel = model.get_layer("heads").get_weights()[0]  # (n_inputs, heads·classes)
    per_head = kernel.reshape(kernel.shape[0], n_heads, -1).transpose(1, 0, 2)
    n = len(values)
    return {
        kind: PenaltySweep(
            kind, tuple(values), per_head[i * n : (i + 1) * n], accuracy[i * n : (i + 1) * n]
        )
        for i, kind in enumerate(kinds)
    }


# --- dropout in NumPy (notebook 10) -------------------------------------------------------

DROPOUT_KINDS = ("none", "standard", "alpha")


def _check_rate(rate: float) -> float:
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1), got {rate!r}.")
    return float(rate)


def inverted_dropout(
    a: np.ndarray, rate: float, rng: np.random.Generator, training: bool = True
) -> np.ndarray:
    """Zero each entry with probability ``rate`` and divide the kept ones by 1 − rate.

    At inference (``training=False``) the input passes unchanged: the scaling during
    training already keeps every unit's expected value equal to its inference value.
    """
    rate = _check_rate(rate)
    a = np.asarray(a)
    if not training or rate == 0.0:
        return a
    keep = rng.random(a.shape) >= rate
    return np.where(keep, a / (1.0 - rate), 0.0).astype(a.dtype, copy=False)


def alpha_dropout(
    a: np.ndarray, rate: float, rng: np.random.Generator, training: bool = True
) -> np.ndarray:
    """Alpha dropout (Klambauer et al., 2017): dropped entries go to SELU's floor −λα, then
    an affine map a·x + b restores mean 0 and variance 1 for standardized inputs."""
    from helpers.activations import selu_constants

    rate = _check_rate(rate)
    a = np.asarray(a)
    if not training or rate == 0.0:
        return a
    scale, alpha = selu_constants()
    floor = -scale * alpha
    factor = ((1.0 - rate) * (1.0 + rate * floor**2)) ** -0.5
    shift = -factor * floor * rate
    keep = rng.random(a.shape) >= rate
    return (factor * np.where(keep, a, floor) + shift).astype(a.dtype, copy=False)


def selu_stack_statistics(
    rate: float,
    kind: str = "alpha",
    n_layers: int = 30,
    n_units: int = 100,
    n_samples: int = 500,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of the activations after each layer of a deep SELU net (LeCun-normal
    weights, N(0, 1) inputs) with ``kind`` dropout ("none", "standard", "alpha") before
    every layer, in training mode. Returns two arrays of length ``n_layers``."""
    from helpers.models import check_choice

    check_choice("dropout kind", kind, DROPOUT_KINDS)
    rate = _check_rate(rate)
    for name, value in (("n_layers", n_layers), ("n_units", n_units), ("n_samples", n_samples)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}.")
    means, stds = _selu_stack(
        round(rate, 10), kind, int(n_layers), int(n_units), int(n_samples), int(seed)
    )
    return np.array(means), np.array(stds)


@functools.lru_cache(maxsize=256)
def _selu_stack(
    rate: float, kind: str, n_layers: int, n_units: int, n_samples: int, seed: int
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    # Cached: a slider revisits the same few rates, and the answer depends on nothing else.
    from helpers.activations import selu

    rng = config.rng(seed)
    a = rng.standard_normal((n_samples, n_units)).astype(np.float32)
    drop = {"none": None, "standard": inverted_dropout, "alpha": alpha_dropout}[kind]
    means, stds = np.empty(n_layers), np.empty(n_layers)
    for layer in range(n_layers):
        if drop is not None:
            a = drop(a, rate, rng)
        weights = rng.normal(0.0, 1.0 / np.sqrt(n_units), (n_units, n_units)).astype(np.float32)
        a = selu(a @ weights)
        means[layer], stds[layer] = a.mean(), a.std()
    return tuple(means.tolist()), tuple(stds.tolist())


# --- a regime that overfits (notebooks 09, 10, 11) -------------------------------------------


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
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}.")
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
        _check_rate(float(settings.get("dropout", 0.0)))


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
        from helpers.models import check_choice

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
        from helpers.models import check_choice

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


__all__ = [
    "CONTENDER_KEYS",
    "DROPOUT_KINDS",
    "PENALTY_KINDS",
    "OverfitResult",
    "OverfitSetup",
    "PenaltySweep",
    "PerHeadPenalty",
    "alpha_dropout",
    "build_overfit_towers",
    "build_penalty_sweep_model",
    "inverted_dropout",
    "kernels",
    "near_zero_fraction",
    "penalty",
    "selu_stack_statistics",
    "train_overfit_regime",
    "train_penalty_sweep",
    "unit_norms",
]
