"""hinge_loss sums over the examples instead of averaging."""

import numpy as np

KIND = "bug"


def hinge_loss(x, y):
    _check_binary("hinge_loss", x, y)
    s = (2 * np.asarray(y) - 1).reshape(x.shape)
    margins = 1 - s * x
    loss = np.maximum(0, margins).sum()
    dx = -s * (margins > 0)
    return loss, dx
