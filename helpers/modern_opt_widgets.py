"""Notebook 13's widgets, now ``helpers.widgets.optimization_today``: this name keeps its import
working."""

from helpers.widgets.optimization_today import (
    draw_new_optimizers,
    draw_warmup,
    explore_new_optimizers,
    explore_warmup,
)

__all__ = ["draw_new_optimizers", "draw_warmup", "explore_new_optimizers", "explore_warmup"]
