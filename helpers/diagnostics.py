"""Per-layer statistics of a Keras model: activations, saturation, dead units, gradient norms.

Works on any ``keras.Sequential`` (and on the MLPs of ``helpers.models``): the batch is
pushed through the layers one at a time, so every layer's input and output can be seen.
An *activation site* is where a nonlinearity acts: an ``Activation``/``PReLU``/… layer, or a
``Dense`` layer with a built-in activation other than linear.

Pictures: per-layer histograms (``plot_activation_histograms``, after Glorot & Bengio 2010),
gradient norm against depth (``plot_gradient_norms_vs_depth``), and histograms over training
(``ActivationHistogramHistory`` callback + ``plot_colorful_dimension``). For knobs that must
answer in milliseconds, ``numpy_mlp_signals`` runs a fresh deep net's forward and backward pass
in NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from helpers import config

ACTIVATION_LAYER_TYPES = (
    keras.layers.Activation,
    keras.layers.PReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.ReLU,
)
# A unit is "saturated" for an input when its local slope f'(z) is below this share of the
# activation's steepest slope: the gradient through it is then nearly switched off.
SATURATION_SLOPE_SHARE = 0.1


@dataclass(frozen=True)
class ActivationSite:
    """One nonlinearity in the net: its name, its input z and its output a = f(z) on a batch."""

    name: str
    z: np.ndarray
    a: np.ndarray
    slope: np.ndarray  # f'(z), elementwise


@dataclass(frozen=True)
class LayerStatistics:
    """Summary of one activation site on a batch."""

    name: str
    mean: float
    std: float
    fraction_saturated: float
    fraction_dead: float


def _is_linear(activation: object) -> bool:
    return getattr(activation, "__name__", "") == "linear"


def _elementwise_slope(function, z: tf.Tensor) -> tf.Tensor:
    with tf.GradientTape() as tape:
        tape.watch(z)
        out = function(z)
    return tape.gradient(out, z)


def _walk_sites(model: keras.Model, x: np.ndarray, with_slopes: bool) -> list[ActivationSite]:
    if not isinstance(model, keras.Sequential):
        raise ValueError("activation_sites needs a keras.Sequential model (build_mlp makes one).")
    h = tf.convert_to_tensor(x, dtype="float32")
    sites = []
    for layer in model.layers:
        if isinstance(layer, ACTIVATION_LAYER_TYPES):
            z = h
            function = lambda t, layer=layer: layer(t, training=False)  # noqa: E731
        elif isinstance(layer, keras.layers.Dense) and not _is_linear(layer.activation):
            z = tf.matmul(h, layer.kernel)
            if layer.use_bias:
                z = z + layer.bias
            function = layer.activation
        else:
            h = layer(h, training=False)
            continue
        h = function(z)
        slope = _elementwise_slope(function, z).numpy() if with_slopes else np.empty(0)
        sites.append(ActivationSite(layer.name, z.numpy(), h.numpy(), slope))
    return sites


def activation_sites(model: keras.Model, x: np.ndarray) -> list[ActivationSite]:
    """Each nonlinearity of a Sequential model with z, a and f'(z) on batch ``x`` (inference)."""
    return _walk_sites(model, x, with_slopes=True)


def _peak_slope(site: ActivationSite) -> float:
    return float(np.max(np.abs(site.slope))) if site.slope.size else 0.0


