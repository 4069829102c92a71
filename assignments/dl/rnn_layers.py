"""Layers of recurrent networks in numpy: vanilla RNN, LSTM, word embeddings.

As in ``layers.py``, every ``*_forward`` returns ``(out, cache)`` and every
``*_backward(dout, cache)`` returns the gradients with respect to the inputs of
the forward pass, in the order of those inputs. ``cache`` is yours to design.

Shapes use N for the minibatch size, T for the sequence length, D for the
input dimension, H for the hidden dimension, V for the vocabulary size and M
for the output dimension of a temporal affine layer.

Part 4 of the homework (``4_captioning.ipynb``) tests every function here.
"""

import numpy as np


def sigmoid(x):
    """Numerically stable logistic sigmoid ``1 / (1 + exp(-x))``, elementwise.

    Written with tanh, which never overflows, so large inputs produce no
    warnings (``np.exp(-x)`` overflows for x below about -89 in float32).
    """
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One timestep of a vanilla RNN with a tanh activation.

    ``next_h = tanh(x @ Wx + prev_h @ Wh + b)``

    Inputs:
    - x: input data for this timestep, of shape (N, D)
    - prev_h: hidden state from the previous timestep, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H)
    - cache: values needed for the backward pass
    """
    # TODO: Implement one forward step of the vanilla RNN. Store the next
    # hidden state in next_h and whatever the backward pass needs in cache.
    raise NotImplementedError("rnn_step_forward in rnn_layers.py: not implemented yet")
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass of one timestep of a vanilla RNN.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, of shape (N, H)
    - cache: cache from rnn_step_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dprev_h: gradient with respect to prev_h, of shape (N, H)
    - dWx: gradient with respect to Wx, of shape (D, H)
    - dWh: gradient with respect to Wh, of shape (H, H)
    - db: gradient with respect to b, of shape (H,)
    """
    # TODO: Implement the backward pass of one RNN step. The derivative of
    # tanh(a) is 1 - tanh(a)**2, and you stored tanh(a) in the forward pass.
    raise NotImplementedError("rnn_step_backward in rnn_layers.py: not implemented yet")
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Forward pass of a vanilla RNN over a whole sequence.

    The input is a sequence of T vectors of dimension D for each of N
    examples; the RNN uses a hidden size of H and returns the hidden states of
    all timesteps.

    Inputs:
    - x: input data for the whole sequence, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - h: hidden states for the whole sequence, of shape (N, T, H)
    - cache: values needed for the backward pass
    """
    # TODO: Run the RNN forward over the sequence, calling rnn_step_forward
    # once per timestep. Store the hidden states in h (of the dtype of x).
    raise NotImplementedError("rnn_forward in rnn_layers.py: not implemented yet")
    return h, cache


def rnn_backward(dh, cache):
    """Backward pass of a vanilla RNN over a whole sequence.

    Inputs:
    - dh: upstream gradients of all hidden states, of shape (N, T, H). These
      come from the layers above only (e.g. the output scores); the
      gradient flowing between timesteps is yours to add.
    - cache: cache from rnn_forward

    Returns a tuple of:
    - dx: gradient with respect to the inputs, of shape (N, T, D)
    - dh0: gradient with respect to the initial hidden state, of shape (N, H)
    - dWx: gradient with respect to Wx, of shape (D, H)
    - dWh: gradient with respect to Wh, of shape (H, H)
    - db: gradient with respect to b, of shape (H,)
    """
    # TODO: Run backward through time, calling rnn_step_backward once per
    # timestep from the last to the first. Each step receives the upstream
    # gradient of its hidden state plus the gradient from the next step;
    # the weight gradients are sums over the timesteps.
    raise NotImplementedError("rnn_backward in rnn_layers.py: not implemented yet")
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    """Forward pass of a word embedding: look up one vector per word index.

    Inputs:
    - x: integer array of shape (N, T) of word indices, each in [0, V)
    - W: word vectors, of shape (V, D), one row per word of the vocabulary

    Returns a tuple of:
    - out: the word vectors of all inputs, of shape (N, T, D)
    - cache: values needed for the backward pass
    """
    # TODO: Implement the embedding lookup. One line of integer array
    # indexing is enough.
    raise NotImplementedError("word_embedding_forward in rnn_layers.py: not implemented yet")
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass of a word embedding.

    The word indices are not differentiable, so only the gradient with respect
    to the word vectors is returned. A word that occurs several times in the
    minibatch receives the sum of the gradients of all its occurrences.

    Inputs:
    - dout: upstream gradients, of shape (N, T, D)
    - cache: cache from word_embedding_forward

    Returns:
    - dW: gradient with respect to the word vectors, of shape (V, D)
    """
    # TODO: Implement the backward pass. Beware: dW[x] += dout does not add
    # up repeated indices; look at np.add.at.
    raise NotImplementedError("word_embedding_backward in rnn_layers.py: not implemented yet")
    return dW


