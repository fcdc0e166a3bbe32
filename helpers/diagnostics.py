"""Per-layer statistics of a Keras model: activations, saturation, dead units, gradient norms.

Works on any ``keras.Sequential`` (and on the MLPs of ``helpers.models``): the batch is
pushed through the layers one at a time, so every layer's input and output can be seen.
An *activation site* is where a nonlinearity acts: an ``Activation``/``PReLU``/… layer, or a
``Dense`` layer with a built-in activation other than linear.

Pictures: per-layer histograms (``plot_activation_histograms``, after Glorot & Bengio 2010),
gradient norm against depth (``plot_gradient_norms_vs_depth``), and histograms over training
(``ActivationHistogramHistory`` callback + ``plot_colorful_dimension``). The NumPy deep net
behind the sliders (``numpy_mlp_signals``, ``dead_unit_fractions``) lives in
``helpers.deep_signals`` and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from helpers.checks import check_choice, check_whole_number

# The NumPy deep net moved to helpers.deep_signals; notebooks 01-03 still call these names as
# diagnostics.<name>, hence the explicit re-exports ("X as X").
from helpers.deep_signals import DISTRIBUTIONS as DISTRIBUTIONS
from helpers.deep_signals import INIT_MODES as INIT_MODES
from helpers.deep_signals import SATURATION_SLOPE_SHARE, ActivationSite
from helpers.deep_signals import DeepSignals as DeepSignals
from helpers.deep_signals import dead_unit_fractions as dead_unit_fractions
from helpers.deep_signals import draw_weights as draw_weights
from helpers.deep_signals import numpy_mlp_signals as numpy_mlp_signals
from helpers.deep_signals import variance_scaling_std as variance_scaling_std

# The pictures of these statistics have a module of their own; notebooks call them from here.
from helpers.diagnostics_plots import HISTOGRAM_QUANTITIES as HISTOGRAM_QUANTITIES
from helpers.diagnostics_plots import plot_activation_histograms as plot_activation_histograms
from helpers.diagnostics_plots import plot_colorful_dimension as plot_colorful_dimension
from helpers.diagnostics_plots import plot_gradient_norms_vs_depth as plot_gradient_norms_vs_depth
from helpers.diagnostics_plots import (
    plot_statistics_over_training as plot_statistics_over_training,
)

ACTIVATION_LAYER_TYPES = (
    keras.layers.Activation,
    keras.layers.PReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.ReLU,
)


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


class EveryNSteps(keras.callbacks.Callback):
    """A probe that measures once before training and then after every ``every``-th step.

    The one "every n batches" mechanism of the course's probes: a subclass writes
    ``_measure()``; ``self._step`` counts the training steps taken (over every ``fit``)."""

    def __init__(self, every: int, what: str = "every") -> None:
        super().__init__()
        self.every = check_whole_number(what, every, minimum=1)
        self._step = 0

    def on_train_begin(self, logs=None) -> None:
        self._measure()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._step += 1
        if self._step % self.every == 0:
            self._measure()

    def _measure(self) -> None:
        raise NotImplementedError


class GradientNormHistory(EveryNSteps):
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
        super().__init__(every_n_batches, "every_n_batches")
        self.x_probe, self.y_probe = x_probe, y_probe
        self.every_n_batches = every_n_batches
        self.log_dir = None if log_dir is None else Path(log_dir)
        self.history: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self._writer = None

    def on_train_begin(self, logs=None) -> None:
        if self.log_dir is not None:
            self._writer = tf.summary.create_file_writer(str(self.log_dir))
        super().on_train_begin(logs)

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


# --- per-layer histograms over training: the "colorful dimension" ------------------------------


class ActivationHistogramHistory(EveryNSteps):
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
        super().__init__(every_n_batches, "every_n_batches")
        check_whole_number("bins", bins, minimum=2)
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

    @property
    def edges(self) -> np.ndarray:
        """The bin edges (fixed at the first measurement)."""
        if self.value_range is None:
            raise ValueError("no measurement yet: the range is fixed at the first one.")
        return np.linspace(*self.value_range, self.bins + 1)

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
        check_choice("site", name, self.histograms)
        return np.array(self.histograms[name]).T
