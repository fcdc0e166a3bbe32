"""Build the course website from the stored notebooks, offline: ``make book``.

Nothing is executed. The notebooks, README.md, CONTRIBUTING.md and the benchmark reports are
copied into ``build/book/src/`` and adapted there (``notebooks/`` itself is never changed):

* every page says which file of the course it comes from; a notebook page also says how to
  run it (``make lab``);
* each widget's output (a live slider, which needs a kernel) becomes a short note: the widget's
  own caption, its knobs, how to run the notebook, and that the static figure below shows a
  few settings; the saved widget state is dropped, so no widget JavaScript is needed;
* every figure output gets alt text from the section it sits in and the sentence before it;
* the README becomes the landing page, with the notebooks (in file-name order) and the
  benchmark pages as the sidebar's table of contents.

Then Sphinx (configuration in ``book/conf.py``) writes the site to ``build/book/html/``, with
MathJax copied from ``book/node_modules`` (``npm ci --prefix book``) into ``_static/``.

Usage: ``python book/build.py [--out DIR] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import nbformat

REPO = Path(__file__).resolve().parents[1]
BOOK_DIR = REPO / "book"
DEFAULT_OUT = REPO / "build" / "book"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
# Markdown pages of the course shown after the notebooks, in this order, if they exist.
EXTRA_PAGES = ["benchmarks/results.md", "benchmarks/claims.md", "CONTRIBUTING.md"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
ALT_MAX_CHARS = 160
# A Markdown link's target (up to a space, ')', '#' or '?'); pages are .md and .ipynb files.
MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s>#?]+)")
PAGE_SUFFIXES = {".md", ".ipynb"}
# Code in Markdown (fenced blocks, inline spans), and inline math $...$ (not $$...$$).
MARKDOWN_CODE = re.compile(r"```.*?```|`[^`]+`", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)([^$]+?)(?<![\\$])\$(?!\$)")
MATHJAX_PACKAGE = BOOK_DIR / "node_modules" / "mathjax"
# The parts of MathJax 3 (es5/) a page loads: the combined TeX component, the modules and fonts
# it loads on demand (extensions, CHTML fonts, menu, accessibility, speech maps).
MATHJAX_PARTS = ["tex-mml-chtml.js", "input", "output", "a11y", "sre", "ui", "adaptors"]


def course_notebooks(root: Path = REPO) -> list[Path]:
    """The notebooks of the course in teaching order (their numbered file names)."""
    return sorted((root / "notebooks").glob(NOTEBOOK_GLOB))


def write_if_changed(path: Path, data: bytes) -> None:
    """Write ``data`` unless the file already holds it, so Sphinx rereads only what changed."""
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# --- notebooks ----------------------------------------------------------------------------


def notebook_source_note(name: str) -> str:
    """Markdown (a MyST admonition) saying where the page comes from and how to run it."""
    return (
        ":::{admonition} This page is a notebook\n"
        ":class: tip course-source\n\n"
        f"It is `notebooks/{name}`, shown with the outputs stored from a full run; nothing "
        "runs on this page. To run it and move its sliders: in a clone of the course, run "
        f"`make lab` and open `notebooks/{name}` in JupyterLab (`DNN_QUICK=1 make lab` for "
        "the quick version).\n"
        ":::\n"
    )


def insert_after_title(markdown: str, note: str) -> str:
    """Put ``note`` right after the first ``# `` heading line (or first, if there is none)."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("# "):
            return "\n".join([*lines[: i + 1], "", note, *lines[i + 1 :]])
    return f"{note}\n{markdown}"


def _widget_models(state: dict[str, Any], model_id: str) -> list[dict[str, Any]]:
    """The widget model ``model_id`` and every model below it, depth first."""
    found: list[dict[str, Any]] = []
    stack = [model_id]
    seen: set[str] = set()
    while stack:
        current = stack.pop(0)
        if current in seen or current not in state:
            continue
        seen.add(current)
        model = state[current]
        found.append(model)
        children = model.get("state", {}).get("children", [])
        stack[0:0] = [child.removeprefix("IPY_MODEL_") for child in children]
    return found


