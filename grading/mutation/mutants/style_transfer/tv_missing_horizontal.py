"""tv_loss only penalises vertical neighbours (the horizontal direction is missing)."""

import numpy as np

KIND = "bug"


def tv_loss(img, tv_weight):
    dh = img[:, 1:, :] - img[:, :-1, :]
    loss = tv_weight * np.sum(dh**2)
    grad = np.zeros_like(img)
    grad[:, 1:, :] += 2.0 * tv_weight * dh
    grad[:, :-1, :] -= 2.0 * tv_weight * dh
    return loss, grad
