"""tv_loss uses np.roll, so it also compares the first row (column) with the last."""

import numpy as np

KIND = "bug"


def tv_loss(img, tv_weight):
    dh = img - np.roll(img, 1, axis=1)
    dw = img - np.roll(img, 1, axis=2)
    loss = tv_weight * (np.sum(dh**2) + np.sum(dw**2))
    grad = 2.0 * tv_weight * (dh - np.roll(dh, -1, axis=1) + dw - np.roll(dw, -1, axis=2))
    return loss, grad
