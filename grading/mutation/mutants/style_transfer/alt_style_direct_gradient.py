"""style_loss with the gradient written out, 4 w (G - A) F / (C H W), without gram_matrix_backward (A is symmetric)."""

import numpy as np

KIND = "alternative"


def style_loss(feats, style_layers, style_targets, style_weights):
    loss = 0.0
    dfeats = {}
    for i, layer in enumerate(style_layers):
        f = feats[layer]
        n = f.size
        flat = f.reshape(f.shape[0], -1)
        diff = flat @ flat.T / n - style_targets[i]
        loss = loss + style_weights[i] * np.sum(diff * diff)
        dfeats[layer] = (4 * style_weights[i] / n * diff @ flat).reshape(f.shape)
    return loss, dfeats
