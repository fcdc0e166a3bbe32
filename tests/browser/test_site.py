"""The course website (``make book``) read in a real headless Chromium, offline.

The built site (``build/book/html``, or ``DNN_SITE_DIR``) is served by a thread on
127.0.0.1 (a free port). One tab visits every page reachable from the landing page; any
request to another host is blocked and recorded. For every page: no console error, failed
request or script error; no raw TeX (``$$``, ``\\frac``, ``\\(``, ...) left in the prose
and every math element typeset by MathJax; every ``<img>`` loaded (naturalWidth > 0) with a
meaningful alt text; every internal link answers 200 and its ``#anchor`` exists; the sidebar
lists every notebook of ``notebooks/`` in file-name order. Notebook pages also name their
notebook file and ``make lab``, chain previous/next in course order, and show one note per
widget of the notebook. A check without the browser greps every built HTML and CSS file for
scripts, stylesheets or fonts from http(s) URLs.

Screenshots of the landing page and of a notebook page (at a figure with math above it) go
to ``tests/browser/screenshots/site/`` (git-ignored). Without a built site the tests skip
with the reason (``make book`` builds it); with ``CI=true`` they fail.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
from conftest import REPO_ROOT, SCREENSHOTS_DIR, _skip_or_fail

# One worker reads the whole site once (its module fixture visits every page, ~40 s); with
# --dist loadgroup the other worker goes on running notebooks meanwhile.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("site")]

SITE_DIR = Path(os.environ.get("DNN_SITE_DIR") or REPO_ROOT / "build" / "book" / "html")
SITE_NOTEBOOKS = REPO_ROOT / "notebooks"  # what `make book` builds the site from
SITE_SCREENSHOTS = SCREENSHOTS_DIR / "site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PAGE_TIMEOUT_MS = 120_000  # generous: a busy 2-core machine can take a minute per page
# TeX that must never be visible as text once MathJax has run.
RAW_TEX = re.compile(r"\$\$|\\frac|\\\(|\\\)|\\\[|\\\]|\\begin\{")
# An alt text that is only a file name or a hash says nothing about the figure.
NAMELIKE_ALT = re.compile(r"^[\w.-]*\.(png|jpe?g|svg|gif)$|^[0-9a-f]{16,}$", re.IGNORECASE)

# What one page shows, read after MathJax has finished and every image has settled.
_INSPECT_JS = r"""
() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const prose = article.cloneNode(true);
  prose.querySelectorAll('pre, code, mjx-container, script, style, .highlight')
    .forEach((element) => element.remove());
  const rawTex = prose.textContent.match(RAW_TEX) || [];
  const unrendered = [...document.querySelectorAll('.math')]
    .filter((element) => !element.querySelector('mjx-container'))
    .map((element) => element.textContent.trim().slice(0, 80));
  const images = [...document.images].map((img) => ({
    src: img.getAttribute('src'),
    alt: (img.getAttribute('alt') || '').trim(),
    width: img.naturalWidth,
  }));
  const sidebar = [...document.querySelectorAll('nav.bd-docs-nav a.reference.internal')]
    .map((a) => a.href.split('#')[0]);
  return {
    title: document.title,
    text: article.innerText,
    rawTex: [...new Set(rawTex)],
    unrendered,
    nMath: document.querySelectorAll('mjx-container').length,
    images,
    links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
    ids: [...document.querySelectorAll('[id]')].map((element) => element.id),
    sidebar,
    prev: document.querySelector('a.left-prev')?.href ?? null,
    next: document.querySelector('a.right-next')?.href ?? null,
    widgetNotes: document.querySelectorAll('.widget-note').length,
    widgetScripts: document.querySelectorAll('script[type*="jupyter.widget"]').length,
  };
}
""".replace("RAW_TEX", "/" + RAW_TEX.pattern + "/g")

# MathJax (on pages with math) has typeset everything, the web fonts are in, and every image
# has either loaded or failed.
_SETTLE_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await document.fonts.ready;
  await Promise.all([...document.images].filter((img) => !img.complete).map((img) =>
    new Promise((resolve) => { img.onload = resolve; img.onerror = resolve; })));
}
"""


# Scroll so that a displayed formula sits near the top with a figure starting within 600 px
# below it; false if the page has no such pair.
_SCROLL_TO_FORMULA_ABOVE_FIGURE_JS = """
() => {
  const top = (element) => element.getBoundingClientRect().top + window.scrollY;
  const figures = [...document.querySelectorAll('article img')].map(top);
  for (const formula of document.querySelectorAll('mjx-container[display="true"]')) {
    const y = top(formula);
    if (figures.some((f) => f > y && f < y + 600)) {
      window.scrollTo(0, Math.max(0, y - 100));
      return true;
    }
  }
  return false;
}
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site's files without logging every request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: the test reports what matters."""


