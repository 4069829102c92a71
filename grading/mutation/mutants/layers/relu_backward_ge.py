"""relu_backward passes the gradient where x >= 0, so the gradient at exactly 0 is 1."""

KIND = "bug"


def relu_backward(dout, cache):
    x = cache
    dx = dout * (x >= 0)
    return dx
