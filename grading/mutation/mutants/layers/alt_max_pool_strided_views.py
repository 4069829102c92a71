"""Max pooling over strided views per window offset; first maximum found by scanning offsets in row-major order."""

import numpy as np

KIND = "alternative"


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    Ho, Wo = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.full((N, C, Ho, Wo), -np.inf)
    for p in range(ph):
        for q in range(pw):
            out = np.maximum(out, x[:, :, p : p + s * (Ho - 1) + 1 : s, q : q + s * (Wo - 1) + 1 : s])
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    Ho, Wo = dout.shape[2:]
    out, _ = max_pool_forward_naive(x, pool_param)
    dx = np.zeros_like(x, dtype=np.float64)
    routed = np.zeros(out.shape, dtype=bool)
    for p in range(ph):
        for q in range(pw):
            view = (slice(None), slice(None), slice(p, p + s * (Ho - 1) + 1, s), slice(q, q + s * (Wo - 1) + 1, s))
            hit = (x[view] == out) & ~routed
            dx[view] += np.where(hit, dout, 0.0)
            routed |= hit
    return dx
