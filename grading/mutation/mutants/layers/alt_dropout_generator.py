"""Dropout drawing its mask from np.random.default_rng(seed) with binomial draws and a boolean mask in the cache."""

import numpy as np

KIND = "alternative"


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if dropout_param.get("seed") is not None:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        rng = np.random.default_rng(dropout_param.get("seed"))
        keep = rng.binomial(1, p, size=x.shape).astype(bool)
        out = np.where(keep, x / p, 0.0)
        mask = (keep, p)
    else:
        out = x.copy()
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        keep, p = mask
        return np.where(keep, dout / p, 0.0)
    return dout
