"""global_avg_pool_backward divides by H only (square maps hide it, the 3x4 and 5x2 ones do not)."""

import numpy as np

KIND = "bug"


def global_avg_pool_backward(dout, cache):
    N, C, H, W = cache
    dx = np.broadcast_to(dout[:, :, None, None] / H, (N, C, H, W)).copy()
    return dx
