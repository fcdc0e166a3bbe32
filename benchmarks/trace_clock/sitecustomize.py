"""Where a notebook's time goes: importing TensorFlow, and tracing compiled steps.

``benchmarks/run.py`` puts this folder on the kernel's ``PYTHONPATH`` when it runs a notebook;
Python imports ``sitecustomize`` at start-up, and this one does nothing unless
``DNN_TRACE_CLOCK_FILE`` names a file. Then it measures, inside the kernel:

* ``import_seconds``: the outermost ``import tensorflow`` or ``import keras`` (the first cell's
  ``from helpers import config`` pulls both in);
* ``trace_seconds`` and ``traces``: time spent turning Python into TensorFlow graphs, i.e. in
  ``tracing_compilation._create_concrete_function``, counted once per outermost call (a train
  step's trace contains the traces of its loops and conditionals). Executing a traced graph,
  its first call included, is not counted.

The totals are rewritten to the file after every event, so a kernel that dies keeps its
numbers. The tracing clock reaches into a private TensorFlow module: if that module or
function is missing (another TensorFlow release), ``trace_seconds`` stays ``None`` and the
notebook runs as usual.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import time

_FILE = os.environ.get("DNN_TRACE_CLOCK_FILE")
_TRACING = "tensorflow.python.eager.polymorphic_function.tracing_compilation"
_stats: dict[str, float | int | None] = {"import_seconds": None, "trace_seconds": None, "traces": 0}
_original_import = builtins.__import__
_state = {"importing": False, "patched": False}


def _write() -> None:
    try:
        with open(_FILE, "w") as f:
            json.dump(_stats, f)
    except OSError:
        pass


def _patch_tracing(module) -> None:
    original = module._create_concrete_function
    depth = [0]
    _stats["trace_seconds"] = 0.0

    def timed(*args, **kwargs):
        depth[0] += 1
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                _stats["trace_seconds"] += time.perf_counter() - start
                _stats["traces"] += 1
                _write()

    module._create_concrete_function = timed


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    outermost = (
        level == 0
        and not _state["importing"]
        and _stats["import_seconds"] is None
        and name.split(".")[0] in ("tensorflow", "keras")
    )
    if outermost:
        _state["importing"] = True
        start = time.perf_counter()
    try:
        module = _original_import(name, globals, locals, fromlist, level)
    finally:
        if outermost:
            _state["importing"] = False
            _stats["import_seconds"] = time.perf_counter() - start
            _write()
    if not _state["patched"]:
        tracing = sys.modules.get(_TRACING)
        if tracing is not None and hasattr(tracing, "_create_concrete_function"):
            _state["patched"] = True
            _patch_tracing(tracing)
    if _state["patched"] and _stats["import_seconds"] is not None:
        builtins.__import__ = _original_import  # both clocks set: imports run untouched again
    return module


if _FILE:
    builtins.__import__ = _import
    _write()
