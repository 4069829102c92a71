"""FineTuneModel.loss with a float64 classifier, params written with update(), the upstream gradient given by layer name."""

import numpy as np

KIND = "alternative"


def loss(self, X, y=None):
    self.net.params.update({k: v for k, v in self.params.items() if k.startswith("fire")})
    feats, net_cache = self.net.forward(X, start=self.start)
    W = self.params["W"].astype(np.float64)
    b = self.params["b"].astype(np.float64)
    pooled, pool_cache = global_avg_pool_forward(feats.astype(np.float64))
    scores = pooled @ W + b
    if y is None:
        return scores
    loss, dscores = softmax_loss(scores, y)
    l2 = sum(np.sum(v.astype(np.float64) ** 2) for k, v in self.params.items() if k == "W" or k.endswith("/w"))
    loss += 0.5 * self.reg * l2
    dfeats = global_avg_pool_backward(dscores @ W.T, pool_cache)
    _, grads = self.net.backward({self.trainable[-1]: dfeats}, net_cache, trainable=self.trainable, need_dx=False)
    grads["W"] = (pooled.T @ dscores + self.reg * W).astype(np.float32)
    grads["b"] = dscores.sum(axis=0).astype(np.float32)
    for k in grads:
        if k.endswith("/w"):
            grads[k] = grads[k] + self.reg * self.params[k]
    return loss, grads
