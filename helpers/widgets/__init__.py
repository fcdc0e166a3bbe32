"""Interactive controls for the notebooks: one module per lesson, in teaching order.

Each ``explore_<thing>(...)`` builds and returns a widget; the drawing behind it is a plain
``draw_<thing>(...)`` (slider values in, a figure or ``(figure, text)`` out, ``axes=`` to draw
into a grid) that tests and benchmarks call directly. ``core`` holds what every widget is made
of. Notebooks call everything as ``widgets.<name>``: this module re-exports each public name,
listed below in teaching order (hence no sorting of these imports).
"""

# isort: off

# what every widget is made of
from helpers.widgets.core import (
    figure_png,
    show_figure,
    freeze_heap,
    interactive_figure,
    float_slider,
    selection_slider,
    log_slider,
    training_widget,
)

# 00 start here
from helpers.widgets.start_here import (
    draw_fashion_mnist_sample,
    explore_fashion_mnist,
)

# 01 vanishing and exploding gradients
from helpers.widgets.vanishing_gradients import (
    GRADIENT_FLOW_ACTIVATIONS,
    draw_gradient_flow,
    explore_gradient_flow,
)

# 02 initialization
from helpers.widgets.initialization import (
    VARIANCE_SCALING_ACTIVATIONS,
    VARIANCE_SCALING_MODES,
    ZIGZAG_WIDTHS,
    draw_variance_scaling,
    explore_variance_scaling,
)

# 03 activation functions
from helpers.widgets.activations import (
    draw_leaky_relu,
    draw_elu,
    explore_leaky_relu,
    explore_elu,
    draw_alpha_family,
    draw_dead_units,
    explore_dead_units,
    draw_selu_depth,
    explore_selu_depth,
    draw_swish_beta,
    explore_swish_beta,
)

# 04 batch normalization
from helpers.widgets.batch_norm import (
    draw_bn_momentum,
    explore_bn_momentum,
    draw_bn_learning_rate,
    explore_bn_learning_rate,
)

# BN's running average lives in helpers.batch_norm; notebook 04 calls it from here.
from helpers.batch_norm import moving_average

# 05 gradient clipping
from helpers.widgets.clipping import (
    draw_clipping_2d,
    explore_clipping_2d,
    draw_clip_threshold,
    explore_clip_threshold,
)

# Training lives in helpers.clipping; notebook 05 calls it from here.
from helpers.clipping import train_with_clipping

# 06 reusing pretrained layers
from helpers.widgets.transfer import (
    TRANSFER_SIZES,
    draw_transfer_size,
    explore_transfer_size,
)

# 07 faster optimizers
from helpers.widgets.optimizers import (
    TRAJECTORY_OPTIMIZERS,
    OPTIMIZER_COLORS,
    draw_loss_surface,
    draw_optimizer_trajectories,
    explore_optimizer_trajectories,
    draw_momentum_phase,
)

# 08 learning-rate schedules
from helpers.widgets.schedules import (
    SCHEDULE_COLORS,
    draw_schedules,
    explore_schedules,
    draw_training_run,
    explore_learning_rate_training,
)

# 09 l1, l2 and max-norm
from helpers.widgets.penalties import (
    draw_penalty_sweep,
    explore_penalty_sweep,
    draw_max_norm,
    explore_max_norm,
)

# 10 dropout and MC dropout
from helpers.widgets.dropout import (
    draw_dropout_mask,
    explore_dropout_mask,
    draw_dropout_rate,
    explore_dropout_rate,
    draw_mc_passes,
    explore_mc_passes,
    draw_alpha_dropout,
    explore_alpha_dropout,
)

# 11 practical guidelines
from helpers.widgets.guidelines import (
    draw_pruning,
    explore_pruning,
)

# 12 residual connections and normalization
from helpers.widgets.residual import (
    NORM_LABELS,
    BRANCH_LABELS,
    describe,
    draw_depth_norm,
    explore_depth_norm,
)

# 13 optimization today
from helpers.widgets.optimization_today import (
    noise_step_sizes,
    draw_warmup,
    explore_warmup,
    draw_new_optimizers,
    explore_new_optimizers,
)
# isort: on

__all__ = [
    "BRANCH_LABELS",
    "GRADIENT_FLOW_ACTIVATIONS",
    "NORM_LABELS",
    "OPTIMIZER_COLORS",
    "SCHEDULE_COLORS",
    "TRAJECTORY_OPTIMIZERS",
    "TRANSFER_SIZES",
    "VARIANCE_SCALING_ACTIVATIONS",
    "VARIANCE_SCALING_MODES",
    "ZIGZAG_WIDTHS",
    "describe",
    "draw_alpha_dropout",
    "draw_alpha_family",
    "draw_bn_learning_rate",
    "draw_bn_momentum",
    "draw_clip_threshold",
    "draw_clipping_2d",
    "draw_dead_units",
    "draw_depth_norm",
    "draw_dropout_mask",
    "draw_dropout_rate",
    "draw_elu",
    "draw_fashion_mnist_sample",
    "draw_gradient_flow",
    "draw_leaky_relu",
    "draw_loss_surface",
    "draw_max_norm",
    "draw_mc_passes",
    "draw_momentum_phase",
    "draw_new_optimizers",
    "draw_optimizer_trajectories",
    "draw_penalty_sweep",
    "draw_pruning",
    "draw_schedules",
    "draw_selu_depth",
    "draw_swish_beta",
    "draw_training_run",
    "draw_transfer_size",
    "draw_variance_scaling",
    "draw_warmup",
    "explore_alpha_dropout",
    "explore_bn_learning_rate",
    "explore_bn_momentum",
    "explore_clip_threshold",
    "explore_clipping_2d",
    "explore_dead_units",
    "explore_depth_norm",
    "explore_dropout_mask",
    "explore_dropout_rate",
    "explore_elu",
    "explore_fashion_mnist",
    "explore_gradient_flow",
    "explore_leaky_relu",
    "explore_learning_rate_training",
    "explore_max_norm",
    "explore_mc_passes",
    "explore_new_optimizers",
    "explore_optimizer_trajectories",
    "explore_penalty_sweep",
    "explore_pruning",
    "explore_schedules",
    "explore_selu_depth",
    "explore_swish_beta",
    "explore_transfer_size",
    "explore_variance_scaling",
    "explore_warmup",
    "figure_png",
    "float_slider",
    "freeze_heap",
    "interactive_figure",
    "log_slider",
    "moving_average",
    "noise_step_sizes",
    "selection_slider",
    "show_figure",
    "train_with_clipping",
    "training_widget",
]
