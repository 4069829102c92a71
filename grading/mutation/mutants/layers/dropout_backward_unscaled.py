"""dropout_backward passes dout through the kept units without the 1 / p scaling."""

KIND = "bug"


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dx = dout * (mask != 0)
    else:
        dx = dout
    return dx
