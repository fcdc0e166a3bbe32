"""helpers.transfer: cloning leaves the original untouched, freezing freezes, comparisons run."""

import keras
import numpy as np
import pytest

from helpers import data, models, transfer


@pytest.fixture(scope="module")
def tasks():
    fashion = data.load_fashion_mnist(valid_size=400, train_size=3_000, test_size=10)
    return data.make_transfer_tasks(fashion, b_train_size=300)


@pytest.fixture(scope="module")
def model_a(tasks):
    keras.utils.set_random_seed(0)
    model = models.build_mlp(n_hidden=2, n_neurons=16, n_outputs=8)
    models.compile_classifier(model, keras.optimizers.SGD(learning_rate=0.05, momentum=0.9))
    model.fit(tasks.x_train_a, tasks.y_train_a, epochs=1, batch_size=128, verbose=0)
    return model


def test_clone_with_weights_copies_values_but_shares_nothing(model_a):
    clone = transfer.clone_with_weights(model_a)
    assert transfer.weights_identical(model_a.get_weights(), clone.get_weights())
    clone.layers[1].kernel.assign(clone.layers[1].kernel + 1.0)
    assert not transfer.weights_identical(model_a.get_weights(), clone.get_weights())


def test_reuse_layers_swaps_the_head_and_keeps_the_original(model_a, tasks):
    before = [w.copy() for w in model_a.get_weights()]
    reused = transfer.reuse_layers(model_a)
    assert reused.output_shape == (None, 1)
    assert [layer.name for layer in reused.layers[:-1]] == [lay.name for lay in model_a.layers[:-1]]
    np.testing.assert_array_equal(reused.layers[1].kernel.numpy(), model_a.layers[1].kernel.numpy())
    train = (tasks.x_train_b, tasks.y_train_b)
    valid = (tasks.x_valid_b, tasks.y_valid_b)
    recipe = transfer.TransferRecipe(frozen_epochs=1, fine_tune_epochs=1, learning_rate=0.5)
    transfer.train_reused(reused, train, valid, recipe)
    assert transfer.weights_identical(before, model_a.get_weights())
    assert not np.array_equal(reused.layers[1].kernel.numpy(), before[0])  # fine-tuned


def test_frozen_phase_leaves_reused_layers_unchanged(model_a, tasks):
    reused = transfer.reuse_layers(model_a)
    lower = [w.copy() for layer in reused.layers[:-1] for w in layer.get_weights()]
    head = [w.copy() for w in reused.layers[-1].get_weights()]
    recipe = transfer.TransferRecipe(frozen_epochs=2, fine_tune_epochs=0)
    transfer.train_reused(
        reused, (tasks.x_train_b, tasks.y_train_b), (tasks.x_valid_b, tasks.y_valid_b), recipe
    )
    lower_after = [w for layer in reused.layers[:-1] for w in layer.get_weights()]
    assert transfer.weights_identical(lower, lower_after)
    assert not transfer.weights_identical(head, reused.layers[-1].get_weights())


def test_reuse_layers_checks_its_arguments(model_a):
    with pytest.raises(ValueError, match="n_reused must be a whole number from 1 to"):
        transfer.reuse_layers(model_a, n_reused=10)
    inputs = keras.Input((4,))
    functional = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match="Sequential"):
        transfer.reuse_layers(functional)


def test_compare_over_seeds_reports_mean_and_std(model_a, tasks):
    def build_scratch():
        return models.build_mlp(n_hidden=2, n_neurons=16, output="sigmoid", n_outputs=1)

    recipe = transfer.TransferRecipe(frozen_epochs=1, fine_tune_epochs=1)
    pool, valid = (tasks.x_train_b, tasks.y_train_b), (tasks.x_valid_b, tasks.y_valid_b)
    result = transfer.compare_over_seeds(
        build_scratch, lambda: transfer.reuse_layers(model_a), pool, valid, 100, [0, 1], recipe
    )
    assert result.scratch.shape == result.reused.shape == result.reused_frozen.shape == (2,)
    assert np.all((result.scratch > 0) & (result.scratch <= 1))
    np.testing.assert_allclose(result.gain, result.reused - result.scratch)
    assert "2 seeds" in result.summary() and "points" in result.summary()
    again = transfer.compare_over_seeds(
        build_scratch,
        lambda: transfer.reuse_layers(model_a),
        pool,
        valid,
        100,
        [0, 1],
        recipe,
        scratch=result.scratch,
    )
    np.testing.assert_allclose(again.scratch, result.scratch)
    np.testing.assert_allclose(again.reused, result.reused)  # same seeds: same runs
    with pytest.raises(ValueError, match="seeds is empty"):
        transfer.scratch_over_seeds(build_scratch, pool, valid, 100, [], recipe)


