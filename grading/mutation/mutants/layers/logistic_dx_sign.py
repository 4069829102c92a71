"""logistic_loss returns the gradient with the wrong sign."""

import numpy as np

KIND = "bug"


def logistic_loss(x, y):
    _check_binary("logistic_loss", x, y)
    s = (2 * np.asarray(y) - 1).reshape(x.shape)
    z = s * x
    loss = np.logaddexp(0, -z).mean()
    dx = s * np.exp(-np.logaddexp(0, z)) / x.shape[0]
    return loss, dx
