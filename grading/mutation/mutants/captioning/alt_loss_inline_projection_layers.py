"""CaptioningRNN.loss with the cell choice via a dict, the projection as a 3-d temporal affine and grads built at the end."""

# ruff: noqa: F821  (the functions it calls are defined in the mutated module)

KIND = "alternative"


def loss(self, features, captions):
    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
    mask = captions_out != self._null
    p = self.params
    layers = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward)}
    forward, backward = layers[self.cell_type]
    h0_3d, proj_cache = temporal_affine_forward(features[:, None, :], p["W_proj"], p["b_proj"])
    x, embed_cache = word_embedding_forward(captions_in, p["W_embed"])
    h, rnn_cache = forward(x, h0_3d[:, 0, :], p["Wx"], p["Wh"], p["b"])
    scores, vocab_cache = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
    loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
    dh, dW_vocab, db_vocab = temporal_affine_backward(dscores, vocab_cache)
    dx, dh0, dWx, dWh, db = backward(dh, rnn_cache)
    dW_embed = word_embedding_backward(dx, embed_cache)
    _, dW_proj, db_proj = temporal_affine_backward(dh0[:, None, :], proj_cache)
    grads = dict(
        W_proj=dW_proj,
        b_proj=db_proj,
        W_embed=dW_embed,
        Wx=dWx,
        Wh=dWh,
        b=db,
        W_vocab=dW_vocab,
        b_vocab=db_vocab,
    )
    return loss, grads
