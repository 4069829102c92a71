"""LinearClassifier.loss adds reg * sum(W ** 2) (no factor 1/2) with the gradient reg * W."""

KIND = "bug"


def loss(self, X, y=None):
    W, b = self.params["W"], self.params["b"]
    X = X.astype(self.dtype, copy=False)
    pooled, _ = global_avg_pool_forward(X)
    scores, affine_cache = affine_forward(pooled, W, b)
    if y is None:
        return scores
    loss, dscores = softmax_loss(scores, y)
    loss += self.reg * np.sum(W * W)
    _, dW, db = affine_backward(dscores, affine_cache)
    grads = {"W": dW + self.reg * W, "b": db}
    return loss, grads
