"""word_embedding_backward uses dW[x] += dout, which keeps one gradient per repeated word."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

import numpy as np

KIND = "bug"


def word_embedding_backward(dout, cache):
    x, shape, dtype = cache
    dW = np.zeros(shape, dtype=dtype)
    dW[x] += dout
    return dW
