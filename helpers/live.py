"""Watch a net train: per-layer statistics recorded during ``model.fit`` and drawn live.

``LiveTraining`` is a Keras callback. Every ``every`` training steps (and after the last one)
it records, per layer:

* on a fixed probe batch, each hidden nonlinearity's outputs: mean, std, the share of
  *saturated* entries (sigmoid/tanh-like outputs within 3 % of the range from a bound), the
  share of *dead* units (the same output for every probe image, e.g. a ReLU at 0: no gradient
  reaches its weights), and a histogram (drawn over time: the "colorful dimension");
* on the same batch, each Dense kernel's gradient: std(∂L/∂W) and the grad:data ratio
  std(∂L/∂W) / std(W);
* the update:data ratio of the step just taken, log10(std(ΔW) / std(W)), with a guide line at
  −3 (updates about a thousandth of the weights: a rule of thumb from Karpathy's lectures);
* the loss on the probe batch.

In a notebook it redraws one figure in place while ``fit`` runs (at most ``max_fps`` frames a
second and at most ``draw_share`` of the wall time spent drawing), and the last frame stays in
the stored output. With ``log_dir`` it writes the same numbers for TensorBoard.
``live_training_widget`` puts controls and a *train* button above such a figure.

What keeps it cheap (``make bench`` measures it at each notebook's setting): for the nets the
course builds, the measurement is a forward and backward pass in NumPy (``helpers.live_probe``:
no tracing), of which only reading the weights happens between two steps, the rest in a worker
thread while training goes on; frames are drawn with Pillow (``helpers.live_frames``), not
matplotlib. Other models are measured through ``tf.GradientTape``. From the first watched fit
on, NumPy's BLAS keeps to one thread (``live_probe.one_blas_thread``): a second BLAS thread, once
woken, spins beside TensorFlow's own threads and slows the steps that follow.
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from helpers import live_frames, live_probe
from helpers.diagnostics import ACTIVATION_LAYER_TYPES
from helpers.live_frames import GUIDE as UPDATE_RATIO_GUIDE
from helpers.live_frames import _png, draw_live, render_frame

# Output ranges of the saturating activations; an entry within SATURATION_MARGIN of the range
# from either bound counts as saturated (its slope is then below ~12 % of the peak for sigmoid).
SATURATING_RANGES = {
    "sigmoid": (0.0, 1.0),
    "hard_sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
}
SATURATION_MARGIN = 0.03
HISTOGRAM_BINS = 40
# A fit the NumPy probe cannot follow (a layer it does not know) measures through
# tf.GradientTape, compiled once it plans at least this many measurements: tracing costs about
# as much as this many eager calls (10 x 100 net, 256 probe images: trace 0.72 s, eager call
# 104 ms, compiled call 9 ms). The NumPy probe needs no tracing (about 10-15 ms a call there).
COMPILE_PROBE_AFTER = 8
# What a frame is assumed to cost before the first one is drawn (Pillow frames: 15-35 ms).
FIRST_FRAME_SECONDS = 0.03
# Compiled probes by model, so fitting the same model again does not trace again.
_PROBES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Site:
    """A hidden nonlinearity the callback watches: its layer name and activation's name."""

    name: str
    activation: str

    @property
    def saturating(self) -> bool:
        return self.activation in SATURATING_RANGES


@dataclass
class LiveRecord:
    """Everything the callback measured, one entry per measurement (arrays via ``array``)."""

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    activation_mean: dict[str, list[float]] = field(default_factory=dict)
    activation_std: dict[str, list[float]] = field(default_factory=dict)
    saturated: dict[str, list[float]] = field(default_factory=dict)
    dead: dict[str, list[float]] = field(default_factory=dict)
    histograms: dict[str, list[np.ndarray]] = field(default_factory=dict)
    edges: dict[str, np.ndarray] = field(default_factory=dict)
    gradient_std: dict[str, list[float]] = field(default_factory=dict)
    grad_data_ratio: dict[str, list[float]] = field(default_factory=dict)
    update_ratio: dict[str, list[float]] = field(default_factory=dict)  # log10

    def array(self, quantity: str, name: str) -> np.ndarray:
        """One layer's series of ``quantity`` (e.g. ``"update_ratio"``) as a NumPy array."""
        table = getattr(self, quantity, None)
        if not isinstance(table, dict) or quantity in ("edges", "histograms"):
            allowed = "activation_mean, activation_std, saturated, dead, gradient_std, "
            allowed += "grad_data_ratio, update_ratio"
            raise ValueError(
                f"quantity {quantity!r} is not recorded per layer; allowed: {allowed}."
            )
        if name not in table:
            raise ValueError(f"layer {name!r} was not recorded; recorded: {sorted(table)}.")
        return np.asarray(table[name], dtype=float)

    def colorful_dimension(self, name: str) -> np.ndarray:
        """Histogram counts of one layer's outputs over time, shape (n_bins, n_measurements)."""
        if name not in self.histograms:
            raise ValueError(
                f"layer {name!r} was not recorded; recorded: {sorted(self.histograms)}."
            )
        return np.stack(self.histograms[name], axis=1)


