"""Gram matrix and its backward with np.einsum on the unflattened (C, H, W) features."""

import numpy as np

KIND = "alternative"


def gram_matrix(features, normalize=True):
    gram = np.einsum("chw,dhw->cd", features, features)
    return gram / features.size if normalize else gram


def gram_matrix_backward(dgram, features, normalize=True):
    dfeatures = np.einsum("cd,dhw->chw", dgram, features) + np.einsum("dc,dhw->chw", dgram, features)
    return dfeatures / features.size if normalize else dfeatures
