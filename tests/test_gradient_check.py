"""starter.gradient_check: numeric gradients against analytic ones of known functions,
and the failure messages of the assertion helpers."""

import numpy as np
import pytest

from starter.gradient_check import (
    assert_close,
    assert_gradient_close,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)


def test_rel_error_known_values():
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert rel_error(np.array([2.0, 5.0]), np.array([2.0, 5.0])) == 0.0
    # the largest elementwise error counts, not the mean
    assert rel_error(np.array([1.0, 1.0]), np.array([1.0, 0.0])) == pytest.approx(1.0)


def test_numerical_gradient_of_cubic_plus_sine():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5))
    x_before = x.copy()

    def f(z):
        return float(np.sum(z**3 + np.sin(z)))

    numeric = eval_numerical_gradient(f, x, verbose=False)
    analytic = 3 * x**2 + np.cos(x)
    assert numeric.shape == x.shape
    assert rel_error(numeric, analytic) < 1e-7
    assert_gradient_close("d/dx sum(x^3 + sin x)", analytic, numeric)
    np.testing.assert_array_equal(x, x_before)  # x is restored after perturbation


def test_numerical_gradient_of_quadratic_form():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((6, 6))
    Q = A + A.T
    x = rng.standard_normal(6)
    numeric = eval_numerical_gradient(lambda z: 0.5 * z @ Q @ z, x, verbose=False)
    assert_gradient_close("dx of 0.5 x^T Q x", Q @ x, numeric)


def test_numerical_gradient_verbose_prints_to_stdout(capsys):
    eval_numerical_gradient(lambda z: float(np.sum(z**2)), np.array([1.0, 2.0]), verbose=True)
    captured = capsys.readouterr()
    assert "(0,) 2.0" in captured.out and "(1,) 4.0" in captured.out
    assert captured.err == ""


def test_numerical_gradient_array_matches_vector_jacobian_product():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4))
    W = rng.standard_normal((4, 5))
    dout = rng.standard_normal((3, 5))
    # f(x) = tanh(x W): vjp is ((1 - tanh^2) * dout) W^T
    numeric = eval_numerical_gradient_array(lambda z: np.tanh(z @ W), x, dout)
    analytic = ((1 - np.tanh(x @ W) ** 2) * dout) @ W.T
    assert_gradient_close("dx of tanh(xW)", analytic, numeric)
    # and for the other argument, with x fixed
    numeric_w = eval_numerical_gradient_array(lambda v: np.tanh(x @ v), W, dout)
    analytic_w = x.T @ ((1 - np.tanh(x @ W) ** 2) * dout)
    assert_gradient_close("dW of tanh(xW)", analytic_w, numeric_w)


def test_wrong_analytic_gradient_is_caught():
    x = np.linspace(0.5, 2.0, 7)
    numeric = eval_numerical_gradient(lambda z: float(np.sum(z**3)), x, verbose=False)
    with pytest.raises(AssertionError, match="dx"):
        assert_gradient_close("dx", 2 * x**2, numeric)  # a typical slip: wrong coefficient


def test_integer_input_and_bad_df_are_rejected():
    with pytest.raises(TypeError, match="floating-point"):
        eval_numerical_gradient(lambda z: float(np.sum(z)), np.arange(3), verbose=False)
    with pytest.raises(ValueError, match="df has shape"):
        eval_numerical_gradient_array(lambda z: 2 * z, np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="scalar"):
        eval_numerical_gradient(lambda z: 2 * z, np.ones(3), verbose=False)


def test_assert_close_message_on_wrong_shape():
    with pytest.raises(AssertionError) as info:
        assert_close("out of affine_forward", np.zeros((2, 3)), np.zeros((3, 2)))
    message = str(info.value)
    assert "out of affine_forward" in message
    assert "(2, 3)" in message and "(3, 2)" in message and "shape" in message


def test_assert_close_message_on_wrong_value():
    expected = np.arange(6, dtype=np.float64).reshape(2, 3) + 1.0
    actual = expected.copy()
    actual[1, 2] = 7.5  # expected 6.0 there
    with pytest.raises(AssertionError) as info:
        assert_close("scores", actual, expected)
    message = str(info.value)
    assert "scores" in message
    assert "(1, 2)" in message  # where
    assert "got 7.5" in message and "expected 6" in message  # both values
    assert "1 of 6" in message


def test_assert_gradient_close_message_on_nan():
    numeric = np.ones((2, 2))
    analytic = numeric.copy()
    analytic[0, 1] = np.nan
    with pytest.raises(AssertionError) as info:
        assert_gradient_close("dw", analytic, numeric)
    message = str(info.value)
    assert "dw" in message and "non-finite" in message and "nan" in message
    assert "(0, 1)" in message and "numeric gradient" in message


def test_assert_helpers_on_none_and_tolerance():
    with pytest.raises(AssertionError, match="got None"):
        assert_close("dx", None, np.zeros(2))
    # passes within tolerance, fails just outside it
    assert_close("x", np.array([1.0 + 1e-9]), np.array([1.0]), rtol=1e-8)
    with pytest.raises(AssertionError, match="relative error"):
        assert_close("x", np.array([1.0 + 1e-6]), np.array([1.0]), rtol=1e-8)
