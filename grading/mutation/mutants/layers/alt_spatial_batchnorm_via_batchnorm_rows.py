"""Spatial batch norm the short way: batchnorm_forward/backward on a (N*H*W, C) transposed view."""

KIND = "alternative"


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out_rows, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta, bn_param)
    return out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx_rows, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
    return dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta
