"""Checked claims: when the text says "A beats B", a cell checks it on the numbers it just made.

Two ways to call it::

    check_claim("the folded net gives the same outputs", gap < 1e-4 * scale, f"{gap:.1e}")
    check_claim("BN beats the plain net by more than 2 points", bn - plain, above=0.02,
                evidence=f"{bn:.3f} vs {plain:.3f}")

The second form names the measured value and the threshold it must pass, so the claims
report (``make claims``) can show the margin by which each claim held under every seed.

What happens when a claim misses depends on ``DNN_CLAIMS``:

* ``strict`` — raise :class:`ClaimNotHeldError`. The tests set it (pyproject's pytest-env),
  and it is the default whenever ``CI`` is set: a lesson that stopped being true fails CI.
* ``explain`` — the default for a learner: a visible note says what was expected, what
  was measured, that seeds and hardware move numbers, and what the lesson's point is;
  the notebook goes on.

When ``DNN_CLAIMS_FILE`` names a file (the claims report sets it), every claim appends one
JSON line to it: the statement, held or not, the value, threshold and margin, the seed shift
and the mode.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

from helpers import config

MODE_ENV_VAR = "DNN_CLAIMS"
RECORD_ENV_VAR = "DNN_CLAIMS_FILE"
MODES = ("strict", "explain")


class ClaimNotHeldError(AssertionError):
    """A claim the lesson makes did not hold on this run's numbers."""


def claims_mode(environ: dict[str, str] | None = None) -> str:
    """'strict' (raise on a miss) or 'explain' (note, go on): DNN_CLAIMS, else CI, else explain."""
    environ = os.environ if environ is None else environ
    word = environ.get(MODE_ENV_VAR, "").strip().lower()
    if word:
        if word not in MODES:
            raise ValueError(
                f"{MODE_ENV_VAR}={word!r} is not allowed; use one of {', '.join(map(repr, MODES))}."
            )
        return word
    if environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        return "strict"
    return "explain"


def _verdict(
    holds: bool | float | None, above: float | None, below: float | None
) -> tuple[bool, float | None, float | None]:
    """(held, threshold, margin) from a boolean, or from a value and one threshold."""
    if above is not None and below is not None:
        raise ValueError(f"give one threshold, above= or below=; got above={above}, below={below}.")
    if holds is None:
        raise ValueError(
            "give the claim's truth (a boolean) or its measured value with above=/below=."
        )
    if above is None and below is None:
        if isinstance(holds, (int, float)) and not isinstance(holds, bool):
            raise ValueError(
                f"got the number {holds!r} without a threshold; allowed: a boolean, or a value "
                "with above=… or below=…."
            )
        return bool(holds), None, None
    measured = float(holds)
    threshold = float(above if above is not None else below)
    margin = measured - threshold if above is not None else threshold - measured
    return bool(margin > 0), threshold, margin  # NaN compares False: a NaN value misses


def _write_record(row: dict) -> None:
    target = os.environ.get(RECORD_ENV_VAR)
    if target:
        with Path(target).open("a", encoding="utf-8") as file:
            file.write(json.dumps(row, default=float) + "\n")


def _show_note(statement: str, expected: str, evidence: str, point: str) -> None:
    lines = [
        f"Claim not held on this run: {statement}",
        f"  expected: {expected}",
        f"  measured: {evidence or 'see the numbers above'}",
        "  Numbers move with the seed (DNN_SEED), the data subset (quick mode) and the machine's",
        "  float rounding; the stored outputs come from one full-mode run with the default seed.",
        f"  The lesson's point: {point}",
        "  The notebook goes on; if it misses in full mode with the default seed, report it.",
    ]
    text = "\n".join(lines)
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # plain Python: the text is the note
        print("⚠ " + text)
        return
    if get_ipython() is None:
        print("⚠ " + text)
        return
    body = "<br>".join(html.escape(line.strip()) for line in lines[1:])
    display(
        HTML(
            '<div style="border-left:4px solid #d08700;background:#fff8e1;padding:6px 10px">'
            f"<b>⚠ Claim not held on this run:</b> {html.escape(statement)}<br>{body}</div>"
        ),
        metadata={"claim": "missed"},
    )
    print("⚠ " + text)


def check_claim(
    statement: str,
    holds: bool | float | None = None,
    evidence: str = "",
    *,
    above: float | None = None,
    below: float | None = None,
    point: str = "",
) -> None:
    """Check a claim: print ✔ and the evidence if it holds; if not, raise (strict) or explain.

    ``holds`` is a boolean, or the measured value when ``above=`` (value must exceed it) or
    ``below=`` (value must stay under it) is given. ``point`` says what the lesson is about
    (shown when the claim misses; the statement stands in for it otherwise). Returns None, so
    a cell that ends with a claim shows only its printed line (the record file and the printed
    mark say whether it held).
    """
    if not statement:
        raise ValueError("statement is empty; say what the lesson claims, e.g. 'BN beats plain'.")
    held, threshold, margin = _verdict(holds, above, below)
    value = None if threshold is None else float(holds)
    _write_record(
        {
            "statement": statement,
            "held": held,
            "value": value,
            "threshold": threshold,
            "direction": None if threshold is None else ("above" if above is not None else "below"),
            "margin": margin,
            "evidence": evidence,
            "seed_shift": config.SEED_SHIFT,
            "mode": "quick" if config.QUICK else "full",
        }
    )
    detail = f" ({evidence})" if evidence else ""
    if held:
        print(f"✔ {statement}{detail}")
        return
    if threshold is None:
        expected = "the statement to be true"
    else:
        expected = f"a value {'above' if above is not None else 'below'} {threshold:.4g}"
        evidence = f"{value:.4g}" + (f" ({evidence})" if evidence else "")
    if claims_mode() == "strict":
        raise ClaimNotHeldError(
            f"The lesson's claim did not hold: {statement}{detail}; expected {expected}"
            + (f", measured {value:.4g}" if value is not None else "")
        )
    _show_note(statement, expected, evidence, point or statement)
