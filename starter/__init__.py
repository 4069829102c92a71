"""Given code for the deep-learning homework: data, gradient checks, the Solver, plotting.

Notebooks write e.g. ``from starter import Solver, load_mnist, seed_everything``.
"""

from starter.data import (
    DatasetError,
    dataset_dir,
    load_breast_cancer,
    load_mnist,
    load_npz,
    verified_path,
)
from starter.gradient_check import (
    assert_close,
    assert_gradient_close,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)
from starter.plotting import plot_filters, plot_training_curves, show_image_grid, visualize_grid
from starter.seeding import seed_everything
from starter.solver import Solver, TrainingDivergedError

__all__ = [
    "DatasetError",
    "Solver",
    "TrainingDivergedError",
    "assert_close",
    "assert_gradient_close",
    "dataset_dir",
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "load_breast_cancer",
    "load_mnist",
    "load_npz",
    "plot_filters",
    "plot_training_curves",
    "rel_error",
    "seed_everything",
    "show_image_grid",
    "verified_path",
    "visualize_grid",
]
