"""Tests of helpers/widgets/schedules.py: draw functions and widgets."""

import time

import numpy as np
import pytest

from helpers import data, schedules
from helpers import widgets as course_widgets


def _run(diverged):
    return schedules.TrainingRun(
        learning_rate=30.0 if diverged else 0.1,
        history={"loss": [1.0], "val_accuracy": [] if diverged else [0.7, 0.8]},
        batch_losses=[2.3, 9.0, float("nan")] if diverged else [2.3, 1.2, 0.9, 0.7],
        diverged=diverged,
        seconds=1.0,
        epochs=2,
        steps_per_epoch=2,
    )


@pytest.fixture(scope="module")
def tiny_fashion():
    fashion = data.load_fashion_mnist(train_size=512, valid_size=256)
    return fashion.train, fashion.valid


def test_schedule_drawing_and_widget(capsys, sliders):
    fig, text = course_widgets.draw_schedules(0.05, 500, 2.0, 0.5)
    assert text.startswith("initial learning rate = 0.05 · decay steps s = 500")
    assert len(fig.axes[0].get_lines()) == 5  # four schedules and the line at s
    with pytest.raises(ValueError, match="decay_steps"):
        course_widgets.draw_schedules(0.05, 0)
    box = course_widgets.explore_schedules()
    assert sliders(box)[0].description == "initial learning rate"
    sliders(box)[0].value = 0.01
    assert "initial learning rate = 0.01" in capsys.readouterr().out


def test_schedule_redraw_is_fast(render):
    render(course_widgets.draw_schedules())
    start = time.process_time()
    for lr in np.geomspace(1e-3, 1.0, 10):
        render(course_widgets.draw_schedules(lr))
    assert (time.process_time() - start) / 10 < 0.5


def test_training_run_drawing_says_diverged_or_gives_the_accuracy():
    fig, text = course_widgets.draw_training_run(_run(True))
    assert "diverged" in text and "learning rate = 30" in text
    assert any(t.get_text() == "diverged" for t in fig.axes[0].texts)
    _, text = course_widgets.draw_training_run(_run(False))
    assert "validation accuracy 0.800 after 2 epochs" in text


def test_training_run_drawing_says_collapsed_to_chance():
    run = _run(False)
    run.history["val_accuracy"] = [0.2, 0.107]
    run.top_class_share = 0.98
    fig, text = course_widgets.draw_training_run(run)
    assert "collapsed to chance: validation accuracy 0.107" in text and "98%" in text
    assert any(t.get_text() == "collapsed to chance" for t in fig.axes[0].texts)
    run.top_class_share = 0.3  # near chance but still varying its answer: not collapsed
    _, text = course_widgets.draw_training_run(run)
    assert "collapsed" not in text and "validation accuracy 0.107" in text


def test_train_button_shows_diverged_instead_of_an_error(tiny_fashion, capsys):
    box = course_widgets.explore_learning_rate_training(*tiny_fashion, epochs=2)
    controls = box.children[1].children
    slider, button = controls[0], controls[-1]
    assert slider.description == "learning rate"
    slider.value = 100.0
    button.click()
    assert "diverged" in capsys.readouterr().out
    slider.value = 0.1
    button.click()
    assert "validation accuracy" in capsys.readouterr().out
    assert not button.disabled
