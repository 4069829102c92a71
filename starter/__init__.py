"""Given code for the deep-learning homework: data, gradient checks, the Solver, plotting."""

from starter.gradient_check import (
    assert_close,
    assert_gradient_close,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)

__all__ = [
    "assert_close",
    "assert_gradient_close",
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "rel_error",
]
