"""softmax_loss shifts by the maximum of the whole batch, so rows far below it underflow to 0 / 0."""

import numpy as np

KIND = "bug"


def softmax_loss(x, y):
    _check_labels("softmax_loss", x, y)
    N = x.shape[0]
    exp = np.exp(x - x.max())
    probs = exp / exp.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), y]).mean()
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
