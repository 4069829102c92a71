"""content_loss returns the gradient w * (current - original), without the factor 2."""

import numpy as np

KIND = "bug"


def content_loss(content_weight, content_current, content_original):
    diff = content_current - content_original
    loss = content_weight * np.sum(diff**2)
    grad = content_weight * diff
    return loss, grad
