"""FineTuneModel.loss spreads dpooled over the positions without dividing by H * W before net.backward."""

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
    weights = [k for k in self.params if k == "W" or k.endswith("/w")]
    loss += 0.5 * self.reg * sum(np.sum(self.params[k] ** 2) for k in weights)
    dpooled, dW, db = affine_backward(dscores, affine_cache)
    dfeats = np.broadcast_to(dpooled[:, :, None, None], feats.shape).copy()
    _, grads = self.net.backward(dfeats, net_cache, trainable=self.trainable, need_dx=False)
    grads["W"], grads["b"] = dW, db
    for k in weights:
        grads[k] = grads[k] + self.reg * self.params[k]
    return loss, grads
