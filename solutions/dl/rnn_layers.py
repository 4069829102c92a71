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
    ### BEGIN SOLUTION
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h**2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0))
    caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(step_cache)
    cache = caches
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dWx = dWh = db = 0
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    dh0 = dprev_h
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    out = W[x]
    cache = (x, W.shape, W.dtype)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    x, shape, dtype = cache
    dW = np.zeros(shape, dtype=dtype)
    np.add.at(dW, x, dout)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    out = x @ w + b
    cache = (x, w)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    x, w = cache
    N, T, D = x.shape
    M = w.shape[1]
    dout_rows = dout.reshape(N * T, M)
    dx = (dout_rows @ w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T @ dout_rows
    db = dout_rows.sum(axis=0)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T).astype(x.dtype)
    shifted = x_flat - x_flat.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(N * T)
    loss = -np.sum(mask_flat * log_probs[rows, y_flat]) / N
    dx_flat = np.exp(log_probs)
    dx_flat[rows, y_flat] -= 1
    dx_flat *= mask_flat[:, None] / N
    dx = dx_flat.reshape(N, T, V)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    da = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * prev_c * f * (1 - f),
            dnext_h * tanh_c * o * (1 - o),
            dc * i * (1 - g**2),
        ],
        axis=1,
    )
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dprev_c = dc * f
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, Wx)
    # One big GEMM for the input projections of all timesteps: far more
    # efficient than T small ones; only prev_h @ Wh has to stay in the loop.
    ax = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, 4 * H)
    h = np.empty((N, T, H), dtype=dtype)
    gates = np.empty((N, T, 4 * H), dtype=dtype)  # i, f, o, g after their nonlinearities
    cs = np.empty((N, T + 1, H), dtype=dtype)  # cs[:, t] is the cell state before step t
    tanh_cs = np.empty((N, T, H), dtype=dtype)
    cs[:, 0] = 0
    prev_h = h0
    for t in range(T):
        a = ax[:, t] + prev_h @ Wh
        # sigmoid of the first three blocks in one call, tanh of the fourth
        gates[:, t, : 3 * H] = sigmoid(a[:, : 3 * H])
        gates[:, t, 3 * H :] = np.tanh(a[:, 3 * H :])
        i, f, o, g = (gates[:, t, k * H : (k + 1) * H] for k in range(4))
        cs[:, t + 1] = f * cs[:, t] + i * g
        tanh_cs[:, t] = np.tanh(cs[:, t + 1])
        h[:, t] = o * tanh_cs[:, t]
        prev_h = h[:, t]
    cache = (x, h0, Wx, Wh, h, gates, cs, tanh_cs)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    x, h0, Wx, Wh, h, gates, cs, tanh_cs = cache
    N, T, D = x.shape
    H = h0.shape[1]
    da = np.empty((N, T, 4 * H), dtype=gates.dtype)
    dprev_h = np.zeros((N, H), dtype=gates.dtype)
    dprev_c = np.zeros((N, H), dtype=gates.dtype)
    for t in reversed(range(T)):
        i, f, o, g = (gates[:, t, k * H : (k + 1) * H] for k in range(4))
        dnext_h = dh[:, t] + dprev_h
        dc = dprev_c + dnext_h * o * (1 - tanh_cs[:, t] ** 2)
        da[:, t, :H] = dc * g * i * (1 - i)
        da[:, t, H : 2 * H] = dc * cs[:, t] * f * (1 - f)
        da[:, t, 2 * H : 3 * H] = dnext_h * tanh_cs[:, t] * o * (1 - o)
        da[:, t, 3 * H :] = dc * i * (1 - g**2)
        dprev_h = da[:, t] @ Wh.T
        dprev_c = dc * f
    # Weight gradients as single GEMMs over all timesteps (see lstm_forward).
    da_rows = da.reshape(N * T, 4 * H)
    dx = (da_rows @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da_rows
    # the hidden state entering step t is h0 for t = 0, else h[:, t - 1]
    dWh = h0.T @ da[:, 0] + h[:, :-1].reshape(N * (T - 1), H).T @ da[:, 1:].reshape(-1, 4 * H)
    db = da_rows.sum(axis=0)
    dh0 = dprev_h
    ### END SOLUTION
    return dx, dh0, dWx, dWh, db
