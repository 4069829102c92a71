"""hinge_loss uses the 0/1 labels directly as signs instead of s = 2y - 1."""

import numpy as np

KIND = "bug"


def hinge_loss(x, y):
    _check_binary("hinge_loss", x, y)
    s = np.asarray(y).reshape(x.shape)
    margins = 1 - s * x
    loss = np.maximum(0, margins).mean()
    dx = -s * (margins > 0) / x.shape[0]
    return loss, dx
