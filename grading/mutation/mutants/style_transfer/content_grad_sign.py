"""content_loss's gradient has the wrong sign: 2 w (original - current)."""

import numpy as np

KIND = "bug"


def content_loss(content_weight, content_current, content_original):
    diff = content_current - content_original
    loss = content_weight * np.sum(diff**2)
    grad = 2.0 * content_weight * (content_original - content_current)
    return loss, grad
