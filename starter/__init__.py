"""Given code for the deep-learning homework: data, gradient checks, the Solver, plotting.

Notebooks write e.g. ``from starter import Solver, load_mnist, seed_everything``.
"""

from starter.allocator import keep_freed_memory
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
from starter.hymenoptera import load_hymenoptera
from starter.images import (
    CONTENT_IMAGES,
    STYLE_IMAGES,
    center_crop,
    deprocess,
    load_image,
    preprocess,
    random_crop_flip,
    random_shift,
)
from starter.plotting import (
    plot_batchnorm_graph,
    plot_filters,
    plot_training_curves,
    show_image_grid,
    visualize_grid,
)
from starter.seeding import seed_everything
from starter.solver import Solver, TrainingDivergedError
from starter.squeezenet import SqueezeNet, load_squeezenet

# Training steps then reuse freed memory instead of page-faulting it back in
# (about half of a ConvNet step). Takes effect for every later allocation.
keep_freed_memory()

__all__ = [
    "CONTENT_IMAGES",
    "DatasetError",
    "STYLE_IMAGES",
    "Solver",
    "SqueezeNet",
    "TrainingDivergedError",
    "assert_close",
    "assert_gradient_close",
    "center_crop",
    "dataset_dir",
    "deprocess",
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "load_breast_cancer",
    "load_hymenoptera",
    "load_image",
    "load_mnist",
    "load_npz",
    "load_squeezenet",
    "plot_batchnorm_graph",
    "plot_filters",
    "plot_training_curves",
    "preprocess",
    "random_crop_flip",
    "random_shift",
    "rel_error",
    "seed_everything",
    "show_image_grid",
    "verified_path",
    "visualize_grid",
]
