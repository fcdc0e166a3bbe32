"""helpers.learning_rate_runs: a short run that reports divergence or collapse."""

import numpy as np
import pytest
from builders import small_model

from helpers import learning_rate_runs


def test_epochs_to_target_is_the_first_epoch_that_reaches_it():
    curve = [0.70, 0.82, 0.81, 0.86, 0.88]
    assert learning_rate_runs.epochs_to_target(curve, 0.82) == 2
    assert learning_rate_runs.epochs_to_target(curve, 0.85) == 4
    assert learning_rate_runs.epochs_to_target(curve, 0.70) == 1
    assert learning_rate_runs.epochs_to_target(curve, 0.90) is None
    with pytest.raises(ValueError, match="target"):
        learning_rate_runs.epochs_to_target(curve, 85)


def test_training_run_reports_divergence_instead_of_failing(fashion):
    run = learning_rate_runs.train_with_learning_rate(50.0, fashion.train, fashion.valid, epochs=2)
    assert run.diverged and np.isnan(run.final_val_accuracy)
    good = learning_rate_runs.train_with_learning_rate(0.05, fashion.train, fashion.valid, epochs=2)
    assert not good.diverged and good.final_val_accuracy > 0.4
    with pytest.raises(ValueError, match="'sgd', 'momentum', 'adam'"):
        learning_rate_runs.train_with_learning_rate(
            0.1, fashion.train, fashion.valid, optimizer="lion"
        )


def test_top_class_share_sees_a_net_that_ignores_its_input(fashion):
    model = small_model()
    x = fashion.x_valid[:256]
    fresh = learning_rate_runs.top_class_share(model, x)
    assert fresh < learning_rate_runs.COLLAPSE_SHARE  # a random net still varies its answer
    output = model.layers[-1]
    kernel, bias = output.get_weights()
    # Zero output weights: the logits are the bias alone, the same for every image; this is
    # what dead hidden units do after a too-large step.
    output.set_weights([np.zeros_like(kernel), np.arange(len(bias), dtype="float32") / 10])
    assert learning_rate_runs.top_class_share(model, x) == 1.0
    with pytest.raises(ValueError, match="empty"):
        learning_rate_runs.top_class_share(model, x[:0])


def _short_run(diverged=False, share=0.12, accuracy=0.1):
    return learning_rate_runs.TrainingRun(
        learning_rate=0.4,
        history={"loss": [2.30], "val_accuracy": [accuracy]},
        batch_losses=[2.3],
        diverged=diverged,
        seconds=1.0,
        epochs=1,
        steps_per_epoch=1,
        top_class_share=share,
    )


def test_a_run_at_chance_is_collapsed_only_when_it_answers_one_class():
    collapsed = _short_run(share=0.99, accuracy=0.107)
    assert collapsed.collapsed and not collapsed.trained
    assert collapsed.outcome.startswith("collapsed to chance (val accuracy 0.107")
    slow = _short_run(share=0.43, accuracy=0.139)  # too low a rate: near chance, still varied
    assert not slow.collapsed and slow.trained and slow.outcome == "val accuracy 0.139"
    diverged = _short_run(diverged=True, share=float("nan"))
    assert not diverged.collapsed and diverged.outcome == "diverged"


def test_training_run_records_per_batch_losses(fashion):
    run = learning_rate_runs.train_with_learning_rate(0.05, fashion.train, fashion.valid, epochs=2)
    assert run.steps_per_epoch == 8 and len(run.batch_losses) == 16 and run.epochs == 2
    assert 0.1 <= run.top_class_share < learning_rate_runs.COLLAPSE_SHARE and run.trained
