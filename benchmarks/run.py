"""Measure what a learner will feel: notebook run times, kernel memory, accuracies, slider latency.

    python benchmarks/run.py                     # everything: full + quick mode, widgets
    python benchmarks/run.py --modes quick       # only the quick runs
    python benchmarks/run.py --notebooks 03 07   # a few notebooks
    python benchmarks/run.py --store             # also store the full-mode outputs in place
                                                 # (what `make execute` does), saving one run
    python benchmarks/run.py --claim-seeds 1 2   # full-mode claims under these seed shifts too

The full-mode runs also feed the claims report (benchmarks/claims.md): the stored run is
seed 0, and ``--claim-seeds`` (default: 1) reruns every notebook in full mode with its seeds
shifted, to check that every claim still holds.

Each notebook runs top to bottom in a fresh kernel (nbclient), one at a time; a thread polls
the resident memory of the kernel process every 0.1 s. Notebooks report their key numbers with
``helpers.results.record``; this script collects them through ``DNN_RESULTS_FILE``. Widget
callbacks are timed in this process by ``benchmarks/widget_cases.py``. Results go to
``benchmarks/results.md`` and ``images/benchmark.png``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))  # widget_cases sits beside this script

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as helpers.config sets it in notebooks

import claims as claims_report  # noqa: E402
import nbformat  # noqa: E402
import psutil  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

NOTEBOOK_DIR = ROOT / "notebooks"
TRACE_CLOCK_DIR = ROOT / "benchmarks" / "trace_clock"  # its sitecustomize times import and tracing
RESULTS_MD = ROOT / "benchmarks" / "results.md"
RAW_JSON = ROOT / "benchmarks" / "results.json"

# The reference: the book's companion notebook for this chapter, run top to bottom on this
# same kind of machine with the same data (issue 8): 11.5 min in all, 2.9 GB peak.
REFERENCE_TOTAL_SECONDS = 11.5 * 60
REFERENCE_PEAK_GB = 2.9


@dataclass(frozen=True)
class MatchedExperiment:
    """One of the reference's experiments, and where our notebooks record theirs."""

    label: str
    experiment: str  # the name given to helpers.results.record
    metric: str  # the key holding the comparable result
    reference_seconds: float
    reference_result: float
    reference_note: str


MATCHED = (
    MatchedExperiment(
        "activation comparison incl. 100-layer SELU vs ReLU",
        "activation comparison",
        "selu_val_accuracy",
        90,
        0.82,
        "SELU val acc after 5 epochs",
    ),
    MatchedExperiment(
        "batch norm, 2 epochs (ours: 20k training images, mean of 3 seeds)",
        "batch norm, 2 epochs",
        "val_accuracy",
        13,
        0.865,
        "val acc (55k images, 1 seed)",
    ),
    MatchedExperiment(
        "transfer A → B (A, B from scratch, B-on-A)",
        "transfer A→B (model A, B from scratch, B-on-A)",
        "val_accuracy",
        38,
        0.94,
        "B-on-A val acc",
    ),
    MatchedExperiment(
        "nine optimizers",
        "optimizer comparison",
        "best_val_accuracy",
        210,
        0.880,
        "best val acc (AdamW), Nadam 0.874",
    ),
    MatchedExperiment(
        "schedules incl. 1cycle (ours: 27.5k training images, 5 epochs)",
        "schedule comparison",
        "onecycle_val_accuracy",
        264,
        0.892,
        "1cycle val acc after 25 epochs",
    ),
    MatchedExperiment(
        "dropout + MC dropout", "dropout + MC dropout", "val_accuracy", 38, 0.874, "val acc"
    ),
)

TARGETS = {
    "full_total_seconds": 10 * 60,
    "quick_total_seconds": 5 * 60,
    "peak_memory_gb": 2.0,
    "numpy_widget_p95_ms": 100,
    "training_widget_p95_ms": 5000,
    "live_view_overhead": 0.15,
}


