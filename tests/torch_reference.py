"""PyTorch versions of the student API, used to recompute the literals of the visible checks.

``tests/test_reference_values.py`` runs a visible check of a solution notebook with these in
place of the student's functions and classes: each returns what PyTorch (float64) computes
from the spec's definition, so every literal the check compares with is recomputed
independently of ``solutions/dl/*.py``. They implement only what the checks with literals
use (forward passes, losses, one optimizer step); gradients that no literal checks are not
returned. The original expected values were computed the same way by the notebook
generators that this replaces (``tools/partN/make_notebook.py``, deleted).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def T(a) -> torch.Tensor:
    """A float64 tensor (a copy) of a numpy array or number."""
    return torch.tensor(np.asarray(a, dtype=np.float64))


def labels(y) -> torch.Tensor:
    return torch.tensor(np.asarray(y, dtype=np.int64))


def _value_and_grad(loss_of, x) -> tuple[float, np.ndarray]:
    """loss_of(x) and its gradient with respect to x, by autograd."""
    xt = T(x).requires_grad_()
    loss = loss_of(xt)
    loss.backward()
    return loss.item(), xt.grad.numpy()


# ------------------------------------------------------------------ part 1: layers.py
def affine_forward(x, w, b):
    return F.linear(T(x).reshape(len(x), -1), T(w).T, T(b)).numpy(), None


def relu_forward(x):
    return F.relu(T(x)).numpy(), None


def batchnorm_forward(x, gamma, beta, bn_param):
    """Train mode: batch statistics, and the running averages with the biased variance."""
    if bn_param["mode"] != "train":
        raise NotImplementedError("the literal checks use train mode only")
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    xt = T(x)
    out = F.batch_norm(xt, None, None, T(gamma), T(beta), training=True, eps=eps)
    zeros = np.zeros(x.shape[1])
    for key, stat in (("running_mean", xt.mean(0)), ("running_var", xt.var(0, unbiased=False))):
        bn_param[key] = (momentum * T(bn_param.get(key, zeros)) + (1 - momentum) * stat).numpy()
    return out.numpy(), None


def conv_forward_naive(x, w, b, conv_param):
    out = F.conv2d(T(x), T(w), T(b), stride=conv_param["stride"], padding=conv_param["pad"])
    return out.numpy(), None


def max_pool_forward_naive(x, pool_param):
    kernel = (pool_param["pool_height"], pool_param["pool_width"])
    return F.max_pool2d(T(x), kernel, stride=pool_param["stride"]).numpy(), None


def softmax_loss(x, y):
    return _value_and_grad(lambda s: F.cross_entropy(s, labels(y)), x)


def svm_loss(x, y):
    # multi_margin_loss also averages over the C classes: CS231n's SVM loss only over examples.
    return _value_and_grad(lambda s: F.multi_margin_loss(s, labels(y), margin=1.0) * s.shape[1], x)


def logistic_loss(x, y):
    return _value_and_grad(lambda s: F.binary_cross_entropy_with_logits(s, T(y).reshape(s.shape)), x)


def hinge_loss(x, y):
    return _value_and_grad(lambda s: torch.clamp(1 - (2 * T(y).reshape(s.shape) - 1) * s, min=0).mean(), x)


def _optimizer_step(optimizer, w, dw, state: dict, **hyper) -> tuple[np.ndarray, dict]:
    """One step of a torch optimizer from the given state; the new weights and state."""
    wt = T(w).requires_grad_()
    opt = optimizer([wt], **hyper)
    if state:
        opt.state[wt] = state
    wt.grad = T(dw)
    opt.step()
    return wt.detach().numpy(), opt.state[wt]


def sgd(w, dw, config=None):
    config = {"learning_rate": 1e-2, **(config or {})}
    next_w, _ = _optimizer_step(torch.optim.SGD, w, dw, {}, lr=config["learning_rate"])
    return next_w, config


def sgd_momentum(w, dw, config=None):
    config = {"learning_rate": 1e-2, "momentum": 0.9, **(config or {})}
    lr = config["learning_rate"]
    # torch keeps buf = momentum * buf + dw and steps by -lr * buf: CS231n's velocity is -lr * buf.
    velocity = config.get("velocity", np.zeros_like(w))
    next_w, state = _optimizer_step(torch.optim.SGD, w, dw, {"momentum_buffer": T(-velocity / lr)},
                                    lr=lr, momentum=config["momentum"])
    config["velocity"] = (-lr * state["momentum_buffer"]).numpy()
    return next_w, config


def rmsprop(w, dw, config=None):
    config = {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8, **(config or {})}
    state = {"step": torch.tensor(0.0), "square_avg": T(config.get("cache", np.zeros_like(w)))}
    next_w, state = _optimizer_step(torch.optim.RMSprop, w, dw, state, lr=config["learning_rate"],
                                    alpha=config["decay_rate"], eps=config["epsilon"])
    config["cache"] = state["square_avg"].numpy()
    return next_w, config


def adam(w, dw, config=None):
    config = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, **(config or {})}
    state = {"step": torch.tensor(float(config.get("t", 0))),
             "exp_avg": T(config.get("m", np.zeros_like(w))),
             "exp_avg_sq": T(config.get("v", np.zeros_like(w)))}
    next_w, state = _optimizer_step(torch.optim.Adam, w, dw, state, lr=config["learning_rate"],
                                    betas=(config["beta1"], config["beta2"]), eps=config["epsilon"])
    config.update(m=state["exp_avg"].numpy(), v=state["exp_avg_sq"].numpy(), t=int(state["step"].item()))
    return next_w, config


# ------------------------------------------------------------------ part 2: fc_net.py
def _l2(params: dict, names) -> torch.Tensor:
    return sum((T(params[name]) ** 2).sum() for name in names)


class FullyConnectedNet:
    """affine - relu, L - 1 times, then affine - softmax; the checks set every parameter."""

    def __init__(self, hidden_dims, input_dim=784, num_classes=10, dropout_keep_ratio=1.0,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        if normalization is not None or dropout_keep_ratio != 1.0:
            raise NotImplementedError("the literal checks use neither batch norm nor dropout")
        self.num_layers, self.reg, self.params = len(hidden_dims) + 1, reg, {}

    def loss(self, X, y=None):
        h = T(X).reshape(len(X), -1)
        for i in range(1, self.num_layers + 1):
            h = F.linear(h, T(self.params[f"W{i}"]).T, T(self.params[f"b{i}"]))
            if i < self.num_layers:
                h = F.relu(h)
        if y is None:
            return h.numpy()
        weights = [f"W{i}" for i in range(1, self.num_layers + 1)]
        return (F.cross_entropy(h, labels(y)) + 0.5 * self.reg * _l2(self.params, weights)).item(), None


class BinaryClassifier:
    """One score per example (no hidden layer, or one of ReLU units), logistic or hinge loss."""

    def __init__(self, input_dim=30, hidden_dim=None, loss="logistic", reg=0.0, weight_scale=1e-2,
                 dtype=np.float32):
        rng = np.random.default_rng(0)
        dims = [input_dim, 1] if hidden_dim is None else [input_dim, hidden_dim, 1]
        self.params = {}
        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:], strict=True), start=1):
            self.params[f"W{i}"] = (weight_scale * rng.standard_normal((fan_in, fan_out))).astype(dtype)
            self.params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)
        self.loss_name, self.reg = loss, reg

    def loss(self, X, y=None):
        h = T(X).reshape(len(X), -1)
        layers = len(self.params) // 2
        for i in range(1, layers + 1):
            h = F.linear(h, T(self.params[f"W{i}"]).T, T(self.params[f"b{i}"]))
            if i < layers:
                h = F.relu(h)
        scores = h[:, 0]
        if y is None:
            return scores.numpy()
        if self.loss_name == "logistic":
            data_loss = F.binary_cross_entropy_with_logits(scores, T(y))
        else:
            data_loss = torch.clamp(1 - (2 * T(y) - 1) * scores, min=0).mean()
        weights = [f"W{i}" for i in range(1, layers + 1)]
        return (data_loss + 0.5 * self.reg * _l2(self.params, weights)).item(), None


# ------------------------------------------------------------------ part 3: cnn.py
class ConvNet:
    """{conv - spatial batch norm - relu - 2x2 max pool} x K - affine - relu - affine - softmax."""

    def __init__(self, input_dim=(1, 28, 28), num_filters=(16, 32), filter_size=3, hidden_dim=128,
                 num_classes=10, normalization="batchnorm", dropout_keep_ratio=1.0, weight_scale=None,
                 reg=0.0, dtype=np.float32, seed=None):
        if normalization != "batchnorm" or hidden_dim is None or dropout_keep_ratio != 1.0:
            raise NotImplementedError("the literal checks use batch norm, a hidden layer, no dropout")
        channels, height, width = input_dim
        self.num_blocks, self.pad, self.reg = len(num_filters), (filter_size - 1) // 2, reg
        shapes = {}
        for i, filters in enumerate(num_filters, start=1):  # the parameter names of the spec
            shapes |= {f"W{i}": (filters, channels, filter_size, filter_size), f"b{i}": (filters,),
                       f"gamma{i}": (filters,), f"beta{i}": (filters,)}
            channels, height, width = filters, height // 2, width // 2
        k = self.num_blocks
        shapes |= {f"W{k + 1}": (channels * height * width, hidden_dim), f"b{k + 1}": (hidden_dim,),
                   f"W{k + 2}": (hidden_dim, num_classes), f"b{k + 2}": (num_classes,)}
        self.params = {name: np.zeros(shape, dtype=dtype) for name, shape in shapes.items()}

    def loss(self, X, y=None):
        if y is None:
            raise NotImplementedError("the literal checks compare training losses")
        p = {name: T(value) for name, value in self.params.items()}
        h = T(X)
        for i in range(1, self.num_blocks + 1):
            h = F.conv2d(h, p[f"W{i}"], p[f"b{i}"], padding=self.pad)
            h = F.batch_norm(h, None, None, p[f"gamma{i}"], p[f"beta{i}"], training=True, eps=1e-5)
            h = F.max_pool2d(F.relu(h), 2)
        k = self.num_blocks
        h = F.relu(h.reshape(len(h), -1) @ p[f"W{k + 1}"] + p[f"b{k + 1}"])
        scores = h @ p[f"W{k + 2}"] + p[f"b{k + 2}"]
        weights = [f"W{i}" for i in range(1, k + 3)]
        return (F.cross_entropy(scores, labels(y)) + 0.5 * self.reg * _l2(self.params, weights)).item(), None


# ------------------------------------------------------------------ part 4: rnn_layers.py, captioning.py
def _rnn_step(x, h, Wx, Wh, b):
    return torch.tanh(x @ Wx + h @ Wh + b)


def _lstm_step(x, h, c, Wx, Wh, b):
    i, f, o, g = (x @ Wx + h @ Wh + b).chunk(4, dim=1)  # gate order of the spec: i, f, o, g
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _rnn_sequence(x, h, Wx, Wh, b):
    states = []
    for t in range(x.shape[1]):
        h = _rnn_step(x[:, t], h, Wx, Wh, b)
        states.append(h)
    return torch.stack(states, dim=1)


def _lstm_sequence(x, h, Wx, Wh, b):
    c, states = torch.zeros_like(h), []
    for t in range(x.shape[1]):
        h, c = _lstm_step(x[:, t], h, c, Wx, Wh, b)
        states.append(h)
    return torch.stack(states, dim=1)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return _rnn_step(*map(T, (x, prev_h, Wx, Wh, b))).numpy(), None


def rnn_forward(x, h0, Wx, Wh, b):
    return _rnn_sequence(*map(T, (x, h0, Wx, Wh, b))).numpy(), None


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    h, c = _lstm_step(*map(T, (x, prev_h, prev_c, Wx, Wh, b)))
    return h.numpy(), c.numpy(), None


def lstm_forward(x, h0, Wx, Wh, b):
    return _lstm_sequence(*map(T, (x, h0, Wx, Wh, b))).numpy(), None


def word_embedding_forward(x, W):
    return F.embedding(labels(x), T(W)).numpy(), None


def temporal_affine_forward(x, w, b):
    return F.linear(T(x), T(w).T, T(b)).numpy(), None


def _temporal_softmax(scores, y, mask):
    """Cross-entropy summed over the unmasked timesteps, averaged over the batch."""
    nll = F.cross_entropy(scores.reshape(-1, scores.shape[-1]), labels(y).reshape(-1), reduction="none")
    return (nll * T(mask).reshape(-1)).sum() / scores.shape[0]


def temporal_softmax_loss(x, y, mask):
    return _value_and_grad(lambda s: _temporal_softmax(s, y, mask), x)


class CaptioningRNN:
    """h0 = features @ W_proj + b_proj, word embedding, rnn or lstm, temporal affine, softmax."""

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128, cell_type="rnn",
                 dtype=np.float32, seed=None):
        vocab, gates = len(word_to_idx), 4 if cell_type == "lstm" else 1
        self.word_to_idx, self.cell_type = word_to_idx, cell_type
        shapes = {"W_proj": (input_dim, hidden_dim), "b_proj": (hidden_dim,), "W_embed": (vocab, wordvec_dim),
                  "Wx": (wordvec_dim, gates * hidden_dim), "Wh": (hidden_dim, gates * hidden_dim),
                  "b": (gates * hidden_dim,), "W_vocab": (hidden_dim, vocab), "b_vocab": (vocab,)}
        self.params = {name: np.zeros(shape, dtype=dtype) for name, shape in shapes.items()}

    def loss(self, features, captions):
        p = {name: T(value) for name, value in self.params.items()}
        h0 = T(features) @ p["W_proj"] + p["b_proj"]
        x = F.embedding(labels(captions[:, :-1]), p["W_embed"])
        sequence = _lstm_sequence if self.cell_type == "lstm" else _rnn_sequence
        scores = sequence(x, h0, p["Wx"], p["Wh"], p["b"]) @ p["W_vocab"] + p["b_vocab"]
        targets = captions[:, 1:]
        return _temporal_softmax(scores, targets, targets != self.word_to_idx["<NULL>"]).item(), None

    def sample(self, features, max_length=30):
        """Greedy decoding from <START>: the most likely word at every step, fed back in."""
        p = {name: T(value) for name, value in self.params.items()}
        h = T(features) @ p["W_proj"] + p["b_proj"]
        c = torch.zeros_like(h)
        words = torch.full((len(features),), self.word_to_idx["<START>"])
        captions = []
        for _ in range(max_length):
            x = p["W_embed"][words]
            if self.cell_type == "lstm":
                h, c = _lstm_step(x, h, c, p["Wx"], p["Wh"], p["b"])
            else:
                h = _rnn_step(x, h, p["Wx"], p["Wh"], p["b"])
            words = (h @ p["W_vocab"] + p["b_vocab"]).argmax(dim=1)
            captions.append(words)
        return torch.stack(captions, dim=1).numpy()


# ------------------------------------------------------------------ part 5: transfer_learning.py
def global_avg_pool_forward(x):
    return F.adaptive_avg_pool2d(T(x), 1).reshape(x.shape[0], x.shape[1]).numpy(), None


class LinearClassifier:
    """global average pool - affine - softmax, L2 on W; the checks set W and b."""

    def __init__(self, input_dim=512, num_classes=2, weight_scale=1e-3, reg=0.0, dtype=np.float32, seed=None):
        self.reg, self.params = reg, {}

    def loss(self, X, y=None):
        scores = F.linear(T(X).mean(dim=(2, 3)), T(self.params["W"]).T, T(self.params["b"]))
        if y is None:
            return scores.numpy()
        return (F.cross_entropy(scores, labels(y)) + 0.5 * self.reg * _l2(self.params, ["W"])).item(), None


# ------------------------------------------------------------------ part 6: style_transfer.py
def _gram(features: torch.Tensor, normalize: bool = True) -> torch.Tensor:
    flat = features.reshape(features.shape[0], -1)
    gram = torch.mm(flat, flat.t())
    return gram / features.numel() if normalize else gram


def content_loss(content_weight, content_current, content_original):
    return _value_and_grad(lambda f: content_weight * ((f - T(content_original)) ** 2).sum(), content_current)


def gram_matrix(features, normalize=True):
    return _gram(T(features), normalize).numpy()


def style_loss(feats, style_layers, style_targets, style_weights):
    current = {layer: T(feats[layer]).requires_grad_() for layer in style_layers}
    loss = sum(weight * ((_gram(current[layer]) - T(target)) ** 2).sum()
               for layer, target, weight in zip(style_layers, style_targets, style_weights, strict=True))
    loss.backward()
    return loss.item(), {layer: current[layer].grad.numpy() for layer in style_layers}


def tv_loss(img, tv_weight):
    return _value_and_grad(
        lambda x: tv_weight * ((torch.diff(x, dim=1) ** 2).sum() + (torch.diff(x, dim=2) ** 2).sum()), img)


STAND_INS = {
    "1_layers": [affine_forward, relu_forward, batchnorm_forward, conv_forward_naive, max_pool_forward_naive,
                 softmax_loss, svm_loss, logistic_loss, hinge_loss, sgd, sgd_momentum, rmsprop, adam],
    "2_softmax_mlp": [FullyConnectedNet, BinaryClassifier],
    "3_cnn": [ConvNet],
    "4_captioning": [rnn_step_forward, rnn_forward, word_embedding_forward, temporal_affine_forward,
                     temporal_softmax_loss, lstm_step_forward, lstm_forward, CaptioningRNN],
    "5_transfer_learning": [global_avg_pool_forward, LinearClassifier],
    "6_style_transfer": [content_loss, gram_matrix, style_loss, tv_loss],
}
