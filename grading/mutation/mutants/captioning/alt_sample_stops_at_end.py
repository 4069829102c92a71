"""CaptioningRNN.sample stops updating a caption after <END> (pads with <NULL>) and stops early when all ended."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

import numpy as np

KIND = "alternative"


def sample(self, features, max_length=30):
    N = features.shape[0]
    captions = np.full((N, max_length), self._null, dtype=np.int64)
    p = self.params
    h = features.dot(p["W_proj"]) + p["b_proj"]
    c = np.zeros_like(h)
    words = np.full(N, self._start)
    done = np.zeros(N, dtype=bool)
    for t in range(max_length):
        x = p["W_embed"][words]
        if self.cell_type == "lstm":
            h, c, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        else:
            h, _ = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        words = np.argmax(h.dot(p["W_vocab"]) + p["b_vocab"], axis=1)
        captions[~done, t] = words[~done]
        done |= words == self._end
        if done.all():
            break
    return captions
