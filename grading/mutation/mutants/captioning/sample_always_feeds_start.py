"""CaptioningRNN.sample feeds <START> at every step instead of the previously chosen word."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

import numpy as np

KIND = "bug"


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)
    p = self.params
    h = features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    start = np.full(N, self._start)
    for t in range(max_length):
        x = p["W_embed"][start]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        captions[:, t] = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
    return captions
