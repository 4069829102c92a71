"""relu_backward masks with the sign of the upstream gradient instead of the input."""

KIND = "bug"


def relu_backward(dout, cache):
    dx = dout * (dout > 0)
    return dx
