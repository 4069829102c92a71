"""gram_matrix_backward differentiates only one factor of F F^T (dgram @ F, no transpose term)."""

KIND = "bug"


def gram_matrix_backward(dgram, features, normalize=True):
    C, H, W = features.shape
    f = features.reshape(C, H * W)
    dfeatures = (dgram @ f).reshape(C, H, W)
    if normalize:
        dfeatures = dfeatures / (C * H * W)
    return dfeatures
