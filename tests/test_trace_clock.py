"""benchmarks/trace_clock: the kernel-side clock behind the benchmark's import + tracing column."""

import json
import os
import subprocess
import sys
from pathlib import Path

CLOCK_DIR = Path(__file__).resolve().parent.parent / "benchmarks" / "trace_clock"

SCRIPT = """
import tensorflow as tf

@tf.function
def double(x):
    return 2 * x

double(tf.constant(1.0))
double(tf.constant([1.0, 2.0]))  # a new shape: a second trace
double(tf.constant([3.0, 4.0]))  # same shape: no trace
"""


def run_with_clock(tmp_path, clock_file):
    env = dict(os.environ, PYTHONPATH=str(CLOCK_DIR), TF_CPP_MIN_LOG_LEVEL="2")
    if clock_file is None:
        env.pop("DNN_TRACE_CLOCK_FILE", None)
    else:
        env["DNN_TRACE_CLOCK_FILE"] = str(clock_file)
    subprocess.run([sys.executable, "-c", SCRIPT], env=env, check=True, cwd=tmp_path, timeout=300)


def test_clock_times_the_import_and_counts_each_trace_once(tmp_path):
    clock_file = tmp_path / "clock.json"
    run_with_clock(tmp_path, clock_file)
    clock = json.loads(clock_file.read_text())
    assert clock["import_seconds"] > 0
    assert clock["traces"] == 2
    assert 0 < clock["trace_seconds"] < clock["import_seconds"] + 60


def test_clock_is_off_without_its_variable(tmp_path):
    run_with_clock(tmp_path, None)
    assert list(tmp_path.iterdir()) == []
