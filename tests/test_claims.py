import json

import pytest

from helpers import claims
from helpers.claims import ClaimNotHeldError, check_claim


@pytest.fixture
def explain(monkeypatch):
    monkeypatch.setenv(claims.MODE_ENV_VAR, "explain")


def test_a_true_claim_prints_its_evidence(capsys):
    # None, not a bool: a notebook cell ending in a claim must not also show "True"
    assert check_claim("2 beats 1", 2 > 1, "2 vs 1") is None
    assert capsys.readouterr().out == "✔ 2 beats 1 (2 vs 1)\n"


def test_a_false_claim_fails_loudly_under_the_tests():
    assert claims.claims_mode() == "strict"  # pyproject's pytest-env sets DNN_CLAIMS=strict
    with pytest.raises(ClaimNotHeldError, match="did not hold: 1 beats 2"):
        check_claim("1 beats 2", 1 > 2)


def test_a_value_claim_passes_only_beyond_its_threshold():
    check_claim("gap above 0.01", 0.02, above=0.01)
    check_claim("error below 1e-4", 3e-5, below=1e-4)
    with pytest.raises(ClaimNotHeldError, match=r"expected a value above 0\.01, measured 0\.005"):
        check_claim("gap above 0.01", 0.005, above=0.01)
    with pytest.raises(ClaimNotHeldError):
        check_claim("error below 1e-4", float("nan"), below=1e-4)  # NaN never passes


def test_a_missed_claim_explains_itself_and_the_notebook_goes_on(explain, capsys):
    check_claim(
        "BN beats plain",
        0.80 - 0.85,
        above=0.02,
        evidence="0.800 vs 0.850",
        point="normalizing inside the net speeds up early training",
    )
    out = capsys.readouterr().out
    assert "Claim not held on this run: BN beats plain" in out
    assert "expected: a value above 0.02" in out and "0.800 vs 0.850" in out
    assert "DNN_SEED" in out and "float rounding" in out
    assert "The lesson's point: normalizing inside the net speeds up early training" in out


@pytest.mark.parametrize(
    ("environ", "mode"),
    [
        ({}, "explain"),
        ({"CI": "true"}, "strict"),
        ({"CI": "true", "DNN_CLAIMS": "explain"}, "explain"),
        ({"DNN_CLAIMS": "STRICT"}, "strict"),
    ],
)
def test_mode_comes_from_dnn_claims_then_ci(environ, mode):
    assert claims.claims_mode(environ) == mode


def test_unknown_mode_lists_the_allowed_ones():
    with pytest.raises(ValueError, match=r"'loud'.*'strict', 'explain'"):
        claims.claims_mode({"DNN_CLAIMS": "loud"})


@pytest.mark.parametrize(
    "kwargs",
    [dict(holds=0.3), dict(holds=None), dict(holds=0.3, above=0.1, below=0.5)],
    ids=["number without threshold", "nothing", "two thresholds"],
)
def test_ambiguous_calls_are_refused(kwargs):
    with pytest.raises(ValueError, match=r"allowed|give"):
        check_claim("x", **kwargs)


def test_claims_are_recorded_for_the_report(tmp_path, monkeypatch, explain):
    target = tmp_path / "claims.jsonl"
    monkeypatch.setenv(claims.RECORD_ENV_VAR, str(target))
    check_claim("held", True, "yes")
    check_claim("missed by 0.01", 0.04, above=0.05)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["statement"] for r in rows] == ["held", "missed by 0.01"]
    assert rows[0]["held"] is True and rows[0]["margin"] is None
    assert rows[1]["held"] is False and rows[1]["margin"] == pytest.approx(-0.01)
    assert (
        rows[1]["value"] == 0.04
        and rows[1]["threshold"] == 0.05
        and rows[1]["direction"] == "above"
    )
    assert rows[1]["mode"] == "quick" and rows[1]["seed_shift"] == 0
