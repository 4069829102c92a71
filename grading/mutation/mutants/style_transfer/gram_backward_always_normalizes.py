"""gram_matrix_backward divides by C*H*W even when normalize is False."""

KIND = "bug"


def gram_matrix_backward(dgram, features, normalize=True):
    C, H, W = features.shape
    f = features.reshape(C, H * W)
    return ((dgram + dgram.T) @ f).reshape(C, H, W) / (C * H * W)
