"""dropout_forward applies the mask in test mode too."""

import numpy as np

KIND = "bug"


def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    if dropout_param.get("seed") is not None:
        np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) < p) / p
    out = x * mask
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    return dout * mask
