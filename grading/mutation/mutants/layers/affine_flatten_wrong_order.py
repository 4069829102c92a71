"""affine_forward/backward flatten x in Fortran (column-major) order, so features are scrambled."""

KIND = "bug"


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1, order="F") @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape, order="F")
    dw = x.reshape(x.shape[0], -1, order="F").T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