def layer_statistics(
    model: keras.Model, x: np.ndarray, exclude_output: bool = True
) -> list[LayerStatistics]:
    """Mean, std, fraction saturated and fraction of dead units at every activation site.

    *Saturated*: share of (example, unit) entries whose slope f'(z) is below 10 % of the
    activation's peak slope on a wide grid of z. *Dead*: share of units that output
    exactly the same value (0 for ReLU) for every example of the batch.
    """
    sites = activation_sites(model, x)
    if exclude_output:
        sites = [s for s in sites if s.name != "output"]
    stats = []
    for site in sites:
        peak = _grid_peak_slope(model, site.name) or _peak_slope(site)
        saturated = (
            float(np.mean(np.abs(site.slope) < SATURATION_SLOPE_SHARE * peak)) if peak else 0.0
        )
        constant_units = np.all(site.a == site.a[:1], axis=0)
        stats.append(
            LayerStatistics(
                name=site.name,
                mean=float(site.a.mean()),
                std=float(site.a.std()),
                fraction_saturated=saturated,
                fraction_dead=float(np.mean(constant_units)),
            )
        )
    return stats


def _grid_peak_slope(model: keras.Model, name: str) -> float:
    """The steepest slope of a layer's activation, found on z in [-10, 10] (all units alike)."""
    layer = model.get_layer(name)
    grid = tf.reshape(tf.linspace(-10.0, 10.0, 2001), (-1, 1))
    if isinstance(layer, keras.layers.Dense):
        function = layer.activation
    elif isinstance(layer, keras.layers.PReLU):
        return 1.0  # slope 1 for z > 0; per-unit α below
    else:
        function = layer
    try:
        slope = _elementwise_slope(lambda t: function(t), grid)
    except (ValueError, tf.errors.InvalidArgumentError):
        return 0.0
    return float(tf.reduce_max(tf.abs(slope)))


def _loss_function(model: keras.Model):
    if getattr(model, "loss", None):
        return keras.losses.get(model.loss) if isinstance(model.loss, str) else model.loss
    return keras.losses.SparseCategoricalCrossentropy()


def gradient_norms_per_layer(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    training: bool = False,
) -> dict[str, float]:
    """‖∂L/∂W‖ (Frobenius norm) of every Dense kernel, first layer first, on one batch.

    The loss is the model's compiled loss, or sparse categorical cross-entropy if the model
    is not compiled. ``training=True`` runs BN and dropout as in a training step.
    """
    loss_fn = _loss_function(model)
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not kernels:
        raise ValueError("gradient_norms_per_layer found no Dense layer in the model.")
    names = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    with tf.GradientTape() as tape:
        predictions = model(x, training=training)
        loss = tf.reduce_mean(loss_fn(y, predictions))  # a string loss gives per-example values
    grads = tape.gradient(loss, kernels)
    return {name: float(tf.norm(g)) for name, g in zip(names, grads, strict=True)}


def weight_snapshot(model: keras.Model) -> dict[str, np.ndarray]:
    """A copy of every Dense kernel, by layer name (to measure how far training moved it)."""
    return {
        layer.name: layer.get_weights()[0]
        for layer in model.layers
        if isinstance(layer, keras.layers.Dense)
    }


def relative_weight_change(
    before: dict[str, np.ndarray], after: dict[str, np.ndarray]
) -> dict[str, float]:
    """‖W_after − W_before‖ / ‖W_before‖ for each layer present in both snapshots."""
    missing = sorted(set(before) ^ set(after))
    if missing:
        raise ValueError(f"snapshots name different layers: {missing}.")
    return {
        name: float(np.linalg.norm(after[name] - before[name]) / np.linalg.norm(before[name]))
        for name in before
    }


