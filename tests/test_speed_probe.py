"""benchmarks/speed_probe.py and how the benchmark report quotes it."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import run as bench
import speed_probe


def test_probe_times_each_part_and_sums_them():
    parts = speed_probe.probe(n_images=512, later_epochs=1)
    assert set(parts) == {"import_s", "first_epoch_s", "later_epoch_s", "numpy_s", "total_s"}
    assert all(value > 0 for value in parts.values())
    assert abs(parts["total_s"] - sum(v for k, v in parts.items() if k != "total_s")) < 1e-9


def _run(probe):
    return bench.NotebookRun("00_x", "full", 1.0, 1.0, True, probe_seconds=probe)


def test_report_quotes_each_distinct_probe_once_and_nothing_without_one():
    # Rows read back from results.json carry lists, rows of this run tuples: one probe either way.
    runs = [_run((9.5, 10.25)), _run([9.5, 10.25]), _run((20.0, 21.0)), _run(None)]
    sentence = bench.probe_sentence(runs)
    assert sentence.count("9.5 s before and 10.2 s after") == 1
    assert "20.0 s before and 21.0 s after" in sentence
    assert bench.probe_sentence([_run(None)]) == ""
