"""lstm_backward does not carry the cell-state gradient from step t + 1 back to step t."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

import numpy as np

KIND = "bug"


def lstm_backward(dh, cache):
    x, h0, Wx, Wh, h, gates, cs, tanh_cs = cache
    N, T, D = x.shape
    H = h0.shape[1]
    da = np.empty((N, T, 4 * H), dtype=gates.dtype)
    dprev_h = np.zeros((N, H), dtype=gates.dtype)
    for t in reversed(range(T)):
        i, f, o, g = (gates[:, t, k * H : (k + 1) * H] for k in range(4))
        dnext_h = dh[:, t] + dprev_h
        dc = dnext_h * o * (1 - tanh_cs[:, t] ** 2)
        da[:, t, :H] = dc * g * i * (1 - i)
        da[:, t, H : 2 * H] = dc * cs[:, t] * f * (1 - f)
        da[:, t, 2 * H : 3 * H] = dnext_h * tanh_cs[:, t] * o * (1 - o)
        da[:, t, 3 * H :] = dc * i * (1 - g**2)
        dprev_h = da[:, t] @ Wh.T
    da_rows = da.reshape(N * T, 4 * H)
    dx = (da_rows @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da_rows
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1).reshape(N * T, H)
    return dx, dprev_h, dWx, h_prev.T @ da_rows, da_rows.sum(axis=0)
