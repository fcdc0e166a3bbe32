"""Every notebook opens in JupyterLab and runs all its cells in quick mode with no error
output on the page (test 3 of issue 7; fixtures in conftest.py)."""

from __future__ import annotations

import pytest
from conftest import notebook_paths

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("name", [path.name for path in notebook_paths()])
def test_notebook_runs_without_errors(notebook, name):
    notebook.open(name)
    state = notebook.run_all()
    notebook.assert_no_errors(state)
    assert state["status"].endswith("Idle"), f"{name}: status bar says {state['status']!r}"
