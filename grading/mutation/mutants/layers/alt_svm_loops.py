"""Multiclass SVM loss with explicit loops over examples and classes."""

import numpy as np

KIND = "alternative"


def svm_loss(x, y):
    _check_labels("svm_loss", x, y)
    N, C = x.shape
    loss = 0.0
    dx = np.zeros(x.shape)
    for i in range(N):
        for j in range(C):
            if j != y[i]:
                margin = x[i, j] - x[i, y[i]] + 1
                if margin > 0:
                    loss += margin
                    dx[i, j] += 1
                    dx[i, y[i]] -= 1
    return loss / N, dx / N