def test_sample_subset_differs_by_seed_and_checks_size(tasks):
    x0, _ = transfer.sample_subset(tasks.x_train_b, tasks.y_train_b, 50, seed=0)
    x1, _ = transfer.sample_subset(tasks.x_train_b, tasks.y_train_b, 50, seed=1)
    assert x0.shape == (50, 28, 28) and not np.array_equal(x0, x1)
    with pytest.raises(ValueError, match="size"):
        transfer.sample_subset(tasks.x_train_b, tasks.y_train_b, 10_000, seed=0)


def test_recipe_for_steps_keeps_the_step_budget():
    small = transfer.TransferRecipe.for_steps(20)
    assert (small.frozen_epochs, small.fine_tune_epochs) == (21, 42)  # one step per epoch
    assert transfer.TransferRecipe.for_steps(200) == transfer.DEFAULT_RECIPE  # 7 steps per epoch
    large = transfer.TransferRecipe.for_steps(5_000)
    assert (large.frozen_epochs, large.fine_tune_epochs) == (1, 1)
    with pytest.raises(ValueError, match="n_examples"):
        transfer.TransferRecipe.for_steps(0)


def test_repeat_to_fill_repeats_whole_copies():
    x, y = np.arange(10).reshape(5, 2), np.arange(5)
    x_big, y_big = transfer.repeat_to_fill((x, y), 12)
    assert len(x_big) == 15 and np.array_equal(y_big, np.tile(y, 3))
    assert len(transfer.repeat_to_fill((x, y), 3)[0]) == 5  # already big enough


def test_accuracy_matches_keras_evaluate(model_a, tasks):
    valid_a = (tasks.x_valid_a, tasks.y_valid_a)
    assert transfer.accuracy(model_a, valid_a) == pytest.approx(
        model_a.evaluate(*valid_a, verbose=0)[1]
    )
    binary = transfer.reuse_layers(model_a)
    models.compile_classifier(binary)
    valid_b = (tasks.x_valid_b, tasks.y_valid_b)
    assert transfer.accuracy(binary, valid_b) == pytest.approx(
        binary.evaluate(*valid_b, verbose=0)[1]
    )


def test_reused_at_rates_trains_the_head_once_and_fine_tunes_copies(model_a, tasks):
    before = [w.copy() for w in model_a.get_weights()]
    pool, valid = (tasks.x_train_b, tasks.y_train_b), (tasks.x_valid_b, tasks.y_valid_b)
    recipe = transfer.TransferRecipe(frozen_epochs=1, fine_tune_epochs=1)
    frozen, by_rate = transfer.reused_at_rates_over_seeds(
        lambda: transfer.reuse_layers(model_a), pool, valid, 100, [0, 1], (0.002, 0.5), recipe
    )
    head_only = transfer.TransferRecipe(frozen_epochs=1, fine_tune_epochs=0)
    frozen_alone, _ = transfer.reused_over_seeds(
        lambda: transfer.reuse_layers(model_a), pool, valid, 100, [0, 1], head_only
    )
    np.testing.assert_array_equal(frozen, frozen_alone)  # the same frozen phase per seed
    assert set(by_rate) == {0.002, 0.5} and by_rate[0.5].shape == (2,)
    assert transfer.weights_identical(before, model_a.get_weights())
    with pytest.raises(ValueError, match="fine_tune_rates"):
        transfer.train_reused_at_rates(transfer.reuse_layers(model_a), pool, valid, ())


def test_reused_at_rates_fine_tunes_copies_not_the_model_given(model_a, tasks):
    reused = transfer.reuse_layers(model_a)
    train = (tasks.x_train_b[:64], tasks.y_train_b[:64])
    valid = (tasks.x_valid_b, tasks.y_valid_b)
    recipe = transfer.TransferRecipe(frozen_epochs=1, fine_tune_epochs=1)
    kernel = model_a.layers[1].kernel.numpy().copy()
    _, finals = transfer.train_reused_at_rates(reused, train, valid, (0.5,), recipe)
    assert len(finals) == 1 and 0 <= finals[0] <= 1
    np.testing.assert_array_equal(reused.layers[1].kernel.numpy(), kernel)  # frozen phase only
