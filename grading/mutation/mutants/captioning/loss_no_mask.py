"""CaptioningRNN.loss counts the <NULL> padding as targets (all-true mask)."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

import numpy as np

KIND = "bug"


def loss(self, features, captions):
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = np.ones(captions_out.shape, dtype=bool)
    p = self.params
    grads = {}
    h0 = features @ p["W_proj"] + p["b_proj"]
    x, embed_cache = word_embedding_forward(captions_in, p["W_embed"])
    forward, backward = (
        (rnn_forward, rnn_backward) if self.cell_type == "rnn" else (lstm_forward, lstm_backward)
    )
    h, rnn_cache = forward(x, h0, p["Wx"], p["Wh"], p["b"])
    scores, vocab_cache = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, vocab_cache)
    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dh, rnn_cache)
    grads["W_embed"] = word_embedding_backward(dx, embed_cache)
    grads["W_proj"] = features.T @ dh0
    grads["b_proj"] = dh0.sum(axis=0)
    return loss, grads
