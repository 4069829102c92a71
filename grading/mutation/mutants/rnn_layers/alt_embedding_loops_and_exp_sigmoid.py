"""word_embedding_backward with explicit loops; LSTM step with its own exp-based sigmoid and a gate matrix split."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

import numpy as np

KIND = "alternative"


def word_embedding_forward(x, W):
    out = np.zeros((*x.shape, W.shape[1]), dtype=W.dtype)
    for n in range(x.shape[0]):
        for t in range(x.shape[1]):
            out[n, t] = W[x[n, t]]
    return out, (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    for n in range(x.shape[0]):
        for t in range(x.shape[1]):
            dW[x[n, t]] += dout[n, t]
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    ai, af, ao, ag = np.split(a, 4, axis=1)
    i, f, o = 1 / (1 + np.exp(-ai)), 1 / (1 + np.exp(-af)), 1 / (1 + np.exp(-ao))
    g = np.tanh(ag)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    t = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - t * t)
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * t, dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g * g)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, np.sum(da, axis=0)
