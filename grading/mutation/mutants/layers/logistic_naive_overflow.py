"""logistic_loss computes log(1 + exp(-s x)) literally, which overflows for large negative margins."""

import numpy as np

KIND = "bug"


def logistic_loss(x, y):
    _check_binary("logistic_loss", x, y)
    s = (2 * np.asarray(y) - 1).reshape(x.shape)
    e = np.exp(-s * x)
    loss = np.mean(np.log(1 + e))
    dx = -s * e / (1 + e) / x.shape[0]
    return loss, dx
