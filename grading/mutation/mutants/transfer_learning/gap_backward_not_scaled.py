"""global_avg_pool_backward copies dout to every position without dividing by H * W."""

import numpy as np

KIND = "bug"


def global_avg_pool_backward(dout, cache):
    N, C, H, W = cache
    dx = np.broadcast_to(dout[:, :, None, None], (N, C, H, W)).copy()
    return dx
