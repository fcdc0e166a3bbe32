"""Tests of helpers/widgets/transfer.py: draw functions and widgets."""

import ipywidgets as widgets
import keras

from helpers import data, models, transfer
from helpers import widgets as course_widgets


def test_draw_transfer_size_trains_both_and_reports_the_gain():
    fashion = data.load_fashion_mnist(valid_size=300, train_size=2_000, test_size=10)
    tasks = data.make_transfer_tasks(fashion, b_train_size=200)
    keras.utils.set_random_seed(0)
    model_a = models.build_mlp(n_hidden=1, n_neurons=16, n_outputs=8)
    pool, valid = (tasks.x_train_b, tasks.y_train_b), (tasks.x_valid_b, tasks.y_valid_b)

    def build_scratch():
        return models.build_mlp(n_hidden=1, n_neurons=16, output="sigmoid", n_outputs=1)

    fig, text = course_widgets.draw_transfer_size(
        pool, valid, 20, build_scratch, lambda: transfer.reuse_layers(model_a), seed=1
    )
    assert text.startswith("20 examples, seed 1: from scratch") and "gain" in text
    assert len(fig.axes[0].patches) == 3  # three bars


def test_explore_transfer_size_offers_the_sizes():
    box = course_widgets.explore_transfer_size((None, None), (None, None), None, None)
    size = box.children[1].children[0]
    assert isinstance(size, widgets.SelectionSlider)
    assert tuple(size.options) == course_widgets.TRANSFER_SIZES and size.value == 200
