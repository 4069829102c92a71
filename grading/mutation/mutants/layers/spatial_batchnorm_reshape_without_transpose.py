"""spatial_batchnorm reshapes (N, C, H, W) to (N*H*W, C) without moving the channel axis last."""

KIND = "bug"


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out_rows, cache = batchnorm_forward(x.reshape(-1, C), gamma, beta, bn_param)
    return out_rows.reshape(N, C, H, W), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx_rows, dgamma, dbeta = batchnorm_backward(dout.reshape(-1, C), cache)
    return dx_rows.reshape(N, C, H, W), dgamma, dbeta