def temporal_affine_forward(x, w, b):
    """Forward pass of an affine layer applied at every timestep.

    Inputs:
    - x: input data, of shape (N, T, D)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output data, of shape (N, T, M)
    - cache: values needed for the backward pass
    """
    # TODO: Implement the forward pass; x @ w works on the last axis.
    raise NotImplementedError("temporal_affine_forward in rnn_layers.py: not implemented yet")
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass of a temporal affine layer.

    Inputs:
    - dout: upstream gradients, of shape (N, T, M)
    - cache: cache from temporal_affine_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, T, D)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    # TODO: Implement the backward pass. Treat the N * T timesteps as one
    # big minibatch: reshape to two dimensions, then back.
    raise NotImplementedError("temporal_affine_backward in rnn_layers.py: not implemented yet")
    return dx, dw, db


def temporal_softmax_loss(x, y, mask):
    """Softmax loss at every timestep, summed over time and averaged over the minibatch.

    At each timestep the scores ``x[i, t]`` over a vocabulary of V words are
    compared with the correct word ``y[i, t]``. Captions have different
    lengths and are padded with ``<NULL>`` tokens; ``mask`` tells which
    timesteps count, so that padding contributes neither loss nor gradient.

    Inputs:
    - x: scores, of shape (N, T, V)
    - y: correct word indices, integers of shape (N, T), each in [0, V)
    - mask: boolean array of shape (N, T); mask[i, t] says whether the score
      x[i, t] counts towards the loss

    Returns a tuple of:
    - loss: scalar, the sum over the unmasked timesteps of the cross-entropy,
      divided by N
    - dx: gradient of the loss with respect to x, of shape (N, T, V)
    """
    # TODO: Compute the loss and its gradient. Shift the V scores of every
    # timestep by their own maximum before exponentiating, so that exp never
    # overflows (one maximum over the whole array is not enough: timesteps
    # far below it would underflow to 0 / 0).
    raise NotImplementedError("temporal_softmax_loss in rnn_layers.py: not implemented yet")
    return loss, dx


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One timestep of an LSTM.

    The activation vector ``a = x @ Wx + prev_h @ Wh + b``, of shape (N, 4H),
    is split into four blocks of H columns, in this order: the input gate
    ``i = sigmoid(a_i)``, the forget gate ``f = sigmoid(a_f)``, the output
    gate ``o = sigmoid(a_o)`` and the candidate ``g = tanh(a_g)``. Then
    ``next_c = f * prev_c + i * g`` and ``next_h = o * tanh(next_c)``.

    Inputs:
    - x: input data for this timestep, of shape (N, D)
    - prev_h: previous hidden state, of shape (N, H)
    - prev_c: previous cell state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H)
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H)
    - next_c: next cell state, of shape (N, H)
    - cache: values needed for the backward pass
    """
    # TODO: Implement one forward step of the LSTM. Use the sigmoid function
    # at the top of this file: it does not overflow.
    raise NotImplementedError("lstm_step_forward in rnn_layers.py: not implemented yet")
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one timestep of an LSTM.

    Inputs:
    - dnext_h: gradient with respect to next_h, of shape (N, H)
    - dnext_c: gradient with respect to next_c, of shape (N, H)
    - cache: cache from lstm_step_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dprev_h: gradient with respect to prev_h, of shape (N, H)
    - dprev_c: gradient with respect to prev_c, of shape (N, H)
    - dWx: gradient with respect to Wx, of shape (D, 4H)
    - dWh: gradient with respect to Wh, of shape (H, 4H)
    - db: gradient with respect to b, of shape (4H,)
    """
    # TODO: Implement the backward pass of one LSTM step. next_c reaches the
    # loss twice: directly (dnext_c) and through next_h. The derivative of
    # sigmoid(a) is sigmoid(a) * (1 - sigmoid(a)).
    raise NotImplementedError("lstm_step_backward in rnn_layers.py: not implemented yet")
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """Forward pass of an LSTM over a whole sequence.

    The initial cell state is zero; the initial hidden state is given. The
    cell states are internal and not returned.

    Inputs:
    - x: input data, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H)
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)

    Returns a tuple of:
    - h: hidden states for the whole sequence, of shape (N, T, H)
    - cache: values needed for the backward pass
    """
    # TODO: Run the LSTM forward over the sequence, starting from a zero cell
    # state. Calling lstm_step_forward once per timestep is fine; computing
    # x @ Wx for all timesteps at once, before the loop over time, is faster,
    # and either is accepted.
    raise NotImplementedError("lstm_forward in rnn_layers.py: not implemented yet")
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass of an LSTM over a whole sequence.

    Inputs:
    - dh: upstream gradients of all hidden states, of shape (N, T, H)
    - cache: cache from lstm_forward

    Returns a tuple of:
    - dx: gradient with respect to the inputs, of shape (N, T, D)
    - dh0: gradient with respect to the initial hidden state, of shape (N, H)
    - dWx: gradient with respect to Wx, of shape (D, 4H)
    - dWh: gradient with respect to Wh, of shape (H, 4H)
    - db: gradient with respect to b, of shape (4H,)
    """
    # TODO: Run backward through time from the last timestep to the first,
    # carrying the gradients of the hidden and cell states between steps
    # (the cell state gradient starts at zero after the last step).
    raise NotImplementedError("lstm_backward in rnn_layers.py: not implemented yet")
    return dx, dh0, dWx, dWh, db
