"""Update rules computing in float64 with np.power for the bias correction and t stored as a numpy integer."""

import numpy as np

KIND = "alternative"


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    next_w = np.subtract(w, np.multiply(config["learning_rate"], dw, dtype=np.float64))
    return next_w, config


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    t = np.int64(config["t"]) + 1
    g = np.asarray(dw, dtype=np.float64)
    m = config["beta1"] * config["m"] + (1 - config["beta1"]) * g
    v = config["beta2"] * config["v"] + (1 - config["beta2"]) * np.power(g, 2)
    bc1 = 1 - np.power(config["beta1"], t)
    bc2 = 1 - np.power(config["beta2"], t)
    next_w = w - config["learning_rate"] * (m / bc1) / (np.sqrt(v / bc2) + config["epsilon"])
    config.update(t=t, m=m, v=v)
    return next_w, config
