"""Browser tests: a learner's JupyterLab, in a real headless Chromium.

nbval runs the notebooks without a browser, so it never sees a widget. These tests use
the course the way a learner does:

* ``lab_server`` (session): JupyterLab on 127.0.0.1 (free port, fixed token,
  ``--no-browser``) serving a temporary copy of ``notebooks/`` (outputs stripped) and
  ``images/``; the originals never change. Kernels run in quick mode (``DNN_QUICK=1``).
  News, update checks, the announcements plugin and the PyPI extension manager are off;
  config, settings, workspaces and runtime folders are temporary. Stopped afterwards:
  kernels shut down, the server terminated, then its process group killed if needed.
* ``browser_context`` (session): Debian's ``/usr/bin/chromium`` (Playwright's own browser
  build is not used), headless, with a fresh temporary profile.
* ``notebook`` (per test): a new tab driving one notebook (open, Run All from the menu,
  wait for the status bar to say ``Idle``, read errors, find sliders). After each test
  the tab closes and every kernel is shut down, so memory stays low. A failing test
  leaves ``tests/browser/screenshots/<test>.png`` (+ console and server log; git-ignored).

Tests: ``sliders.py`` (called after Run All) moves the leaky-ReLU α slider of notebook 03 and the
learning-rate slider of notebook 07 with the keyboard and checks that the printed value
and the figure change; ``test_notebooks_run.py`` runs every notebook and fails on any
error output on the page or a checked cell (``# NBVAL_CHECK_OUTPUT``) showing other output
than the stored notebook.

Run: ``make browser`` or ``.venv/bin/pytest -n 2 tests/browser`` (about 13 minutes for the
whole course on a 2-core machine: 25-190 s per notebook, 03 the longest). Knobs (environment
variables): ``DNN_BROWSER_CHROMIUM`` (browser binary, default /usr/bin/chromium),
``DNN_BROWSER_NOTEBOOKS`` (another folder of notebooks to test), ``DNN_BROWSER_TIMEOUT``
(seconds a Run All may take, default 600).
Without Chromium or Playwright the tests skip with the reason; with ``CI=true`` they fail.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
# The notebooks under test; DNN_BROWSER_NOTEBOOKS points the tests at another folder.
NOTEBOOKS_DIR = Path(os.environ.get("DNN_BROWSER_NOTEBOOKS") or REPO_ROOT / "notebooks")
IMAGES_DIR = REPO_ROOT / "images"
SCREENSHOTS_DIR = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = Path(os.environ.get("DNN_BROWSER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "dnn-browser-tests"
SERVER_START_TIMEOUT_S = 120
SERVER_STOP_TIMEOUT_S = 20
KERNEL_START_TIMEOUT_S = 180
# A quick-mode notebook runs in ~30-40 s alone, several times longer on a busy machine.
RUN_TIMEOUT_S = float(os.environ.get("DNN_BROWSER_TIMEOUT") or 600)
REDRAW_TIMEOUT_S = 60
# Plugins that would reach the internet or pop up notices over the notebook.
DISABLED_PLUGINS = [
    "@jupyterlab/apputils-extension:announcements",
    "@jupyterlab/extensionmanager-extension:plugin",
]
# User settings for the test server: every cell attached to the page (so a query sees all
# outputs, not only the ones scrolled into view), and no autosave of the copies.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


# Quick-mode Run All in the browser, seconds (2026-12-01, two at a time, load ~2). The
# longest notebooks are handed out first, so the two workers finish at about the same time.
RUN_ALL_SECONDS = {
    "03": 182, "08": 135, "13": 135, "11": 122, "07": 98, "06": 93, "04": 81,
    "05": 81, "10": 80, "09": 75, "12": 67, "01": 61, "02": 43, "00": 26,
}  # fmt: skip


def notebook_paths() -> list[Path]:
    """The notebooks of the course, the longest Run All first (collected when the tests are);
    a notebook not in RUN_ALL_SECONDS counts as the longest."""
    paths = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    return sorted(paths, key=lambda path: -RUN_ALL_SECONDS.get(path.name[:2], 10**6))


# --- JupyterLab ---------------------------------------------------------------------------


@dataclass
class LabServer:
    url: str  # http://127.0.0.1:PORT
    token: str
    root: Path  # the temporary copy the server serves
    process: subprocess.Popen
    log_path: Path

    def notebook_url(self, relative_path: str) -> str:
        """URL of a notebook in a fresh workspace (no panels restored from earlier tests)."""
        return f"{self.url}/lab/tree/{relative_path}?reset&token={self.token}"

    def api(self, method: str, path: str) -> object:
        request = urllib.request.Request(
            f"{self.url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Close every session and kernel so the next notebook starts with free memory."""
        for session in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{session['id']}")
        for kernel in self.api("GET", "kernels"):
            self.api("DELETE", f"kernels/{kernel['id']}")

    def log_tail(self, n_lines: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n".join(lines[-n_lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _copy_notebooks(destination: Path) -> None:
    """Copy notebooks/ (outputs and saved widget state stripped, so everything on the page
    comes from this run) and images/ (which the notebooks' markdown refers to)."""
    shutil.copytree(
        NOTEBOOKS_DIR,
        destination / "notebooks",
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    for path in (destination / "notebooks").glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        notebook.metadata.pop("widgets", None)
        nbformat.write(notebook, path)
    if IMAGES_DIR.is_dir():
        shutil.copytree(IMAGES_DIR, destination / "images")


def _write_lab_config(config_dir: Path, settings_dir: Path) -> None:
    labconfig = config_dir / "labconfig"
    labconfig.mkdir(parents=True)
    disabled = {name: True for name in DISABLED_PLUGINS}
    (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": disabled}))
    for relative, values in LAB_SETTINGS.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _server_environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)  # a learner's kernel runs with Python's default filters
    env.pop("JUPYTER_TOKEN", None)
    env.update(
        DNN_QUICK="1",
        DNN_CLAIMS="strict",  # a missed claim fails the page, as under nbval
        TF_CPP_MIN_LOG_LEVEL="2",
        TF_ENABLE_ONEDNN_OPTS="0",
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"),
        IPYTHONDIR=str(tmp / "ipython"),
    )
    # The venv's python first, so the kernel is the one with `helpers` installed.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _stop_process(process: subprocess.Popen) -> None:
    """Terminate the server (it shuts its kernels down), then kill its process group."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
    # The server was started in its own session: its group holds it and its kernels only.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=SERVER_STOP_TIMEOUT_S)


def _wait_until_answering(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {server.process.returncode} while starting.\n"
                f"Server log (tail):\n{server.log_tail()}"
            )
        try:
            server.api("GET", "status")
            with urllib.request.urlopen(f"{server.url}/lab?token={server.token}", timeout=30):
                return
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            last_error = error
        time.sleep(0.5)  # polling a port: there is no event to wait for
    raise RuntimeError(
        f"JupyterLab did not answer at {server.url} within {SERVER_START_TIMEOUT_S} s "
        f"(last error: {last_error}).\nServer log (tail):\n{server.log_tail()}"
    )


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory) -> Iterator[LabServer]:
    """JupyterLab on 127.0.0.1, serving a temporary copy of notebooks/ in quick mode."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "course"
    root.mkdir()
    _copy_notebooks(root)
    _write_lab_config(tmp / "config", tmp / "lab-settings")
    for name in ("runtime", "lab-workspaces", "ipython"):
        (tmp / name).mkdir()
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI containers run as root
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: read cell states
    ]
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=_server_environment(tmp),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LabServer(f"http://127.0.0.1:{port}", TOKEN, root, process, log_path)
    try:
        _wait_until_answering(server)
        yield server
    finally:
        try:
            if process.poll() is None:
                server.shutdown_kernels()
        except OSError:
            pass
        _stop_process(process)


# --- a notebook in the page ---------------------------------------------------------------

KERNEL_STATUS = '#jp-main-statusbar .jp-StatusBar-TextItem[title^="Change kernel"]'
STDOUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'

# What the page shows right now: the kernel status in the status bar; for each code cell
# with code in it, its execution count and whether it is queued or running (read from the
# notebook model, as hidden-input cells show no prompt; JupyterLab is started with
# expose_app_in_browser); error outputs (tracebacks are rendered as stderr); widgets that
# failed to render; open dialogs.
_PAGE_STATE_JS = """
(path) => {
  const status = document.querySelector(KERNEL_STATUS);
  const cells = [];
  const app = window.jupyterapp;
  const panel = app ? [...app.shell.widgets('main')].find(
    (widget) => widget.context && widget.context.path === path && widget.content) : null;
  if (panel && panel.content.model) {
    const list = panel.content.model.cells;
    for (let i = 0; i < list.length; i++) {
      const cell = list.get(i);
      if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
      const state = cell.executionState ?? cell.sharedModel.executionState ?? 'idle';
      cells.push({index: i, count: cell.executionCount ?? null, running: state === 'running'});
    }
  }
  const errors = [...document.querySelectorAll(STDERR)]
    .map((element) => element.textContent)
    .filter((text) => /Traceback|Error/.test(text));
  for (const element of document.querySelectorAll('.jp-OutputArea-output')) {
    if (!element.querySelector('.jp-OutputArea-output')
        && element.textContent.includes('Error displaying widget')) {
      errors.push(element.textContent);
    }
  }
  const dialogs = [...document.querySelectorAll('.jp-Dialog')].map((element) => element.innerText);
  return {
    status: status ? status.textContent.trim() : null,
    found: Boolean(panel),
    cells,
    errors,
    dialogs,
  };
}
""".replace("KERNEL_STATUS", json.dumps(KERNEL_STATUS)).replace("STDERR", json.dumps(STDERR))

# Cells whose output nbval compares with the stored one (see tests/nbval_sanitize.cfg for
# what is masked first). The page's outputs come from JupyterLab's notebook model.
CHECK_OUTPUT_MARK = "# NBVAL_CHECK_OUTPUT"
_CHECKED_OUTPUTS_JS = """
(path) => {
  const panel = [...window.jupyterapp.shell.widgets('main')].find(
    (widget) => widget.context && widget.context.path === path && widget.content);
  const result = {};
  const list = panel.content.model.cells;
  for (let i = 0; i < list.length; i++) {
    const cell = list.get(i);
    if (cell.type === 'code' && cell.sharedModel.getSource().trimStart().startsWith(MARK)) {
      result[i] = cell.outputs.toJSON();
    }
  }
  return result;
}
""".replace("MARK", json.dumps(CHECK_OUTPUT_MARK))


def _sanitizers() -> list[tuple[re.Pattern, str]]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO_ROOT / "tests" / "nbval_sanitize.cfg", encoding="utf-8")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def checked_text(outputs: list) -> str:
    """The parts of a cell's outputs nbval compares here: stdout and plain-text results
    (stderr never; images are not checked cells' business), joined and sanitized."""
    parts = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream" and output.get("name") == "stdout":
            text = output.get("text", "")
        elif kind in ("execute_result", "display_data"):
            text = output.get("data", {}).get("text/plain", "")
        else:
            continue
        parts.append(text if isinstance(text, str) else "".join(text))
    text = "".join(parts)
    for pattern, replacement in _sanitizers():
        text = pattern.sub(replacement, text)
    return text.strip()


