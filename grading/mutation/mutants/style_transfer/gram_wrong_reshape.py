"""gram_matrix flattens to (H*W, C) and transposes: the rows mix channels and positions."""

KIND = "bug"


def gram_matrix(features, normalize=True):
    C, H, W = features.shape
    f = features.reshape(H * W, C).T
    gram = f @ f.T
    if normalize:
        gram = gram / (C * H * W)
    return gram
