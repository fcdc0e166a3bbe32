"""A learner runs a notebook, then moves a slider with the keyboard: the printed value and
the figure must follow (tests 1 and 2 of issue 7). ``test_notebooks_run.py`` does it right
after its Run All of 03 and 07, in the same page, so neither notebook runs twice."""

from __future__ import annotations

import math
import re

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def printed_value(text: str, pattern: str, where: str) -> float:
    match = re.search(pattern, text, flags=re.MULTILINE)
    assert match, f"{where}: no printed line matches {pattern!r}; the widget printed:\n{text!r}"
    return float(match.group(1))


def move_and_check(slider, key: str, before: dict, pattern: str, where: str) -> dict:
    """Press ``key`` on the slider's handle; check the readout, the printed value and the
    image all changed, and the printed value is the slider's new value."""
    slider.press(key)
    after = slider.wait_for_redraw(before)
    step = f"{where}, after {key} (readout {before['readout']} -> {after['readout']})"
    assert after["readout"] != before["readout"], f"{step}: the slider did not move."
    old = printed_value(before["text"], pattern, where)
    new = printed_value(after["text"], pattern, step)
    assert new != old, f"{step}: the printed value stayed {old}:\n{after['text']!r}"
    shown = float(after["readout"])
    assert math.isclose(new, shown, rel_tol=0.06, abs_tol=0.006), (
        f"{step}: printed value {new} does not match the slider readout {shown}."
    )
    assert after["src"] is not None, f"{step}: the figure disappeared (no <img> in the output)."
    assert after["src"] != before["src"], f"{step}: the figure image did not change."
    return after


def check_slider_redraws(notebook, name: str, description: str, pattern: str) -> None:
    """On a notebook that has just run all its cells: move the slider and back."""
    slider = notebook.slider(description)
    start = slider.state()
    where = f"{name}, slider {description!r}"
    assert start["src"], f"{where}: the figure was not drawn after Run All:\n{start['text']!r}"
    printed_value(start["text"], pattern, where)
    # Move away from the end the handle is nearest, then back.
    forward, back = ("ArrowRight", "ArrowLeft")
    if start["value"] >= start["max"]:
        forward, back = back, forward
    moved = move_and_check(slider, forward, start, pattern, where)
    returned = move_and_check(slider, back, moved, pattern, where)
    assert returned["readout"] == start["readout"], (
        f"{where}: {forward} then {back} should return to {start['readout']}, "
        f"got {returned['readout']}."
    )


# notebook: (the slider's label, the line each redraw prints with the slider's value)
SLIDERS = {
    # 03: the leaky-ReLU α slider; each redraw prints a line starting "α = <value>".
    "03_activation_functions.ipynb": ("leaky ReLU α", rf"^α = ({NUMBER})"),
    # 07: the first learning-rate slider; each redraw prints "learning rate = <value>" and
    # draws the optimizer trajectories again.
    "07_faster_optimizers.ipynb": ("learning rate", rf"learning rate = ({NUMBER})"),
}
