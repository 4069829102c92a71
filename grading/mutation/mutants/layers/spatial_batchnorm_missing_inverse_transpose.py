"""spatial_batchnorm_forward/backward reshape the (N, H, W, C) result straight to (N, C, H, W) without transposing back."""

KIND = "bug"


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    out = out_rows.reshape(N, C, H, W)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_rows, dgamma, dbeta = batchnorm_backward(rows, cache)
    dx = dx_rows.reshape(N, C, H, W)
    return dx, dgamma, dbeta