@dataclass
class NotebookRun:
    """One notebook executed once in one mode."""

    notebook: str
    mode: str
    seconds: float
    peak_rss_mb: float
    ok: bool
    error: str = ""
    records: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    date: str = ""  # when it ran (rows of a partial run sit next to older ones)
    # Measured inside the kernel by benchmarks/trace_clock (None: not measured, e.g. older rows)
    import_seconds: float | None = None  # importing TensorFlow and Keras
    trace_seconds: float | None = None  # turning Python into TensorFlow graphs
    traces: int = 0
    # benchmarks/speed_probe.py's total, before and after the notebooks of the same bench run
    probe_seconds: tuple[float, float] | None = None


class PeakMemory:
    """Poll the resident memory of this process's children (the kernel) in a thread."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    continue
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def run_notebook(path: Path, mode: str, store: bool) -> NotebookRun:
    """Execute one notebook in a fresh kernel; time it, watch its memory, collect its records."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        results_file = Path(tmp) / "results.jsonl"
        claims_file = Path(tmp) / "claims.jsonl"
        os.environ["DNN_QUICK"] = "1" if mode == "quick" else "0"
        os.environ["DNN_RESULTS_FILE"] = str(results_file)
        os.environ["DNN_CLAIMS_FILE"] = str(claims_file)
        os.environ["DNN_CLAIMS"] = "explain"  # a miss is recorded in the claims report
        os.environ.pop("DNN_SEED", None)  # the stored run uses the default seeds
        clock_file = Path(tmp) / "clock.json"
        os.environ["DNN_TRACE_CLOCK_FILE"] = str(clock_file)  # see benchmarks/trace_clock
        python_path = os.environ.get("PYTHONPATH")
        kernel_path = [str(TRACE_CLOCK_DIR), *filter(None, [python_path])]
        os.environ["PYTHONPATH"] = os.pathsep.join(kernel_path)
        client = NotebookClient(
            nb,
            timeout=claims_report.CELL_TIMEOUT_S,  # per cell
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
        )
        error = ""
        start = time.perf_counter()
        with PeakMemory() as memory:
            try:
                client.execute()
            except Exception as exc:  # a failing notebook is a result too
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        seconds = time.perf_counter() - start
        records, claims = [], []
        if results_file.exists():
            records = [json.loads(line) for line in results_file.read_text().splitlines() if line]
        if claims_file.exists():
            claims = [json.loads(line) for line in claims_file.read_text().splitlines() if line]
        clock = json.loads(clock_file.read_text()) if clock_file.exists() else {}
        os.environ.pop("DNN_TRACE_CLOCK_FILE")
        if python_path is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = python_path
    if any(not c["held"] for c in claims):
        error = error or "missed claims: " + "; ".join(
            c["statement"] for c in claims if not c["held"]
        )
    if store and mode == "full" and not error:
        nbformat.write(nb, path)
    return NotebookRun(
        path.stem,
        mode,
        seconds,
        memory.peak_bytes / 2**20,
        not error,
        error,
        records,
        claims,
        dt.date.today().isoformat(),
        clock.get("import_seconds"),
        clock.get("trace_seconds"),
        clock.get("traces", 0),
    )


