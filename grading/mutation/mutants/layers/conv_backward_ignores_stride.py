"""conv_backward_naive slides its windows by 1 whatever the stride."""

import numpy as np

KIND = "bug"


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i, i + HH)
            cols = slice(j, j + WW)
            d = dout[:, :, i, j]
            dw += np.tensordot(d, x_pad[:, :, rows, cols], axes=([0], [0]))
            dx_pad[:, :, rows, cols] += np.tensordot(d, w, axes=([1], [0]))
    dx = dx_pad[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
