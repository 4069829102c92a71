"""logistic_loss returns dx of shape (N,) even when the scores have shape (N, 1)."""

import numpy as np

KIND = "bug"


def logistic_loss(x, y):
    _check_binary("logistic_loss", x, y)
    xf = x.reshape(-1)
    s = 2 * np.asarray(y) - 1
    z = s * xf
    loss = np.logaddexp(0, -z).mean()
    dx = -s * np.exp(-np.logaddexp(0, z)) / xf.shape[0]
    return loss, dx
