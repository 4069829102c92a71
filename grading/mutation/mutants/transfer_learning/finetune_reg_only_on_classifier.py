"""FineTuneModel.loss regularizes only the classifier's W, not the fire modules' weights."""

KIND = "bug"


def loss(self, X, y=None):
    for k, v in self.params.items():
        if "/" in k:
            self.net.params[k] = v
    feats, net_cache = self.net.forward(X, start=self.start)
    pooled, pool_cache = global_avg_pool_forward(feats)
    scores, affine_cache = affine_forward(pooled, self.params["W"], self.params["b"])
    if y is None:
        return scores
    loss, dscores = softmax_loss(scores, y)
    loss += 0.5 * self.reg * np.sum(self.params["W"] ** 2)
    dpooled, dW, db = affine_backward(dscores, affine_cache)
    dfeats = global_avg_pool_backward(dpooled, pool_cache)
    _, grads = self.net.backward(dfeats, net_cache, trainable=self.trainable, need_dx=False)
    grads["W"], grads["b"] = dW + self.reg * self.params["W"], db
    return loss, grads