class GradientNormHistory(keras.callbacks.Callback):
    """Record ‖∂L/∂W‖ per Dense layer on a fixed probe batch during training.

    Every ``every_n_batches`` training steps, the gradient norms are computed on
    (``x_probe``, ``y_probe``) and appended to ``self.history[layer_name]`` (with the global
    step in ``self.steps``). With ``log_dir``, they are also written for TensorBoard as
    scalars ``gradient_norm/<layer>``.
    """

    def __init__(
        self,
        x_probe: np.ndarray,
        y_probe: np.ndarray,
        every_n_batches: int = 50,
        log_dir: str | Path | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(every_n_batches, int) or every_n_batches < 1:
            raise ValueError(
                f"every_n_batches must be a whole number ≥ 1, got {every_n_batches!r}."
            )
        self.x_probe, self.y_probe = x_probe, y_probe
        self.every_n_batches = every_n_batches
        self.log_dir = None if log_dir is None else Path(log_dir)
        self.history: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self._step = 0
        self._writer = None

    def on_train_begin(self, logs=None) -> None:
        if self.log_dir is not None:
            self._writer = tf.summary.create_file_writer(str(self.log_dir))
        self._measure()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._step += 1
        if self._step % self.every_n_batches == 0:
            self._measure()

    def on_train_end(self, logs=None) -> None:
        if self._writer is not None:
            self._writer.flush()
            self._writer.close()
            self._writer = None

    def _measure(self) -> None:
        norms = gradient_norms_per_layer(self.model, self.x_probe, self.y_probe, training=False)
        self.steps.append(self._step)
        for name, value in norms.items():
            self.history.setdefault(name, []).append(value)
        if self._writer is not None:
            with self._writer.as_default(step=self._step):
                for name, value in norms.items():
                    tf.summary.scalar(f"gradient_norm/{name}", value)

    def as_array(self, layer_names: Sequence[str] | None = None) -> np.ndarray:
        """The history as an array of shape (n_measurements, n_layers)."""
        names = list(self.history) if layer_names is None else list(layer_names)
        return np.array([self.history[name] for name in names]).T


# --- pictures of per-layer statistics ---------------------------------------------------------

HISTOGRAM_QUANTITIES = ("a", "z", "slope")


def _depth_colors(n: int) -> list:
    return [plt.get_cmap("viridis")(v) for v in np.linspace(0.0, 0.9, max(n, 1))]


def plot_activation_histograms(
    sites: Sequence[ActivationSite],
    quantity: str = "a",
    bins: int = 50,
    value_range: tuple[float, float] | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    log_density: bool = False,
) -> plt.Figure:
    """Normalized histograms of every layer's activations, overlaid and colored by depth.

    In the spirit of Glorot & Bengio (2010, fig. 6): one outline per layer, dark for the
    first layer and light for the last, so a drift with depth is visible at a glance.
    ``quantity`` is ``'a'`` (outputs f(z)), ``'z'`` (pre-activations) or ``'slope'`` (f'(z)).
    """
    if quantity not in HISTOGRAM_QUANTITIES:
        raise ValueError(
            f"Unknown quantity {quantity!r}; choose one of "
            f"{', '.join(repr(q) for q in HISTOGRAM_QUANTITIES)}."
        )
    if not sites:
        raise ValueError("sites is empty: pass what activation_sites(model, x) returns.")
    values = [np.asarray(getattr(site, quantity)).ravel() for site in sites]
    if any(v.size == 0 for v in values):
        raise ValueError(f"some sites hold no {quantity!r} values (were slopes recorded?).")
    if value_range is None:
        low = min(float(np.percentile(v, 0.5)) for v in values)
        high = max(float(np.percentile(v, 99.5)) for v in values)
        value_range = (low, high) if high > low else (low - 1.0, low + 1.0)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 3.2))
    fig = ax.figure
    edges = np.linspace(*value_range, bins + 1)
    for site, v, color in zip(sites, values, _depth_colors(len(sites)), strict=True):
        density, _ = np.histogram(np.clip(v, *value_range), bins=edges, density=True)
        ax.stairs(density, edges, color=color, lw=1.4, label=site.name)
    labels = {"a": "activation f(z)", "z": "pre-activation z", "slope": "slope f′(z)"}
    ax.set_xlabel(labels[quantity])
    ax.set_ylabel("density")
    if log_density:
        ax.set_yscale("log")
    if len(sites) <= 8:
        ax.legend(fontsize=8)
    else:  # a long legend hides the plot: name the first and the last layer only
        ax.legend([ax.patches[0], ax.patches[-1]], [sites[0].name, sites[-1].name], fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def _as_norm_series(values: Mapping[str, float] | Sequence[float] | np.ndarray) -> np.ndarray:
    if isinstance(values, Mapping):
        return np.array(list(values.values()), dtype=float)
    return np.asarray(values, dtype=float)


def plot_gradient_norms_vs_depth(
    series: Mapping[str, Mapping[str, float] | Sequence[float] | np.ndarray],
    ax: plt.Axes | None = None,
    title: str | None = None,
    xlabel: str = "layer (1 = closest to the input)",
) -> plt.Figure:
    """‖∂L/∂W‖ of each layer against its depth, on a log scale, one line per labelled net.

    ``series`` maps a label ("N(0,1)", "Glorot", …) to what ``gradient_norms_per_layer``
    returns, or to a plain sequence of norms, first layer first.
    """
    if not series:
        raise ValueError("series is empty: give {label: gradient norms per layer}.")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 3.2))
    fig = ax.figure
    for label, values in series.items():
        norms = _as_norm_series(values)
        if norms.ndim != 1 or norms.size == 0:
            raise ValueError(f"series {label!r} must be a non-empty 1-D list of norms.")
        ax.plot(np.arange(1, norms.size + 1), norms, "o-", ms=3, label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("‖∂L/∂W‖")
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


# --- per-layer histograms over training: the "colorful dimension" ------------------------------


class ActivationHistogramHistory(keras.callbacks.Callback):
    """Record, per activation site, a histogram of its outputs on a probe batch during training.

    Every ``every_n_batches`` steps (and once before training), the probe batch is pushed
    through the model; for each site the histogram counts over ``bins`` fixed bins of
    ``value_range`` are appended to ``self.histograms[name]``, with the step in ``self.steps``.
    Values outside the range fall into the edge bins (a pile-up there *is* saturation), or
    with ``clip=False`` are left out (for unbounded activations such as ReLU).
    ``value_range=None`` fixes the range at the first measurement (0.5 % and 99.5 %
    percentiles over all sites). ``self.statistics[name]`` keeps mean, std and the share of
    outputs within ``near_zero`` of 0 at each measurement.
    """

    def __init__(
        self,
        x_probe: np.ndarray,
        every_n_batches: int = 20,
        bins: int = 40,
        value_range: tuple[float, float] | None = None,
        near_zero: float = 1e-3,
        clip: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(every_n_batches, int) or every_n_batches < 1:
            raise ValueError(
                f"every_n_batches must be a whole number ≥ 1, got {every_n_batches!r}."
            )
        if not isinstance(bins, int) or bins < 2:
            raise ValueError(f"bins must be a whole number ≥ 2, got {bins!r}.")
        if value_range is not None and not value_range[0] < value_range[1]:
            raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}.")
        self.x_probe = x_probe
        self.every_n_batches = every_n_batches
        self.bins = bins
        self.value_range = value_range
        self.near_zero = near_zero
        self.clip = clip
        self.histograms: dict[str, list[np.ndarray]] = {}
        self.statistics: dict[str, dict[str, list[float]]] = {}
        self.steps: list[int] = []
        self._step = 0

    @property
    def edges(self) -> np.ndarray:
        """The bin edges (fixed at the first measurement)."""
        if self.value_range is None:
            raise ValueError("no measurement yet: the range is fixed at the first one.")
        return np.linspace(*self.value_range, self.bins + 1)

    def on_train_begin(self, logs=None) -> None:
        self._measure()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._step += 1
        if self._step % self.every_n_batches == 0:
            self._measure()

    def _measure(self) -> None:
        sites = _walk_sites(self.model, self.x_probe, with_slopes=False)
        sites = [s for s in sites if s.name != "output"]
        if self.value_range is None:
            low = min(float(np.percentile(s.a, 0.5)) for s in sites)
            high = max(float(np.percentile(s.a, 99.5)) for s in sites)
            self.value_range = (low, high) if high > low else (low - 1.0, low + 1.0)
        edges = self.edges
        self.steps.append(self._step)
        for site in sites:
            a = site.a.ravel()
            values = np.clip(a, edges[0], edges[-1]) if self.clip else a
            counts, _ = np.histogram(values, bins=edges)
            self.histograms.setdefault(site.name, []).append(counts)
            stats = self.statistics.setdefault(site.name, {"mean": [], "std": [], "near_zero": []})
            stats["mean"].append(float(a.mean()))
            stats["std"].append(float(a.std()))
            stats["near_zero"].append(float(np.mean(np.abs(a) <= self.near_zero)))

    def as_image(self, name: str) -> np.ndarray:
        """Counts of one site as an array (n_bins, n_measurements): value bins up, time right."""
        if name not in self.histograms:
            raise ValueError(f"Unknown site {name!r}; choose one of {list(self.histograms)}.")
        return np.array(self.histograms[name]).T


def plot_colorful_dimension(
    history: ActivationHistogramHistory,
    layers: Sequence[str] | None = None,
    axes: Sequence[plt.Axes] | None = None,
    title: str | None = None,
) -> plt.Figure:
    """One panel per layer: training step → x, activation value → y, log(1 + count) → color.

    A layer whose outputs collapse to one value shows a single bright band; a healthy
    layer shows a broad smooth glow. (The picture fastai calls the "colorful dimension".)
    """
    names = list(history.histograms) if layers is None else list(layers)
    unknown = [n for n in names if n not in history.histograms]
    if unknown or not names:
        raise ValueError(
            f"no histograms for {unknown or names}; recorded: {list(history.histograms)}."
        )
    if axes is None:
        n_cols = min(len(names), 4)
        n_rows = int(np.ceil(len(names) / n_cols))
        fig, grid = plt.subplots(
            n_rows, n_cols, figsize=(2.4 * n_cols, 2.4 * n_rows + 0.4), squeeze=False, sharey=True
        )
        axes = list(grid.flat)
        for ax in axes[len(names) :]:
            ax.axis("off")
    fig = axes[0].figure
    low, high = history.value_range
    steps = history.steps
    extent = (steps[0], steps[-1] if len(steps) > 1 else steps[0] + 1, low, high)
    for ax, name in zip(axes, names, strict=False):
        ax.imshow(
            np.log1p(history.as_image(name)),
            origin="lower",
            aspect="auto",
            extent=extent,
            cmap="viridis",
            interpolation="nearest",
        )
        ax.set_title(name, fontsize=9)
        ax.grid(False)
        ax.set_xlabel("step", fontsize=8)
    axes[0].set_ylabel("activation")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_statistics_over_training(
    history: ActivationHistogramHistory,
    statistic: str = "std",
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Figure:
    """One line per layer: how its mean, std or near-zero share moved during training."""
    allowed = ("mean", "std", "near_zero")
    if statistic not in allowed:
        raise ValueError(
            f"Unknown statistic {statistic!r}; choose one of {', '.join(repr(a) for a in allowed)}."
        )
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 3.2))
    fig = ax.figure
    names = list(history.statistics)
    for name, color in zip(names, _depth_colors(len(names)), strict=True):
        ax.plot(history.steps, history.statistics[name][statistic], color=color, label=name)
    ax.set_xlabel("training step")
    ax.set_ylabel(
        {"mean": "mean activation", "std": "std of activations"}.get(
            statistic, f"share within {history.near_zero:g} of 0"
        )
    )
    if len(names) <= 8:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


