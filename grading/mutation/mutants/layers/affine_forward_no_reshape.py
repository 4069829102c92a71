"""affine_forward multiplies x by w without flattening each example into a row."""

import numpy as np

KIND = "bug"


def affine_forward(x, w, b):
    out = np.dot(x, w) + b
    cache = (x, w, b)
    return out, cache
