"""Sphinx configuration of the course website (sources prepared by book/build.py)."""

from __future__ import annotations

from collections import Counter

from docutils import nodes
from sphinx.application import Sphinx

project = "Training deep neural networks"
author = "the course authors"
copyright = "the course authors, MIT licence"
html_title = "Training deep neural networks"

extensions = ["myst_nb", "sphinx_book_theme"]
root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints"]
language = "en"

# --- notebooks: stored outputs only, nothing runs --------------------------------------------
nb_execution_mode = "off"
nb_merge_streams = True
# MyST-NB would load require.js and the widget manager from a CDN; the build replaces every
# widget output by a note, so no widget JavaScript is needed at all.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_dmath_double_inline = True  # $$...$$ inside a paragraph or list item, as JupyterLab allows
myst_heading_anchors = 3

# --- math: MathJax 3 from the site itself (copied from book/node_modules by build.py) ---------
# A relative mathjax_path is relative to _static/. MathJax 3 loads its fonts and extensions
# from beside the script, so nothing comes from a CDN. (MathJax 4, Sphinx 9's default, took
# about four times the CPU per notebook page in Chromium here: some 12 s against 3 s.)
mathjax_path = "mathjax/tex-mml-chtml.js"
# Not empty, so that myst-parser adds the classes to typeset to it (it fills an empty one for v4).
mathjax3_config: dict[str, dict[str, str]] = {"options": {}}

# --- HTML -------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_static_path = ["_static"]  # build.py adds the folder holding MathJax
html_css_files = ["course.css"]
html_favicon = "_static/favicon.svg"  # without one, browsers log a 404 for /favicon.ico
html_show_sourcelink = False
# The light/dark switch starts from the reader's system setting (unset, it logs an error).
html_context = {"default_mode": "auto"}
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
    "search_bar_text": "Search the course…",
}


def number_repeated_alt_texts(app: Sphinx, doctree: nodes.document) -> None:
    """Figures of one page that share an alt text (a cell with several figures, or cells
    after the same sentence) get "(figure i of n)" added, so each alt text is distinct."""
    images = list(doctree.findall(nodes.image))
    totals = Counter(image.get("alt", "") for image in images)
    seen: Counter[str] = Counter()
    for image in images:
        alt = image.get("alt", "")
        if alt and totals[alt] > 1:
            seen[alt] += 1
            image["alt"] = f"{alt} (figure {seen[alt]} of {totals[alt]})"


def setup(app: Sphinx) -> dict[str, bool]:
    """Register the course's small build hooks."""
    app.connect("doctree-read", number_repeated_alt_texts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
