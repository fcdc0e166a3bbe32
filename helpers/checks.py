"""Argument checks with one message format: what was given, and what is allowed.

Every helper that validates its input raises through these, so a reader meets one kind of
error everywhere: "Unknown activation 'relu6x'; choose one of 'sigmoid', 'tanh', …" or
"n_layers must be a whole number ≥ 1; got 0." Pure Python (no NumPy, no Keras), so any
module, including the NumPy-only ones, can import it for free.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable


def _choices(allowed: Iterable[object]) -> str:
    return ", ".join(repr(v) for v in allowed)


def check_choice(what: str, value: object, allowed: Iterable[object]) -> object:
    """Return ``value`` if it is one of ``allowed``; else raise a ValueError listing them."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"Unknown {what} {value!r}; choose one of {_choices(allowed)}.")
    return value


def is_whole_number(value: object) -> bool:
    """True for ints (Python or NumPy), False for bools, floats and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _bounds_text(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum:,} to {maximum:,}"
    if minimum is not None:
        return f" ≥ {minimum:,}"
    if maximum is not None:
        return f" ≤ {maximum:,}"
    return ""


def check_whole_number(
    what: str,
    value: object,
    minimum: int | None = None,
    maximum: int | None = None,
    allow_none: bool = False,
) -> int | None:
    """Return ``value`` if it is a whole number within [minimum, maximum] (either may be open);
    else raise "``what`` must be a whole number ≥ minimum; got value."."""
    if value is None and allow_none:
        return None
    in_range = is_whole_number(value) and (
        (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    )
    if not in_range:
        either = " or None" if allow_none else ""
        raise ValueError(
            f"{what} must be a whole number{_bounds_text(minimum, maximum)}{either}; got {value!r}."
        )
    return int(value)  # type: ignore[arg-type]


def check_in_range(
    what: str,
    value: object,
    low: float,
    high: float,
    low_closed: bool = True,
    high_closed: bool = False,
) -> float:
    """Return ``value`` if it is a number in the interval from ``low`` to ``high`` (closed or
    open at each end, [low, high) by default); else raise naming the interval."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        above = value >= low if low_closed else value > low
        below = value <= high if high_closed else value < high
        ok = above and below
    if not ok:
        interval = f"{'[' if low_closed else '('}{low:g}, {high:g}{']' if high_closed else ')'}"
        raise ValueError(f"{what} must be in {interval}; got {value!r}.")
    return float(value)  # type: ignore[arg-type]


def check_positive(what: str, value: object, allow_none: bool = False) -> float | None:
    """Return ``value`` if it is a finite number > 0; else raise "``what`` must be > 0 and
    finite; got value."."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and value > 0):  # type: ignore[arg-type]
        either = " or None" if allow_none else ""
        raise ValueError(f"{what} must be > 0 and finite{either}; got {value!r}.")
    return float(value)  # type: ignore[arg-type]


def check_computed(
    what: str, value: float, available: Iterable[float], done: str = "computed"
) -> float:
    """Return the entry of ``available`` equal to ``value`` up to float round-off (a slider
    over settings trained or measured in advance); else raise "``what`` value was not
    ``done``; choose one of …"."""
    available = list(available)
    for option in available:
        if math.isclose(option, value, rel_tol=1e-6, abs_tol=1e-8):
            return option
    allowed = ", ".join(f"{v:g}" for v in sorted(available))
    raise ValueError(f"{what} {value!r} was not {done}; choose one of {allowed}.")
