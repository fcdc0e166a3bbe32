import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import config, plots


def test_course_style_is_applied():
    plots.use_course_style()
    assert plt.rcParams["figure.dpi"] == plots.COURSE_STYLE["figure.dpi"]


def test_save_fig_in_quick_mode_stays_out_of_images(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = plots.save_fig("unit_test_figure", fig)
    assert path.exists() and path.suffix == ".png"
    assert config.IMAGES_DIR not in path.parents  # committed figures come only from full runs
    path.unlink()


def test_save_fig_under_a_seed_shift_stays_out_of_images(monkeypatch):
    monkeypatch.setattr(config, "QUICK", False)
    monkeypatch.setattr(config, "SEED_SHIFT", 3)
    fig, _ = plt.subplots()
    path = plots.save_fig("unit_test_figure", fig)
    assert config.IMAGES_DIR not in path.parents and path.parent.name == "images-seed-3"
    path.unlink()


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden"])
def test_save_fig_rejects_paths(name):
    with pytest.raises(ValueError, match="plain file name"):
        plots.save_fig(name)


def test_learning_curves_from_a_dict():
    history = {
        "loss": [1.0, 0.5],
        "val_loss": [1.1, 0.7],
        "accuracy": [0.5, 0.8],
        "val_accuracy": [0.4, 0.7],
    }
    fig = plots.plot_learning_curves(history)
    assert len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 2
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), [1, 2])


def test_learning_curves_name_what_is_missing():
    with pytest.raises(ValueError, match="records"):
        plots.plot_learning_curves({"loss": [1.0]}, metrics=("loss", "accuracy"))
    with pytest.raises(ValueError, match="History"):
        plots.plot_learning_curves([1, 2, 3])


def test_functions_with_derivatives_draws_both_panels():
    fig = plots.plot_functions_with_derivatives({"square": (np.square, lambda z: 2 * z)})
    left, right = fig.axes
    z = left.lines[0].get_xdata()
    np.testing.assert_allclose(right.lines[0].get_ydata(), 2 * z)
    with pytest.raises(ValueError):
        plots.plot_functions_with_derivatives({})


def test_show_images_marks_wrong_predictions():
    images = np.zeros((3, 28, 28))
    fig = plots.show_images(images, [0, 1, 2], ["a", "b", "c"], predictions=[0, 2, 2])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[1] == "b\n(said c)"
    with pytest.raises(ValueError):
        plots.show_images(np.zeros((0, 28, 28)))
