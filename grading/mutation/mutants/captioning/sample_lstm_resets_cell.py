"""CaptioningRNN.sample restarts the LSTM cell state from zero at every step."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

import numpy as np

KIND = "bug"


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = self._null * np.ones((N, max_length), dtype=np.int32)
    p = self.params
    h = features @ p["W_proj"] + p["b_proj"]
    words = np.full(N, self._start)
    for t in range(max_length):
        x = p["W_embed"][words]
        if self.cell_type == "rnn":
            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, _, _ = lstm_step_forward(x, h, np.zeros_like(h), p["Wx"], p["Wh"], p["b"])
        words = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
        captions[:, t] = words
    return captions
