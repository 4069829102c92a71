"""style_loss compares unnormalised Gram matrices with the (normalised) targets."""

import numpy as np

KIND = "bug"


def style_loss(feats, style_layers, style_targets, style_weights):
    loss = 0.0
    dfeats = {}
    for layer, target, weight in zip(style_layers, style_targets, style_weights, strict=True):
        features = feats[layer]
        diff = gram_matrix(features, normalize=False) - target
        loss += weight * np.sum(diff**2)
        dfeats[layer] = gram_matrix_backward(2.0 * weight * diff, features, normalize=False)
    return loss, dfeats