def widget_summary(state: dict[str, Any], model_id: str) -> tuple[str, list[str]]:
    """The widget's caption (its first HTML child, as plain text) and its knobs' labels."""
    caption = ""
    knobs: list[str] = []
    for model in _widget_models(state, model_id):
        name = model.get("model_name", "")
        fields = model.get("state", {})
        if name == "HTMLModel" and not caption:
            caption = html.unescape(re.sub(r"<[^>]+>", "", fields.get("value", ""))).strip()
        elif name.endswith(("SliderModel", "DropdownModel", "ToggleButtonsModel")):
            label = fields.get("description", "").strip()
            if label and label not in knobs:
                knobs.append(label)
    return caption, knobs


def widget_note(name: str, caption: str, knobs: list[str]) -> nbformat.NotebookNode:
    """An HTML display output that stands in for a live widget on the website."""
    parts = ['<div class="admonition note widget-note">']
    parts.append('<p class="admonition-title">Interactive figure (runs in JupyterLab)</p>')
    if caption:
        parts.append(f"<p><em>{html.escape(caption)}</em></p>")
    knob_text = ""
    if knobs:
        labels = ", ".join(f"<strong>{html.escape(knob)}</strong>" for knob in knobs)
        knob_text = f" with its controls ({labels})"
    parts.append(
        f"<p>In the notebook this cell shows a live figure{knob_text}, redrawn by the "
        "Python kernel as you move them, so it cannot run on this page. To try it: "
        f"<code>make lab</code>, then open <code>notebooks/{html.escape(name)}</code> and run "
        "the notebook. The static figure below shows the same drawing at a few settings.</p>"
    )
    parts.append("</div>")
    return nbformat.v4.new_output("display_data", data={"text/html": "\n".join(parts)})


def join_inline_math_lines(markdown: str) -> str:
    """Inline math that runs over a line break, put on one line (outside code).

    JupyterLab hides math from the Markdown parser; MyST parses Markdown first, so a line
    inside ``$...$`` that starts with ``- `` would begin a list and break the formula."""

    def join(match: re.Match[str]) -> str:
        body = match.group(1)
        if "\n" not in body or "\n\n" in body:
            return match.group(0)
        return "$" + re.sub(r"\s*\n\s*", " ", body) + "$"

    pieces, start = [], 0
    for code in MARKDOWN_CODE.finditer(markdown):
        pieces += [INLINE_MATH.sub(join, markdown[start : code.start()]), code.group(0)]
        start = code.end()
    pieces.append(INLINE_MATH.sub(join, markdown[start:]))
    return "".join(pieces)


def plain_text(markdown: str) -> str:
    """Markdown reduced to plain prose: no HTML, links, emphasis or code marks."""
    text = re.sub(r"<[^>]+>", " ", markdown)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*`_]{1,3}(?=\S)|(?<=\S)[*`_]{1,3}", "", text)
    return re.sub(r"\s+", " ", text).strip()


def first_plain_sentence(markdown: str) -> str:
    """The first sentence of the prose (no headings, no math) in ``markdown``, or ''."""
    prose = [line for line in markdown.splitlines() if not line.lstrip().startswith("#")]
    text = plain_text(" ".join(prose))
    for sentence in re.split(r"(?<=[.:!?])\s+", text):
        if sentence and "$" not in sentence and "\\" not in sentence and len(sentence) > 12:
            return sentence.rstrip(":")
    return ""


