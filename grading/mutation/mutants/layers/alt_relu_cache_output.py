"""ReLU that caches its output and masks the gradient with out > 0 (equivalent to x > 0)."""

import numpy as np

KIND = "alternative"


def relu_forward(x):
    out = np.where(x > 0, x, 0.0)
    return out, out


def relu_backward(dout, cache):
    out = cache
    dx = np.where(out > 0, dout, 0.0)
    return dx
