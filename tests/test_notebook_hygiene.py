"""Every stored notebook is what `make execute` left: one full-mode run, top to bottom, clean."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
MAX_BYTES = 3_000_000
WARNING = re.compile(r"(Deprecation|User|Future|Runtime)Warning|is deprecated|WARNING:")
# A backslash escape eaten on the way into a notebook: "\frac" becomes a form feed + "rac",
# "\approx" a bell + "pprox", "\beta" a backspace + "eta", "\vec" a vertical tab + "ec".
BROKEN_LATEX = re.compile(r"[\x07\x08\x0b\x0c]|(?<![A-Za-z\\])(rac|eta|ec)\{|(?<![A-Za-z\\])pprox")


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def _text(output):
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_start_here.ipynb"


def test_notebooks_are_numbered_in_teaching_order():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(len(NOTEBOOKS)))
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name) for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_executed_top_to_bottom_in_one_run(path):
    counts = [c.get("execution_count") for c in _code_cells(_load(path))]
    assert counts == list(range(1, len(counts) + 1)), "re-run with `make execute`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_come_from_full_mode(path):
    outputs = "".join(_text(o) for c in _code_cells(_load(path)) for o in c.get("outputs", []))
    assert "Full mode" in outputs and "Quick mode" not in outputs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_errors_warnings_or_installs(path):
    for cell in _code_cells(_load(path)):
        source = "".join(cell["source"])
        assert not re.search(r"^\s*[!%]\s*pip\s+install", source, re.M), "no pip install cells"
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"stored error: {output.get('ename')}"
            assert not WARNING.search(_text(output)), f"stored warning: {_text(output)[:300]}"
            assert "Claim not held" not in _text(output), "a stored run missed a claim"
            if output["output_type"] == "execute_result" and "check_claim(" in source:
                shown = "".join(output["data"].get("text/plain", "")).strip()
                assert shown not in ("True", "False"), (
                    "a claim cell shows a bare True/False: stored by an older check_claim, re-run"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_latex_is_not_broken(path):
    for cell in _load(path)["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            broken = BROKEN_LATEX.search(text)
            near = text[max(0, broken.start() - 40) : broken.end() + 20] if broken else ""
            assert not broken, f"broken LaTeX near {near!r}"


def test_the_latex_check_catches_eaten_backslashes():
    assert BROKEN_LATEX.search("x = \x0crac{m}{2}")
    assert BROKEN_LATEX.search("2^{-11} \x07pprox 4.9")
    assert BROKEN_LATEX.search("a + rac{1}{2}")
    assert not BROKEN_LATEX.search("\\frac{1}{2} \\approx \\beta{} \\vec{x}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_objectives_and_closes_with_takeaways(path):
    cells = _load(path)["cells"]
    first, last = "".join(cells[0]["source"]), "".join(cells[-1]["source"])
    assert cells[0]["cell_type"] == "markdown" and "Learning objectives" in first
    assert "You will need" in first
    assert cells[-1]["cell_type"] == "markdown" and "Key takeaways" in last


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_size_limit(path):
    assert path.stat().st_size < MAX_BYTES, "lower the figure dpi or draw fewer images"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_has_an_exercise_with_a_solution(path):
    text = "".join("".join(c["source"]) for c in _load(path)["cells"])
    assert "Exercise" in text and "Solution" in text
