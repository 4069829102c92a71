"""content_loss averages the squared differences instead of summing them (and so does its gradient)."""

import numpy as np

KIND = "bug"


def content_loss(content_weight, content_current, content_original):
    diff = content_current - content_original
    loss = content_weight * np.mean(diff**2)
    grad = 2.0 * content_weight * diff / diff.size
    return loss, grad