# Run All has finished when the status bar says Idle, no cell is queued or running, and
# every code cell has an execution count (or an error stopped the run). A dialog (e.g.
# "Kernel Restarting") ends the wait too, so the test can report it at once.
_RUN_FINISHED_JS = (
    "([path, expected]) => {\n  const state = ("
    + _PAGE_STATE_JS
    + """)(path);
  if (state.dialogs.length) return true;
  if (!state.status || !/\\|\\s*Idle$/.test(state.status)) return false;
  if (state.cells.some((cell) => cell.running)) return false;
  const done = state.cells.filter((cell) => cell.count !== null).length;
  return state.errors.length > 0 || (done >= expected && done === state.cells.length);
}"""
)


# Idle for `ms` milliseconds in a row (the page remembers since when it has been idle).
_SETTLED_JS = """
(ms) => {
  const status = document.querySelector(KERNEL_STATUS);
  const idle = Boolean(status) && /\\|\\s*Idle$/.test(status.textContent.trim());
  const now = performance.now();
  if (!idle) { window.__dnnIdleSince = null; return false; }
  if (window.__dnnIdleSince == null) window.__dnnIdleSince = now;
  return now - window.__dnnIdleSince >= ms;
}
""".replace("KERNEL_STATUS", json.dumps(KERNEL_STATUS))
SETTLE_S = 2


