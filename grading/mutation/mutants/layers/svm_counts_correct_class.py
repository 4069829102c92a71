"""svm_loss forgets to exclude the correct class, adding a margin of 1 per example."""

import numpy as np

KIND = "bug"


def svm_loss(x, y):
    _check_labels("svm_loss", x, y)
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1)
    loss = margins.sum() / N
    positive = (margins > 0).astype(x.dtype)
    positive[rows, y] -= positive.sum(axis=1)
    dx = positive / N
    return loss, dx