# --- a deep net in NumPy: signals and gradients layer by layer, in milliseconds -----------------

INIT_MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("normal", "uniform")
# (scale, mode) of VarianceScaling: σ² = scale / fan.
INIT_SCHEMES: dict[str, tuple[float, str]] = {
    "lecun": (1.0, "fan_in"),
    "glorot": (1.0, "fan_avg"),
    "he": (2.0, "fan_in"),
}


def variance_scaling_std(
    fan_in: int, fan_out: int, scale: float = 1.0, mode: str = "fan_in"
) -> float:
    """σ = √(scale / fan), fan = fan_in, fan_out or (fan_in + fan_out) / 2 (as VarianceScaling)."""
    if mode not in INIT_MODES:
        raise ValueError(
            f"Unknown mode {mode!r}; choose one of {', '.join(map(repr, INIT_MODES))}."
        )
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale!r}.")
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return float(np.sqrt(scale / fan))


def draw_weights(
    fan_in: int,
    fan_out: int,
    std: float,
    distribution: str = "normal",
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """A float32 (fan_in, fan_out) matrix of mean 0 and std σ: N(0, σ²), or U(−r, r), r = √3·σ."""
    if distribution not in DISTRIBUTIONS:
        raise ValueError(
            f"Unknown distribution {distribution!r}; choose one of "
            f"{', '.join(map(repr, DISTRIBUTIONS))}."
        )
    rng = rng or np.random.default_rng()
    if distribution == "normal":
        w = rng.standard_normal((fan_in, fan_out), dtype=np.float32) * np.float32(std)
    else:
        r = np.float32(np.sqrt(3.0) * std)
        w = rng.uniform(-r, r, size=(fan_in, fan_out)).astype(np.float32)
    return w


def _layer_std(init: str | float | tuple[float, str], fan_in: int, fan_out: int) -> float:
    if isinstance(init, str):
        if init not in INIT_SCHEMES:
            raise ValueError(
                f"Unknown init {init!r}; choose one of {', '.join(map(repr, INIT_SCHEMES))}, "
                "a standard deviation, or a (scale, mode) pair."
            )
        return variance_scaling_std(fan_in, fan_out, *INIT_SCHEMES[init])
    if isinstance(init, tuple):
        return variance_scaling_std(fan_in, fan_out, *init)
    if not init > 0:
        raise ValueError(f"a weight std must be > 0, got {init!r}.")
    return float(init)


@dataclass(frozen=True)
class DeepSignals:
    """What a NumPy MLP did on one batch: per hidden layer statistics and gradient norms."""

    means: np.ndarray  # mean of the outputs a_l, per hidden layer
    stds: np.ndarray  # std of a_l
    fraction_saturated: np.ndarray  # share of entries with f'(z) < 10 % of the peak slope
    delta_stds: np.ndarray  # std of ∂L/∂z_l: the backward signal
    gradient_norms: np.ndarray  # ‖∂L/∂W_l‖, first layer first (the output layer last, if any)
    sites: list[ActivationSite]  # z, a, f'(z) per hidden layer (empty if keep_sites=False)
    weights: list[np.ndarray]  # the kernels drawn, first layer first (output layer last, if any)


def _forward_backward(x, widths, f, f_prime, init, distribution, y, n_outputs, seed, backward):
    """The NumPy net's passes (see numpy_mlp_signals); returns its arrays as a tuple."""
    depth = len(widths)
    rng = config.rng(seed)  # shifted by DNN_SEED like every seed of the course
    h = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    inputs, zs, slopes, outs, weights = [], [], [], [], []
    for fan_out in widths:
        fan_in = h.shape[1]
        w = draw_weights(fan_in, fan_out, _layer_std(init, fan_in, fan_out), distribution, rng)
        inputs.append(h)
        z = h @ w
        h = f(z)
        weights.append(w)
        zs.append(z)
        slopes.append(f_prime(z) if backward else np.full_like(z, np.nan))
        outs.append(h)
    means = np.array([a.mean(dtype=np.float64) for a in outs])
    stds = np.array([a.std(dtype=np.float64) for a in outs])
    if not backward:
        nothing = np.full(depth, np.nan)
        return zs, outs, slopes, weights, nothing, nothing, means, stds
    norms = []
    if y is not None:
        w_out = draw_weights(
            widths[-1],
            n_outputs,
            variance_scaling_std(widths[-1], n_outputs, 1.0, "fan_avg"),
            "normal",
            rng,
        )
        logits = h @ w_out
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(p)), np.asarray(y)] -= 1.0
        upstream = p / len(p)  # ∂L/∂logits
        output_norm = float(np.linalg.norm(h.T @ upstream))
        weights.append(w_out)
        grad_a = upstream @ w_out.T
    else:
        output_norm = None
        grad_a = rng.standard_normal(h.shape, dtype=np.float32)
    delta_stds = np.empty(depth)
    for layer in range(depth - 1, -1, -1):
        delta = grad_a * slopes[layer]
        delta_stds[layer] = delta.std()
        norms.append(float(np.linalg.norm(inputs[layer].T @ delta)))
        grad_a = delta @ weights[layer].T
    gradient_norms = np.array(norms[::-1] + ([output_norm] if output_norm is not None else []))
    return zs, outs, slopes, weights, gradient_norms, delta_stds, means, stds


