"""The cells of ``4_captioning.ipynb``, in order (used by make_notebook.py).

``{{name}}`` placeholders are replaced by expected values computed offline;
``IN[...]`` are the input-building snippets shared with make_notebook.py.
Hidden tests compute their references in the hidden region with code written
independently of the solution (explicit loops, log-sum-exp, ...).
"""

# ruff: noqa: E501


def build(md, code, test, answer, IN):  # noqa: N803
    md(r"""
# Part 4: Image captioning with RNNs and LSTMs

In this part you build recurrent networks in numpy and use them to write captions for
photos. A convolutional network (the SqueezeNet 1.1 of part 5) has already turned every
image into a feature vector; your network turns that vector into a sentence, one word at a
time.

Your code goes in two modules beside this notebook:

- `rnn_layers.py`: the vanilla RNN (one step and a whole sequence, forward and backward),
  the word embedding, the temporal affine layer, the temporal softmax loss, and the LSTM
  (one step and a whole sequence, forward and backward);
- `captioning.py`: the `CaptioningRNN` model: its loss with gradients, and greedy sampling.

Each function has a docstring that gives every shape, and a `# TODO` comment that says
what to write in place of the `raise NotImplementedError`. Every forward function returns
`(out, cache)`; its backward function takes `(dout, cache)` and returns the gradients with
respect to the forward's inputs, in order. This part also uses `adam` from your `optim.py`
(part 1).

**How you are graded.** Each test cell below runs a visible check that you can run
yourself; hidden tests add longer sequences, masks, repeated words and other shapes, so make
your code correct in general. Forward passes are compared with values computed
independently (with PyTorch, offline); backward passes with numeric gradients. The last
checks train your model on 50 captions, which it must learn almost by heart.

Thanks to `%autoreload`, edits to your modules take effect when you re-run a cell.
""", "intro")

    code(r"""
%load_ext autoreload
%autoreload 2

import matplotlib.pyplot as plt
import numpy as np
from captioning import CaptioningRNN
from optim import adam
from rnn_layers import (
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)

from starter import (
    assert_close,
    assert_gradient_close,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)
from starter.captions import (
    CaptioningSolver,
    decode_captions,
    evaluate_bleu,
    load_captions,
    sample_minibatch,
    show_captions,
)
from starter.seeding import seed_everything

seed_everything(231)
""", "setup")

    md(r"""
## The data: 1000 Flickr8k photos with five captions each

`load_captions()` loads `datasets/captions/` (see its `CARD.md`): 800 training and 200
validation images, each with five human-written captions, and one 512-dimensional
SqueezeNet feature vector per image (the average over all positions of the output of the
last fire module). Captions are lower-cased word indices into a vocabulary built from the
training captions (words seen fewer than 3 times become `<UNK>`), wrapped in `<START>` and
`<END>` and padded with `<NULL>` to a fixed length. The features are standardised with the
mean and standard deviation of the training images.

Like CS231n's COCO data, every caption row points to its image with `train_image_idxs`;
`sample_minibatch` draws random captions with the features of their images, and
`decode_captions` turns indices back into words.
""", "data_md")

    code(r"""
data = load_captions()
for key, value in data.items():
    if isinstance(value, np.ndarray):
        print(f"{key:20s} {str(value.shape):12s} {value.dtype}")
    else:
        print(f"{key:20s} {type(value).__name__} of {len(value)}")

captions, features, image_idxs = sample_minibatch(data, batch_size=4)
for caption, idx in zip(captions, image_idxs, strict=True):
    print(idx, caption)
    print("   ", decode_captions(caption, data["idx_to_word"]))
show_captions(data, "train", image_idxs, ground_truth=decode_captions(captions, data["idx_to_word"]))
""", "data_show")

    md(r"""
## Vanilla RNN: one timestep

A vanilla RNN updates its hidden state with
$h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$. Implement `rnn_step_forward`.
""", "rnn_step_forward_md")

    test(IN["RNN_STEP"] + r"""
next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
expected_next_h = {{rnn_step_h}}
assert_close("next_h of rnn_step_forward", next_h, expected_next_h, rtol=1e-8)
print("rnn_step_forward: visible check passed, relative error", rel_error(next_h, expected_next_h))

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(401)
for _n, _d, _h in [(1, 1, 1), (6, 3, 7), (4, 9, 2)]:
    _x, _ph = _rng.standard_normal((_n, _d)), _rng.standard_normal((_n, _h))
    _wx, _wh, _b = _rng.standard_normal((_d, _h)), _rng.standard_normal((_h, _h)), _rng.standard_normal(_h)
    _pre = np.einsum("nd,dh->nh", _x, _wx) + np.einsum("nk,kh->nh", _ph, _wh) + _b
    _expected = (np.exp(2 * _pre) - 1) / (np.exp(2 * _pre) + 1)
    _out, _ = rnn_step_forward(_x, _ph, _wx, _wh, _b)
    assert_close(f"next_h of rnn_step_forward, N={_n} D={_d} H={_h}", _out, _expected, rtol=1e-8)
### END HIDDEN TESTS
""", "rnn_step_forward_test", 1)

    md(r"""
Now the backward pass of one step: given the upstream gradient `dnext_h`, return the
gradients with respect to `x`, `prev_h`, `Wx`, `Wh` and `b`. Remember that
$\frac{d}{da}\tanh(a) = 1 - \tanh^2(a)$. Implement `rnn_step_backward`.
""", "rnn_step_backward_md")

    test(r"""
rng = np.random.default_rng(231)
N, D, H = 4, 5, 6
x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal(H)
out, cache = rnn_step_forward(x, h, Wx, Wh, b)
dnext_h = rng.standard_normal(out.shape)
dx, dprev_h, dWx, dWh, db = rnn_step_backward(dnext_h, cache)

dx_num = eval_numerical_gradient_array(lambda v: rnn_step_forward(v, h, Wx, Wh, b)[0], x, dnext_h)
dh_num = eval_numerical_gradient_array(lambda v: rnn_step_forward(x, v, Wx, Wh, b)[0], h, dnext_h)
dWx_num = eval_numerical_gradient_array(lambda v: rnn_step_forward(x, h, v, Wh, b)[0], Wx, dnext_h)
dWh_num = eval_numerical_gradient_array(lambda v: rnn_step_forward(x, h, Wx, v, b)[0], Wh, dnext_h)
db_num = eval_numerical_gradient_array(lambda v: rnn_step_forward(x, h, Wx, Wh, v)[0], b, dnext_h)
assert_gradient_close("dx of rnn_step_backward", dx, dx_num)
assert_gradient_close("dprev_h of rnn_step_backward", dprev_h, dh_num)
assert_gradient_close("dWx of rnn_step_backward", dWx, dWx_num)
assert_gradient_close("dWh of rnn_step_backward", dWh, dWh_num)
assert_gradient_close("db of rnn_step_backward", db, db_num)
print("rnn_step_backward: visible check passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(402)
for _n, _d, _h in [(1, 2, 3), (7, 3, 2)]:
    _x, _ph = _rng.standard_normal((_n, _d)), _rng.standard_normal((_n, _h))
    _args = [_x, _ph, _rng.standard_normal((_d, _h)), _rng.standard_normal((_h, _h)), _rng.standard_normal(_h)]
    _out, _cache = rnn_step_forward(*_args)
    _dout = _rng.standard_normal(_out.shape)
    _grads = rnn_step_backward(_dout, _cache)
    for _k, _name in enumerate(["dx", "dprev_h", "dWx", "dWh", "db"]):
        def _f(v, _k=_k, _args=_args):
            return rnn_step_forward(*[v if j == _k else a for j, a in enumerate(_args)])[0]
        _num = eval_numerical_gradient_array(_f, _args[_k], _dout)
        assert_gradient_close(f"{_name} of rnn_step_backward, N={_n} D={_d} H={_h}", _grads[_k], _num)
### END HIDDEN TESTS
""", "rnn_step_backward_test", 1)

    md(r"""
## Vanilla RNN: a whole sequence

`rnn_forward` runs the step function over a sequence of $T$ inputs `x` of shape
`(N, T, D)` from the initial hidden state `h0` and returns all hidden states, shape
`(N, T, H)`. `rnn_backward` goes back through time: the gradient reaching $h_t$ is the
upstream `dh[:, t]` plus what flows back from step $t + 1$; the weights are shared, so
their gradients add up over the steps. Implement both.
""", "rnn_md")

    test(IN["RNN"] + r"""
h, _ = rnn_forward(x, h0, Wx, Wh, b)
expected_h = {{rnn_h}}
assert_close("h of rnn_forward", h, expected_h, rtol=1e-8)
print("rnn_forward: visible check passed, relative error", rel_error(h, expected_h))

### BEGIN HIDDEN TESTS
def _ref_rnn(x, h, wx, wh, b):
    out = []
    for t in range(x.shape[1]):
        h = np.tanh(np.einsum("nd,dh->nh", x[:, t], wx) + np.einsum("nk,kh->nh", h, wh) + b)
        out.append(h)
    return np.stack(out, axis=1)

_rng = np.random.default_rng(403)
for _n, _t, _d, _h in [(2, 25, 3, 4), (1, 1, 2, 2), (5, 9, 6, 3)]:
    _args = [_rng.standard_normal((_n, _t, _d)), _rng.standard_normal((_n, _h)),
             _rng.standard_normal((_d, _h)) / 2, _rng.standard_normal((_h, _h)) / 2, _rng.standard_normal(_h)]
    _out, _ = rnn_forward(*_args)
    assert_close(f"h of rnn_forward, N={_n} T={_t} D={_d} H={_h}", _out, _ref_rnn(*_args), rtol=1e-8)
### END HIDDEN TESTS
""", "rnn_forward_test", 1)

    test(r"""
rng = np.random.default_rng(231)
N, D, T, H = 2, 3, 10, 5
x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal(H)
out, cache = rnn_forward(x, h0, Wx, Wh, b)
dout = rng.standard_normal(out.shape)
dx, dh0, dWx, dWh, db = rnn_backward(dout, cache)

dx_num = eval_numerical_gradient_array(lambda v: rnn_forward(v, h0, Wx, Wh, b)[0], x, dout)
dh0_num = eval_numerical_gradient_array(lambda v: rnn_forward(x, v, Wx, Wh, b)[0], h0, dout)
dWx_num = eval_numerical_gradient_array(lambda v: rnn_forward(x, h0, v, Wh, b)[0], Wx, dout)
dWh_num = eval_numerical_gradient_array(lambda v: rnn_forward(x, h0, Wx, v, b)[0], Wh, dout)
db_num = eval_numerical_gradient_array(lambda v: rnn_forward(x, h0, Wx, Wh, v)[0], b, dout)
assert_gradient_close("dx of rnn_backward", dx, dx_num)
assert_gradient_close("dh0 of rnn_backward", dh0, dh0_num)
assert_gradient_close("dWx of rnn_backward", dWx, dWx_num)
assert_gradient_close("dWh of rnn_backward", dWh, dWh_num)
assert_gradient_close("db of rnn_backward", db, db_num)
print("rnn_backward: visible check passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(404)
for _n, _t, _d, _h, _last_only in [(2, 6, 2, 3, True), (3, 16, 2, 4, False), (1, 1, 3, 2, False)]:
    _args = [_rng.standard_normal((_n, _t, _d)), _rng.standard_normal((_n, _h)),
             _rng.standard_normal((_d, _h)) / 2, _rng.standard_normal((_h, _h)) / 2, _rng.standard_normal(_h)]
    _out, _cache = rnn_forward(*_args)
    _dout = _rng.standard_normal(_out.shape)
    if _last_only:  # only the last hidden state gets a gradient: everything must flow back through time
        _dout[:, :-1] = 0
    _grads = rnn_backward(_dout, _cache)
    for _k, _name in enumerate(["dx", "dh0", "dWx", "dWh", "db"]):
        def _f(v, _k=_k, _args=_args):
            return rnn_forward(*[v if j == _k else a for j, a in enumerate(_args)])[0]
        _num = eval_numerical_gradient_array(_f, _args[_k], _dout)
        _what = "gradient on the last step only" if _last_only else "gradients on every step"
        assert_gradient_close(f"{_name} of rnn_backward, N={_n} T={_t} D={_d} H={_h}, {_what}", _grads[_k], _num)
### END HIDDEN TESTS
""", "rnn_backward_test", 2)

    md(r"""
## Word embedding

Words enter the network as integer indices; a word embedding maps index $i$ to row $i$ of
a matrix `W` of shape `(V, D)`, learned with the rest of the network. The backward pass
returns only `dW` (indices have no gradient). A word that appears several times in the
minibatch must receive the *sum* of the gradients of all its occurrences. Implement
`word_embedding_forward` and `word_embedding_backward`.
""", "embedding_md")

    test(IN["EMBED"] + r"""
out, _ = word_embedding_forward(x, W)
expected_out = {{embed_out}}
assert_close("out of word_embedding_forward", out, expected_out, rtol=1e-8)

rng = np.random.default_rng(231)
N, T, V, D = 50, 3, 5, 6
x = rng.integers(V, size=(N, T))
W = rng.standard_normal((V, D))
out, cache = word_embedding_forward(x, W)
dout = rng.standard_normal(out.shape)
dW = word_embedding_backward(dout, cache)
dW_num = eval_numerical_gradient_array(lambda W: word_embedding_forward(x, W)[0], W, dout)
assert_gradient_close("dW of word_embedding_backward", dW, dW_num)
print("word embedding: visible checks passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(405)
# every word repeated, some words never used (their gradient must be exactly zero)
_x = np.array([[1, 1, 1, 4], [4, 1, 6, 6], [6, 6, 6, 6]])
_W = _rng.standard_normal((8, 3))
_out, _cache = word_embedding_forward(_x, _W)
assert_close("out of word_embedding_forward with repeated words", _out, np.stack([_W[list(r)] for r in _x]), rtol=1e-12)
_dout = _rng.standard_normal(_out.shape)
_dW = word_embedding_backward(_dout, _cache)
_expected = np.zeros_like(_W)
for _i in range(_x.shape[0]):
    for _j in range(_x.shape[1]):
        _expected[_x[_i, _j]] += _dout[_i, _j]
assert_close("dW of word_embedding_backward with repeated words", _dW, _expected, rtol=1e-10)
assert np.all(_dW[[0, 2, 3, 5, 7]] == 0), "dW of word_embedding_backward: rows of unused words must be zero"
_x = _rng.integers(3, size=(1, 30))
_W = _rng.standard_normal((3, 2))
_dout = _rng.standard_normal((1, 30, 2))
_dW = word_embedding_backward(_dout, word_embedding_forward(_x, _W)[1])
_num = eval_numerical_gradient_array(lambda v: word_embedding_forward(_x, v)[0], _W, _dout)
assert_gradient_close("dW of word_embedding_backward, N=1 T=30 V=3", _dW, _num)
### END HIDDEN TESTS
""", "word_embedding_test", 2)

    md(r"""
## Temporal affine layer

At every timestep the hidden state is mapped to scores over the vocabulary by the same
affine layer: `out[n, t] = x[n, t] @ w + b`. Implement `temporal_affine_forward` and
`temporal_affine_backward`.
""", "temporal_affine_md")

    test(IN["TAFFINE"] + r"""
out, _ = temporal_affine_forward(x, w, b)
expected_out = {{taffine_out}}
assert_close("out of temporal_affine_forward", out, expected_out, rtol=1e-8)

rng = np.random.default_rng(231)
N, T, D, M = 2, 3, 4, 5
x, w, b = rng.standard_normal((N, T, D)), rng.standard_normal((D, M)), rng.standard_normal(M)
out, cache = temporal_affine_forward(x, w, b)
dout = rng.standard_normal(out.shape)
dx, dw, db = temporal_affine_backward(dout, cache)
assert_gradient_close("dx of temporal_affine_backward", dx, eval_numerical_gradient_array(lambda v: temporal_affine_forward(v, w, b)[0], x, dout))
assert_gradient_close("dw of temporal_affine_backward", dw, eval_numerical_gradient_array(lambda v: temporal_affine_forward(x, v, b)[0], w, dout))
assert_gradient_close("db of temporal_affine_backward", db, eval_numerical_gradient_array(lambda v: temporal_affine_forward(x, w, v)[0], b, dout))
print("temporal affine: visible checks passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(406)
for _n, _t, _d, _m in [(1, 7, 3, 2), (4, 1, 2, 6)]:
    _x, _w, _b = _rng.standard_normal((_n, _t, _d)), _rng.standard_normal((_d, _m)), _rng.standard_normal(_m)
    _out, _cache = temporal_affine_forward(_x, _w, _b)
    assert_close(f"out of temporal_affine_forward, N={_n} T={_t}", _out, np.einsum("ntd,dm->ntm", _x, _w) + _b, rtol=1e-8)
    _dout = _rng.standard_normal(_out.shape)
    _dx, _dw, _db = temporal_affine_backward(_dout, _cache)
    assert_close(f"dx of temporal_affine_backward, N={_n} T={_t}", _dx, np.einsum("ntm,dm->ntd", _dout, _w), rtol=1e-8)
    assert_close(f"dw of temporal_affine_backward, N={_n} T={_t}", _dw, np.einsum("ntd,ntm->dm", _x, _dout), rtol=1e-8)
    assert_close(f"db of temporal_affine_backward, N={_n} T={_t}", _db, _dout.sum(axis=(0, 1)), rtol=1e-8)
### END HIDDEN TESTS
""", "temporal_affine_test", 1)

    md(r"""
## Temporal softmax loss

At every timestep the network scores all $V$ words and is penalised with the softmax
(cross-entropy) loss of the correct next word. Captions have different lengths, so they are
padded with `<NULL>`; a boolean `mask` says which timesteps count. The loss is the sum over
the unmasked timesteps, divided by the minibatch size $N$. Implement
`temporal_softmax_loss`; shift the scores by their maximum before exponentiating.
""", "temporal_softmax_md")

    test(IN["TSOFTMAX"] + r"""
loss, dx = temporal_softmax_loss(x, y, mask)
assert_close("loss of temporal_softmax_loss", loss, {{tsoftmax_loss}}, rtol=1e-9)
assert_close("dx of temporal_softmax_loss", dx, {{tsoftmax_dx}}, rtol=1e-8)

# CS231n's sanity checks: with small random scores the loss is about T * log(V) per example
rng = np.random.default_rng(231)
for N, T, V, p in [(100, 1, 10, 1.0), (100, 10, 10, 1.0), (5000, 10, 10, 0.1)]:
    x = 0.001 * rng.standard_normal((N, T, V))
    y = rng.integers(V, size=(N, T))
    mask = rng.random((N, T)) <= p
    loss, _ = temporal_softmax_loss(x, y, mask)
    print(f"N={N} T={T} V={V} p={p}: loss {loss:.4f}, about {T * p * np.log(V):.4f} expected")

N, T, V = 7, 8, 9
x = rng.standard_normal((N, T, V))
y = rng.integers(V, size=(N, T))
mask = rng.random((N, T)) > 0.5
loss, dx = temporal_softmax_loss(x, y, mask)
dx_num = eval_numerical_gradient(lambda x: temporal_softmax_loss(x, y, mask)[0], x, verbose=False)
assert_gradient_close("dx of temporal_softmax_loss", dx, dx_num)
print("temporal_softmax_loss: visible checks passed")

### BEGIN HIDDEN TESTS
def _ref_tsl(x, y, mask):
    n = x.shape[0]
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(n):
        for t in range(x.shape[1]):
            if not mask[i, t]:
                continue
            m = x[i, t].max()
            lse = m + np.log(np.sum(np.exp(x[i, t] - m)))
            loss += (lse - x[i, t, y[i, t]]) / n
            dx[i, t] = np.exp(x[i, t] - lse) / n
            dx[i, t, y[i, t]] -= 1 / n
    return loss, dx

_rng = np.random.default_rng(407)
for _n, _t, _v in [(3, 6, 4), (1, 15, 7), (6, 2, 11)]:
    _x = _rng.standard_normal((_n, _t, _v)) * 2
    _y = _rng.integers(_v, size=(_n, _t))
    _mask = _rng.random((_n, _t)) > 0.4
    _mask[0] = False  # one caption entirely padding
    _loss, _dx = temporal_softmax_loss(_x, _y, _mask)
    _rl, _rdx = _ref_tsl(_x, _y, _mask)
    assert_close(f"loss of temporal_softmax_loss with a mask, N={_n} T={_t} V={_v}", _loss, _rl, rtol=1e-9)
    assert_close(f"dx of temporal_softmax_loss with a mask, N={_n} T={_t} V={_v}", _dx, _rdx, rtol=1e-8)
# scores around +1000 and -1000: exp overflows (or underflows to 0 / 0) unless the
# scores are shifted by their maximum first
_x = _rng.standard_normal((4, 5, 6)) * 3 + np.array([1000.0, -1000.0, 1000.0, -1000.0])[:, None, None]
_y = _rng.integers(6, size=(4, 5))
_mask = _rng.random((4, 5)) > 0.3
with np.errstate(over="raise", invalid="raise", divide="raise"):
    _loss, _dx = temporal_softmax_loss(_x, _y, _mask)
_rl, _rdx = _ref_tsl(_x, _y, _mask)
assert_close("loss of temporal_softmax_loss for scores around +-1000 (overflow?)", _loss, _rl, rtol=1e-9)
assert_close("dx of temporal_softmax_loss for scores around +-1000 (overflow?)", _dx, _rdx, rtol=1e-8)
### END HIDDEN TESTS
""", "temporal_softmax_loss_test", 2)

    md(r"""
## LSTM: one timestep

The LSTM keeps a cell state $c_t$ next to its hidden state $h_t$. From the activation
vector $a = x_t W_x + h_{t-1} W_h + b \in \mathbb{R}^{4H}$, split in four blocks of $H$ in
the order *input, forget, output, candidate*:

$$i = \sigma(a_i),\quad f = \sigma(a_f),\quad o = \sigma(a_o),\quad g = \tanh(a_g),$$
$$c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t).$$

Implement `lstm_step_forward`, using the numerically stable `sigmoid` given at the top of
`rnn_layers.py`.
""", "lstm_step_forward_md")

    test(IN["LSTM_STEP"] + r"""
next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
expected_next_h = {{lstm_step_h}}
expected_next_c = {{lstm_step_c}}
assert_close("next_h of lstm_step_forward", next_h, expected_next_h, rtol=1e-8)
assert_close("next_c of lstm_step_forward", next_c, expected_next_c, rtol=1e-8)
print("lstm_step_forward: visible check passed, relative errors",
      rel_error(next_h, expected_next_h), rel_error(next_c, expected_next_c))

### BEGIN HIDDEN TESTS
def _sig(a):
    return 1 / (1 + np.exp(-a))

_rng = np.random.default_rng(408)
for _n, _d, _h in [(1, 1, 1), (5, 3, 4), (2, 6, 3)]:
    _x, _ph, _pc = _rng.standard_normal((_n, _d)), _rng.standard_normal((_n, _h)), _rng.standard_normal((_n, _h))
    _wx, _wh, _b = _rng.standard_normal((_d, 4 * _h)), _rng.standard_normal((_h, 4 * _h)), _rng.standard_normal(4 * _h)
    _gates = [_x @ _wx[:, k * _h:(k + 1) * _h] + _ph @ _wh[:, k * _h:(k + 1) * _h] + _b[k * _h:(k + 1) * _h] for k in range(4)]
    _c = _sig(_gates[1]) * _pc + _sig(_gates[0]) * np.tanh(_gates[3])
    _hh = _sig(_gates[2]) * np.tanh(_c)
    _oh, _oc, _ = lstm_step_forward(_x, _ph, _pc, _wx, _wh, _b)
    assert_close(f"next_c of lstm_step_forward, N={_n} D={_d} H={_h} (gate order i, f, o, g?)", _oc, _c, rtol=1e-8)
    assert_close(f"next_h of lstm_step_forward, N={_n} D={_d} H={_h} (gate order i, f, o, g?)", _oh, _hh, rtol=1e-8)
### END HIDDEN TESTS
""", "lstm_step_forward_test", 1)

    md(r"""
The backward pass of one step receives gradients for both outputs, `dnext_h` and
`dnext_c`. Note that $c_t$ reaches the loss twice: directly, and through $h_t$. Implement
`lstm_step_backward`.
""", "lstm_step_backward_md")

    test(r"""
rng = np.random.default_rng(231)
N, D, H = 4, 5, 6
x, prev_h, prev_c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
Wx, Wh, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
next_h, next_c, cache = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
dnext_h, dnext_c = rng.standard_normal(next_h.shape), rng.standard_normal(next_c.shape)
grads = lstm_step_backward(dnext_h, dnext_c, cache)

args = [x, prev_h, prev_c, Wx, Wh, b]
for k, name in enumerate(["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"]):
    def f_h(v, k=k):
        return lstm_step_forward(*[v if j == k else a for j, a in enumerate(args)])[0]
    def f_c(v, k=k):
        return lstm_step_forward(*[v if j == k else a for j, a in enumerate(args)])[1]
    num = (eval_numerical_gradient_array(f_h, args[k], dnext_h)
           + eval_numerical_gradient_array(f_c, args[k], dnext_c))
    assert_gradient_close(f"{name} of lstm_step_backward", grads[k], num)
print("lstm_step_backward: visible check passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(409)
for _n, _d, _h, _zero_c in [(2, 3, 4, True), (5, 2, 3, False), (3, 4, 2, False)]:
    _args = [_rng.standard_normal((_n, _d)), _rng.standard_normal((_n, _h)), _rng.standard_normal((_n, _h)),
             _rng.standard_normal((_d, 4 * _h)), _rng.standard_normal((_h, 4 * _h)), _rng.standard_normal(4 * _h)]
    _nh, _nc, _cache = lstm_step_forward(*_args)
    _dh, _dc = _rng.standard_normal(_nh.shape), _rng.standard_normal(_nc.shape)
    if _zero_c:  # the cell state gets no direct gradient: all of it comes through next_h
        _dc = np.zeros_like(_dc)
    _grads = lstm_step_backward(_dh, _dc, _cache)
    for _k, _name in enumerate(["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"]):
        def _fh(v, _k=_k, _args=_args):
            return lstm_step_forward(*[v if j == _k else a for j, a in enumerate(_args)])[0]
        def _fc(v, _k=_k, _args=_args):
            return lstm_step_forward(*[v if j == _k else a for j, a in enumerate(_args)])[1]
        _num = eval_numerical_gradient_array(_fh, _args[_k], _dh) + eval_numerical_gradient_array(_fc, _args[_k], _dc)
        assert_gradient_close(f"{_name} of lstm_step_backward, N={_n} D={_d} H={_h}", _grads[_k], _num)
### END HIDDEN TESTS
""", "lstm_step_backward_test", 2)

    md(r"""
## LSTM: a whole sequence

`lstm_forward` runs the LSTM over a sequence from the initial hidden state `h0` and a
**zero** initial cell state, and returns the hidden states `(N, T, H)`; `lstm_backward`
goes back through time, carrying the gradients of both the hidden and the cell state.
Implement both.
""", "lstm_md")

    test(IN["LSTM"] + r"""
h, _ = lstm_forward(x, h0, Wx, Wh, b)
expected_h = {{lstm_h}}
assert_close("h of lstm_forward", h, expected_h, rtol=1e-8)
print("lstm_forward: visible check passed, relative error", rel_error(h, expected_h))

### BEGIN HIDDEN TESTS
def _ref_lstm(x, h, wx, wh, b):
    hh = h.shape[1]
    c, out = np.zeros_like(h), []
    for t in range(x.shape[1]):
        a = np.einsum("nd,dk->nk", x[:, t], wx) + np.einsum("nj,jk->nk", h, wh) + b
        i, f, o = (1 / (1 + np.exp(-a[:, k * hh:(k + 1) * hh])) for k in range(3))
        c = f * c + i * np.tanh(a[:, 3 * hh:])
        h = o * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1)

_rng = np.random.default_rng(410)
for _n, _t, _d, _h in [(2, 30, 3, 4), (1, 1, 2, 3), (4, 7, 5, 2)]:
    _args = [_rng.standard_normal((_n, _t, _d)), _rng.standard_normal((_n, _h)),
             _rng.standard_normal((_d, 4 * _h)) / 2, _rng.standard_normal((_h, 4 * _h)) / 2, _rng.standard_normal(4 * _h)]
    _out, _ = lstm_forward(*_args)
    assert_close(f"h of lstm_forward, N={_n} T={_t} D={_d} H={_h}", _out, _ref_lstm(*_args), rtol=1e-8)
### END HIDDEN TESTS
""", "lstm_forward_test", 1)

    test(r"""
rng = np.random.default_rng(231)
N, D, T, H = 2, 3, 10, 6
x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
Wx, Wh, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
out, cache = lstm_forward(x, h0, Wx, Wh, b)
dout = rng.standard_normal(out.shape)
grads = lstm_backward(dout, cache)

args = [x, h0, Wx, Wh, b]
for k, name in enumerate(["dx", "dh0", "dWx", "dWh", "db"]):
    def f(v, k=k):
        return lstm_forward(*[v if j == k else a for j, a in enumerate(args)])[0]
    assert_gradient_close(f"{name} of lstm_backward", grads[k], eval_numerical_gradient_array(f, args[k], dout))
print("lstm_backward: visible check passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(411)
for _n, _t, _d, _h, _last_only in [(2, 6, 2, 3, True), (3, 16, 3, 2, False), (1, 1, 2, 2, False)]:
    _args = [_rng.standard_normal((_n, _t, _d)), _rng.standard_normal((_n, _h)),
             _rng.standard_normal((_d, 4 * _h)) / 2, _rng.standard_normal((_h, 4 * _h)) / 2, _rng.standard_normal(4 * _h)]
    _out, _cache = lstm_forward(*_args)
    _dout = _rng.standard_normal(_out.shape)
    if _last_only:  # only the last hidden state gets a gradient: everything must flow back through time
        _dout[:, :-1] = 0
    _grads = lstm_backward(_dout, _cache)
    for _k, _name in enumerate(["dx", "dh0", "dWx", "dWh", "db"]):
        def _f(v, _k=_k, _args=_args):
            return lstm_forward(*[v if j == _k else a for j, a in enumerate(_args)])[0]
        _num = eval_numerical_gradient_array(_f, _args[_k], _dout)
        _what = "gradient on the last step only" if _last_only else "gradients on every step"
        assert_gradient_close(f"{_name} of lstm_backward, N={_n} T={_t} D={_d} H={_h}, {_what}", _grads[_k], _num)
### END HIDDEN TESTS
""", "lstm_backward_test", 2)

    md(r"""
## The captioning model

`CaptioningRNN` in `captioning.py` puts the layers together, as in CS231n:

1. the image features are projected to the initial hidden state, `h0 = features @ W_proj + b_proj`;
2. the caption without its last word, `captions[:, :-1]`, is embedded;
3. the RNN or LSTM (`cell_type`) runs over the word vectors from `h0`;
4. a temporal affine layer gives scores over the vocabulary at every step;
5. the temporal softmax loss compares them with the next words, `captions[:, 1:]`, ignoring `<NULL>` targets.

Implement `CaptioningRNN.loss`: the forward pass, then the backward pass through the same
layers, with the gradient of every parameter in `grads`. The check below is CS231n's, with
its published expected losses.
""", "model_md")

    test(r"""
N, D, W, H = 10, 20, 30, 40
word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
V = len(word_to_idx)
T = 13
for cell_type, feature_range, expected_loss in [("rnn", (-1.5, 0.3), {{rnn_model_loss}}),
                                                ("lstm", (-0.5, 1.7), {{lstm_model_loss}})]:
    model = CaptioningRNN(word_to_idx, input_dim=D, wordvec_dim=W, hidden_dim=H,
                          cell_type=cell_type, dtype=np.float64)
    for k, v in model.params.items():
        model.params[k] = np.linspace(-1.4, 1.3, num=v.size).reshape(*v.shape)
    features = np.linspace(*feature_range, num=N * D).reshape(N, D)
    captions = (np.arange(N * T) % V).reshape(N, T)
    loss, grads = model.loss(features, captions)
    assert_close(f"loss of CaptioningRNN ({cell_type})", loss, expected_loss, rtol=1e-9)
    print(f"{cell_type}: loss {loss:.11f}, expected {expected_loss}")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(412)
_w2i = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4, "c": 5}
for _cell in ["rnn", "lstm"]:
    _m = CaptioningRNN(_w2i, input_dim=4, wordvec_dim=3, hidden_dim=5, cell_type=_cell, dtype=np.float64)
    for _k in _m.params:
        _m.params[_k] = _rng.standard_normal(_m.params[_k].shape)
    _feats = _rng.standard_normal((3, 4))
    _caps = np.array([[1, 3, 4, 5, 3, 2, 0, 0], [1, 5, 5, 2, 0, 0, 0, 0], [1, 4, 3, 3, 4, 5, 4, 2]])
    _loss, _ = _m.loss(_feats, _caps)
    # Independent forward pass: explicit loops over the captions and timesteps.
    _p = _m.params
    _k4 = 4 if _cell == "lstm" else 1
    _ref = 0.0
    for _i in range(3):
        _h = _feats[_i] @ _p["W_proj"] + _p["b_proj"]
        _c = np.zeros(5)
        for _t in range(_caps.shape[1] - 1):
            _a = _p["W_embed"][_caps[_i, _t]] @ _p["Wx"] + _h @ _p["Wh"] + _p["b"]
            if _k4 == 1:
                _h = np.tanh(_a)
            else:
                _c = 1 / (1 + np.exp(-_a[5:10])) * _c + 1 / (1 + np.exp(-_a[:5])) * np.tanh(_a[15:])
                _h = 1 / (1 + np.exp(-_a[10:15])) * np.tanh(_c)
            _s = _h @ _p["W_vocab"] + _p["b_vocab"]
            if _caps[_i, _t + 1] != 0:
                _ref += (np.log(np.sum(np.exp(_s - _s.max()))) + _s.max() - _s[_caps[_i, _t + 1]]) / 3
    assert_close(f"loss of CaptioningRNN ({_cell}) on padded captions (is <NULL> masked out of the targets?)", _loss, _ref, rtol=1e-9)
    # padding must not change the loss: extra <NULL> columns leave it as it is
    _loss_padded, _ = _m.loss(_feats, np.pad(_caps, ((0, 0), (0, 3))))
    assert_close(f"loss of CaptioningRNN ({_cell}) with extra <NULL> padding", _loss_padded, _ref, rtol=1e-9)
### END HIDDEN TESTS
""", "model_loss_test", 2)

    md(r"""
Now the gradients of the model, for both cell types, against numeric gradients of the loss
(a small model in float64; CS231n's check).
""", "model_grad_md")

    test(r"""
rng = np.random.default_rng(231)
batch_size, timesteps, input_dim, wordvec_dim, hidden_dim = 2, 3, 4, 5, 6
word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
vocab_size = len(word_to_idx)
captions = rng.integers(vocab_size, size=(batch_size, timesteps))
features = rng.standard_normal((batch_size, input_dim))
for cell_type in ["rnn", "lstm"]:
    model = CaptioningRNN(word_to_idx, input_dim=input_dim, wordvec_dim=wordvec_dim,
                          hidden_dim=hidden_dim, cell_type=cell_type, dtype=np.float64)
    # parameters of one scale (the default word vectors are 100 times smaller, and
    # their tiny gradients would drown in the numeric gradient's rounding noise)
    for k in model.params:
        model.params[k] = 0.5 * rng.standard_normal(model.params[k].shape)
    loss, grads = model.loss(features, captions)
    def f(_, model=model):
        return model.loss(features, captions)[0]
    for name in sorted(model.params):
        num = eval_numerical_gradient(f, model.params[name], verbose=False)
        assert_gradient_close(f"gradient of {name} ({cell_type})", grads[name], num, rtol=1e-5)
    print(f"{cell_type}: gradients of all {len(model.params)} parameters match")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(413)
_w2i = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4}
# longer, padded captions with repeated words
_caps = np.array([[1, 3, 3, 4, 3, 2, 0, 0, 0], [1, 4, 4, 4, 4, 3, 3, 4, 2], [1, 2, 0, 0, 0, 0, 0, 0, 0]])
_feats = _rng.standard_normal((3, 3))
for _cell in ["rnn", "lstm"]:
    _m = CaptioningRNN(_w2i, input_dim=3, wordvec_dim=4, hidden_dim=3, cell_type=_cell, dtype=np.float64, seed=7)
    for _k in _m.params:
        _m.params[_k] = _rng.standard_normal(_m.params[_k].shape) * 0.5
    _loss, _grads = _m.loss(_feats, _caps)
    def _f(_, _m=_m):
        return _m.loss(_feats, _caps)[0]
    for _name in sorted(_m.params):
        _num = eval_numerical_gradient(_f, _m.params[_name], verbose=False)
        assert_gradient_close(f"gradient of {_name} ({_cell}) on longer padded captions", _grads[_name], _num, rtol=1e-5)
### END HIDDEN TESTS
""", "model_gradient_test", 3)

    md(r"""
## Overfitting a small dataset

A model that can learn must be able to memorise 50 captions. The cell below trains a
vanilla-RNN captioning model on 50 training captions of 50 different images (two
captions of one image would share their features, and no model could fit both exactly)
for 100 iterations with Adam (from your `optim.py`), and plots the loss: it should fall
from about 80 to below 0.1. `CaptioningSolver` (given, in `starter.captions`) draws
minibatches and calls your `loss` and the update rule.
""", "overfit_md")

    code(r"""
small_data = load_captions(max_train=50, seed=231, distinct_images=True)

small_rnn_model = CaptioningRNN(
    cell_type="rnn",
    word_to_idx=data["word_to_idx"],
    input_dim=data["train_features"].shape[1],
    hidden_dim=256,
    wordvec_dim=256,
    seed=231,
)
small_rnn_solver = CaptioningSolver(
    small_rnn_model, small_data, update_rule=adam,
    optim_config={"learning_rate": 1e-2},
    num_epochs=50, batch_size=25, print_every=20, seed=231,
)
small_rnn_solver.train()

plt.plot(small_rnn_solver.loss_history)
plt.xlabel("Iteration")
plt.ylabel("Loss")
plt.yscale("log")
plt.title("Vanilla RNN: training loss on 50 captions")
plt.show()
""", "overfit_rnn")

    test(r"""
small_features = small_data["train_features"][small_data["train_image_idxs"]]
final_loss, _ = small_rnn_model.loss(small_features, small_data["train_captions"])
print(f"loss of the trained RNN on all 50 captions: {final_loss:.4f}")
assert final_loss < 0.1, (
    f"the RNN should fit the 50 captions to a loss below 0.1, got {final_loss:.4f}: check loss "
    "and its gradients (the checks above), and adam in optim.py"
)
""", "overfit_rnn_test", 2)

    md(r"""
The same with an LSTM (with a larger hidden state: its gates make it slower to memorise):
""", "overfit_lstm_md")

    code(r"""
small_lstm_model = CaptioningRNN(
    cell_type="lstm",
    word_to_idx=data["word_to_idx"],
    input_dim=data["train_features"].shape[1],
    hidden_dim=512,
    wordvec_dim=256,
    seed=231,
)
small_lstm_solver = CaptioningSolver(
    small_lstm_model, small_data, update_rule=adam,
    optim_config={"learning_rate": 1e-2},
    num_epochs=50, batch_size=25, print_every=20, seed=231,
)
small_lstm_solver.train()

plt.plot(small_lstm_solver.loss_history)
plt.xlabel("Iteration")
plt.ylabel("Loss")
plt.yscale("log")
plt.title("LSTM: training loss on 50 captions")
plt.show()
""", "overfit_lstm")

    test(r"""
final_loss, _ = small_lstm_model.loss(small_features, small_data["train_captions"])
print(f"loss of the trained LSTM on all 50 captions: {final_loss:.4f}")
assert final_loss < 0.1, (
    f"the LSTM should fit the 50 captions to a loss below 0.1, got {final_loss:.4f}: check loss "
    "and its gradients (the checks above), and adam in optim.py"
)
""", "overfit_lstm_test", 2)

    md(r"""
## Sampling captions

At test time there is no caption to feed in: the model starts from `<START>`, picks the
most likely word at every step and feeds it back in (greedy decoding). Implement
`CaptioningRNN.sample`. On the 50 training captions it has memorised, the overfit model
should reproduce them; on validation images, which it has never seen, its captions are
nonsense.
""", "sample_md")

    test(IN["SAMPLE"] + r"""
for cell_type in ["rnn", "lstm"]:
    model = CaptioningRNN(word_to_idx, input_dim=4, wordvec_dim=3, hidden_dim=5,
                          cell_type=cell_type, dtype=np.float64)
    for k in model.params:
        model.params[k] = params[cell_type][k]
    sampled = model.sample(features, max_length=6)
    assert np.shape(sampled) == (3, 6), f"sample ({cell_type}) must return shape (3, 6), got {np.shape(sampled)}"
    for i, row in enumerate(expected[cell_type]):
        n = row.index(2) + 1 if 2 in row else len(row)  # compare up to the first <END>
        assert list(sampled[i, :n]) == row[:n], (
            f"sample ({cell_type}): caption {i} is {list(sampled[i])}, expected {row} (up to <END>)")
    print(f"{cell_type}: sampled {sampled.tolist()}")

### BEGIN HIDDEN TESTS
def _ref_sample(m, feats, max_length):
    p = m.params
    hh = p["Wh"].shape[0]
    out = []
    for i in range(feats.shape[0]):
        h, c, word, row = feats[i] @ p["W_proj"] + p["b_proj"], np.zeros(hh), 1, []
        for _ in range(max_length):
            a = p["W_embed"][word] @ p["Wx"] + h @ p["Wh"] + p["b"]
            if m.cell_type == "rnn":
                h = np.tanh(a)
            else:
                c = c / (1 + np.exp(-a[hh:2 * hh])) + np.tanh(a[3 * hh:]) / (1 + np.exp(-a[:hh]))
                h = np.tanh(c) / (1 + np.exp(-a[2 * hh:3 * hh]))
            word = int(np.argmax(h @ p["W_vocab"] + p["b_vocab"]))
            row.append(word)
        out.append(row)
    return out

_rng = np.random.default_rng(414)
_w2i = {"<NULL>": 0, "<START>": 1, "<END>": 2, **{f"w{k}": k for k in range(3, 12)}}
for _cell in ["rnn", "lstm"]:
    _m = CaptioningRNN(_w2i, input_dim=6, wordvec_dim=4, hidden_dim=7, cell_type=_cell, dtype=np.float64)
    for _k in _m.params:
        _m.params[_k] = _rng.standard_normal(_m.params[_k].shape)
    _m.params["b_vocab"][:2] -= 10  # never <NULL> or <START>
    _m.params["b_vocab"][2] -= 3  # make <END> rare: long captions exercise the recurrence
    _feats = _rng.standard_normal((5, 6))
    _got = _m.sample(_feats, max_length=12)
    assert np.shape(_got) == (5, 12), f"sample ({_cell}) with max_length=12 must return shape (5, 12)"
    for _i, _row in enumerate(_ref_sample(_m, _feats, 12)):
        _n = _row.index(2) + 1 if 2 in _row else len(_row)
        assert list(_got[_i, :_n]) == _row[:_n], f"sample ({_cell}) on a random model: caption {_i} differs before <END>"
### END HIDDEN TESTS
""", "sample_test", 2)

    code(r"""
for split in ["train", "val"]:
    if split == "train":
        image_idxs = small_data["train_image_idxs"][:4]
        truth = decode_captions(small_data["train_captions"][:4], data["idx_to_word"])
    else:
        image_idxs = np.arange(4)
        truth = None  # the image's first reference caption
    features = data[f"{split}_features"][image_idxs]
    sampled = decode_captions(small_lstm_model.sample(features), data["idx_to_word"])
    fig = show_captions(data, split, image_idxs, sampled=sampled, ground_truth=truth)
    fig.suptitle(f"LSTM overfit on 50 captions, {split} images")
    display(fig)
""", "sample_show")

    md(r"""
## Training on the whole training split

Now train both models on all 4000 training captions (a few epochs, a smaller hidden state
to stay fast) and compare them on the 200 validation images with BLEU, which counts how
many of the sampled words (BLEU-1) and of the sampled 4-word sequences (BLEU-4) appear in
the image's five reference captions. 800 training images are very few for this task:
expect generic, often wrong captions ("a man in a red shirt is ...") that still capture
frequent patterns. Each training cell takes about 10 seconds.
""", "full_md")

    code(r"""
full_models, full_solvers = {}, {}
for cell_type in ["rnn"]:
    full_models[cell_type] = CaptioningRNN(
        cell_type=cell_type, word_to_idx=data["word_to_idx"],
        input_dim=data["train_features"].shape[1], hidden_dim=256, wordvec_dim=128, seed=231,
    )
    full_solvers[cell_type] = CaptioningSolver(
        full_models[cell_type], data, update_rule=adam,
        optim_config={"learning_rate": 5e-3}, lr_decay=0.9,
        num_epochs=5, batch_size=100, print_every=40, seed=231,
    )
    full_solvers[cell_type].train()
""", "full_rnn")

    code(r"""
for cell_type in ["lstm"]:
    full_models[cell_type] = CaptioningRNN(
        cell_type=cell_type, word_to_idx=data["word_to_idx"],
        input_dim=data["train_features"].shape[1], hidden_dim=256, wordvec_dim=128, seed=231,
    )
    full_solvers[cell_type] = CaptioningSolver(
        full_models[cell_type], data, update_rule=adam,
        optim_config={"learning_rate": 5e-3}, lr_decay=0.9,
        num_epochs=5, batch_size=100, print_every=40, seed=231,
    )
    full_solvers[cell_type].train()

for cell_type, solver in full_solvers.items():
    history = np.array(solver.loss_history)
    plt.plot(history, alpha=0.3, color="C0" if cell_type == "rnn" else "C1")
    smooth = np.convolve(history, np.ones(10) / 10, mode="valid")
    plt.plot(np.arange(9, len(history)), smooth, label=cell_type, color="C0" if cell_type == "rnn" else "C1")
plt.xlabel("Iteration")
plt.ylabel("Loss")
plt.title("Training loss on the full training split")
plt.legend()
plt.show()
""", "full_lstm")

    code(r"""
scores = {}
for cell_type, model in full_models.items():
    scores[cell_type] = {split: evaluate_bleu(model, data, split) for split in ["train", "val"]}
    for split, s in scores[cell_type].items():
        print(f"{cell_type:4s} {split:5s}: BLEU-1 {s['bleu1']:.3f}, BLEU-4 {s['bleu4']:.3f}")

image_idxs = np.arange(0, 200, 25)[:8]
val_captions = scores["lstm"]["val"]["captions"]
fig = show_captions(data, "val", image_idxs, sampled=[val_captions[i] for i in image_idxs])
fig.suptitle("LSTM trained on the full training split: validation images")
display(fig)
""", "bleu")

    md(r"""
Look at the captions above: which parts of an image does the model get right, and which
does it get wrong? With 800 training images, the model has seen "dog" and "grass" often
enough to say them, but most of its sentences are the most common patterns of the
training captions. CS231n's COCO data has 80 times more images.
""", "closing")