def shorten(text: str, limit: int = ALT_MAX_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def add_figure_alt_texts(notebook: nbformat.NotebookNode, title: str) -> int:
    """Give each code cell with figures an alt text (section heading + the sentence before
    the figure), read by MyST-NB from the cell's ``mystnb.image.alt``; returns the count.
    (conf.py numbers the figures of a page that end up with the same text.)"""
    section, sentence, n_images = title, "", 0
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            headings = re.findall(r"^#{1,6}\s+(.+)$", cell.source, flags=re.MULTILINE)
            if headings:
                section, sentence = plain_text(headings[-1]), ""
            sentence = first_plain_sentence(cell.source) or sentence
            continue
        if cell.cell_type != "code":
            continue
        images = sum(
            1
            for output in cell.get("outputs", [])
            for mime in output.get("data", {})
            if mime in IMAGE_TYPES
        )
        if not images:
            continue
        n_images += images
        alt = f"Figure for “{section}”" + (f": {sentence}" if sentence else "")
        mystnb = cell.metadata.setdefault("mystnb", {})
        mystnb.setdefault("image", {})["alt"] = shorten(alt)
    return n_images


def site_notebook(path: Path) -> tuple[nbformat.NotebookNode, int, int]:
    """A copy of the notebook at ``path`` adapted for the website, with its number of
    widget notes and figures."""
    notebook = nbformat.read(path, as_version=4)
    widget_state = notebook.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    title = path.stem
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if match:
                title = plain_text(match.group(1))
                cell.source = insert_after_title(cell.source, notebook_source_note(path.name))
                break
    else:
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(notebook_source_note(path.name)))
    n_widgets = 0
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = join_inline_math_lines(cell.source)
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                outputs.append(output)
                continue
            caption, knobs = widget_summary(widget_state, view.get("model_id", ""))
            outputs.append(widget_note(path.name, caption, knobs))
            n_widgets += 1
        cell.outputs = outputs
        if "solution" in cell.metadata.get("tags", []):
            # Folded in JupyterLab, folded here too (MyST-NB's hide-input).
            cell.metadata["tags"] = [*cell.metadata["tags"], "hide-input"]
    n_images = add_figure_alt_texts(notebook, title)
    return notebook, n_widgets, n_images


# --- Markdown pages -----------------------------------------------------------------------


def page_source_note(relative: str) -> str:
    """Markdown saying which file of the course a Markdown page comes from."""
    return (
        f"<small>This page is <code>{relative}</code> of the course repository; the notebooks "
        "run in JupyterLab with <code>make lab</code>.</small>\n"
    )


def linked_files(markdown: str, page_dir: Path) -> list[Path]:
    """Files of the repository (not pages) that ``markdown``, a page in ``page_dir``, links to
    by a relative path: the site copies them, so the links work there too."""
    found = []
    for target in MARKDOWN_LINK.findall(markdown):
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("/"):
            continue
        path = (page_dir / target).resolve()
        if path.is_file() and path.is_relative_to(REPO) and path.suffix not in PAGE_SUFFIXES:
            found.append(path)
    return found


def landing_page(readme: str, notebooks: list[str], extra: list[str]) -> str:
    """The README with the sidebar's table of contents (hidden toctrees) appended."""
    toctrees = [
        "",
        "```{toctree}",
        ":hidden:",
        ":caption: Notebooks",
        "",
        *(f"notebooks/{name}" for name in notebooks),
        "```",
    ]
    if extra:
        toctrees += ["", "```{toctree}", ":hidden:", ":caption: About the course", ""]
        toctrees += [*extra, "```"]
    return readme.rstrip("\n") + "\n" + "\n".join(toctrees) + "\n"


