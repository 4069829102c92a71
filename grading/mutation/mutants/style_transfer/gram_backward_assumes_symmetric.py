"""gram_matrix_backward returns 2 * dgram @ F, right only when dgram is symmetric."""

KIND = "bug"


def gram_matrix_backward(dgram, features, normalize=True):
    C, H, W = features.shape
    f = features.reshape(C, H * W)
    dfeatures = (2 * dgram @ f).reshape(C, H, W)
    if normalize:
        dfeatures = dfeatures / (C * H * W)
    return dfeatures
