"""The live view's pictures: frames drawn straight into a PNG with Pillow, and a matplotlib figure.

A six-panel matplotlib figure costs 0.3-0.6 s to build and render on these machines, as long as
a whole short fit: the live view could then show only its last frame, and that frame alone cost
more than the measurements. Drawing the same panels with Pillow's line and text primitives
takes about 15 ms, so frames can come several times a second and the last one stays in the
stored output as an ordinary PNG (shown by JupyterLab, GitHub and the website alike).
``helpers.live.draw_live`` still draws the same numbers with matplotlib for saved figures.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:  # only for hints: helpers.live imports this module
    from helpers.live import LiveRecord, Site

WIDTH, HEIGHT = 936, 446  # pixels at scale 1 (the matplotlib figure's 13 × 6.2 in at 72 dpi)
SUPERSAMPLE = 2  # drawn at twice the size and reduced: smooth lines and text
GUIDE = -3.0  # log10(std(ΔW) / std(W)): updates ~1/1000 of the weights (Karpathy's rule of thumb)
_BLACK, _GREY, _LIGHT, _WHITE = (0, 0, 0), (77, 77, 77), (200, 200, 200), (255, 255, 255)
_GRID = (232, 232, 232)


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return ImageFont.truetype(path, size)


@functools.lru_cache(maxsize=2048)
def _glyphs(text: str, size: int, anchor: str) -> tuple[Image.Image, int, int]:
    """``text`` rendered once as a mask, and where its corner sits relative to the anchor point:
    tick labels repeat from frame to frame, and FreeType rendering was a fifth of a frame."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    return mask, left, top


def _text(
    image: Image.Image,
    xy: tuple[float, float],
    text: str,
    size: float,
    anchor: str,
    fill: tuple = _BLACK,
) -> None:
    mask, left, top = _glyphs(text, int(size), anchor)
    image.paste(fill, (round(xy[0]) + left, round(xy[1]) + top), mask)


def _colors(n: int) -> list[tuple[int, int, int]]:
    rgba = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.9, max(n, 1)))
    return [tuple(round(255 * c) for c in color[:3]) for color in rgba]


def _label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{value:.3g}"