def _activation_name(layer: keras.layers.Layer) -> str:
    if isinstance(layer, keras.layers.Dense | keras.layers.Activation):
        return getattr(layer.activation, "__name__", type(layer.activation).__name__)
    return type(layer).__name__.lower()  # LeakyReLU, PReLU, ELU, ReLU layers


def watched_layers(model: keras.Model) -> tuple[list[Site], list[str]]:
    """The hidden nonlinearities (sites) and the Dense layers (kernels) of a Sequential model."""
    if not isinstance(model, keras.Sequential):
        raise ValueError(
            f"the live view needs a keras.Sequential model, got {type(model).__name__} "
            "(helpers.models.build_mlp makes one)."
        )
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise ValueError("the live view found no Dense layer in the model.")
    output = dense[-1]
    sites = []
    for layer in model.layers:
        if layer is output:
            continue
        name = _activation_name(layer)
        if isinstance(layer, ACTIVATION_LAYER_TYPES) or (
            isinstance(layer, keras.layers.Dense) and name != "linear"
        ):
            sites.append(Site(layer.name, name))
    return sites, [layer.name for layer in dense]


class LiveTraining(keras.callbacks.Callback):
    """Record per-layer statistics every ``every`` steps of ``fit`` and draw them live.

    ``x_probe``/``y_probe``: a fixed batch (a few hundred images) on which activations and
    gradients are measured, in inference mode. ``first``: also measure each of the first
    ``first`` steps (a fit often changes fastest at its start). ``show``: draw in the notebook
    (``None``: only inside IPython). ``output``: an ``ipywidgets.Output`` to draw into instead
    of the cell.
    ``histogram_layer``: the layer whose outputs are drawn over time (default: the first
    hidden one). ``title``: shown above the figure. After ``fit``, ``record`` holds the numbers
    and ``figure()`` draws them.
    """

    def __init__(
        self,
        x_probe: np.ndarray,
        y_probe: np.ndarray,
        every: int = 20,
        *,
        first: int = 0,
        show: bool | None = None,
        output: Any = None,
        max_fps: float = 2.0,
        draw_share: float = 0.05,
        histogram_layer: str | None = None,
        title: str = "",
        log_dir: str | Path | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"every must be a whole number of steps ≥ 1, got {every!r}.")
        if not isinstance(first, int) or isinstance(first, bool) or first < 0:
            raise ValueError(f"first must be a whole number of steps ≥ 0, got {first!r}.")
        if not max_fps > 0:
            raise ValueError(f"max_fps must be > 0 frames a second, got {max_fps!r}.")
        if not 0 < draw_share <= 1:
            raise ValueError(f"draw_share must be in (0, 1], got {draw_share!r}.")
        if len(x_probe) != len(y_probe) or len(x_probe) == 0:
            raise ValueError(
                f"the probe batch needs as many labels as images (at least one), got "
                f"{len(x_probe)} images and {len(y_probe)} labels."
            )
        self.x_probe = np.asarray(x_probe, dtype="float32")
        self.y_probe = np.asarray(y_probe)
        self.every = every
        self.first = first
        self.show = show
        self.output = output
        self.max_fps = max_fps
        self.draw_share = draw_share
        self.histogram_layer = histogram_layer
        self.title = title
        self.log_dir = None if log_dir is None else Path(log_dir)
        self.record = LiveRecord()
        self.frames = 0  # how many times the figure was drawn (a browser test counts them)
        self.seconds_measuring = 0.0
        self.seconds_drawing = 0.0

    # --- Keras hooks ----------------------------------------------------------------------

    def on_train_begin(self, logs=None) -> None:
        self.sites, self.kernel_names = watched_layers(self.model)
        if self.histogram_layer is None and self.sites:
            self.histogram_layer = self.sites[0].name
        site_names = {site.name for site in self.sites}
        if self.histogram_layer is not None and self.histogram_layer not in site_names:
            raise ValueError(
                f"histogram_layer {self.histogram_layer!r} is not a hidden nonlinearity; "
                f"allowed: {sorted(site_names)}."
            )
        self._kernels = [self.model.get_layer(name).kernel for name in self.kernel_names]
        self._probe = live_probe.numpy_probe(self.model, site_names, self._kernels)
        if self._probe is None:
            params = self.params or {}
            steps, epochs = params.get("steps"), params.get("epochs")
            planned = -(-steps * epochs // self.every) if steps and epochs else COMPILE_PROBE_AFTER
            compiled = planned >= COMPILE_PROBE_AFTER
            # A model fitted again (a sweep that resets one net's weights) reuses its traced probe.
            key = (tuple(sorted(site_names)), tuple(self.kernel_names), compiled)
            cached = _PROBES.get(self.model)
            if compiled and cached is not None and cached[0] == key:
                self._probe = cached[1]
            else:
                self._probe = live_probe.keras_probe(
                    self.model, site_names, self._kernels, compiled=compiled
                )
                if compiled:
                    _PROBES[self.model] = (key, self._probe)
        self.record = LiveRecord()
        self.frames, self.seconds_measuring, self.seconds_drawing = 0, 0.0, 0.0
        self._step = 0
        steps, epochs = (self.params or {}).get("steps"), (self.params or {}).get("epochs")
        self._last_step = steps * epochs - 1 if steps and epochs else -1
        self._before: list | None = None
        self._after: tuple[int, list] | None = None  # (step, kernels) of the last measurement
        self._started = time.perf_counter()
        # The first frame waits 1 / max_fps, and a frame is drawn only while the drawing so far
        # plus one more frame (as long as the last one took) fits in draw_share of the time: a
        # fit of a second or two gets only its final frame.
        self._last_frame = self._started
        self._frame_seconds = FIRST_FRAME_SECONDS
        self._handle = None
        self._writer = (
            tf.summary.create_file_writer(str(self.log_dir)) if self.log_dir is not None else None
        )
        # The NumPy probe reads the weights between two steps and computes the rest in one
        # worker thread while training goes on (NumPy and TensorFlow release the GIL for their
        # array work); results are recorded in step order, on this thread, before each frame.
        self._pending: deque = deque()  # (step, future) of measurements still computing
        self._worker = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-view")
            if hasattr(self._probe, "snapshot")
            else None
        )
        # NumPy's BLAS stays at one thread from the first watched fit on (TensorFlow's threads
        # are its own): switching it back to two after a fit, or after each measurement, woke a
        # BLAS thread that then spun beside the next training steps (see one_blas_thread).
        if self._worker is not None:
            live_probe.one_blas_thread()

    def on_train_batch_begin(self, batch, logs=None) -> None:
        if (
            self._step % self.every == 0
            or self._step < self.first
            or self._step == self._last_step  # the final frame shows where the fit ended
        ):
            start = time.perf_counter()
            if self._after is not None and self._after[0] == self._step:
                self._before = self._after[1]  # measured at the end of the step just before
            else:
                self._before = [live_probe.read(kernel) for kernel in self._kernels]
            self.seconds_measuring += time.perf_counter() - start

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._step += 1
        if self._before is None:
            return
        start = time.perf_counter()
        if self._worker is None:
            self._record(self._step, self._probe(self.x_probe, self.y_probe, self._before))
        else:
            values = self._probe.snapshot()
            self._after = (self._step, [values[id(kernel)] for kernel in self._kernels])
            future = self._worker.submit(
                self._probe.compute, self.x_probe, self.y_probe, self._before, values
            )
            self._pending.append((self._step, future))
        self._before = None
        self.seconds_measuring += time.perf_counter() - start
        now = time.perf_counter()
        elapsed = now - self._started
        if (
            self._wants_display()
            and now - self._last_frame >= 1.0 / self.max_fps
            and self.seconds_drawing + self._frame_seconds <= self.draw_share * elapsed
        ):
            self._collect(wait=False)
            self._draw(final=False)

    def on_train_end(self, logs=None) -> None:
        start = time.perf_counter()
        self._collect(wait=True)
        if self._worker is not None:
            self._worker.shutdown()
            self._worker = None

        self.seconds_measuring += time.perf_counter() - start
        if self._wants_display():
            self._draw(final=True)
        if self._writer is not None:
            self._writer.flush()
            self._writer.close()
            self._writer = None

    # --- measuring ------------------------------------------------------------------------

    def _collect(self, wait: bool) -> None:
        """Record the finished measurements, in step order (all of them with ``wait``)."""
        while self._pending and (wait or self._pending[0][1].done()):
            step, future = self._pending.popleft()
            self._record(step, future.result())

    def _record(self, step: int, measured: tuple) -> None:
        loss, outputs, kernel_stats, site_stats, after = measured
        if after is not None and self._worker is None:
            self._after = (step, after)
        record = self.record
        record.steps.append(step)
        record.loss.append(float(loss))
        for site, a, stats in zip(self.sites, outputs, site_stats, strict=True):
            mean, std, dead = (float(v) for v in stats)
            name = site.name
            record.activation_mean.setdefault(name, []).append(mean)
            record.activation_std.setdefault(name, []).append(std)
            record.dead.setdefault(name, []).append(dead)
            if site.saturating:
                low, high = SATURATING_RANGES[site.activation]
                margin = SATURATION_MARGIN * (high - low)
                share = float(np.count_nonzero((a < low + margin) | (a > high - margin)) / a.size)
            else:
                share = float("nan")
            record.saturated.setdefault(name, []).append(share)
            if name not in record.edges:
                record.edges[name] = self._edges(site, a)
            edges = record.edges[name]
            record.histograms.setdefault(name, []).append(_counts(a, edges))
        for name, stats in zip(self.kernel_names, kernel_stats, strict=True):
            gradient_std, weight_std, change_std, old_std = (float(v) for v in stats)
            record.gradient_std.setdefault(name, []).append(gradient_std)
            record.grad_data_ratio.setdefault(name, []).append(
                gradient_std / max(weight_std, 1e-30)
            )
            change = change_std / max(old_std, 1e-30)
            record.update_ratio.setdefault(name, []).append(
                float(np.log10(change)) if change > 0 else float("-inf")
            )
        if self._writer is not None:
            self._log(step, outputs)

    @staticmethod
    def _edges(site: Site, a: np.ndarray) -> np.ndarray:
        if site.saturating:
            low, high = SATURATING_RANGES[site.activation]
        else:  # from the first measurement, with room to grow
            low = min(0.0, 1.5 * float(np.percentile(a, 0.5)))
            high = max(1.5 * float(np.percentile(a, 99.5)), 1e-3)
        return np.linspace(low, high, HISTOGRAM_BINS + 1)

    def _log(self, step: int, outputs: list) -> None:
        record = self.record
        with self._writer.as_default(step=step):
            tf.summary.scalar("loss/probe_batch", record.loss[-1])
            for site, a in zip(self.sites, outputs, strict=True):
                tf.summary.scalar(
                    f"activation_std/{site.name}", record.activation_std[site.name][-1]
                )
                tf.summary.scalar(f"dead_share/{site.name}", record.dead[site.name][-1])
                if site.saturating:
                    tf.summary.scalar(
                        f"saturated_share/{site.name}", record.saturated[site.name][-1]
                    )
                tf.summary.histogram(f"activations/{site.name}", a)
            for name in self.kernel_names:
                tf.summary.scalar(f"grad_data_ratio/{name}", record.grad_data_ratio[name][-1])
                tf.summary.scalar(f"update_ratio_log10/{name}", record.update_ratio[name][-1])

    # --- drawing --------------------------------------------------------------------------

    def _wants_display(self) -> bool:
        if self.output is not None:
            return True
        if self.show is not None:
            return self.show
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
        return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"

    def figure(self) -> plt.Figure:
        """The recorded numbers as one figure (what the live view shows after the last step)."""
        return draw_live(
            self.record, self.sites, self.kernel_names, self.histogram_layer, self.title
        )

    def _show(self, image: Any) -> None:
        """Put the frame on screen: into the widget's output, or in place under the cell."""
        from IPython.display import display

        if self.output is not None:
            self.output.clear_output(wait=True)
            with self.output:
                display(image)
        elif self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)

    def _draw(self, final: bool) -> None:
        from IPython.display import Image

        start = time.perf_counter()
        # Frames during the fit: JPEG, smaller, not supersampled (about 10 ms instead of 20-30).
        # The last one, which stays in the stored notebook: PNG with smooth lines.
        image_format = "png" if final else "jpeg"
        data = render_frame(
            self.record,
            self.sites,
            self.kernel_names,
            self.histogram_layer,
            self.title,
            scale=1.25 if final else 1.0,
            image_format=image_format,
            supersample=live_frames.SUPERSAMPLE if final else 1,
        )
        image = Image(data=data, format=image_format)
        self._show(image)
        self.frames += 1
        self._last_frame = time.perf_counter()
        self._frame_seconds = self._last_frame - start
        self.seconds_drawing += self._frame_seconds


