"""Notebook 12's widget, now ``helpers.widgets.residual``: this name keeps its import working."""

from helpers.widgets.residual import describe, draw_depth_norm, explore_depth_norm

__all__ = ["describe", "draw_depth_norm", "explore_depth_norm"]