@dataclass(repr=False)
class PageReport:
    """What one page of the site showed."""

    url: str
    title: str = ""
    text: str = ""
    problems: list[str] = field(default_factory=list)  # console, network and script errors
    raw_tex: list[str] = field(default_factory=list)
    unrendered: list[str] = field(default_factory=list)
    n_math: int = 0
    images: list[dict] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    sidebar: list[str] = field(default_factory=list)
    prev: str | None = None
    next: str | None = None
    widget_notes: int = 0
    widget_scripts: int = 0

    def __repr__(self) -> str:
        return f"PageReport({self.url})"


@dataclass(repr=False)
class SiteReport:
    """Every page reachable from the landing page, and any request to another host."""

    base: str
    pages: dict[str, PageReport]
    external_requests: list[str]

    def __repr__(self) -> str:
        return f"SiteReport({self.base}, {len(self.pages)} pages)"


def course_notebooks() -> list[Path]:
    """The notebooks the site is built from, in course (file-name) order."""
    return sorted(SITE_NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def page_path(url: str, base: str) -> str:
    """A site URL as a path relative to the site root (no query, no fragment)."""
    path = urllib.parse.urlsplit(url).path
    relative = urllib.parse.unquote(path)[len(urllib.parse.urlsplit(base).path) :]
    return relative or "index.html"


def is_page(url: str, base: str) -> bool:
    """True for an HTML page of the site (not a file under _static, _sources or _images)."""
    if not url.startswith(base):
        return False
    path = page_path(url, base)
    return path.endswith(".html") and not path.startswith(("_static/", "_sources/", "_images/"))


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    """The built site, served on 127.0.0.1 by a thread (a free port)."""
    if not (SITE_DIR / "index.html").is_file():
        _skip_or_fail(f"no built site in {SITE_DIR}: run `make book` first.")
    handler = functools.partial(_QuietHandler, directory=str(SITE_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _visit(tab, url: str, base: str, external: list[str]) -> PageReport:
    """Open ``url`` in ``tab``, let it settle, and read what it shows."""
    report = PageReport(url)

    def on_console(message) -> None:
        if message.type == "error":
            report.problems.append(f"console error: {message.text}")

    def on_request_failed(request) -> None:
        # The browser fetches the tab's icon on its own and may cancel that fetch when the page
        # moves on (seen once on search.html: net::ERR_ABORTED). A missing icon is still a 404.
        icon = Path(urllib.parse.urlparse(request.url).path).stem == "favicon"
        if icon and request.failure == "net::ERR_ABORTED":
            return
        report.problems.append(f"request failed ({request.failure}): {request.url}")

    def on_response(response) -> None:
        if response.status >= 400:
            report.problems.append(f"HTTP {response.status}: {response.url}")

    handlers = {
        "console": on_console,
        "pageerror": lambda error: report.problems.append(f"script error: {error}"),
        "requestfailed": on_request_failed,
        "response": on_response,
    }
    for event, handler in handlers.items():
        tab.on(event, handler)
    try:
        tab.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        tab.evaluate(_SETTLE_JS)
        seen = tab.evaluate(_INSPECT_JS)
    finally:
        for event, handler in handlers.items():
            tab.remove_listener(event, handler)
    # Requests blocked by the route below fail on purpose; they are reported on their own.
    report.problems = [p for p in report.problems if not any(x in p for x in external)]
    report.title = seen["title"]
    report.text = seen["text"]
    report.raw_tex = seen["rawTex"]
    report.unrendered = seen["unrendered"]
    report.n_math = seen["nMath"]
    report.images = seen["images"]
    report.links = seen["links"]
    report.ids = set(seen["ids"])
    report.sidebar = [page_path(href, base) for href in seen["sidebar"]]
    report.prev = page_path(seen["prev"], base) if seen["prev"] else None
    report.next = page_path(seen["next"], base) if seen["next"] else None
    report.widget_notes = seen["widgetNotes"]
    report.widget_scripts = seen["widgetScripts"]
    return report


@pytest.fixture(scope="module")
def site(browser_context, site_url) -> SiteReport:
    """Every page reachable from the landing page, visited once in one tab."""
    tab = browser_context.new_page()
    tab.set_default_timeout(PAGE_TIMEOUT_MS)
    external: list[str] = []

    def only_this_site(route) -> None:
        if route.request.url.startswith(site_url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    tab.route("**/*", only_this_site)
    pages: dict[str, PageReport] = {}
    # The search page is reached through a form, not a link.
    queue = [site_url + "index.html", site_url + "search.html"]
    try:
        while queue:
            url = queue.pop(0).split("#")[0]
            path = page_path(url, site_url)
            if path in pages:
                continue
            pages[path] = _visit(tab, url, site_url, external)
            for link in pages[path].links:
                target = link.split("#")[0]
                if is_page(target, site_url) and page_path(target, site_url) not in pages:
                    queue.append(target)
    finally:
        tab.close()
    return SiteReport(site_url, pages, external)


def _fetch(url: str) -> tuple[int, str]:
    """HTTP status and (for HTML) body of ``url`` on the local site server."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body = response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, body.decode("utf-8", "replace") if "html" in kind else ""
    except urllib.error.HTTPError as error:
        return error.code, ""


def notebook_pages(site: SiteReport) -> dict[str, PageReport]:
    """The notebook pages of the site, by notebook file name."""
    return {
        Path(path).with_suffix(".ipynb").name: page
        for path, page in site.pages.items()
        if path.startswith("notebooks/")
    }


# --- the tests ----------------------------------------------------------------------------


def test_every_notebook_has_a_page(site):
    """The crawl from the landing page reaches a page for every notebook and the benchmarks."""
    expected = {path.name for path in course_notebooks()}
    assert expected, f"no notebooks in {SITE_NOTEBOOKS}"
    found = set(notebook_pages(site))
    assert expected <= found, f"notebooks without a page: {sorted(expected - found)}"
    assert "benchmarks/results.html" in site.pages, "no benchmark page reachable"
    assert "search.html" in site.pages, "no search page reachable"
    print(
        f"{len(site.pages)} pages, {sum(len(p.images) for p in site.pages.values())} images, "
        f"{sum(p.n_math for p in site.pages.values())} typeset formulas"
    )


def test_pages_load_without_errors_or_outside_requests(site):
    """No console error, failed request or script error; nothing fetched from another host."""
    assert not site.external_requests, (
        "the site asked for files from outside (blocked; it must work offline): "
        + ", ".join(sorted(set(site.external_requests))[:10])
    )
    problems = [f"{path}: {p}" for path, page in site.pages.items() for p in page.problems]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:20])


def test_math_is_rendered(site):
    """Every math element is typeset by MathJax and no raw TeX is left in the prose."""
    failures = []
    for path, page in site.pages.items():
        if page.raw_tex:
            failures.append(f"{path}: raw TeX visible in the text: {page.raw_tex}")
        if page.unrendered:
            failures.append(
                f"{path}: {len(page.unrendered)} formula(s) not typeset, e.g. "
                f"{page.unrendered[0]!r}"
            )
    assert not failures, "\n".join(failures)
    with_math = [path for path, page in notebook_pages(site).items() if page.n_math]
    assert with_math, "no notebook page has typeset math: is MathJax loading?"


def test_images_load_and_have_alt_text(site):
    """Every <img> has loaded (naturalWidth > 0) and has a meaningful alt text."""
    failures = []
    n_images = 0
    for path, page in site.pages.items():
        for image in page.images:
            n_images += 1
            if image["width"] <= 0:
                failures.append(f"{path}: image did not load: {image['src']}")
            if len(image["alt"]) < 8 or NAMELIKE_ALT.match(image["alt"]):
                failures.append(
                    f"{path}: no meaningful alt text ({image['alt']!r}): {image['src']}"
                )
    assert not failures, f"{len(failures)} of {n_images} images:\n" + "\n".join(failures[:20])
    notebook_images = sum(len(page.images) for page in notebook_pages(site).values())
    assert notebook_images, "the notebook pages show no figures"


def test_internal_links_resolve(site):
    """Every link to the site answers 200, and its #anchor exists on the target page."""
    status: dict[str, int] = {}
    anchors: dict[str, set[str]] = {path: page.ids for path, page in site.pages.items()}
    broken = []
    for path, page in site.pages.items():
        for link in page.links:
            if not link.startswith(site.base):
                continue
            target, _, anchor = link.partition("#")
            target = target.split("?")[0]
            if target not in status:
                code, body = _fetch(target)
                status[target] = code
                key = page_path(target, site.base)
                if key not in anchors and body:
                    anchors[key] = set(re.findall(r'\sid="([^"]+)"', body))
            if status[target] != 200:
                broken.append(f"{path} -> {link}: HTTP {status[target]}")
            elif anchor:
                key = page_path(target, site.base)
                if key in anchors and urllib.parse.unquote(anchor) not in anchors[key]:
                    broken.append(f"{path} -> {link}: no element with id {anchor!r}")
    assert not broken, f"{len(broken)} broken link(s):\n" + "\n".join(broken[:20])
    print(f"{len(status)} distinct internal targets checked")


def test_sidebar_lists_every_notebook_in_order(site):
    """On every page the sidebar lists the notebooks as in notebooks/, sorted by name."""
    expected = [f"notebooks/{path.stem}.html" for path in course_notebooks()]
    for path, page in site.pages.items():
        listed = [href for href in page.sidebar if href.startswith("notebooks/")]
        assert listed == expected, f"{path}: the sidebar lists {listed}, expected {expected}"


def test_notebook_pages_name_their_notebook_and_chain_in_order(site):
    """Each notebook page names its file and `make lab`, links to its neighbours in course
    order, and shows one note per widget of the notebook (no widget JavaScript)."""
    names = [path.name for path in course_notebooks()]
    pages = notebook_pages(site)
    for i, name in enumerate(names):
        page = pages[name]
        assert f"notebooks/{name}" in page.text and "make lab" in page.text, (
            f"{name}: the page does not say which notebook it is and how to run it"
        )
        if i + 1 < len(names):
            assert page.next == f"notebooks/{Path(names[i + 1]).stem}.html", (
                f"{name}: 'next' goes to {page.next}"
            )
        if i > 0:
            assert page.prev == f"notebooks/{Path(names[i - 1]).stem}.html", (
                f"{name}: 'previous' goes to {page.prev}"
            )
        notebook = nbformat.read(SITE_NOTEBOOKS / name, as_version=4)
        n_widgets = sum(
            WIDGET_VIEW in output.get("data", {})
            for cell in notebook.cells
            if cell.cell_type == "code"
            for output in cell.outputs
        )
        assert page.widget_notes == n_widgets, (
            f"{name}: {page.widget_notes} widget notes on the page, {n_widgets} widgets in "
            "the notebook"
        )
        assert page.widget_scripts == 0, f"{name}: raw widget views left on the page"


def test_search_finds_a_notebook(browser_context, site_url):
    """Sphinx's built-in search works offline and finds a notebook page."""
    tab = browser_context.new_page()
    try:
        tab.goto(site_url + "search.html?q=dropout", timeout=PAGE_TIMEOUT_MS)
        results = tab.locator("#search-results a[href*='notebooks/']")
        results.first.wait_for(timeout=PAGE_TIMEOUT_MS)
        assert results.count() > 0
    finally:
        tab.close()


def test_no_cdn_in_built_files():
    """No built HTML or CSS file loads a script, stylesheet or font from an http(s) URL."""
    if not (SITE_DIR / "index.html").is_file():
        _skip_or_fail(f"no built site in {SITE_DIR}: run `make book` first.")
    remote = re.compile(
        r"<script[^>]+src=[\"']?(?:https?:)?//"
        r"|<link[^>]+href=[\"']?(?:https?:)?//"
        r"|url\(\s*[\"']?(?:https?:)?//"
        r"|@import\s+[\"'](?:https?:)?//",
        re.IGNORECASE,
    )
    offenders = []
    files = [*SITE_DIR.rglob("*.html"), *SITE_DIR.rglob("*.css")]
    for path in files:
        match = remote.search(path.read_text(errors="replace"))
        if match:
            offenders.append(f"{path.relative_to(SITE_DIR)}: {match.group(0)}")
    assert not offenders, "remote scripts, styles or fonts:\n" + "\n".join(offenders)
    assert len(files) > 10, f"only {len(files)} HTML/CSS files in {SITE_DIR}"


def test_screenshots(browser_context, site_url, site):
    """Screenshots of the landing page and of a notebook page: a displayed formula with a
    figure below it."""
    SITE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SITE_SCREENSHOTS.glob("*.png"):
        old.unlink()
    tab = browser_context.new_page()
    try:
        tab.goto(site_url + "index.html", timeout=PAGE_TIMEOUT_MS)
        tab.evaluate(_SETTLE_JS)
        tab.screenshot(path=str(SITE_SCREENSHOTS / "landing.png"))
        # A notebook page at a displayed formula with a figure right below it: pages with the
        # most formulas first, the first one where both fit in the window.
        pages = notebook_pages(site)
        for name in sorted(pages, key=lambda n: -pages[n].n_math):
            tab.goto(pages[name].url, timeout=PAGE_TIMEOUT_MS)
            tab.evaluate(_SETTLE_JS)
            if tab.evaluate(_SCROLL_TO_FORMULA_ABOVE_FIGURE_JS):
                tab.wait_for_timeout(300)  # let the sticky header settle after the jump
                tab.screenshot(path=str(SITE_SCREENSHOTS / f"{Path(name).stem}.png"))
                break
        else:
            pytest.fail("no notebook page has a displayed formula right above a figure")
    finally:
        tab.close()
