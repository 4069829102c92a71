"""Global average pooling through a reshape to (N, C, H*W), backward with np.repeat and a cache of the input."""

import numpy as np

KIND = "alternative"


def global_avg_pool_forward(x):
    N, C = x.shape[:2]
    out = x.reshape(N, C, -1).sum(axis=2) / (x.shape[2] * x.shape[3])
    return out, x


def global_avg_pool_backward(dout, cache):
    N, C, H, W = cache.shape
    dx = np.repeat(dout[:, :, None] / (H * W), H * W, axis=2).reshape(N, C, H, W)
    return dx
