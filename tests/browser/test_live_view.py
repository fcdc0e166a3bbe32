"""The live training view in a learner's JupyterLab: while one cell trains a net with
``helpers.live.LiveTraining``, the figure under it must be redrawn in place at least three
times before the cell finishes, with no error on the page (issue 15; fixtures in conftest.py).
"""

from __future__ import annotations

import nbformat
import pytest

pytestmark = pytest.mark.browser

NAME = "live_view_check.ipynb"
TRAIN_CELL = """\
import keras
from helpers import data, live, models

fashion = data.load_fashion_mnist()
config.set_seed(0)
model = models.build_mlp(n_hidden=6, n_neurons=64, activation="sigmoid",
                         kernel_initializer="glorot_uniform")
models.compile_classifier(model, keras.optimizers.SGD(learning_rate=0.1))
view = live.LiveTraining(fashion.x_valid[:256], fashion.y_valid[:256], every=5,
                         max_fps=4, draw_share=0.5, title="sigmoid + Glorot, live")
model.fit(fashion.x_train[:6000], fashion.y_train[:6000], epochs=4, batch_size=32,
          verbose=0, callbacks=[view])
print(f"frames drawn: {view.frames}, measurements: {len(view.record.steps)}")
"""

# Counts the distinct images that appear in output areas while the notebook runs: every
# in-place redraw replaces the <img>'s data.
_WATCH_JS = """() => {
  window.__dnnFrames = new Set();
  const seen = (img) => { if (img.src) window.__dnnFrames.add(img.src.slice(-96)); };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === 'attributes' && m.target.tagName === 'IMG') seen(m.target);
      for (const node of m.addedNodes || []) {
        if (node.nodeType !== 1) continue;
        if (node.tagName === 'IMG') seen(node);
        node.querySelectorAll && node.querySelectorAll('.jp-OutputArea-output img').forEach(seen);
      }
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             attributeFilter: ['src']});
}"""


def _write_notebook(folder) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from helpers import config\n\nconfig.setup(seed=0)"),
        nbformat.v4.new_code_cell(TRAIN_CELL),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, folder / NAME)


def test_live_view_redraws_while_the_cell_trains(notebook, lab_server):
    _write_notebook(lab_server.root / "notebooks")
    notebook.open(NAME)
    notebook.page.evaluate(_WATCH_JS)
    state = notebook.run_all()
    notebook.assert_no_errors(state)
    frames = notebook.page.evaluate("() => window.__dnnFrames.size")
    printed = notebook.page.locator(".jp-OutputArea-output pre").all_inner_texts()
    assert frames >= 3, (
        f"the live figure showed {frames} distinct image(s) while the cell ran, expected at "
        f"least 3; the cell printed: {printed}"
    )
    assert notebook.page.locator(".jp-OutputArea-output img").count() == 1, (
        "the live view should redraw one figure in place, not append new ones"
    )
