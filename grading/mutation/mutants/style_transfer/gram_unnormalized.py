"""gram_matrix never divides by C*H*W (normalize is ignored); the backward does normalise."""

KIND = "bug"


def gram_matrix(features, normalize=True):
    C, H, W = features.shape
    f = features.reshape(C, H * W)
    return f @ f.T