def _cells_not_run(state: dict[str, Any]) -> list[str]:
    return [
        f"cell {cell['index']}" + (" (queued or running)" if cell["running"] else "")
        for cell in state["cells"]
        if cell["count"] is None
    ]


# The redraw of an interactive figure: its printed text and its image both differ from
# before (the image is the last to arrive).
_REDRAWN_JS = """
([box, before]) => {
  const output = box.querySelector('.jupyter-widgets.widget-output');
  if (!output) return false;
  const text = [...output.querySelectorAll(STDOUT)].map((e) => e.textContent).join('');
  const image = output.querySelector('img');
  return text !== before.text && image !== null && image.getAttribute('src') !== before.src;
}
""".replace("STDOUT", json.dumps(STDOUT))


def _short(text: str, limit: int = 1500) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


class InteractiveSlider:
    """A slider of an interactive figure: the slider widget and the box holding its output."""

    def __init__(self, page: Page, widget: Locator, description: str) -> None:
        self.page = page
        self.widget = widget
        self.description = description
        self.handle = widget.locator(".noUi-handle")
        # The nearest enclosing VBox that holds an Output widget: the interactive figure.
        self.box = widget.locator(
            "xpath=ancestor::div[contains(concat(' ', @class, ' '), ' widget-vbox ')]"
            "[.//div[contains(concat(' ', @class, ' '), ' widget-output ')]][1]"
        )

    def state(self) -> dict[str, Any]:
        """Readout, handle position, printed text and image src of the figure, right now."""
        return self.box.evaluate(
            """(box) => {
              const output = box.querySelector('.jupyter-widgets.widget-output');
              const texts = output ? [...output.querySelectorAll(STDOUT)] : [];
              const image = output ? output.querySelector('img') : null;
              return {
                text: texts.map((e) => e.textContent).join(''),
                src: image ? image.getAttribute('src') : null,
              };
            }""".replace("STDOUT", json.dumps(STDOUT))
        ) | {
            "readout": self.widget.locator(".widget-readout").inner_text().strip(),
            "value": float(self.handle.get_attribute("aria-valuenow")),
            "min": float(self.handle.get_attribute("aria-valuemin")),
            "max": float(self.handle.get_attribute("aria-valuemax")),
        }

    def press(self, key: str) -> None:
        """Focus the handle (as a Tab would) and press a key, like a learner at the keyboard."""
        self.handle.scroll_into_view_if_needed()
        self.handle.focus()
        self.page.keyboard.press(key)

    def wait_for_redraw(self, before: dict[str, Any]) -> dict[str, Any]:
        """Wait until text and image of the figure have both changed; return the new state."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        # On a timeout the caller's assertions say what did not change.
        with contextlib.suppress(PlaywrightTimeoutError):
            self.page.wait_for_function(
                _REDRAWN_JS,
                arg=[self.box.element_handle(), {"text": before["text"], "src": before["src"]}],
                timeout=REDRAW_TIMEOUT_S * 1000,
                polling=200,
            )
        return self.state()


class NotebookPage:
    """One notebook in a JupyterLab tab, driven through the UI as a learner would."""

    def __init__(self, page: Page, server: LabServer) -> None:
        self.page = page
        self.server = server
        self.name: str | None = None

    def open(self, name: str) -> None:
        """Open notebooks/<name> and wait until its kernel has started (status bar: Idle)."""
        from playwright.sync_api import expect

        self.name = name
        self.page.goto(self.server.notebook_url(f"notebooks/{name}"))
        self.page.locator(".jp-NotebookPanel .jp-Notebook").first.wait_for(timeout=60_000)
        expect(
            self.page.locator(KERNEL_STATUS),
            f"the kernel of {name} did not start (status bar)",
        ).to_have_text(re.compile(r"\|\s*Idle$"), timeout=KERNEL_START_TIMEOUT_S * 1000)

    def kernel_status(self) -> str:
        return self.page.locator(KERNEL_STATUS).inner_text().strip()

    def page_state(self) -> dict[str, Any]:
        return self.page.evaluate(_PAGE_STATE_JS, f"notebooks/{self.name}")

    def n_code_cells(self) -> int:
        """Code cells with code in them (JupyterLab does not execute empty ones)."""
        notebook = nbformat.read(self.server.root / "notebooks" / self.name, as_version=4)
        return sum(1 for c in notebook.cells if c.cell_type == "code" and c.source.strip())

    def run_all(self) -> dict[str, Any]:
        """Run → Run All Cells from the menu; wait until the run is over; return the page
        state (status, cells, errors, dialogs). Fails on a timeout or a dialog."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        assert self.page_state()["found"], (
            f"{self.name}: no notebook panel found through window.jupyterapp "
            "(is LabApp.expose_app_in_browser on?)"
        )
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        self.page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
        expected = self.n_code_cells()
        try:
            self.page.wait_for_function(
                _RUN_FINISHED_JS,
                arg=[f"notebooks/{self.name}", expected],
                timeout=RUN_TIMEOUT_S * 1000,
                polling=500,
            )
            finished = True
        except PlaywrightTimeoutError:
            finished = False
        if not finished:
            state = self.page_state()
            not_run = _cells_not_run(state)
            pytest.fail(
                f"{self.name}: Run All did not finish within {RUN_TIMEOUT_S:.0f} s: the status "
                f"bar says {state['status']!r}; {expected - len(not_run)} of {expected} code "
                f"cells ran; not run yet (0-based cell index): {', '.join(not_run[:6])}",
                pytrace=False,
            )
        state = self.page_state()
        assert not state["dialogs"], f"{self.name}: a dialog opened during Run All: " + (
            " | ".join(_short(d, 300) for d in state["dialogs"])
        )
        self.wait_until_settled()
        return self.page_state()

    def checked_outputs(self) -> dict[int, str]:
        """What the page shows under each cell marked ``# NBVAL_CHECK_OUTPUT`` (cell index →
        its stdout and plain-text results, sanitized as nbval does)."""
        outputs = self.page.evaluate(_CHECKED_OUTPUTS_JS, f"notebooks/{self.name}")
        return {int(index): checked_text(cell_outputs) for index, cell_outputs in outputs.items()}

    def assert_checked_outputs_match(self) -> int:
        """The checks nbval makes (cells marked ``# NBVAL_CHECK_OUTPUT`` must print what the
        stored notebook shows), made on the page; returns how many cells were compared."""
        stored = nbformat.read(NOTEBOOKS_DIR / self.name, as_version=4)
        shown = self.checked_outputs()
        expected = {
            index: checked_text(cell.outputs)
            for index, cell in enumerate(stored.cells)
            if cell.cell_type == "code" and cell.source.lstrip().startswith(CHECK_OUTPUT_MARK)
        }
        assert sorted(shown) == sorted(expected), (
            f"{self.name}: cells marked {CHECK_OUTPUT_MARK} on the page {sorted(shown)}, "
            f"in the stored notebook {sorted(expected)}"
        )
        for index, text in expected.items():
            assert shown[index] == text, (
                f"{self.name}, cell {index} ({CHECK_OUTPUT_MARK}): the page shows\n"
                f"{_short(shown[index], 800)}\nbut the stored notebook\n{_short(text, 800)}"
            )
        return len(expected)

    def wait_until_settled(self) -> None:
        """Wait until the status bar has said Idle for SETTLE_S seconds in a row.

        Widgets that have just rendered talk to the kernel (comm messages), so the status
        can flip to Busy for a moment after the last cell has finished."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        self.page.evaluate("() => { window.__dnnIdleSince = null; }")
        try:
            self.page.wait_for_function(
                _SETTLED_JS,
                arg=SETTLE_S * 1000,
                timeout=REDRAW_TIMEOUT_S * 1000,
                polling=200,
            )
        except PlaywrightTimeoutError:
            pytest.fail(
                f"{self.name}: the kernel did not settle to Idle within {REDRAW_TIMEOUT_S} s "
                f"after Run All; the status bar says {self.kernel_status()!r}",
                pytrace=False,
            )

    def assert_no_errors(self, state: dict[str, Any]) -> None:
        errors = state["errors"]
        if errors:
            pytest.fail(
                f"{self.name}: {len(errors)} error output(s) on the page; the first:\n"
                + _short(errors[0]),
                pytrace=False,
            )
        not_run = _cells_not_run(state)
        if not_run:
            pytest.fail(f"{self.name}: cells did not run: {', '.join(not_run)}", pytrace=False)

    def slider(self, description: str) -> InteractiveSlider:
        """The first slider whose description (label) is exactly ``description``."""
        label = self.page.locator(
            ".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$")
        )
        widget = self.page.locator(".widget-slider").filter(has=label).first
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        try:
            widget.wait_for(state="attached", timeout=30_000)
            present = True
        except PlaywrightTimeoutError:
            present = False
        if not present:
            found = self.page.locator(".widget-slider .widget-label").all_inner_texts()
            pytest.fail(
                f"{self.name}: no slider described {description!r}; sliders on the page: {found}",
                pytrace=False,
            )
        widget.scroll_into_view_if_needed()
        return InteractiveSlider(self.page, widget, description)


# --- Chromium -----------------------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _skip_or_fail(reason: str) -> None:
    """On a learner's machine a missing browser skips the tests; in CI (CI=true) it fails
    them, so a broken install step cannot pass as green."""
    if _in_ci():
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """Debian's Chromium, headless, with a fresh profile (Playwright's own build is not used)."""
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} not found: install Chromium (sudo apt-get install chromium).")
    try:
        from playwright import sync_api
    except ImportError:
        _skip_or_fail("Playwright is not installed: pip install -e '.[dev]' (or make setup).")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context, lab_server, request):
    """A new tab; on failure its screenshot goes to tests/browser/screenshots/."""
    tab = browser_context.new_page()
    tab.set_default_timeout(30_000)
    console: list[str] = []
    tab.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        SCREENSHOTS_DIR.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # show the first error output, if there is one
            tab.locator(STDERR).first.scroll_into_view_if_needed(timeout=2_000)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        try:
            tab.screenshot(path=str(SCREENSHOTS_DIR / f"{stem}.png"), full_page=True)
        except Exception as error:  # the page may be gone; the test report matters more
            print(f"could not take a screenshot: {error}")
        (SCREENSHOTS_DIR / f"{stem}.console.txt").write_text("\n".join(console))
        (SCREENSHOTS_DIR / f"{stem}.server.log").write_text(lab_server.log_tail(200))
    tab.close()
    lab_server.shutdown_kernels()


@pytest.fixture
def notebook(page, lab_server) -> NotebookPage:
    """Drive one notebook of the temporary copy in the test's own tab."""
    return NotebookPage(page, lab_server)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
