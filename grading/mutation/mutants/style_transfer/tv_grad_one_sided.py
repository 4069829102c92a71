"""tv_loss's gradient credits each difference to one of its two pixels only."""

import numpy as np

KIND = "bug"


def tv_loss(img, tv_weight):
    dh = img[:, 1:, :] - img[:, :-1, :]
    dw = img[:, :, 1:] - img[:, :, :-1]
    loss = tv_weight * (np.sum(dh**2) + np.sum(dw**2))
    grad = np.zeros_like(img)
    grad[:, 1:, :] += 2.0 * tv_weight * dh
    grad[:, :, 1:] += 2.0 * tv_weight * dw
    return loss, grad
