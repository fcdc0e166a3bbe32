"""Notebook 10 (dropout and MC dropout): a dropout mask on an image, learning curves per rate,
MC dropout's passes, and alpha dropout in a SELU stack."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullLocator

from helpers import config
from helpers.checks import check_computed, check_in_range, check_whole_number
from helpers.regularization import inverted_dropout, selu_stack_statistics
from helpers.uncertainty import accuracy_vs_passes, entropy
from helpers.widgets.core import float_slider, interactive_figure, selection_slider


def draw_dropout_mask(
    image: np.ndarray, rate: float, seed: int = 0, n_average: int = 200
) -> tuple[plt.Figure, str]:
    """An image through inverted dropout: one pass, and the average of many passes."""
    check_in_range("rate", rate, 0.0, 1.0)
    image = np.asarray(image, dtype=np.float32)
    rng = config.rng(seed)
    one_pass = inverted_dropout(image, rate, rng)
    many = inverted_dropout(np.broadcast_to(image, (n_average, *image.shape)), rate, rng)
    average = many.mean(axis=0)
    top = float(max(image.max(), 1e-6)) / (1.0 - rate)
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.85, wspace=0.05)
    panels = (
        (image, "inference: unchanged"),
        (one_pass, f"training: one pass (×{1 / (1 - rate):.2f})"),
        (average, f"average of {n_average} passes"),
    )
    for ax, (picture, title) in zip(axes, panels, strict=True):
        ax.imshow(picture, cmap="binary", vmin=0, vmax=top)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    dropped = float((one_pass == 0)[image != 0].mean()) if np.any(image != 0) else 0.0
    text = (
        f"rate {rate:.2f}: {dropped:.1%} of the non-zero pixels dropped in this pass · mean pixel "
        f"{image.mean():.3f} → {one_pass.mean():.3f} (one pass), {average.mean():.3f} (average)"
    )
    return fig, text


def explore_dropout_mask(image: np.ndarray) -> widgets.VBox:
    """Dropout rate and random seed → one dropout pass over an image, and the average."""
    rate = float_slider("dropout rate", 0.3, 0.0, 0.9, 0.05)
    seed = widgets.IntSlider(
        value=0, min=0, max=20, description="mask seed", continuous_update=False
    )
    return interactive_figure(
        lambda rate, seed: draw_dropout_mask(image, rate, seed),
        {"rate": rate, "seed": seed},
        caption="Kept pixels are scaled up by 1/(1 − rate), so the average pass equals the image.",
    )


def draw_dropout_rate(
    runs: Mapping[float, Mapping[str, Sequence[float]]],
    rate: float,
    axes: Sequence[plt.Axes] | None = None,
) -> tuple[plt.Figure, str]:
    """Learning curves of the net trained at ``rate``: reported (dropout on) and honest
    (dropout off) training loss, validation loss, and accuracies.

    ``runs[rate]`` holds lists per epoch: ``loss`` (Keras's report), ``honest_loss``,
    ``val_loss``, ``honest_accuracy``, ``val_accuracy``; the last four may be measured only
    at the epochs listed in an optional ``eval_epochs`` (as ``OverfitResult.mean_runs`` does).
    """
    rate = check_computed("rate", rate, runs, done="trained")
    run = runs[rate]
    missing = {"loss", "honest_loss", "val_loss", "honest_accuracy", "val_accuracy"} - set(run)
    if missing:
        raise ValueError(f"runs[{rate}] lacks {sorted(missing)}.")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 2.8))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.88, wspace=0.25)
    ax_loss, ax_acc = axes
    fig = ax_loss.figure
    epochs = np.arange(1, len(run["loss"]) + 1)
    measured = np.asarray(run.get("eval_epochs", epochs))
    ax_loss.plot(epochs, run["loss"], color="tab:orange", ls=":", label="train, as Keras reports")
    ax_loss.plot(measured, run["honest_loss"], color="tab:orange", label="train, dropout off")
    ax_loss.plot(measured, run["val_loss"], color="tab:blue", label="validation")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    top = max(max(run["loss"]), max(run["val_loss"]))
    ax_loss.set_ylim(0, min(top * 1.05, 2.5))
    ax_loss.legend(loc="upper right")
    ax_loss.set_title(f"dropout rate {rate:.1f}")
    ax_acc.plot(measured, run["honest_accuracy"], color="tab:orange", label="train, dropout off")
    ax_acc.plot(measured, run["val_accuracy"], color="tab:blue", label="validation")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0.6, 1.0)
    ax_acc.legend(loc="lower right")
    for ax in axes:  # few tick labels: text is most of a redraw's rendering time
        ax.locator_params(nbins=4)
    gap = run["val_loss"][-1] - run["honest_loss"][-1]
    text = (
        f"rate {rate:.1f}: last epoch — train loss {run['loss'][-1]:.3f} reported, "
        f"{run['honest_loss'][-1]:.3f} with dropout off; validation {run['val_loss'][-1]:.3f} "
        f"(gap {gap:.3f}) · validation accuracy {run['val_accuracy'][-1]:.3f}"
    )
    return fig, text


def explore_dropout_rate(runs: Mapping[float, Mapping[str, Sequence[float]]]) -> widgets.VBox:
    """A slider over the dropout rates trained in advance → their learning curves."""
    rates = sorted(runs)
    slider = selection_slider("dropout rate", rates, rates[0], ".1f")
    return interactive_figure(
        lambda rate: draw_dropout_rate(runs, rate),
        {"rate": slider},
        caption="Dotted: the loss Keras prints. Solid orange: the real training loss.",
    )


def draw_mc_passes(
    mc_probabilities: np.ndarray,
    y_true: np.ndarray,
    n_passes: int,
    index: int,
    class_names: Sequence[str],
    images: np.ndarray | None = None,
    accuracy_curve: np.ndarray | None = None,
) -> tuple[plt.Figure, str]:
    """MC dropout with the first ``n_passes`` passes: accuracy vs passes, and one instance's
    mean probability per class ± its spread over the passes.

    ``accuracy_curve`` (from ``uncertainty.accuracy_vs_passes``) may be given to skip
    recomputing it at every redraw.
    """
    p = np.asarray(mc_probabilities)
    if p.ndim != 3:
        raise ValueError(f"mc_probabilities must be (passes, n, classes), got shape {p.shape}.")
    check_whole_number("n_passes", n_passes, minimum=1, maximum=len(p))
    check_whole_number("index", index, minimum=0, maximum=p.shape[1] - 1)
    curve = accuracy_vs_passes(p, y_true) if accuracy_curve is None else accuracy_curve
    used = p[:n_passes, index]
    mean, spread = used.mean(axis=0), used.std(axis=0)
    width = [1.2, 1.6] if images is None else [1.2, 1.6, 0.7]
    fig, axes = plt.subplots(1, len(width), figsize=(8.6, 2.8), gridspec_kw={"width_ratios": width})
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.32, top=0.88, wspace=0.3)
    passes = np.arange(1, len(p) + 1)
    axes[0].plot(passes, curve, color="0.7")
    axes[0].plot(passes[:n_passes], curve[:n_passes], color="tab:purple")
    axes[0].plot([n_passes], [curve[n_passes - 1]], "o", color="tab:purple")
    axes[0].set_xscale("log")
    # Few fixed ticks: a log axis's default minor tick labels cost more than the whole redraw.
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200) if t <= len(p)]
    axes[0].set_xticks(ticks, [str(t) for t in ticks])
    axes[0].xaxis.set_minor_locator(NullLocator())
    axes[0].set_xlabel("passes averaged (N)")
    axes[0].set_ylabel("accuracy")
    axes[0].locator_params(axis="y", nbins=4)
    axes[0].set_title("accuracy of the average")
    classes = np.arange(p.shape[2])
    colors = ["tab:green" if c == y_true[index] else "tab:gray" for c in classes]
    axes[1].bar(classes, mean, yerr=spread, color=colors, capsize=2)
    axes[1].set_xticks(classes, list(class_names), rotation=60, fontsize=8)
    axes[1].set_ylim(0, 1.05)
    axes[1].set_title(f"instance {index}: mean ± std over {n_passes} passes", fontsize=9)
    if images is not None:
        axes[2].imshow(images[index], cmap="binary")
        axes[2].set_title(class_names[int(y_true[index])], fontsize=9)
        axes[2].axis("off")
    predicted = int(mean.argmax())
    text = (
        f"N = {n_passes}: accuracy {curve[n_passes - 1]:.3f} (one pass: {curve[0]:.3f}) · "
        f"instance {index}: true {class_names[int(y_true[index])]}, predicted "
        f"{class_names[predicted]} ({mean[predicted]:.2f} ± {spread[predicted]:.2f}), "
        f"entropy {float(entropy(mean / mean.sum())):.2f} nats"
    )
    return fig, text


def explore_mc_passes(
    mc_probabilities: np.ndarray,
    y_true: np.ndarray,
    class_names: Sequence[str],
    indices: Sequence[int],
    images: np.ndarray | None = None,
) -> widgets.VBox:
    """Number of MC passes N and an instance (among ``indices``) → accuracy and spread."""
    n_max = len(mc_probabilities)
    curve = accuracy_vs_passes(mc_probabilities, y_true)
    passes = widgets.IntSlider(
        value=min(10, n_max), min=1, max=n_max, description="passes N", continuous_update=False
    )
    instance = widgets.Dropdown(
        options=[int(i) for i in indices], value=int(indices[0]), description="instance"
    )
    return interactive_figure(
        lambda n_passes, index: draw_mc_passes(
            mc_probabilities, y_true, n_passes, index, class_names, images, curve
        ),
        {"n_passes": passes, "index": instance},
        caption="More passes: a steadier average. Error bars: how much the passes disagree.",
    )


def draw_alpha_dropout(
    rate: float, n_layers: int = 30, axes: Sequence[plt.Axes] | None = None
) -> tuple[plt.Figure, str]:
    """Mean and std of activations through a deep SELU net with no dropout, standard
    dropout or alpha dropout before every layer (training mode, NumPy)."""
    check_in_range("rate", rate, 0.0, 1.0)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 2.6))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.88, wspace=0.25)
    ax_mean, ax_std = axes
    fig = ax_mean.figure
    layers = np.arange(1, n_layers + 1)
    final = {}
    styles = {
        "none": ("0.5", "no dropout"),
        "standard": ("tab:red", "dropout"),
        "alpha": ("tab:green", "alpha dropout"),
    }
    # fixed limits for small rates, widened when a curve would leave them (dropout's std ≈ 3 at 0.4)
    mean_low, mean_high, std_top = -0.5, 1.0, 2.5
    for kind, (color, label) in styles.items():
        means, stds = selu_stack_statistics(rate, kind, n_layers=n_layers)
        ax_mean.plot(layers, means, color=color, label=label)
        ax_std.plot(layers, stds, color=color, label=label)
        final[kind] = (means[-1], stds[-1])
        mean_low = min(mean_low, 1.1 * np.min(means))
        mean_high = max(mean_high, 1.1 * np.max(means))
        std_top = max(std_top, 1.1 * np.max(stds))
    ax_mean.axhline(0, color="k", lw=0.6)
    ax_std.axhline(1, color="k", lw=0.6)
    ax_mean.set_ylim(mean_low, mean_high)
    ax_std.set_ylim(0.5, std_top)
    ax_mean.set_title(f"mean per layer (rate {rate:.2f})")
    ax_std.set_title("standard deviation per layer")
    for ax in axes:
        ax.set_xlabel("layer")
    ax_std.legend(loc="upper left")
    for ax in axes:
        ax.locator_params(nbins=4)
    text = (
        f"rate {rate:.2f}, after {n_layers} SELU layers: dropout mean {final['standard'][0]:+.2f} "
        f"std {final['standard'][1]:.2f} · alpha dropout mean {final['alpha'][0]:+.2f} "
        f"std {final['alpha'][1]:.2f}"
    )
    return fig, text


def explore_alpha_dropout(n_layers: int = 30) -> widgets.VBox:
    """Dropout rate → activation statistics of a SELU stack with dropout vs alpha dropout."""
    slider = float_slider("rate", 0.2, 0.0, 0.5, 0.05)
    for rate in np.arange(0.0, 0.5001, 0.05):  # fill the cache: every slider position is instant
        for kind in ("none", "standard", "alpha"):
            selu_stack_statistics(float(rate), kind, n_layers=n_layers)
    return interactive_figure(
        lambda rate: draw_alpha_dropout(rate, n_layers),
        {"rate": slider},
        caption="Self-normalization keeps mean 0 and std 1 — unless plain dropout breaks it.",
    )
