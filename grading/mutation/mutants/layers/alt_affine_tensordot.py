"""affine forward/backward with tensordot over the unflattened feature axes (no reshape of x)."""

import numpy as np

KIND = "alternative"


def affine_forward(x, w, b):
    k = x.ndim - 1
    out = np.tensordot(x, w.reshape(*x.shape[1:], w.shape[1]), axes=k) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    k = x.ndim - 1
    w_nd = w.reshape(*x.shape[1:], w.shape[1])
    dx = np.tensordot(dout, w_nd, axes=([1], [k]))
    dw = np.tensordot(x, dout, axes=([0], [0])).reshape(w.shape)
    db = np.einsum("nm->m", dout)
    return dx, dw, db