def speed_probe() -> dict[str, float]:
    """benchmarks/speed_probe.py in a fresh Python: how fast the machine is right now."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "speed_probe.py")],
        capture_output=True, text=True, check=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def probe_sentence(runs: list[NotebookRun]) -> str:
    """What the speed probe measured around the runs whose rows the report shows."""
    probes = sorted({tuple(r.probe_seconds) for r in runs if r.probe_seconds})
    if not probes:
        return ""
    taken = "; ".join(f"{before:.1f} s before and {after:.1f} s after" for before, after in probes)
    return (
        " Speed probe (`benchmarks/speed_probe.py`, a fixed small workload in a fresh Python: "
        "import TensorFlow and Keras, train a 3×100 net on 8,192 images, a NumPy product; "
        f"the same machine takes 2-3× longer on a slow day) around the runs shown: {taken}. "
        "Compare runs of different days through their ratio to the probe."
    )


def time_widgets(repeats: int) -> list[dict]:
    """Median and p95 kernel-side latency of every widget callback in widget_cases.py."""
    os.environ["DNN_QUICK"] = "0"
    import widget_cases

    rows = []
    for case in widget_cases.cases():
        callback = case.make_callback()
        callback(case.values[0])  # warm-up: first-call imports and tracing are not a redraw
        times = []
        for value in case.values[:repeats]:
            start = time.perf_counter()
            callback(value)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        rows.append(
            {
                "widget": case.name,
                "notebook": case.notebook,
                "kind": case.kind,
                "n": len(times),
                "median_ms": statistics.median(times),
                "p95_ms": p95,
            }
        )
        print(
            f"  {case.name:<45} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms",
            flush=True,
        )
    return rows


# The live view's cost at each notebook's setting: the same net, optimizer, images and
# measuring interval as the notebook's live cell, one epoch of fit with and without
# helpers.live.LiveTraining (256-image probe; frames drawn and encoded as in a notebook, only
# not put on a screen), and a long fit where the fixed costs are spread out. Keep in step with
# the notebooks (tests/test_notebook_hygiene.py does not check this: the cells say why).
LIVE_SETTINGS = {
    # name: (net, optimizer, images, batch size, every, first)
    "01: 10 × 100 sigmoid, SGD 0.05, 430 steps, every 30th": ("01", "sgd_0.05", 55_000, 128, 30, 0),
    "03: 4 × 100 ReLU, Adam 0.03, 157 steps, every 10th": ("03", "adam_0.03", 20_000, 128, 10, 0),
    "04: 300-100 BN, SGD 0.5 + momentum, 157 steps, the first 10 and every 20th": (
        "04",
        "momentum_0.5",
        20_000,
        128,
        20,
        10,
    ),
    "08: 2 × 64 ReLU, SGD 0.1, 240 steps, every 12th": ("08", "sgd_0.1", 30_720, 128, 12, 0),
    "a long fit: 10 × 100 sigmoid, 1,719 steps of 32, every 50th": (
        "01",
        "sgd_0.05",
        55_000,
        32,
        50,
        0,
    ),
}


def _live_net(kind: str):
    import keras

    from helpers import models

    if kind == "01":
        return models.build_mlp(
            n_hidden=10, n_neurons=100, activation="sigmoid", kernel_initializer="glorot_normal"
        )
    if kind == "03":
        return models.build_mlp(n_hidden=4, n_neurons=100, activation="relu")
    if kind == "08":
        return models.build_mlp(n_hidden=2, n_neurons=64)
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]  # notebook 04's BN net
    for i, units in enumerate((300, 100), start=1):
        layers += [
            keras.layers.Dense(
                units, use_bias=False, kernel_initializer="he_normal", name=f"hidden_{i}"
            ),
            keras.layers.BatchNormalization(name=f"bn_{i}"),
            keras.layers.Activation("relu", name=f"act_{i}"),
        ]
    layers.append(keras.layers.Dense(10, activation="softmax", name="output"))
    return keras.Sequential(layers)


def _live_optimizer(kind: str):
    import keras

    name, rate = kind.split("_")
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=float(rate))
    return keras.optimizers.SGD(
        learning_rate=float(rate), momentum=0.9 if name == "momentum" else 0.0
    )


def time_live_view(pairs: int = 11) -> dict:
    """Wall time of one epoch of fit with and without helpers.live.LiveTraining at each of
    LIVE_SETTINGS, in interleaved pairs (the machine's speed drifts less within a pair). The
    overhead is the median of the pairs' ratios; the time the callback itself took (measuring
    and drawing, during which the fit waits) is reported next to it: on these machines the same
    one-second fit can take 1.0 or 1.9 s, and the callback's own time does not carry that noise."""
    os.environ["DNN_QUICK"] = "0"
    from helpers import config, data, live, models

    config.setup(seed=0)
    fashion = data.load_fashion_mnist()

    def fit(setting: tuple, with_view: bool) -> tuple[float, float, int]:
        net_kind, optimizer_kind, n_images, batch_size, every, first = setting
        config.set_seed(0)
        model = _live_net(net_kind)
        models.compile_classifier(model, _live_optimizer(optimizer_kind))
        callbacks, view = [], None
        if with_view:
            view = live.LiveTraining(
                fashion.x_valid[:256], fashion.y_valid[:256], every=every, first=first, show=True
            )
            view._show = lambda image: None  # no screen here; drawing and encoding still run
            callbacks = [view]
        x, y = fashion.x_train[:n_images], fashion.y_train[:n_images]
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0, callbacks=callbacks)
        seconds = time.perf_counter() - start
        own = view.seconds_measuring + view.seconds_drawing if view else 0.0
        return seconds, own, view.frames if view else 0

    settings = []
    for name, setting in LIVE_SETTINGS.items():
        fit(setting, False)  # warm-up: first-call costs are not the view's
        ratios, plain_times, live_times, own_times, frames = [], [], [], [], 0
        for _ in range(pairs):
            plain, _, _ = fit(setting, False)
            with_view, own, frames = fit(setting, True)
            plain_times.append(plain)
            live_times.append(with_view)
            own_times.append(own)
            ratios.append(with_view / plain - 1)
        row = {
            "setting": name,
            "plain_s": statistics.median(plain_times),
            "plain_range_s": [min(plain_times), max(plain_times)],
            "live_s": statistics.median(live_times),
            "overhead": statistics.median(ratios),
            "own_s": statistics.median(own_times),
            "own_share": statistics.median(own_times) / statistics.median(plain_times),
            "frames": frames,
            "pairs": pairs,
        }
        settings.append(row)
        print(
            f"  live view, {name}: fit {row['plain_s']:.2f} s plain "
            f"({min(plain_times):.2f}-{max(plain_times):.2f}), {row['live_s']:.2f} s with the "
            f"view ({row['overhead']:+.0%}); the callback's own time {row['own_s']:.2f} s "
            f"({row['own_share']:.0%}), {frames} frames",
            flush=True,
        )
    return {
        "settings": settings,
        "load_average": os.getloadavg()[0],
        "date": dt.date.today().isoformat(),
    }


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = psutil.virtual_memory().total / 2**30
    import keras
    import tensorflow as tf

    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_gb:.0f} GiB RAM, Python "
        f"{platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )


