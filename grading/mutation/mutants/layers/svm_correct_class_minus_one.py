"""svm_loss subtracts 1 (instead of the number of violating classes) from the correct-class gradient."""

import numpy as np

KIND = "bug"


def svm_loss(x, y):
    _check_labels("svm_loss", x, y)
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1)
    margins[rows, y] = 0
    loss = margins.sum() / N
    positive = (margins > 0).astype(x.dtype)
    positive[rows, y] = -1
    dx = positive / N
    return loss, dx
