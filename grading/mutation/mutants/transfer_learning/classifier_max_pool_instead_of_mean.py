"""LinearClassifier.loss pools with the maximum over positions instead of the mean (gradients consistent)."""

import numpy as np

KIND = "bug"


def loss(self, X, y=None):
    W, b = self.params["W"], self.params["b"]
    X = X.astype(self.dtype, copy=False)
    N, D, H, Wd = X.shape
    flat = X.reshape(N, D, H * Wd)
    idx = flat.argmax(axis=2)
    pooled = np.take_along_axis(flat, idx[:, :, None], axis=2)[:, :, 0]
    scores, affine_cache = affine_forward(pooled, W, b)
    if y is None:
        return scores
    loss, dscores = softmax_loss(scores, y)
    loss += 0.5 * self.reg * np.sum(W * W)
    _, dW, db = affine_backward(dscores, affine_cache)
    grads = {"W": dW + self.reg * W, "b": db}
    return loss, grads
