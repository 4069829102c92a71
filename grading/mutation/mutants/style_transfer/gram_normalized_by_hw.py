"""gram_matrix and its backward normalise by H*W (the number of positions) instead of C*H*W."""

KIND = "bug"


def gram_matrix(features, normalize=True):
    C, H, W = features.shape
    f = features.reshape(C, H * W)
    gram = f @ f.T
    if normalize:
        gram = gram / (H * W)
    return gram


def gram_matrix_backward(dgram, features, normalize=True):
    C, H, W = features.shape
    f = features.reshape(C, H * W)
    dfeatures = ((dgram + dgram.T) @ f).reshape(C, H, W)
    if normalize:
        dfeatures = dfeatures / (H * W)
    return dfeatures
