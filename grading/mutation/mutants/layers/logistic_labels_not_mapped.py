"""logistic_loss uses the 0/1 labels directly as signs instead of s = 2y - 1."""

import numpy as np

KIND = "bug"


def logistic_loss(x, y):
    _check_binary("logistic_loss", x, y)
    s = np.asarray(y).reshape(x.shape)
    z = s * x
    loss = np.logaddexp(0, -z).mean()
    dx = -s * np.exp(-np.logaddexp(0, z)) / x.shape[0]
    return loss, dx
