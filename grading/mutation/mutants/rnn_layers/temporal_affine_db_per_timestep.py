"""temporal_affine_backward sums db over the batch axis only, returning a (T, M) array."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

KIND = "bug"


def temporal_affine_backward(dout, cache):
    x, w = cache
    N, T, D = x.shape
    M = w.shape[1]
    dx = (dout.reshape(N * T, M) @ w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, M)
    db = dout.sum(axis=0)
    return dx, dw, db
