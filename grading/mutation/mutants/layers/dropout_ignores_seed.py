"""dropout_forward draws its mask from a fresh unseeded Generator, so the seed has no effect."""

import numpy as np

KIND = "bug"


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if dropout_param.get("seed") is not None:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        rng = np.random.default_rng()
        mask = (rng.random(x.shape) < p) / p
        out = x * mask
    else:
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache
