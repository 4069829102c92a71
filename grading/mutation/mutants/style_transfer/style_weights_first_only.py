"""style_loss applies the first layer's weight to every layer."""

import numpy as np

KIND = "bug"


def style_loss(feats, style_layers, style_targets, style_weights):
    loss = 0.0
    dfeats = {}
    for layer, target in zip(style_layers, style_targets, strict=True):
        features = feats[layer]
        diff = gram_matrix(features) - target
        loss += style_weights[0] * np.sum(diff**2)
        dfeats[layer] = gram_matrix_backward(2.0 * style_weights[0] * diff, features)
    return loss, dfeats