def _mark(ok: bool) -> str:
    return "✔" if ok else "✘"


def _seconds(run: NotebookRun | None) -> str:
    return f"{run.seconds:.0f}" if run else "–"


def _fixed(run: NotebookRun | None) -> str:
    """'41 (12 + 29 in 96)': seconds importing TensorFlow + seconds tracing, in 96 traces."""
    if run is None or run.trace_seconds is None or run.import_seconds is None:
        return "–"
    fixed = run.import_seconds + run.trace_seconds
    return f"{fixed:.0f} ({run.import_seconds:.0f} + {run.trace_seconds:.0f} in {run.traces})"


def fixed_cost_paragraph(runs: list[NotebookRun], mode: str) -> str:
    """One sentence on the share of a mode's time that does not shrink with the data."""
    measured = [r for r in runs if r.trace_seconds is not None and r.import_seconds is not None]
    if not measured:
        return ""
    total = sum(r.seconds for r in measured)
    imports = sum(r.import_seconds for r in measured)
    tracing = sum(r.trace_seconds for r in measured)
    return (
        f"{mode.capitalize()} mode, {len(measured)} notebooks measured: {total:.0f} s, of which "
        f"{imports:.0f} s importing TensorFlow and Keras ({len(measured)} kernels) and "
        f"{tracing:.0f} s tracing compiled steps ({sum(r.traces for r in measured)} traces): "
        f"{100 * (imports + tracing) / total:.0f} % that smaller data does not shorten."
    )


def _find(records: list[dict], experiment: str) -> dict | None:
    matches = [r for r in records if r.get("experiment") == experiment]
    return matches[-1] if matches else None


def _range(setting: dict) -> str:
    low, high = setting.get("plain_range_s", [setting["plain_s"]] * 2)
    return f"{low:.2f}-{high:.2f} s"


