"""svm_loss gets the loss right but leaves out the gradient with respect to the correct-class score."""

import numpy as np

KIND = "bug"


def svm_loss(x, y):
    _check_labels("svm_loss", x, y)
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1)
    margins[rows, y] = 0
    loss = margins.sum() / N
    dx = (margins > 0).astype(x.dtype) / N
    return loss, dx
