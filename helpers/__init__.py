"""Helpers for the course: plumbing that is not the lesson (data, models, plots, widgets).

``helpers.config`` is imported first, so that importing anything from this package
sets TensorFlow's quiet, reproducible environment before TensorFlow loads.
"""

from helpers import config

__all__ = ["config"]