def write_report(
    runs: list[NotebookRun], widgets: list[dict], previous: dict, live_view: dict | None = None
) -> None:
    """benchmarks/results.md and images/benchmark.png from this run (and kept earlier parts)."""
    full = {r.notebook: r for r in runs if r.mode == "full"} or {
        r["notebook"]: NotebookRun(**r) for r in previous.get("runs", []) if r["mode"] == "full"
    }
    quick = {r.notebook: r for r in runs if r.mode == "quick"} or {
        r["notebook"]: NotebookRun(**r) for r in previous.get("runs", []) if r["mode"] == "quick"
    }
    widgets = widgets or previous.get("widgets", [])
    live_view = live_view or previous.get("live_view")
    names = sorted(set(full) | set(quick))
    records = [rec for r in full.values() for rec in r.records]
    # Rows stored before runs carried their date come from the full run of 2026-11-22.
    every_run = [*full.values(), *quick.values()]
    by_day: dict[str, set[str]] = {}
    for r in every_run:
        by_day.setdefault(r.date or "2026-11-22", set()).add(r.notebook[:2])
    days = sorted(by_day) or [dt.date.today().isoformat()]
    measured = (
        f"Measured {days[0] if len(days) == 1 else 'on several days'} on "
        f"{machine_description()}, by `make bench` (`benchmarks/run.py`). Each notebook ran top "
        "to bottom in a fresh kernel, one at a time; memory is the kernel's peak resident set."
    )
    measured += probe_sentence(every_run)
    if len(days) > 1:  # a partial run: its rows sit next to older ones
        measured += (
            " Notebook rows by day: "
            + "; ".join(f"{day}: {', '.join(sorted(by_day[day]))}" for day in days)
            + "."
        )
    if live_view and live_view.get("date"):
        measured += (
            f" The live-view rows were measured {live_view['date']} "
            f"(load average {live_view['load_average']:.1f} on 2 cores)."
        )
    lines = [
        "# Benchmark results",
        "",
        measured,
        "",
        "## Notebooks",
        "",
        "| notebook | full mode (s) | of it: import + tracing (s) | quick mode (s) | "
        "of it: import + tracing (s) | peak kernel memory (MB) | status |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name in names:
        f, q = full.get(name), quick.get(name)
        peak = max([r.peak_rss_mb for r in (f, q) if r] or [0])
        status = (
            "ok"
            if all(r.ok for r in (f, q) if r)
            else "; ".join(r.error for r in (f, q) if r and not r.ok)
        )
        lines.append(
            f"| {name} | {_seconds(f)} | {_fixed(f)} | {_seconds(q)} | {_fixed(q)} "
            f"| {peak:.0f} | {status} |"
        )
    full_total = sum(r.seconds for r in full.values())
    quick_total = sum(r.seconds for r in quick.values())
    peak_all = max([r.peak_rss_mb for r in [*full.values(), *quick.values()]] or [0]) / 1024
    lines += [
        f"| **total**{' (rows of different days: not one run)' if len(days) > 1 else ''} | "
        f"**{full_total:.0f}** | | **{quick_total:.0f}** | | max {peak_all * 1024:.0f} | |",
        "",
    ]
    fixed = [
        fixed_cost_paragraph(list(rows.values()), mode)
        for mode, rows in (("full", full), ("quick", quick))
    ]
    if any(fixed):
        lines += [
            "Import + tracing: measured inside each kernel by `benchmarks/trace_clock` (importing "
            "TensorFlow and Keras; turning each compiled training, evaluation or prediction step "
            "into a graph, once per model or input shape). Neither depends on how many images a "
            "notebook trains on. " + " ".join(p for p in fixed if p),
            "",
        ]

    lines += [
        "## Matched experiments (full mode) against the reference",
        "",
        "| experiment | reference time (s) | our time (s) | reference result | our result | "
        "time ≤ ½ ref | result ≥ ref |",
        "|---|---:|---:|---|---:|---|---|",
    ]
    for m in MATCHED:
        row = _find(records, m.experiment)
        if row is None:
            lines.append(
                f"| {m.label} | {m.reference_seconds} | – | {m.reference_result} "
                f"({m.reference_note}) | – | not recorded | |"
            )
            continue
        seconds, value = row.get("seconds", float("nan")), row.get(m.metric, float("nan"))
        lines.append(
            f"| {m.label} | {m.reference_seconds} | {seconds:.1f} | {m.reference_result} "
            f"({m.reference_note}) | {value:.3f} | {_mark(seconds <= m.reference_seconds / 2)}"
            f" | {_mark(value >= m.reference_result)} |"
        )
    lines += [
        "",
        "### Every number the notebooks recorded",
        "",
        "| experiment | numbers |",
        "|---|---|",
    ]
    for rec in records:
        numbers = ", ".join(f"{k} {v:.4g}" for k, v in rec.items() if k != "experiment")
        lines.append(f"| {rec['experiment']} | {numbers} |")

    lines += [
        "",
        "## Widget callbacks (kernel-side latency, full-mode data)",
        "",
        "Each callback is the drawing function behind a slider plus rendering its figure to "
        "PNG, as the widget does (`helpers.widgets.figure_png`); first call excluded (warm-up).",
        "",
        "| widget | notebook | kind | values | median (ms) | p95 (ms) |",
        "|---|---|---|---:|---:|---:|",
    ]
    for w in widgets:
        lines.append(
            f"| {w['widget']} | {w['notebook']} | {w['kind']} | {w['n']} | "
            f"{w['median_ms']:.1f} | {w['p95_ms']:.1f} |"
        )
    numpy_p95 = max([w["p95_ms"] for w in widgets if w["kind"] == "numpy"] or [0])
    train_p95 = max([w["p95_ms"] for w in widgets if w["kind"] == "training"] or [0])

    def verdict(ok: bool) -> str:
        return "✔ met" if ok else "✘ missed"

    lines += [
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---:|---|",
        f"| whole collection, full mode ≤ 10 min | {full_total / 60:.1f} min "
        f"(reference {REFERENCE_TOTAL_SECONDS / 60:.1f} min) | "
        f"{verdict(full_total <= TARGETS['full_total_seconds'])} |",
        f"| quick mode (what CI runs) ≤ 5 min | {quick_total / 60:.1f} min (sequential) | "
        f"{verdict(quick_total <= TARGETS['quick_total_seconds'])} |",
        f"| peak kernel memory ≤ 2 GB | {peak_all:.2f} GB (reference {REFERENCE_PEAK_GB} GB)"
        f" | {verdict(peak_all <= TARGETS['peak_memory_gb'])} |",
        f"| NumPy widget p95 ≤ 100 ms | {numpy_p95:.0f} ms (worst) | "
        f"{verdict(numpy_p95 <= TARGETS['numpy_widget_p95_ms'])} |",
        f"| training widget p95 ≤ 5 s | {train_p95 / 1000:.2f} s (worst) | "
        f"{verdict(train_p95 <= TARGETS['training_widget_p95_ms'])} |",
    ]
    if live_view and "settings" in live_view:
        for setting in live_view["settings"]:
            own = (
                f"; the callback's own time {setting['own_s']:.2f} s = {setting['own_share']:.0%}"
                if "own_s" in setting
                else ""
            )
            lines.append(
                f"| live training view ≤ +15 % of fit's wall time ({setting['setting']}) | "
                f"{setting['overhead']:+.0%} (median of the ratios of {setting['pairs']} "
                f"interleaved pairs; the fit alone {_range(setting)}, median "
                f"{setting['plain_s']:.2f} s, with the view median {setting['live_s']:.2f} s; "
                f"{setting['frames']} frames{own}) | "
                f"{verdict(setting['overhead'] <= TARGETS['live_view_overhead'])} |"
            )
    lines.append("")
    RESULTS_MD.write_text("\n".join(lines) + "\n", encoding="utf-8")
    RAW_JSON.write_text(
        json.dumps(
            {
                "runs": [r.__dict__ for r in [*full.values(), *quick.values()]],
                "widgets": widgets,
                "live_view": live_view,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    _plot(names, full, quick)
    print(f"wrote {RESULTS_MD.relative_to(ROOT)} and images/benchmark.png")


def _plot(names: list[str], full: dict, quick: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    x = np.arange(len(names))
    fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(11, 3.6))
    ax_time.bar(x - 0.2, [full[n].seconds if n in full else 0 for n in names], 0.4, label="full")
    ax_time.bar(x + 0.2, [quick[n].seconds if n in quick else 0 for n in names], 0.4, label="quick")
    ax_time.set_ylabel("wall time (s)")
    ax_time.legend(frameon=False)
    peaks = [max([r.peak_rss_mb for r in (full.get(n), quick.get(n)) if r] or [0]) for n in names]
    ax_mem.bar(x, peaks, 0.6, color="tab:green")
    ax_mem.axhline(2048, color="crimson", lw=1, ls="--", label="2 GB target")
    ax_mem.set_ylabel("peak kernel memory (MB)")
    ax_mem.legend(frameon=False)
    for ax in (ax_time, ax_mem):
        ax.set_xticks(x, [n[:2] for n in names])
        ax.set_xlabel("notebook")
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"Course benchmark, {os.cpu_count()}-core CPU")
    fig.tight_layout()
    fig.savefig(ROOT / "images" / "benchmark.png", dpi=100)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run what was asked, write the report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--modes", nargs="+", choices=("full", "quick"), default=["full", "quick"])
    parser.add_argument(
        "--notebooks", nargs="*", default=None, help="two-digit prefixes, e.g. 03 07 (default: all)"
    )
    parser.add_argument(
        "--store",
        action="store_true",
        help="store full-mode outputs in the notebooks (like make execute)",
    )
    parser.add_argument(
        "--claim-seeds",
        nargs="*",
        type=int,
        default=[1],
        help="seed shifts for extra full-mode runs that only check claims (default: 1)",
    )
    parser.add_argument("--skip-widgets", action="store_true")
    parser.add_argument("--widget-repeats", type=int, default=20)
    parser.add_argument("--skip-live-view", action="store_true")
    parser.add_argument(
        "--only-live-view",
        action="store_true",
        help="time only the live view; keep every other number of the last report",
    )
    args = parser.parse_args(argv)
    if args.only_live_view:
        previous = json.loads(RAW_JSON.read_text()) if RAW_JSON.exists() else {}
        write_report([], [], previous, time_live_view())
        return

    paths = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    if args.notebooks:
        unknown = [p for p in args.notebooks if not any(x.name.startswith(p) for x in paths)]
        if unknown:
            parser.error(f"no notebook starts with {unknown}; have {[p.name[:2] for p in paths]}")
        paths = [p for p in paths if any(p.name.startswith(n) for n in args.notebooks)]
    previous = json.loads(RAW_JSON.read_text()) if RAW_JSON.exists() else {}
    before = speed_probe()
    print(f"speed probe before: {before['total_s']:.1f} s", flush=True)
    runs: list[NotebookRun] = []
    for mode in args.modes:
        for path in paths:
            run = run_notebook(path, mode, args.store)
            runs.append(run)
            print(
                f"{mode:5} {path.stem:<40} {run.seconds:6.1f} s  peak {run.peak_rss_mb:6.0f} MB"
                f"  {'ok' if run.ok else run.error}",
                flush=True,
            )
    after = speed_probe()
    print(f"speed probe after: {after['total_s']:.1f} s", flush=True)
    for run in runs:
        run.probe_seconds = (round(before["total_s"], 2), round(after["total_s"], 2))
    if "full" in args.modes:
        claim_runs = [
            {"notebook": r.notebook, "mode": "full", "seed": 0, "seconds": r.seconds,
             "error": "" if r.ok or r.error.startswith("missed claims") else r.error,
             "claims": r.claims}
            for r in runs if r.mode == "full"
        ]  # fmt: skip
        for seed in args.claim_seeds:
            for path in paths:
                run = claims_report.execute(path, "full", seed)
                claim_runs.append(run)
                print(f"full  seed {seed} {path.stem:<40} {run['seconds']:6.1f} s  "
                      f"{run['error'] or 'claims recorded'}", flush=True)  # fmt: skip
        everything = claims_report.store(claim_runs)
        claims_report.write_report(
            everything, [p.stem for p in sorted(NOTEBOOK_DIR.glob("*.ipynb"))]
        )
    widgets = [] if args.skip_widgets else time_widgets(args.widget_repeats)
    live_view = None if args.skip_live_view else time_live_view()
    if args.notebooks:  # a partial run keeps the other notebooks' earlier numbers
        kept = [
            NotebookRun(**r)
            for r in previous.get("runs", [])
            if not any(r["notebook"] == x.notebook and r["mode"] == x.mode for x in runs)
        ]
        runs = sorted([*kept, *runs], key=lambda r: (r.mode, r.notebook))
    write_report(runs, widgets, previous, live_view)
    if not all(r.ok for r in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
