"""temporal_softmax_loss via log-sum-exp on the 3-d array and boolean indexing of the unmasked steps."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

import numpy as np

KIND = "alternative"


def temporal_softmax_loss(x, y, mask):
    N = x.shape[0]
    m = x.max(axis=2, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=2, keepdims=True))
    log_p = x - lse
    picked = np.take_along_axis(log_p, y[..., None], axis=2)[..., 0]
    loss = -picked[mask].sum() / N
    dx = np.exp(log_p)
    np.put_along_axis(dx, y[..., None], np.take_along_axis(dx, y[..., None], axis=2) - 1, axis=2)
    dx = dx * mask[..., None] / N
    return loss, dx
