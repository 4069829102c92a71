"""Softmax loss via np.logaddexp.reduce for the log-partition, probabilities as exp(x - logZ)."""

import numpy as np

KIND = "alternative"


def softmax_loss(x, y):
    _check_labels("softmax_loss", x, y)
    N = x.shape[0]
    log_z = np.logaddexp.reduce(x, axis=1)
    loss = np.sum(log_z - x[np.arange(N), y]) / N
    onehot = np.zeros_like(x)
    onehot[np.arange(N), y] = 1
    dx = (np.exp(x - log_z[:, None]) - onehot) / N
    return loss, dx
