import pytest

from helpers.claims import ClaimNotHeldError, check_claim


def test_a_true_claim_prints_its_evidence(capsys):
    check_claim("2 beats 1", 2 > 1, "2 vs 1")
    assert capsys.readouterr().out == "✔ 2 beats 1 (2 vs 1)\n"


def test_a_false_claim_fails_loudly():
    with pytest.raises(ClaimNotHeldError, match="did not hold: 1 beats 2"):
        check_claim("1 beats 2", 1 > 2)
