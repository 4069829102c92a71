"""sgd updates w in place and returns it, so the caller's array changes too."""

KIND = "bug"


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config
