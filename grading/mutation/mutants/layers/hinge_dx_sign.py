"""hinge_loss returns the gradient with the wrong sign."""

import numpy as np

KIND = "bug"


def hinge_loss(x, y):
    _check_binary("hinge_loss", x, y)
    s = (2 * np.asarray(y) - 1).reshape(x.shape)
    margins = 1 - s * x
    loss = np.maximum(0, margins).mean()
    dx = s * (margins > 0) / x.shape[0]
    return loss, dx
