"""rnn_forward feeds h0 to every step instead of the previous hidden state."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

import numpy as np

KIND = "bug"


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0))
    caches = []
    for t in range(T):
        h[:, t], step_cache = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        caches.append(step_cache)
    return h, caches
