"""Every notebook opens in JupyterLab and runs all its cells in quick mode with no error
output on the page, every checked claim holding (the kernels run with DNN_CLAIMS=strict), and
the cells marked ``# NBVAL_CHECK_OUTPUT`` printing what the stored notebook shows (test 3 of
issue 7; fixtures in conftest.py). This is nbval's run, made in a learner's JupyterLab: with
the browser at hand, ``make test`` leaves the default environment's notebooks to it. After
the run, 03's leaky-ReLU α slider and 07's learning-rate slider are moved (sliders.py)."""

from __future__ import annotations

import pytest
from conftest import notebook_paths
from sliders import SLIDERS, check_slider_redraws

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("name", [path.name for path in notebook_paths()])
def test_notebook_runs_without_errors(notebook, name):
    notebook.open(name)
    state = notebook.run_all()
    notebook.assert_no_errors(state)
    assert state["status"].endswith("Idle"), f"{name}: status bar says {state['status']!r}"
    notebook.assert_checked_outputs_match()
    if name in SLIDERS:  # then the learner moves its slider (sliders.py)
        check_slider_redraws(notebook, name, *SLIDERS[name])