def numpy_mlp_signals(
    x: np.ndarray,
    depth: int,
    width: int | Sequence[int] = 100,
    activation: str = "tanh",
    init: str | float | tuple[float, str] = "glorot",
    distribution: str = "normal",
    y: np.ndarray | None = None,
    n_outputs: int = 10,
    alpha: float | None = None,
    seed: int = 0,
    keep_sites: bool = True,
    backward: bool = True,
) -> DeepSignals:
    """Forward and backward pass of a fresh dense net (zero biases) in NumPy, layer by layer.

    ``width`` is one layer size for all ``depth`` hidden layers, or a list of ``depth`` sizes
    (unequal sizes are where fan_in, fan_out and fan_avg differ).

    ``init`` is a scheme (``'lecun'``, ``'glorot'``, ``'he'``), one std for every hidden layer
    (the naive N(0, σ²)), or a VarianceScaling ``(scale, mode)`` pair. With labels ``y``
    the net ends in a Glorot softmax layer of ``n_outputs`` and the loss is the mean cross
    entropy; without, the backward pass starts from ∂L/∂a_L ~ N(0, 1) (a random linear loss).
    ``backward=False`` runs the forward pass only (slopes, saturation, gradients are NaN).
    ``seed`` draws the weights through ``config.rng``, so ``DNN_SEED`` shifts it.
    """
    from helpers import activations  # local: activations does not need diagnostics

    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be a whole number ≥ 1, got {depth!r}.")
    widths = [width] * depth if isinstance(width, (int, np.integer)) else list(width)
    if len(widths) != depth or any(int(w) < 1 for w in widths):
        raise ValueError(f"width must be a size ≥ 1 or {depth} sizes ≥ 1, got {width!r}.")
    f, f_prime = activations.get(activation, alpha)
    grid = np.linspace(-10, 10, 2001, dtype=np.float32)
    peak = float(np.max(np.abs(f_prime(grid))))
    # An exploding net overflows float32 to inf/nan on purpose: that is the lesson, not a bug.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        signals = _forward_backward(
            x, widths, f, f_prime, init, distribution, y, n_outputs, seed, backward
        )
    zs, outs, slopes, weights, gradient_norms, delta_stds, means, stds = signals
    saturated = np.array(
        [np.mean(np.abs(s) < SATURATION_SLOPE_SHARE * peak) if backward else np.nan for s in slopes]
    )
    sites = (
        [
            ActivationSite(f"layer_{i + 1}", z, a, s)
            for i, (z, a, s) in enumerate(zip(zs, outs, slopes, strict=True))
        ]
        if keep_sites
        else []
    )
    return DeepSignals(means, stds, saturated, delta_stds, gradient_norms, sites, weights)
