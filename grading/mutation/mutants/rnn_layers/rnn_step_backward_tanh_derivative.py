"""rnn_step_backward uses 1 - tanh instead of 1 - tanh**2 as the derivative of tanh."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

KIND = "bug"


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db
