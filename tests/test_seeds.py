import numpy as np
import pytest

from helpers import seeds


def test_over_seeds_seeds_every_run_and_summarizes():
    runs = seeds.over_seeds(lambda: np.random.rand(), seeds=(0, 1, 2))
    again = seeds.over_seeds(lambda: np.random.rand(), seeds=(0, 1, 2))
    np.testing.assert_array_equal(runs.values, again.values)  # the same seeds give the same draws
    assert len(set(runs.values)) == 3  # different seeds, different draws
    assert runs.mean == pytest.approx(np.mean(runs.values))
    assert runs.std == pytest.approx(np.std(runs.values, ddof=1))
    assert str(runs).endswith("(3 seeds)") and " ± " in str(runs)


def test_format_in_points():
    runs = seeds.SeedRuns((0, 1), np.array([0.85, 0.87]))
    assert runs.format(digits=1, scale=100) == "86.0 ± 1.4 (2 seeds)"


def test_pooled_std_is_the_root_mean_variance():
    a = seeds.SeedRuns((0, 1), np.array([0.0, 2.0]))  # std √2
    b = seeds.SeedRuns((0, 1), np.array([1.0, 1.0]))  # std 0
    assert seeds.pooled_std(a, b) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [(), (0.5,), ("a",)])
def test_bad_seeds_are_refused(bad):
    with pytest.raises(ValueError, match="not allowed"):
        seeds.check_seeds(bad)