def prepare_sources(src: Path) -> dict[str, int]:
    """Write the Sphinx sources of the site into ``src``; return counts for the summary."""
    src.mkdir(parents=True, exist_ok=True)
    written: set[Path] = set()

    def put(relative: str, data: bytes) -> None:
        target = src / relative
        write_if_changed(target, data)
        written.add(target)

    counts = {"notebooks": 0, "widgets": 0, "figures": 0}
    names = []
    # (markdown, folder of its page in the repository): where linked files are looked for.
    markdown: list[tuple[str, Path]] = []
    for path in course_notebooks():
        notebook, n_widgets, n_images = site_notebook(path)
        put(f"notebooks/{path.name}", (nbformat.writes(notebook) + "\n").encode())
        names.append(path.stem)
        counts["notebooks"] += 1
        counts["widgets"] += n_widgets
        counts["figures"] += n_images
        markdown += [(c.source, path.parent) for c in notebook.cells if c.cell_type == "markdown"]
    extra = []
    for relative in EXTRA_PAGES:
        path = REPO / relative
        if path.exists():
            text = insert_after_title(path.read_text(), page_source_note(relative))
            put(relative, text.encode())
            extra.append(str(Path(relative).with_suffix("")))
            markdown.append((text, path.parent))
    readme = insert_after_title((REPO / "README.md").read_text(), page_source_note("README.md"))
    put("index.md", landing_page(readme, names, extra).encode())
    markdown.append((readme, REPO))
    files = {*(REPO / "images").glob("*")}
    files.update(f for text, folder in markdown for f in linked_files(text, folder))
    for path in sorted(files):
        if path.is_file():
            put(str(path.relative_to(REPO)), path.read_bytes())
    # Files of an earlier build whose source is gone (a renamed notebook, say).
    for stale in [p for p in src.rglob("*") if p.is_file() and p not in written]:
        stale.unlink()
    return counts


# --- MathJax ------------------------------------------------------------------------------


def copy_mathjax(static: Path) -> None:
    """Copy MathJax (its es5/ components and licence) from book/node_modules into
    ``static``/mathjax, where conf.py's ``mathjax_path`` points."""
    es5 = MATHJAX_PACKAGE / "es5"
    if not (es5 / "tex-mml-chtml.js").exists():
        sys.exit(
            "MathJax is not installed in book/node_modules: run `make book` (it runs "
            "`npm ci --prefix book`), or that command yourself."
        )
    target = static / "mathjax"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copy2(MATHJAX_PACKAGE / "LICENSE", target / "LICENSE")
    for part in MATHJAX_PARTS:
        source = es5 / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)


# --- the build ----------------------------------------------------------------------------


def build(out: Path, jobs: str = "auto") -> dict[str, Any]:
    """Prepare the sources, then run Sphinx; returns a summary (paths, counts, seconds)."""
    from sphinx.cmd.build import build_main

    start = time.perf_counter()
    src, html_dir = out / "src", out / "html"
    counts = prepare_sources(src)
    copy_mathjax(out / "static")
    status = build_main(
        [
            "-b",
            "html",
            "-c",
            str(BOOK_DIR),
            "-d",
            str(out / "doctrees"),
            "-j",
            jobs,
            "-q",
            "-E",  # fresh environment: a new notebook changes every page's sidebar
            "-W",
            "--keep-going",
            "-D",
            f"html_static_path={BOOK_DIR / '_static'},{out / 'static'}",
            str(src),
            str(html_dir),
        ]
    )
    if status:
        sys.exit(f"Sphinx failed (exit {status}); see the messages above.")
    return {
        **counts,
        "site": str(html_dir),
        "seconds": round(time.perf_counter() - start, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: build the site and print where it is and how to open it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--jobs", default="auto", help="Sphinx parallel jobs (default auto)")
    args = parser.parse_args(argv)
    summary = build(args.out.resolve(), args.jobs)
    index = Path(summary["site"]) / "index.html"
    print(
        f"Built the site from {summary['notebooks']} notebooks ({summary['widgets']} widget "
        f"notes, {summary['figures']} figures) in {summary['seconds']} s: {index}"
    )
    print(
        "Open it: make book-open (or python -m http.server -d build/book/html -b 127.0.0.1 "
        "8000, then http://127.0.0.1:8000/)"
    )


if __name__ == "__main__":
    main()
