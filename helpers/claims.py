"""Checked claims: when the text says "A beats B", a cell proves it on the numbers it just made."""

from __future__ import annotations


class ClaimNotHeldError(AssertionError):
    """A claim the lesson makes did not hold on this run's numbers."""


def check_claim(statement: str, holds: bool, evidence: str = "") -> None:
    """Print ✔ and the evidence if the claim holds; raise ClaimNotHeldError (CI fails) if not."""
    detail = f" ({evidence})" if evidence else ""
    if not holds:
        raise ClaimNotHeldError(f"The lesson's claim did not hold: {statement}{detail}")
    print(f"✔ {statement}{detail}")
