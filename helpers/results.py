"""Key numbers a notebook reaches, recorded for the benchmark (``make bench``).

A notebook calls ``record("batch norm", val_accuracy=0.87, seconds=5.2)`` after a matched
experiment. When the environment variable ``DNN_RESULTS_FILE`` names a file (the benchmark
sets it), one JSON line per call is appended there; otherwise nothing is written.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

RESULTS_ENV_VAR = "DNN_RESULTS_FILE"


def record(experiment: str, **numbers: float) -> dict[str, float | str]:
    """Record an experiment's numbers (e.g. val_accuracy=…, seconds=…, epochs=…)."""
    if not experiment:
        raise ValueError("experiment needs a name, e.g. 'batch norm, 2 epochs'.")
    bad = {k: v for k, v in numbers.items() if not isinstance(v, (int, float))}
    if bad:
        raise ValueError(f"numbers must be ints or floats, got {bad!r}.")
    row: dict[str, float | str] = {
        "experiment": experiment,
        **{k: float(v) for k, v in numbers.items()},
    }
    target = os.environ.get(RESULTS_ENV_VAR)
    if target:
        with Path(target).open("a", encoding="utf-8") as file:
            file.write(json.dumps(row) + "\n")
    return row


class Stopwatch:
    """``with Stopwatch() as watch: …`` then ``watch.seconds`` is the wall time of the block."""

    def __init__(self) -> None:
        self.seconds = float("nan")
        self._start = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = time.perf_counter() - self._start
