import json

import pytest

from helpers import results


def test_record_writes_json_lines_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.delenv(results.RESULTS_ENV_VAR, raising=False)
    assert results.record("x", val_accuracy=0.5) == {"experiment": "x", "val_accuracy": 0.5}
    target = tmp_path / "results.jsonl"
    monkeypatch.setenv(results.RESULTS_ENV_VAR, str(target))
    results.record("bn", val_accuracy=0.87, seconds=4)
    results.record("sgd", val_accuracy=0.8)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert rows == [
        {"experiment": "bn", "val_accuracy": 0.87, "seconds": 4.0},
        {"experiment": "sgd", "val_accuracy": 0.8},
    ]


def test_record_rejects_bad_input():
    with pytest.raises(ValueError, match="name"):
        results.record("", val_accuracy=1.0)
    with pytest.raises(ValueError, match="ints or floats"):
        results.record("x", val_accuracy="high")


def test_stopwatch_measures_a_block():
    with results.Stopwatch() as watch:
        sum(range(1000))
    assert 0 <= watch.seconds < 1
