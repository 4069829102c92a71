"""sgd_momentum steps with the previous velocity and only then updates it."""

import numpy as np

KIND = "bug"


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    next_w = w + v
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return next_w, config
