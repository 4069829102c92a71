"""The solution modules of part 4 (solutions/dl/rnn_layers.py, captioning.py).

Independent references: PyTorch autograd (``torch`` marker, skipped without it) and
numeric gradients; plus the properties the spec fixes (dtypes, shapes, gate order,
masking, initialisation, greedy sampling).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from starter.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions" / "dl"


@pytest.fixture(scope="module")
def mods():
    sys.path.insert(0, str(SOLUTIONS))
    try:
        import captioning
        import rnn_layers

        yield rnn_layers, captioning
    finally:
        sys.path.remove(str(SOLUTIONS))
        for name in ("rnn_layers", "captioning"):
            sys.modules.pop(name, None)


def _rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


# ---------------------------------------------------------------- torch cross-checks


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("N,T,D,H", [(3, 1, 4, 5), (2, 17, 3, 6), (5, 9, 8, 2)])
def test_sequence_forward_backward_match_torch(mods, cell, N, T, D, H):
    torch = pytest.importorskip("torch")
    rnn_layers, _ = mods
    k = 4 if cell == "lstm" else 1
    rng = np.random.default_rng(N * 100 + T)
    arrays = [rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
              rng.standard_normal((D, k * H)) / 2, rng.standard_normal((H, k * H)) / 2,
              rng.standard_normal(k * H)]  # fmt: skip
    forward = rnn_layers.lstm_forward if cell == "lstm" else rnn_layers.rnn_forward
    backward = rnn_layers.lstm_backward if cell == "lstm" else rnn_layers.rnn_backward
    h, cache = forward(*arrays)
    dh = rng.standard_normal(h.shape)
    grads = backward(dh, cache)

    tx, th, tWx, tWh, tb = (torch.tensor(a, requires_grad=True) for a in arrays)
    c, hs, hp = torch.zeros(N, H, dtype=torch.float64), [], th
    for t in range(T):
        a = tx[:, t] @ tWx + hp @ tWh + tb
        if cell == "rnn":
            hp = torch.tanh(a)
        else:
            i, f, o, g = a.split(H, dim=1)  # the spec's gate order
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            hp = torch.sigmoid(o) * torch.tanh(c)
        hs.append(hp)
    out = torch.stack(hs, dim=1)
    out.backward(torch.tensor(dh))
    assert _rel(h, out.detach().numpy()) < 1e-12
    for g, p in zip(grads, (tx, th, tWx, tWh, tb), strict=True):
        assert np.asarray(g).shape == tuple(p.shape)
        assert np.allclose(g, p.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.torch
def test_temporal_softmax_loss_matches_torch(mods):
    torch = pytest.importorskip("torch")
    rnn_layers, _ = mods
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 7, 11)) * 5
    y = rng.integers(11, size=(4, 7))
    mask = rng.random((4, 7)) > 0.3
    loss, dx = rnn_layers.temporal_softmax_loss(x, y, mask)
    tx = torch.tensor(x, requires_grad=True)
    nll = torch.nn.functional.cross_entropy(
        tx.reshape(-1, 11), torch.tensor(y).reshape(-1), reduction="none"
    )
    tl = (nll * torch.tensor(mask).reshape(-1)).sum() / 4
    tl.backward()
    assert loss == pytest.approx(tl.item(), rel=1e-12)
    assert np.allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert np.all(dx[~mask] == 0)


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_model_loss_and_gradients_match_torch(mods, cell):
    torch = pytest.importorskip("torch")
    _, captioning = mods
    w2i = {"<NULL>": 0, "<START>": 1, "<END>": 2, **{f"w{i}": i for i in range(3, 9)}}
    model = captioning.CaptioningRNN(w2i, 5, 4, 6, cell_type=cell, dtype=np.float64, seed=0)
    rng = np.random.default_rng(1)
    for k in model.params:
        model.params[k] = rng.standard_normal(model.params[k].shape) * 0.5
    feats = rng.standard_normal((3, 5))
    caps = np.array([[1, 3, 4, 4, 2, 0, 0], [1, 8, 2, 0, 0, 0, 0], [1, 5, 6, 7, 3, 3, 2]])
    loss, grads = model.loss(feats, caps)

    P = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    H = 6
    h = torch.tensor(feats) @ P["W_proj"] + P["b_proj"]
    c = torch.zeros_like(h)
    total = 0
    for t in range(caps.shape[1] - 1):
        a = P["W_embed"][torch.tensor(caps[:, t])] @ P["Wx"] + h @ P["Wh"] + P["b"]
        if cell == "rnn":
            h = torch.tanh(a)
        else:
            i, f, o, g = a.split(H, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        target = torch.tensor(caps[:, t + 1])
        nll = torch.nn.functional.cross_entropy(
            h @ P["W_vocab"] + P["b_vocab"], target, reduction="none"
        )
        total = total + (nll * (target != 0)).sum() / 3
    total.backward()
    assert loss == pytest.approx(total.item(), rel=1e-12)
    assert set(grads) == set(model.params)
    for k in model.params:
        assert np.allclose(grads[k], P[k].grad.numpy(), rtol=1e-9, atol=1e-12), k


# ---------------------------------------------------------------- numeric gradients (no torch)


def test_embedding_backward_sums_repeated_words(mods):
    rnn_layers, _ = mods
    rng = np.random.default_rng(0)
    x = np.array([[0, 0, 0], [2, 0, 2]])
    W = rng.standard_normal((4, 3))
    out, cache = rnn_layers.word_embedding_forward(x, W)
    dout = rng.standard_normal(out.shape)
    dW = rnn_layers.word_embedding_backward(dout, cache)
    num = eval_numerical_gradient_array(
        lambda v: rnn_layers.word_embedding_forward(x, v)[0], W, dout
    )
    assert _rel(dW, num) < 1e-8
    assert np.allclose(dW[0], dout[0].sum(0) + dout[1, 1]) and np.all(dW[[1, 3]] == 0)


def test_lstm_step_backward_numeric(mods):
    rnn_layers, _ = mods
    rng = np.random.default_rng(7)
    args = [rng.standard_normal(s) for s in ((3, 4), (3, 5), (3, 5), (4, 20), (5, 20), (20,))]
    nh, nc, cache = rnn_layers.lstm_step_forward(*args)
    dh, dc = rng.standard_normal(nh.shape), rng.standard_normal(nc.shape)
    grads = rnn_layers.lstm_step_backward(dh, dc, cache)
    for k in range(6):

        def f(v, k=k, out=0):
            return rnn_layers.lstm_step_forward(*[v if j == k else a for j, a in enumerate(args)])[
                out
            ]

        num = eval_numerical_gradient_array(f, args[k], dh) + eval_numerical_gradient_array(
            lambda v, k=k: f(v, k, 1), args[k], dc
        )
        assert _rel(grads[k], num) < 1e-7, k


# ---------------------------------------------------------------- dtypes, stability, model contract


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_float32_stays_float32_and_no_warnings(mods, cell):
    rnn_layers, _ = mods
    k = 4 if cell == "lstm" else 1
    rng = np.random.default_rng(0)
    f32 = np.float32
    x = (rng.standard_normal((2, 5, 3)) * 100).astype(
        f32
    )  # saturating inputs: no overflow warnings
    args = [x, rng.standard_normal((2, 4)).astype(f32), (rng.standard_normal((3, 4 * k)) * 50).astype(f32),
            rng.standard_normal((4, 4 * k)).astype(f32), np.zeros(4 * k, f32)]  # fmt: skip
    forward = rnn_layers.lstm_forward if cell == "lstm" else rnn_layers.rnn_forward
    backward = rnn_layers.lstm_backward if cell == "lstm" else rnn_layers.rnn_backward
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h, cache = forward(*args)
        grads = backward(np.ones_like(h), cache)
    assert h.dtype == f32 and all(g.dtype == f32 for g in grads)
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_sigmoid_is_stable(mods):
    rnn_layers, _ = mods
    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = rnn_layers.sigmoid(x)
    assert s.dtype == np.float32
    assert np.allclose(
        s, [0.0, 1 / (1 + np.exp(30.0)), 0.5, 1 / (1 + np.exp(-30.0)), 1.0], atol=1e-7
    )


def test_model_initialisation_is_seeded_and_cs231n_shaped(mods):
    _, captioning = mods
    w2i = {"<NULL>": 0, "cat": 2, "dog": 3}  # CS231n's three-word vocabulary
    a = captioning.CaptioningRNN(w2i, 20, 30, 40, "lstm", np.float32, seed=5)
    b = captioning.CaptioningRNN(w2i, 20, 30, 40, "lstm", np.float32, seed=5)
    shapes = {"W_proj": (20, 40), "b_proj": (40,), "W_embed": (3, 30), "Wx": (30, 160),
              "Wh": (40, 160), "b": (160,), "W_vocab": (40, 3), "b_vocab": (3,)}  # fmt: skip
    assert {k: v.shape for k, v in a.params.items()} == shapes
    assert all(v.dtype == np.float32 for v in a.params.values())
    assert all(np.array_equal(a.params[k], b.params[k]) for k in shapes)
    assert np.all(a.params["b"] == 0) and abs(a.params["W_embed"].std() - 0.01) < 0.005
    np.random.seed(0)
    c = captioning.CaptioningRNN(w2i, 20, 30, 40, "rnn")  # no seed: numpy's global state
    np.random.seed(0)
    d = captioning.CaptioningRNN(w2i, 20, 30, 40, "rnn")
    assert np.array_equal(c.params["Wx"], d.params["Wx"])
    with pytest.raises(ValueError, match="cell_type"):
        captioning.CaptioningRNN(w2i, cell_type="gru")
    with pytest.raises(ValueError, match="<START>"):
        a.sample(np.zeros((1, 20), np.float32))


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_model_gradients_numeric_with_padding(mods, cell):
    _, captioning = mods
    w2i = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4}
    model = captioning.CaptioningRNN(w2i, 3, 4, 5, cell, np.float64, seed=2)
    rng = np.random.default_rng(2)
    for k in model.params:
        model.params[k] = rng.standard_normal(model.params[k].shape) * 0.5
    feats = rng.standard_normal((2, 3))
    caps = np.array([[1, 3, 3, 2, 0, 0], [1, 4, 3, 4, 3, 2]])
    loss, grads = model.loss(feats, caps)
    for k, v in model.params.items():
        num = eval_numerical_gradient(lambda _: model.loss(feats, caps)[0], v, verbose=False)
        assert _rel(grads[k], num) < 1e-6, k
    # padding columns change nothing
    loss2, _ = model.loss(feats, np.pad(caps, ((0, 0), (0, 4))))
    assert loss2 == pytest.approx(loss, rel=1e-13)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_sample_is_greedy(mods, cell):
    rnn_layers, captioning = mods
    w2i = {"<NULL>": 0, "<START>": 1, "<END>": 2, **{f"w{i}": i for i in range(3, 10)}}
    model = captioning.CaptioningRNN(w2i, 4, 3, 5, cell, np.float64, seed=1)
    rng = np.random.default_rng(4)
    for k in model.params:
        model.params[k] = rng.standard_normal(model.params[k].shape)
    feats = rng.standard_normal((3, 4))
    caps = model.sample(feats, max_length=7)
    assert caps.shape == (3, 7) and np.issubdtype(caps.dtype, np.integer)
    # greedy: each word is the argmax of the scores after feeding the previous words
    p = model.params
    for i in range(3):
        h, c, word = feats[i : i + 1] @ p["W_proj"] + p["b_proj"], np.zeros((1, 5)), 1
        for t in range(7):
            x = p["W_embed"][[word]]
            if cell == "rnn":
                h, _ = rnn_layers.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
            else:
                h, c, _ = rnn_layers.lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
            word = int(np.argmax(h @ p["W_vocab"] + p["b_vocab"]))
            assert caps[i, t] == word
