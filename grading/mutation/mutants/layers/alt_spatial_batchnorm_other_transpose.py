"""Spatial batch norm that moves channels last with transpose(0, 3, 2, 1) (rows in W, H order)."""

KIND = "alternative"


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out_rows, cache = batchnorm_forward(x.transpose(0, 3, 2, 1).reshape(-1, C), gamma, beta, bn_param)
    return out_rows.reshape(N, W, H, C).transpose(0, 3, 2, 1), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx_rows, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 3, 2, 1).reshape(-1, C), cache)
    return dx_rows.reshape(N, W, H, C).transpose(0, 3, 2, 1), dgamma, dbeta
