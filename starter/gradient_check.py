"""Numeric gradients and the checks that compare them with analytic ones.

The first three functions keep CS231n's names and semantics so that course
material written for it runs unchanged. The ``assert_*`` helpers are what the
notebooks' test cells use: their failure messages say which quantity is wrong,
where, and by how much, so a student can act on them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "rel_error",
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "assert_close",
    "assert_gradient_close",
]


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """Largest elementwise relative error ``|x - y| / max(1e-8, |x| + |y|)``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)), initial=0.0))


def eval_numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, verbose: bool = True, h: float = 1e-5
) -> np.ndarray:
    """Centred-difference gradient of a scalar function ``f`` at ``x``.

    ``x`` is perturbed in place and restored; ``f`` must read it afresh each call.
    Use float64 inputs: in float32 a step of 1e-5 loses most of its digits.
    Returns an array of ``x``'s shape.
    """
    _check_perturbable(x)
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        if np.ndim(fxph) != 0:
            raise ValueError(
                f"eval_numerical_gradient needs f to return a scalar, got shape {np.shape(fxph)}; "
                "for array-valued functions use eval_numerical_gradient_array(f, x, df)"
            )
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Numeric gradient of ``sum(f(x) * df)`` for an array-valued ``f``.

    This is the vector-Jacobian product a layer's backward pass computes for an
    upstream gradient ``df``. Returns an array of ``x``'s shape.
    """
    _check_perturbable(x)
    df = np.asarray(df, dtype=np.float64)
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old - h
        neg = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old
        if pos.shape != df.shape:
            raise ValueError(
                f"df has shape {df.shape} but f(x) returns shape {pos.shape}; "
                "df must be the upstream gradient, shaped like f's output"
            )
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def _check_perturbable(x: np.ndarray) -> None:
    """Numeric gradients perturb ``x`` in place: it must be a writable float array."""
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"x must be a numpy array (it is perturbed in place), got {type(x).__name__}"
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"x must be a floating-point array, got dtype {x.dtype}: adding a small step to an "
            "integer array does nothing. Convert it with x.astype(np.float64)."
        )


def _describe_mismatch(
    name: str, actual: np.ndarray, expected: np.ndarray, rtol: float, reference: str = "expected"
) -> str | None:
    """None when ``actual`` matches ``expected``, else a message a student can act on."""
    if actual is None:
        return f"{name}: got None; did the function return its result?"
    try:
        actual = np.asarray(actual)
    except ValueError:
        return f"{name}: got a {type(actual).__name__} that is not an array; return a numpy array"
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        return (
            f"{name}: wrong shape {actual.shape}, {reference} has shape {expected.shape}. "
            "Check your reshapes and which axis you sum over."
        )
    if not np.issubdtype(actual.dtype, np.number) and actual.dtype != np.bool_:
        return f"{name}: expected a numeric array, got dtype {actual.dtype}"
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    bad = ~np.isfinite(a) & np.isfinite(e)
    if bad.any():
        ix = tuple(int(i) for i in np.argwhere(bad)[0])
        return f"{name}: non-finite value {a[ix]} at index {ix} ({reference} {e[ix]})"
    if a.size == 0:
        return None
    err = np.abs(a - e) / np.maximum(1e-8, np.abs(a) + np.abs(e))
    worst = np.unravel_index(int(np.argmax(err)), err.shape)
    if err[worst] <= rtol:
        return None
    n_bad = int(np.sum(err > rtol))
    ix = tuple(int(i) for i in worst)
    return (
        f"{name}: relative error {err[worst]:.3g} exceeds {rtol:.1g} at index {ix}: "
        f"got {a[worst]:.8g}, {reference} {e[worst]:.8g} ({n_bad} of {a.size} elements differ)"
    )


def assert_close(name: str, actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-7) -> None:
    """Assert that ``actual`` matches ``expected`` in shape and to relative error ``rtol``."""
    message = _describe_mismatch(name, actual, expected, rtol)
    if message:
        raise AssertionError(message)


def assert_gradient_close(
    name: str, analytic: np.ndarray, numeric: np.ndarray, rtol: float = 1e-6
) -> None:
    """Assert that an analytic gradient matches its numeric estimate.

    ``name`` says which input the gradient is for (e.g. ``"dx of affine_backward"``).
    """
    message = _describe_mismatch(name, analytic, numeric, rtol, reference="numeric gradient")
    if message:
        raise AssertionError(message)
