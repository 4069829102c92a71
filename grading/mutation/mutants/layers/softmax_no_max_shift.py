"""softmax_loss exponentiates the raw scores without subtracting the row maximum (overflows on large scores)."""

import numpy as np

KIND = "bug"


def softmax_loss(x, y):
    _check_labels("softmax_loss", x, y)
    N = x.shape[0]
    exp = np.exp(x)
    probs = exp / exp.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), y]).mean()
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
