"""Per-layer statistics of a Keras model: activations, saturation, dead units, gradient norms.

Works on any ``keras.Sequential`` (and on the MLPs of ``helpers.models``): the batch is
pushed through the layers one at a time, so every layer's input and output can be seen.
An *activation site* is where a nonlinearity acts: an ``Activation``/``PReLU``/… layer, or a
``Dense`` layer with a built-in activation other than linear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

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


def activation_sites(model: keras.Model, x: np.ndarray) -> list[ActivationSite]:
    """Each nonlinearity of a Sequential model with z, a and f'(z) on batch ``x`` (inference)."""
    if not isinstance(model, keras.Sequential):
        raise ValueError("activation_sites needs a keras.Sequential model (build_mlp makes one).")
    h = tf.convert_to_tensor(x, dtype="float32")
    sites = []
    for layer in model.layers:
        if isinstance(layer, ACTIVATION_LAYER_TYPES):
            z = h
            h = layer(z, training=False)
            slope = _elementwise_slope(lambda t, layer=layer: layer(t, training=False), z)
            sites.append(ActivationSite(layer.name, z.numpy(), h.numpy(), slope.numpy()))
        elif isinstance(layer, keras.layers.Dense) and not _is_linear(layer.activation):
            z = tf.matmul(h, layer.kernel)
            if layer.use_bias:
                z = z + layer.bias
            h = layer.activation(z)
            slope = _elementwise_slope(layer.activation, z)
            sites.append(ActivationSite(layer.name, z.numpy(), h.numpy(), slope.numpy()))
        else:
            h = layer(h, training=False)
    return sites


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
        loss = loss_fn(y, predictions)
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