class _Panel:
    """One axes box: maps data to pixels and draws into it."""

    def __init__(self, image: Image.Image, box: tuple[float, float, float, float], k: float):
        self.image, self.draw, self.k = image, ImageDraw.Draw(image), k
        self.left, self.top, self.right, self.bottom = box
        self.x_range = (0.0, 1.0)
        self.y_range = (0.0, 1.0)
        self.log_y = False

    def px(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        if self.log_y:
            y = np.log10(np.where(y > 0, y, np.nan))
        u = self.left + (np.asarray(x, float) - x0) / (x1 - x0 or 1) * (self.right - self.left)
        v = self.bottom - (np.asarray(y, float) - y0) / (y1 - y0 or 1) * (self.bottom - self.top)
        return u, v

    def set_y(self, values: Sequence[np.ndarray], fixed: tuple[float, float] | None = None) -> None:
        if fixed is not None:
            self.y_range = fixed
            return
        finite = [v[np.isfinite(v)] for v in values]
        finite = [v for v in finite if v.size]
        if not finite:
            self.y_range = (0.0, 1.0)
            return
        low = min(float(v.min()) for v in finite)
        high = max(float(v.max()) for v in finite)
        pad = 0.05 * (high - low) if high > low else max(abs(high) * 0.05, 0.05)
        self.y_range = (low - pad, high + pad)

    def frame(self, title: str) -> None:
        k = self.k
        self.draw.rectangle(
            (self.left, self.top, self.right, self.bottom), outline=_GREY, width=max(1, int(k))
        )
        _text(self.image, ((self.left + self.right) / 2, self.top - 4 * k), title, 10 * k, "md")

    def ticks(self, grid: bool = True) -> None:
        k = self.k
        x0, x1 = self.x_range
        for value in MaxNLocator(4).tick_values(x0, x1):
            if x0 - 1e-9 <= value <= x1 + 1e-9:
                u, _ = self.px(np.array([value]), np.array([self.y_range[0]]))
                self.draw.line(
                    (u[0], self.bottom, u[0], self.bottom + 3 * k), fill=_GREY, width=int(k)
                )
                _text(self.image, (u[0], self.bottom + 4 * k), _label(value), 8 * k, "ma")
        y0, y1 = self.y_range
        if self.log_y:
            first, last = math.ceil(y0), math.floor(y1)
            step = max(1, math.ceil((last - first + 1) / 4))
            values = [(e, f"1e{e}") for e in range(first, last + 1, step)]
        else:
            values = [(v, _label(v)) for v in MaxNLocator(4).tick_values(y0, y1) if y0 <= v <= y1]
        for value, text in values:
            v = self.bottom - (value - y0) / (y1 - y0 or 1) * (self.bottom - self.top)
            if grid:
                self.draw.line((self.left, v, self.right, v), fill=_GRID, width=int(k))
            self.draw.line((self.left - 3 * k, v, self.left, v), fill=_GREY, width=int(k))
            _text(self.image, (self.left - 4 * k, v), text, 8 * k, "rm")

    def line(self, x: np.ndarray, y: np.ndarray, color: tuple, dashed: bool = False) -> None:
        u, v = self.px(x, y)
        ok = np.isfinite(u) & np.isfinite(v)
        v = np.clip(v, self.top, self.bottom)
        width = max(1, round(1.5 * self.k))
        # One polyline per unbroken run of finite points.
        breaks = np.flatnonzero(~ok)
        start = 0
        for stop in [*breaks, len(u)]:
            points = list(zip(u[start:stop].tolist(), v[start:stop].tolist(), strict=True))
            if len(points) == 1:
                x_, y_ = points[0]
                self.draw.ellipse((x_ - width, y_ - width, x_ + width, y_ + width), fill=color)
            elif dashed:
                (xa, ya), (xb, yb) = points[0], points[-1]
                n = max(int((xb - xa) / (6 * self.k)), 1)
                for i in range(0, n, 2):
                    self.draw.line(
                        (xa + (xb - xa) * i / n, ya, xa + (xb - xa) * (i + 1) / n, yb),
                        fill=color,
                        width=max(1, int(self.k)),
                    )
            elif points:
                self.draw.line(points, fill=color, width=width, joint="curve")
            start = stop + 1

    def legend(self, labels: list[str], colors: list[tuple]) -> None:
        if len(labels) > 6:  # deep nets: first, middle and last layer are enough to read colours
            keep = sorted({0, len(labels) // 2, len(labels) - 1})
            labels, colors = [labels[i] for i in keep], [colors[i] for i in keep]
        k = self.k
        font = _font(int(7 * k))
        widest = max((self.draw.textlength(label, font=font) for label in labels), default=0)
        x = self.right - widest - 22 * k
        y = self.top + 4 * k
        self.draw.rectangle(
            (x - 3 * k, y - 2 * k, self.right - 3 * k, y + 10 * k * len(labels) + k),
            fill=_WHITE,
            outline=_LIGHT,
        )
        for label, color in zip(labels, colors, strict=True):
            self.draw.line(
                (x, y + 5 * k, x + 14 * k, y + 5 * k), fill=color, width=max(1, int(1.5 * k))
            )
            _text(self.image, (x + 17 * k, y + 5 * k), label, 7 * k, "lm")
            y += 10 * k


def _magma(counts: np.ndarray) -> np.ndarray:
    values = np.log1p(counts.astype(float))
    top = values.max()
    scaled = values / top if top > 0 else values
    return (matplotlib.colormaps["magma"](scaled)[..., :3] * 255).astype(np.uint8)


def render_frame(
    record: LiveRecord,
    sites: list[Site],
    kernel_names: list[str],
    histogram_layer: str | None = None,
    title: str = "",
    scale: float = 1.25,
    image_format: str = "png",
    supersample: int = SUPERSAMPLE,
) -> bytes:
    """The six panels of ``helpers.live.draw_live`` as PNG or JPEG bytes: loss, update:data,
    grad:data, activation std, saturated or dead share, and one layer's histogram over time.
    ``supersample``: drawn that many times larger and reduced (smooth lines; 1 is faster)."""
    k = scale * supersample
    width, height = int(WIDTH * k), int(HEIGHT * k)
    image = Image.new("RGB", (width, height), _WHITE)
    left, right, bottom = 0.06 * width, 0.99 * width, (1 - 0.09) * height
    top = (1 - (0.88 if title else 0.93)) * height
    gap_x = 0.28 * (right - left) / (3 + 2 * 0.28)
    panel_w = (right - left - 2 * gap_x) / 3
    gap_y = 0.45 * (bottom - top) / (2 + 0.45)
    panel_h = (bottom - top - gap_y) / 2
    panels = [
        _Panel(
            image,
            (
                left + col * (panel_w + gap_x),
                top + row * (panel_h + gap_y),
                left + col * (panel_w + gap_x) + panel_w,
                top + row * (panel_h + gap_y) + panel_h,
            ),
            k,
        )
        for row in range(2)
        for col in range(3)
    ]
    p_loss, p_update, p_grad, p_std, p_health, p_hist = panels
    steps = np.asarray(record.steps, dtype=float)
    x_range = (0.0, max(float(steps[-1]), 1.0)) if len(steps) else (0.0, 1.0)
    kernel_colors, site_colors = _colors(len(kernel_names)), _colors(len(sites))
    any_saturating = any(site.saturating for site in sites)

    update = [np.asarray(record.update_ratio.get(n, []), float) for n in kernel_names]
    grad = [np.asarray(record.grad_data_ratio.get(n, []), float) for n in kernel_names]
    stds = [np.asarray(record.activation_std.get(s.name, []), float) for s in sites]
    shares = [
        np.asarray((record.saturated if s.saturating else record.dead).get(s.name, []), float)
        for s in sites
    ]
    p_loss.set_y([np.asarray(record.loss, float)])
    p_update.set_y([*update, np.array([GUIDE])])
    positive = [np.log10(g[g > 0]) for g in grad]
    p_grad.log_y = any(p.size for p in positive)
    p_grad.set_y(positive if p_grad.log_y else grad)
    p_std.set_y(stds)
    p_health.set_y([], fixed=(-0.02, 1.02))
    for panel in (p_loss, p_update, p_grad, p_std, p_health):
        panel.x_range = x_range

    titles = (
        "loss on the probe batch",
        "update:data  log10(std(ΔW) / std(W))",
        "grad:data  std(∂L/∂W) / std(W)",
        "std of each hidden layer's outputs",
        "share saturated (sigmoid/tanh) or dead units" if any_saturating else "share of dead units",
        f"outputs of {histogram_layer or '—'} over time (value ↑)",
    )
    hist = record.histograms.get(histogram_layer) if histogram_layer else None
    if hist and len(steps):
        counts = record.colorful_dimension(histogram_layer)[::-1]  # top row: highest values
        box = tuple(round(c) for c in (p_hist.left, p_hist.top, p_hist.right, p_hist.bottom))
        # Each measurement's column spans the steps since the one before (from 0 for the first),
        # so uneven measuring (every step at first, then every 10th) keeps the time axis true.
        columns = box[2] - box[0]
        at = x_range[0] + (np.arange(columns) + 0.5) / columns * (x_range[1] - x_range[0])
        column = np.clip(np.searchsorted(steps, at, side="left"), 0, len(steps) - 1)
        tile = Image.fromarray(np.ascontiguousarray(_magma(counts)[:, column])).resize(
            (columns, box[3] - box[1]), Image.Resampling.NEAREST
        )
        image.paste(tile, box[:2])
        edges = record.edges[histogram_layer]
        p_hist.x_range = x_range
        p_hist.y_range = (float(edges[0]), float(edges[-1]))
        p_hist.ticks(grid=False)
    for panel in (p_loss, p_update, p_grad, p_std, p_health):
        panel.ticks()
    for panel, text in zip(panels, titles, strict=True):
        panel.frame(text)
    p_update.line(np.array(x_range), np.array([GUIDE, GUIDE]), _GREY, dashed=True)
    # The label sits just above the guide line (below it when the line is at the panel's top).
    _, guide_v = p_update.px(np.array([0.0]), np.array([GUIDE]))
    guide_v = float(np.clip(guide_v[0], p_update.top, p_update.bottom))
    above = guide_v - p_update.top > 12 * k
    _text(
        image,
        (p_update.left + 4 * k, guide_v - 2 * k if above else guide_v + 2 * k),
        "guide: −3",
        8 * k,
        "lb" if above else "lt",
        _GREY,
    )
    if len(steps):
        p_loss.line(steps, np.asarray(record.loss, float), _BLACK)
        for color, u, g in zip(kernel_colors, update, grad, strict=True):
            p_update.line(steps[: len(u)], u, color)
            p_grad.line(steps[: len(g)], g, color)
        for color, s, h in zip(site_colors, stds, shares, strict=True):
            p_std.line(steps[: len(s)], s, color)
            p_health.line(steps[: len(h)], h, color)
    if kernel_names:
        p_update.legend(list(kernel_names), kernel_colors)
    if sites:
        p_std.legend([s.name for s in sites], site_colors)
    if title:
        _text(image, (width / 2, 0.02 * height), title, 11 * k, "ma")
    _text(image, (width / 2, height - 0.01 * height), "training step (every panel)", 9 * k, "md")
    if supersample > 1:
        image = image.reduce(supersample)
    buffer = io.BytesIO()
    if image_format == "png":
        image.save(buffer, format="png", compress_level=1)
    elif image_format == "jpeg":  # frames during the fit: a third of PNG's encoding time
        image.save(buffer, format="jpeg", quality=90)
    else:
        raise ValueError(f"image_format must be 'png' or 'jpeg', got {image_format!r}.")
    return buffer.getvalue()


# --- the same panels with matplotlib: for saved figures and widget previews ------------------


def _png(fig: plt.Figure) -> bytes:
    """The whole canvas as PNG, drawn once (its margins are fixed, so no tight-box pass)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def _layer_colors(n: int) -> list:
    return list(plt.cm.viridis(np.linspace(0.0, 0.9, max(n, 1))))


def draw_live(
    record: LiveRecord,
    sites: list[Site],
    kernel_names: list[str],
    histogram_layer: str | None = None,
    title: str = "",
) -> plt.Figure:
    """Six panels over training steps: loss, update:data, grad:data, activation std,
    saturated or dead share per layer, and one layer's histogram over time."""
    # A bare Figure, not pyplot's: nothing for pyplot to keep open or show twice, and no pyplot
    # callback on each of the thousands of artist changes a frame makes.
    fig = Figure(figsize=(13, 6.2), dpi=72)
    axes = fig.subplots(2, 3)
    (ax_loss, ax_update, ax_grad), (ax_std, ax_health, ax_hist) = axes
    steps = np.asarray(record.steps)
    kernel_colors = _layer_colors(len(kernel_names))
    site_colors = _layer_colors(len(sites))
    ax_loss.set_title("loss on the probe batch", fontsize=10, y=1.0)
    ax_update.set_title("update:data  log10(std(ΔW) / std(W))", fontsize=10, y=1.0)
    ax_grad.set_title("grad:data  std(∂L/∂W) / std(W)", fontsize=10, y=1.0)
    ax_std.set_title("std of each hidden layer's outputs", fontsize=10, y=1.0)
    any_saturating = any(site.saturating for site in sites)
    ax_health.set_title(
        "share saturated (sigmoid/tanh) or dead units" if any_saturating else "share of dead units",
        fontsize=10,
        y=1.0,
    )
    ax_update.axhline(GUIDE, color="0.3", linestyle="--", linewidth=1)
    ax_update.annotate(
        "guide: −3", (0.01, GUIDE), xycoords=ax_update.get_yaxis_transform(), xytext=(0, 2),
        textcoords="offset points", va="bottom", fontsize=8, color="0.3",
    )  # fmt: skip
    if len(steps):
        ax_loss.plot(steps, record.loss, color="black")
        for name, color in zip(kernel_names, kernel_colors, strict=True):
            ratio = np.asarray(record.update_ratio[name])
            ax_update.plot(
                steps, np.where(np.isfinite(ratio), ratio, np.nan), color=color, label=name
            )
            grad_ratio = np.asarray(record.grad_data_ratio[name])
            ax_grad.plot(
                steps, np.where(grad_ratio > 0, grad_ratio, np.nan), color=color, label=name
            )
        for site, color in zip(sites, site_colors, strict=True):
            ax_std.plot(steps, record.activation_std[site.name], color=color, label=site.name)
            share = record.saturated[site.name] if site.saturating else record.dead[site.name]
            ax_health.plot(steps, share, color=color, label=site.name)
        if any(np.any(np.asarray(record.grad_data_ratio[n]) > 0) for n in kernel_names):
            ax_grad.set_yscale("log")
            ax_grad.yaxis.set_major_locator(LogLocator(numticks=4))
            ax_grad.yaxis.set_minor_locator(NullLocator())
    ax_health.set_ylim(-0.02, 1.02)
    for ax in (ax_loss, ax_update, ax_grad, ax_std, ax_health):
        ax.tick_params(labelsize=8)
    if kernel_names:
        handles, labels = ax_update.get_legend_handles_labels()
        if len(handles) > 6:  # deep nets: first, middle and last layer are enough to read colours
            keep = sorted({0, len(handles) // 2, len(handles) - 1})
            handles, labels = [handles[i] for i in keep], [labels[i] for i in keep]
        if handles:
            ax_update.legend(handles, labels, fontsize=7, loc="upper right")
    if histogram_layer is not None and record.histograms.get(histogram_layer):
        counts = record.colorful_dimension(histogram_layer)
        edges = record.edges[histogram_layer]
        # Each measurement's column spans the steps since the one before (see render_frame).
        step_edges = np.concatenate([[0.0], steps]) if steps[0] > 0 else np.arange(len(steps) + 1)
        ax_hist.pcolormesh(step_edges, edges, np.log1p(counts), cmap="magma", shading="flat")
        ax_hist.set_ylabel("output value", fontsize=9)
    else:
        ax_hist.set_xticks([])
        ax_hist.set_yticks([])
    ax_hist.set_title(f"histogram over time: {histogram_layer or '—'}", fontsize=10, y=1.0)
    ax_hist.tick_params(labelsize=8)
    if len(steps):  # one time axis for every panel (a series that stopped still spans the run)
        for ax in (ax_loss, ax_update, ax_grad, ax_std, ax_health):
            ax.set_xlim(0, max(int(steps[-1]), 1))
    if sites:
        handles, labels = ax_std.get_legend_handles_labels()
        if len(handles) > 6:
            keep = sorted({0, len(handles) // 2, len(handles) - 1})
            handles, labels = [handles[i] for i in keep], [labels[i] for i in keep]
        if handles:
            ax_std.legend(handles, labels, fontsize=7, loc="upper right")
    for ax in (ax_loss, ax_update, ax_std, ax_health):  # few ticks: a redraw spends its time there
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_locator(MaxNLocator(4))
    ax_grad.xaxis.set_major_locator(MaxNLocator(4))
    if title:
        fig.suptitle(title, fontsize=11)
    # One x label for all six panels, and titles at a fixed height: matplotlib otherwise
    # measures every tick label again to place each label and title (a third of a frame).
    fig.text(0.5, 0.01, "training step (every panel)", ha="center", fontsize=9)
    # Fixed margins instead of tight_layout, which measured every tick label twice per frame.
    fig.subplots_adjust(
        left=0.06, right=0.99, bottom=0.09, top=0.88 if title else 0.93, wspace=0.28, hspace=0.45
    )
    return fig
