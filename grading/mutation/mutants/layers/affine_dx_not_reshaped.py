"""affine_backward returns dx of shape (N, D) instead of the shape of x."""

KIND = "bug"


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout @ w.T
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
