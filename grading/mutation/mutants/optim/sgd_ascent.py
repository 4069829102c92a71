"""sgd steps along the gradient (ascent) instead of against it."""

KIND = "bug"


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    next_w = w + config["learning_rate"] * dw
    return next_w, config
