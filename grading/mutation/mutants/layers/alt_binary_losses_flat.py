"""Binary losses on flattened scores with branch-wise stable formulas, dx reshaped back to the shape of x."""

import numpy as np

KIND = "alternative"


def logistic_loss(x, y):
    _check_binary("logistic_loss", x, y)
    xf = np.asarray(x, dtype=np.float64).ravel()
    s = np.where(np.asarray(y) == 1, 1.0, -1.0)
    z = s * xf
    e = np.exp(-np.abs(z))
    per = np.maximum(-z, 0) + np.log1p(e)
    sig_neg = np.where(z >= 0, e / (1 + e), 1 / (1 + e))  # sigmoid(-z)
    dx = -s * sig_neg / len(xf)
    return per.mean(), dx.reshape(np.shape(x))


def hinge_loss(x, y):
    _check_binary("hinge_loss", x, y)
    xf = np.asarray(x, dtype=np.float64).ravel()
    s = np.where(np.asarray(y) == 1, 1.0, -1.0)
    margins = 1 - s * xf
    loss = np.sum(np.where(margins > 0, margins, 0.0)) / len(xf)
    dx = np.where(margins > 0, -s, 0.0) / len(xf)
    return loss, dx.reshape(np.shape(x))
