"""Results over several seeds: run an experiment once per seed, report mean ± std, size margins.

A gap between two settings means something only next to the seed-to-seed spread of each::

    runs = seeds.over_seeds(lambda: train_and_score(rate=1e-3), seeds=(0, 1, 2))
    print(runs)                    # "0.853 ± 0.004 (3 seeds)"
    margin = 2 * seeds.pooled_std(runs_a, runs_b)

Every run starts from ``config.set_seed(seed)`` (so ``DNN_SEED`` shifts it as usual).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from helpers import config


@dataclass(frozen=True)
class SeedRuns:
    """One number per seed, with its mean and (sample) standard deviation."""

    seeds: tuple[int, ...]
    values: np.ndarray

    @property
    def mean(self) -> float:
        """Mean over seeds."""
        return float(np.mean(self.values))

    @property
    def std(self) -> float:
        """Sample standard deviation over seeds (ddof=1; 0 for a single seed)."""
        return float(np.std(self.values, ddof=1)) if len(self.values) > 1 else 0.0

    def format(self, digits: int = 3, scale: float = 1.0) -> str:
        """'0.853 ± 0.004 (3 seeds)'; ``scale=100`` gives points."""
        return (
            f"{self.mean * scale:.{digits}f} ± {self.std * scale:.{digits}f} "
            f"({len(self.values)} seed{'s' if len(self.values) != 1 else ''})"
        )

    def __str__(self) -> str:
        return self.format()


def check_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    """The seeds as a tuple of ints; an empty or non-integer list is refused."""
    seeds = tuple(seeds)
    if not seeds or not all(isinstance(s, (int, np.integer)) for s in seeds):
        raise ValueError(
            f"seeds={seeds!r} is not allowed; give one or more whole numbers, e.g. (0, 1, 2)."
        )
    return tuple(int(s) for s in seeds)


def over_seeds(run: Callable[[], float], seeds: Sequence[int]) -> SeedRuns:
    """``run()`` once per seed, each after ``config.set_seed(seed)``; its numbers as SeedRuns."""
    seeds = check_seeds(seeds)
    values = []
    for seed in seeds:
        config.set_seed(seed)
        values.append(float(run()))
    return SeedRuns(seeds, np.asarray(values))


def pooled_std(*groups: SeedRuns) -> float:
    """The typical seed-to-seed spread of several settings: √(mean of their variances)."""
    if not groups:
        raise ValueError("give at least one SeedRuns.")
    return float(np.sqrt(np.mean([g.std**2 for g in groups])))
