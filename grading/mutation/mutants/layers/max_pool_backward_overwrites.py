"""max_pool_backward_naive assigns instead of accumulating, so overlapping windows lose gradient."""

import numpy as np

KIND = "bug"


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + ph)
            cols = slice(j * stride, j * stride + pw)
            window = x[:, :, rows, cols]
            flat = window.reshape(N, C, ph * pw)
            grad = np.zeros_like(flat)
            np.put_along_axis(grad, np.argmax(flat, axis=2)[..., None], dout[:, :, i, j][..., None], axis=2)
            dx[:, :, rows, cols] = grad.reshape(N, C, ph, pw)
    return dx
