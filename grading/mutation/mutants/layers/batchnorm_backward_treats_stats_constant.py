"""batchnorm_backward treats the batch mean and variance as constants: dx = gamma * dout / std."""

KIND = "bug"


def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = dx_hat * inv_std
    return dx, dgamma, dbeta