def _counts(a: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Histogram counts over equal-width ``edges``, values outside clipped into the end bins
    (what np.histogram of the clipped values gives, without its sort)."""
    n_bins = len(edges) - 1
    position = (a.ravel() - edges[0]) * (n_bins / (edges[-1] - edges[0]))
    index = np.clip(position, 0, n_bins - 1).astype(np.intp)
    return np.bincount(index, minlength=n_bins)


def live_training_widget(
    train: Callable[..., Any],
    controls: Mapping[str, Any],
    caption: str | None = None,
    button_label: str = "train",
) -> Any:
    """Controls and a button above a live view: a click calls ``train(**values, live_output=out)``.

    ``train`` builds a fresh model and fits it with a ``LiveTraining(..., output=live_output)``
    callback; whatever it returns as text (a string, or ``(text, anything)``) is printed
    under the figure when training ends.
    """
    import ipywidgets as widgets

    button = widgets.Button(description=button_label, button_style="primary", icon="play")
    figure_area = widgets.Output()
    text_area = widgets.Output()

    def on_click(_: object = None) -> None:
        button.disabled = True
        text_area.clear_output()
        try:
            result = train(
                **{name: control.value for name, control in controls.items()},
                live_output=figure_area,
            )
            text = result[0] if isinstance(result, tuple) else result
            if text:
                with text_area:
                    print(text)
        finally:
            button.disabled = False

    button.on_click(on_click)
    header = [widgets.HTML(f"<i>{caption}</i>")] if caption else []
    return widgets.VBox(
        [*header, widgets.HBox([*controls.values(), button]), figure_area, text_area]
    )


def preview(widget: Any, figure: plt.Figure | None = None, text: str = "") -> Any:
    """Fill a ``live_training_widget``'s figure and text areas before anyone clicks *train*.

    ``figure`` (e.g. ``LiveTraining.figure()`` of a run made earlier at the controls' starting
    values; it is closed once drawn) and ``text`` stand under the controls until the first
    click replaces them, so the widget's first output makes sense on its own. Returns ``widget``.
    """
    import ipywidgets as widgets
    from IPython.display import Image

    children = getattr(widget, "children", ())
    areas = [child for child in children if isinstance(child, widgets.Output)]
    if len(areas) != 2:
        raise ValueError(
            f"preview needs the widget live_training_widget returns (a box with a figure and a "
            f"text area), got {type(widget).__name__} with {len(areas)} output areas."
        )
    figure_area, text_area = areas
    if figure is not None:
        figure_area.append_display_data(Image(data=_png(figure), format="png"))
        plt.close(figure)
    if text:
        text_area.append_stdout(text if text.endswith("\n") else text + "\n")
    return widget


__all__ = [
    "HISTOGRAM_BINS",
    "SATURATING_RANGES",
    "UPDATE_RATIO_GUIDE",
    "LiveRecord",
    "LiveTraining",
    "Site",
    "draw_live",
    "live_training_widget",
    "preview",
    "watched_layers",
]
