"""The cells of ``1_layers.ipynb``, in order (used by make_notebook.py).

``{{name}}`` placeholders are replaced by expected values computed offline.
"""

# ruff: noqa: E501


def build(md, code, test, answer, E, IN):  # noqa: N803
    md(r"""
# Part 1: Layers

In this part you write the building blocks of every network in this homework, in numpy:
the forward and backward passes of the common layers, the classification losses, and the
update rules that train the parameters.

Your code goes in two modules beside this notebook:

- `layers.py`: affine, ReLU, dropout, batch normalization (plain and spatial), naive
  convolution and max pooling, and the softmax, SVM, logistic and hinge losses;
- `optim.py`: SGD, SGD with momentum, RMSProp and Adam.

Each function has a docstring that gives every shape, and a `# TODO` comment that says
what to write in place of the `raise NotImplementedError`. Every forward function returns
`(out, cache)`; its backward function takes `(dout, cache)` and returns the gradients with
respect to the forward's inputs, in order.

**How you are graded.** Each test cell below (20 points in all) runs a visible check that
you can run yourself; the graders add hidden tests with other shapes, seeds and edge cases,
so make your code correct in general, not just on the visible example. Backward passes are
compared with numeric gradients (`eval_numerical_gradient_array` computes them with centred
differences). A written derivation at the end is worth 6 points of extra credit.

Thanks to `%autoreload`, edits to `layers.py` and `optim.py` take effect when you re-run a cell.
""", "intro")

    code(r"""
%load_ext autoreload
%autoreload 2

import matplotlib.pyplot as plt
import numpy as np

from starter import (
    assert_close,
    assert_gradient_close,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)
from starter.seeding import seed_everything

from layers import (
    affine_backward, affine_forward, batchnorm_backward, batchnorm_forward,
    conv_backward_naive, conv_forward_naive, dropout_backward, dropout_forward,
    hinge_loss, logistic_loss, max_pool_backward_naive, max_pool_forward_naive,
    relu_backward, relu_forward, softmax_loss, spatial_batchnorm_backward,
    spatial_batchnorm_forward, svm_loss,
)
from optim import adam, rmsprop, sgd, sgd_momentum

seed_everything(231)
""", "setup")

    # ------------------------------------------------------------ affine
    md(r"""
## Affine layer

An affine (fully connected) layer flattens each of the $N$ examples of
`x` (shape `(N, d_1, ..., d_k)`) into a row of length $D = d_1 \cdots d_k$ and computes
$\text{out} = x_\text{rows} W + b$, with `w` of shape `(D, M)` and `b` of shape `(M,)`.

Implement `affine_forward` in `layers.py`.
""", "affine_forward_md")

    test(IN["AFFINE_IN"] + r"""
out, _ = affine_forward(x, w, b)
correct_out = {{affine_out}}
assert_close("out of affine_forward", out, correct_out, rtol=1e-7)
print("affine_forward: visible check passed, relative error", rel_error(out, correct_out))

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(101)
for _shape, _m in [((5, 3, 4), 6), ((1, 7), 2), ((4, 2, 3, 2), 5), ((3, 3), 3)]:
    _x = _rng.standard_normal(_shape)
    _w = _rng.standard_normal((int(np.prod(_shape[1:])), _m))
    _b = _rng.standard_normal(_m)
    # Contract over the unflattened trailing axes: no reshape of x involved.
    _expected = np.tensordot(_x, _w.reshape(*_shape[1:], _m), axes=len(_shape) - 1) + _b
    _out, _ = affine_forward(_x, _w, _b)
    assert_close(f"affine_forward, input of shape {_shape}", _out, _expected, rtol=1e-6)
### END HIDDEN TESTS
""", "affine_forward_test", 1)

    md(r"""
Now the backward pass: given the upstream derivative `dout` of shape `(N, M)`, return
`dx` (with the shape of `x`), `dw` and `db`. Implement `affine_backward`; the cell compares
your gradients with numeric ones.
""", "affine_backward_md")

    test(r"""
rng = np.random.default_rng(231)
x = rng.standard_normal((10, 2, 3))
w = rng.standard_normal((6, 5))
b = rng.standard_normal(5)
dout = rng.standard_normal((10, 5))

dx_num = eval_numerical_gradient_array(lambda x: affine_forward(x, w, b)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: affine_forward(x, w, b)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: affine_forward(x, w, b)[0], b, dout)

_, cache = affine_forward(x, w, b)
dx, dw, db = affine_backward(dout, cache)
assert_gradient_close("dx of affine_backward", dx, dx_num)
assert_gradient_close("dw of affine_backward", dw, dw_num)
assert_gradient_close("db of affine_backward", db, db_num)
print("affine_backward: visible check passed; relative errors",
      rel_error(dx, dx_num), rel_error(dw, dw_num), rel_error(db, db_num))

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(102)
for _shape, _m in [((1, 4), 3), ((3, 2, 2, 2), 4), ((6, 5), 2)]:
    _x = _rng.standard_normal(_shape)
    _w = _rng.standard_normal((int(np.prod(_shape[1:])), _m))
    _b = _rng.standard_normal(_m)
    _dout = _rng.standard_normal((_shape[0], _m))
    _, _cache = affine_forward(_x, _w, _b)
    _dx, _dw, _db = affine_backward(_dout, _cache)
    for _name, _grad, _arg in [("dx", _dx, _x), ("dw", _dw, _w), ("db", _db, _b)]:
        def _f(v, _name=_name):
            args = {"dx": (v, _w, _b), "dw": (_x, v, _b), "db": (_x, _w, v)}[_name]
            return affine_forward(*args)[0]
        _num = eval_numerical_gradient_array(_f, _arg, _dout)
        assert_gradient_close(f"{_name} of affine_backward, input of shape {_shape}", _grad, _num)
### END HIDDEN TESTS
""", "affine_backward_test", 1)

    # ------------------------------------------------------------ relu
    md(r"""
## ReLU

$\text{ReLU}(x) = \max(0, x)$ elementwise. Its derivative is 1 where $x > 0$ and 0
elsewhere; at exactly $x = 0$ we take it to be 0. Implement `relu_forward` and
`relu_backward`.
""", "relu_md")

    test(IN["RELU_IN"] + r"""
out, _ = relu_forward(x)
correct_out = {{relu_out}}
assert_close("out of relu_forward", out, correct_out, rtol=1e-7)

rng = np.random.default_rng(231)
x = rng.standard_normal((10, 10))
dout = rng.standard_normal(x.shape)
dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
_, cache = relu_forward(x)
dx = relu_backward(dout, cache)
assert_gradient_close("dx of relu_backward", dx, dx_num)
print("relu: visible checks passed; dx relative error", rel_error(dx, dx_num))

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(103)
_x = _rng.standard_normal((3, 4, 5))
_x[0, 0, :] = 0.0  # exact zeros: the gradient there must be 0
_dout = _rng.standard_normal(_x.shape)
_out, _cache = relu_forward(_x)
assert_close("relu_forward on a 3-d input with zeros", _out, np.where(_x > 0, _x, 0.0))
_dx = relu_backward(_dout, _cache)
assert_close("relu_backward on a 3-d input with zeros", _dx, np.where(_x > 0, _dout, 0.0))
### END HIDDEN TESTS
""", "relu_test", 1)

    # ------------------------------------------------------------ dropout
    md(r"""
## Dropout

[Dropout](https://arxiv.org/abs/1207.0580) zeroes each unit at train time with
probability $1 - p$, where `p` is the probability of *keeping* a unit. We use
*inverted* dropout: the kept units are scaled by $1/p$ at train time, so that the expected
output equals the input and the layer is simply the identity at test time.

When `dropout_param` has a `seed`, the given code reseeds numpy's generator, so that
calls with the same seed draw the same mask: draw your mask with `np.random` so that this
works (the gradient check relies on it). Implement `dropout_forward` and
`dropout_backward`.

The check below looks at statistics of the output rather than at a particular mask:
the mean should stay close to the input's, and about a fraction $1 - p$ of the outputs
should be zero.
""", "dropout_md")

    test(r"""
rng = np.random.default_rng(231)
x = rng.standard_normal((500, 500)) + 10
for p in [0.25, 0.4, 0.7]:
    out_train, _ = dropout_forward(x, {"mode": "train", "p": p})
    out_test, _ = dropout_forward(x, {"mode": "test", "p": p})
    print(f"p = {p}: mean of input {x.mean():.4f}, train-time output {out_train.mean():.4f}, "
          f"test-time output {out_test.mean():.4f}; fraction of zeros {np.mean(out_train == 0):.4f}")
    assert abs(out_train.mean() - x.mean()) < 0.2, "dropout_forward: train-time output mean should be close to the input mean (did you scale by 1/p?)"
    assert abs(np.mean(out_train == 0) - (1 - p)) < 0.01, "dropout_forward: about a fraction 1 - p of the units should be zero (p is the keep probability)"
    assert_close("test-time output of dropout_forward", out_test, x)

x = rng.standard_normal((10, 10)) + 10
dout = rng.standard_normal(x.shape)
dropout_param = {"mode": "train", "p": 0.2, "seed": 123}
out, cache = dropout_forward(x, dropout_param)
dx = dropout_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)
assert_gradient_close("dx of dropout_backward", dx, dx_num)
print("dropout: visible checks passed; dx relative error", rel_error(dx, dx_num))

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(104)
_x = _rng.standard_normal((40, 30, 20)) + 3
for _p in [0.1, 0.6, 0.9, 1.0]:
    _out, _ = dropout_forward(_x, {"mode": "train", "p": _p, "seed": 7})
    _kept = _out != 0
    assert abs(_kept.mean() - _p) < 0.02, f"dropout_forward: with p = {_p} the fraction of kept units is wrong"
    assert_close(f"kept units of dropout_forward with p = {_p}", _out[_kept], _x[_kept] / _p)
    _again, _ = dropout_forward(_x, {"mode": "train", "p": _p, "seed": 7})
    assert np.array_equal(_out, _again), "dropout_forward: two calls with the same seed must draw the same mask"
    _out_test, _cache = dropout_forward(_x, {"mode": "test", "p": _p})
    assert_close(f"test-time output of dropout_forward with p = {_p}", _out_test, _x)
    _d = _rng.standard_normal(_x.shape)
    assert_close("test-time dropout_backward", dropout_backward(_d, _cache), _d)
_a, _ = dropout_forward(_x, {"mode": "train", "p": 0.5, "seed": 1})
_b, _ = dropout_forward(_x, {"mode": "train", "p": 0.5, "seed": 2})
assert not np.array_equal(_a == 0, _b == 0), "dropout_forward: different seeds should give different masks"
# The backward pass must use the forward's mask: dx = dout * out / x.
_x = _rng.standard_normal((6, 7)) + 5
_out, _cache = dropout_forward(_x, {"mode": "train", "p": 0.3})
_d = _rng.standard_normal(_x.shape)
assert_close("train-time dropout_backward", dropout_backward(_d, _cache), _d * _out / _x)
### END HIDDEN TESTS
""", "dropout_test", 1)

    # ------------------------------------------------------------ batchnorm
    md(r"""
## Batch normalization

[Batch normalization](https://arxiv.org/abs/1502.03167) normalises each feature with the
mean $\mu$ and the variance $\sigma^2$ of the minibatch, then scales and shifts it with
learned parameters:
$$\hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad \text{out} = \gamma \hat x + \beta,$$
where $\sigma^2$ is the *biased* variance (divide by $N$). At train time the layer keeps
running averages of $\mu$ and $\sigma^2$,
`running = momentum * running + (1 - momentum) * batch_statistic` (momentum 0.9 by default,
running statistics starting at zero); at test time it normalises with those instead of the
batch's statistics.

Implement `batchnorm_forward`. The first check looks at the statistics of the output;
the second at exact values and at the running averages after one step.
""", "batchnorm_forward_md")

    test(r"""
rng = np.random.default_rng(231)
N, D1, D2, D3 = 200, 50, 60, 3
W1, W2 = rng.standard_normal((D1, D2)), rng.standard_normal((D2, D3))
a = np.maximum(0, rng.standard_normal((N, D1)) @ W1) @ W2
gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
out, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
print("means of the output:", out.mean(axis=0), " standard deviations:", out.std(axis=0))
assert_close("per-feature mean of the batchnorm_forward output", out.mean(axis=0), beta, rtol=1e-6)
assert_close("per-feature std of the batchnorm_forward output", out.std(axis=0), gamma, rtol=1e-4)

""" + IN["BN_IN"] + r"""
bn_param = {"mode": "train"}
out, _ = batchnorm_forward(x, gamma, beta, bn_param)
assert_close("out of batchnorm_forward", out, {{bn_out}}, rtol=1e-7)
assert_close("running_mean after one step", bn_param["running_mean"], {{bn_running_mean}}, rtol=1e-7)
assert_close("running_var after one step", bn_param["running_var"], {{bn_running_var}}, rtol=1e-7)
print("batchnorm_forward: visible checks passed")

### BEGIN HIDDEN TESTS
def _bn_reference(x, gamma, beta, mean, var, eps):
    # Per-feature loops: an independent formulation.
    out = np.empty_like(x)
    for d in range(x.shape[1]):
        out[:, d] = gamma[d] * (x[:, d] - mean[d]) / np.sqrt(var[d] + eps) + beta[d]
    return out

_rng = np.random.default_rng(105)
_D = 4
_gamma, _beta = _rng.standard_normal(_D), _rng.standard_normal(_D)
# Small variances, so that a missing or misplaced eps shows.
for _eps, _scale in [(1e-5, 1e-2), (1e-3, 0.1)]:
    _x = _scale * _rng.standard_normal((7, _D)) + 3.0
    _mu = np.array([sum(_x[:, d]) / 7 for d in range(_D)])
    _var = np.array([sum((_x[:, d] - _mu[d]) ** 2) / 7 for d in range(_D)])
    _out, _ = batchnorm_forward(_x, _gamma, _beta, {"mode": "train", "eps": _eps})
    assert_close(f"batchnorm_forward in train mode with eps = {_eps}", _out,
                 _bn_reference(_x, _gamma, _beta, _mu, _var, _eps), rtol=1e-6)

# Several train steps with a custom momentum and eps, then test mode.
_param = {"mode": "train", "momentum": 0.75, "eps": 1e-4}
_rm, _rv = np.zeros(_D), np.zeros(_D)
for _step in range(5):
    _x = (_step + 1) * _rng.standard_normal((6, _D)) + _step
    batchnorm_forward(_x, _gamma, _beta, _param)
    _rm = 0.75 * _rm + 0.25 * np.array([sum(_x[:, d]) / 6 for d in range(_D)])
    _rv = 0.75 * _rv + 0.25 * np.array([sum((_x[:, d] - _x[:, d].mean()) ** 2) / 6 for d in range(_D)])
    assert_close(f"running_mean after {_step + 1} train steps", _param["running_mean"], _rm, rtol=1e-6)
    assert_close(f"running_var after {_step + 1} train steps (biased variance)", _param["running_var"], _rv, rtol=1e-6)
_param["mode"] = "test"
_x = _rng.standard_normal((9, _D))
_out, _ = batchnorm_forward(_x, _gamma, _beta, _param)
assert_close("batchnorm_forward in test mode", _out,
             _bn_reference(_x, _gamma, _beta, _rm, _rv, 1e-4), rtol=1e-6)
assert_close("running_mean (test mode must not update it)", _param["running_mean"], _rm, rtol=1e-6)
assert_close("running_var (test mode must not update it)", _param["running_var"], _rv, rtol=1e-6)
### END HIDDEN TESTS
""", "batchnorm_forward_test", 2)

    md(r"""
Now the backward pass. The mean and the variance depend on every example, so the gradient
of one output reaches every input of its feature: draw the computation graph and
backpropagate through it, or derive a compact formula on paper. Implement
`batchnorm_backward`.
""", "batchnorm_backward_md")

    test(r"""
rng = np.random.default_rng(231)
N, D = 4, 5
x = 5 * rng.standard_normal((N, D)) + 12
gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
dout = rng.standard_normal((N, D))
bn_param = {"mode": "train"}

dx_num = eval_numerical_gradient_array(lambda x: batchnorm_forward(x, gamma, beta, bn_param)[0], x, dout)
dgamma_num = eval_numerical_gradient_array(lambda g: batchnorm_forward(x, g, beta, bn_param)[0], gamma.copy(), dout)
dbeta_num = eval_numerical_gradient_array(lambda b: batchnorm_forward(x, gamma, b, bn_param)[0], beta.copy(), dout)

_, cache = batchnorm_forward(x, gamma, beta, bn_param)
dx, dgamma, dbeta = batchnorm_backward(dout, cache)
assert_gradient_close("dx of batchnorm_backward", dx, dx_num, rtol=1e-5)
assert_gradient_close("dgamma of batchnorm_backward", dgamma, dgamma_num, rtol=1e-5)
assert_gradient_close("dbeta of batchnorm_backward", dbeta, dbeta_num, rtol=1e-5)
print("batchnorm_backward: visible check passed; relative errors",
      rel_error(dx, dx_num), rel_error(dgamma, dgamma_num), rel_error(dbeta, dbeta_num))

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(106)
for _n, _d in [(3, 4), (7, 2), (5, 6)]:
    _x = 2 * _rng.standard_normal((_n, _d)) - 1
    _g, _b = _rng.standard_normal(_d), _rng.standard_normal(_d)
    _dout = _rng.standard_normal((_n, _d))
    _p = {"mode": "train", "eps": 1e-5}
    _, _cache = batchnorm_forward(_x, _g, _b, _p)
    _dx, _dg, _db = batchnorm_backward(_dout, _cache)
    _nx = eval_numerical_gradient_array(lambda v: batchnorm_forward(v, _g, _b, dict(_p))[0], _x, _dout)
    _ng = eval_numerical_gradient_array(lambda v: batchnorm_forward(_x, v, _b, dict(_p))[0], _g.copy(), _dout)
    _nb = eval_numerical_gradient_array(lambda v: batchnorm_forward(_x, _g, v, dict(_p))[0], _b.copy(), _dout)
    assert_gradient_close(f"dx of batchnorm_backward, N={_n}, D={_d}", _dx, _nx, rtol=1e-5)
    assert_gradient_close(f"dgamma of batchnorm_backward, N={_n}, D={_d}", _dg, _ng, rtol=1e-5)
    assert_gradient_close(f"dbeta of batchnorm_backward, N={_n}, D={_d}", _db, _nb, rtol=1e-5)
### END HIDDEN TESTS
""", "batchnorm_backward_test", 2)

    md(r"""
### Spatial batch normalization

For images of shape `(N, C, H, W)`, batch normalization normalises each *channel* with
statistics over the $N \cdot H \cdot W$ values of that channel, with `gamma` and `beta` of
shape `(C,)`. Implement `spatial_batchnorm_forward` and `spatial_batchnorm_backward`. The
short way reshapes the input to `(N * H * W, C)` so that you can call your
`batchnorm_forward` / `batchnorm_backward`; the fast way reduces over axes `(0, 2, 3)` directly
and broadcasts `(1, C, 1, 1)` arrays. Both pass these checks, but with the transposed copies of
the short way each training step of Part 3's ConvNet takes about 1.8 times as long.
""", "spatial_batchnorm_md")

    test(r"""
rng = np.random.default_rng(231)
N, C, H, W = 2, 3, 4, 5
x = 4 * rng.standard_normal((N, C, H, W)) + 10
gamma, beta = np.array([3.0, 4.0, 5.0]), np.array([6.0, 7.0, 8.0])
out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
print("per-channel means:", out.mean(axis=(0, 2, 3)), " stds:", out.std(axis=(0, 2, 3)))
assert_close("per-channel mean of the spatial_batchnorm_forward output", out.mean(axis=(0, 2, 3)), beta, rtol=1e-6)
assert_close("per-channel std of the spatial_batchnorm_forward output", out.std(axis=(0, 2, 3)), gamma, rtol=1e-4)

dout = rng.standard_normal(x.shape)
bn_param = {"mode": "train"}
dx_num = eval_numerical_gradient_array(lambda x: spatial_batchnorm_forward(x, gamma, beta, bn_param)[0], x, dout)
dgamma_num = eval_numerical_gradient_array(lambda g: spatial_batchnorm_forward(x, g, beta, bn_param)[0], gamma.copy(), dout)
dbeta_num = eval_numerical_gradient_array(lambda b: spatial_batchnorm_forward(x, gamma, b, bn_param)[0], beta.copy(), dout)
_, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
assert_gradient_close("dx of spatial_batchnorm_backward", dx, dx_num, rtol=1e-5)
assert_gradient_close("dgamma of spatial_batchnorm_backward", dgamma, dgamma_num, rtol=1e-5)
assert_gradient_close("dbeta of spatial_batchnorm_backward", dbeta, dbeta_num, rtol=1e-5)
print("spatial batchnorm: visible checks passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(107)
_x = _rng.standard_normal((3, 2, 5, 3)) * np.array([1.0, 0.1])[None, :, None, None] + 2
_g, _b = np.array([0.5, -2.0]), np.array([1.0, 0.25])
_p = {"mode": "train", "momentum": 0.5}
_out, _ = spatial_batchnorm_forward(_x, _g, _b, _p)
_mu = np.einsum("nchw->c", _x) / (3 * 5 * 3)
_var = np.einsum("nchw->c", (_x - _mu[None, :, None, None]) ** 2) / (3 * 5 * 3)
_exp = (_x - _mu[None, :, None, None]) / np.sqrt(_var[None, :, None, None] + 1e-5) * _g[None, :, None, None] + _b[None, :, None, None]
assert_close("spatial_batchnorm_forward in train mode", _out, _exp, rtol=1e-6)
assert_close("running_mean of spatial batchnorm (one value per channel)", _p["running_mean"], 0.5 * _mu, rtol=1e-6)
assert_close("running_var of spatial batchnorm (one value per channel)", _p["running_var"], 0.5 * _var, rtol=1e-6)
_p["mode"] = "test"
_x2 = _rng.standard_normal((2, 2, 3, 4))
_out, _ = spatial_batchnorm_forward(_x2, _g, _b, _p)
_exp = (_x2 - 0.5 * _mu[None, :, None, None]) / np.sqrt(0.5 * _var[None, :, None, None] + 1e-5) * _g[None, :, None, None] + _b[None, :, None, None]
assert_close("spatial_batchnorm_forward in test mode", _out, _exp, rtol=1e-6)

_x = _rng.standard_normal((2, 3, 2, 4))
_g, _b = _rng.standard_normal(3), _rng.standard_normal(3)
_dout = _rng.standard_normal(_x.shape)
_, _cache = spatial_batchnorm_forward(_x, _g, _b, {"mode": "train"})
_dx, _dg, _db = spatial_batchnorm_backward(_dout, _cache)
_nx = eval_numerical_gradient_array(lambda v: spatial_batchnorm_forward(v, _g, _b, {"mode": "train"})[0], _x, _dout)
_ng = eval_numerical_gradient_array(lambda v: spatial_batchnorm_forward(_x, v, _b, {"mode": "train"})[0], _g.copy(), _dout)
_nb = eval_numerical_gradient_array(lambda v: spatial_batchnorm_forward(_x, _g, v, {"mode": "train"})[0], _b.copy(), _dout)
assert_gradient_close("dx of spatial_batchnorm_backward, shape (2, 3, 2, 4)", _dx, _nx, rtol=1e-5)
assert_gradient_close("dgamma of spatial_batchnorm_backward, shape (2, 3, 2, 4)", _dg, _ng, rtol=1e-5)
assert_gradient_close("dbeta of spatial_batchnorm_backward, shape (2, 3, 2, 4)", _db, _nb, rtol=1e-5)
### END HIDDEN TESTS
""", "spatial_batchnorm_test", 1)

    # ------------------------------------------------------------ conv
    md(r"""
## Convolution (naive)

A convolutional layer slides each of its $F$ filters (`w` of shape `(F, C, HH, WW)`)
over the zero-padded input (`x` of shape `(N, C, H, W)`, padded by `pad` pixels on every
side) in steps of `stride`, and takes the dot product of the filter with each window, plus
the filter's bias. As in PyTorch, this is a cross-correlation: the filters are not flipped.
With $H' = 1 + (H + 2\,\text{pad} - HH) \,//\, \text{stride}$ (and $W'$ likewise),
$$\text{out}[n, f, i, j] = b_f + \sum_{c, p, q} w[f, c, p, q]\; x_\text{pad}[n, c, i \cdot \text{stride} + p,\; j \cdot \text{stride} + q].$$

Implement `conv_forward_naive`. Loops are fine (the fast version lives in `starter`), but
loop over the output positions only and let numpy handle examples, channels and filters:
the checks then run in a blink.
""", "conv_forward_md")

    test(IN["CONV_IN"] + r"""
out, _ = conv_forward_naive(x, w, b, conv_param)
correct_out = {{conv_out}}
assert_close("out of conv_forward_naive", out, correct_out, rtol=1e-7)
print("conv_forward_naive: visible check passed, relative error", rel_error(out, correct_out))

### BEGIN HIDDEN TESTS
def _conv_reference(x, w, b, stride, pad):
    # Explicit sum over the filter offsets of strided slices.
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    xp[:, :, pad:pad + H, pad:pad + W] = x
    out = np.zeros((N, F, Ho, Wo)) + b[None, :, None, None]
    for p in range(HH):
        for q in range(WW):
            patch = xp[:, :, p:p + stride * (Ho - 1) + 1:stride, q:q + stride * (Wo - 1) + 1:stride]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, p, q])
    return out

_rng = np.random.default_rng(108)
for _xs, _ws, _stride, _pad, _what in [
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 0, "stride 1 and no padding"),
    ((2, 3, 7, 6), (2, 3, 3, 3), 2, 1, "stride 2 and pad 1"),
    ((1, 2, 8, 7), (3, 2, 2, 3), 3, 2, "stride 3, pad 2 and a 2x3 filter"),
    ((3, 1, 6, 6), (1, 1, 4, 4), 2, 0, "a single channel and filter"),
]:
    _x, _w, _b = _rng.standard_normal(_xs), _rng.standard_normal(_ws), _rng.standard_normal(_ws[0])
    _x_before = _x.copy()
    _out, _ = conv_forward_naive(_x, _w, _b, {"stride": _stride, "pad": _pad})
    assert_close(f"conv_forward_naive with {_what}", _out, _conv_reference(_x, _w, _b, _stride, _pad), rtol=1e-6)
    assert np.array_equal(_x, _x_before), "conv_forward_naive must not modify its input x"
### END HIDDEN TESTS
""", "conv_forward_test", 1)

    md(r"""
### Aside: what a convolution does to an image

Before the backward pass, a quick look at what hand-made filters compute: one filter
converts a colour image to greyscale, another detects horizontal edges.
""", "conv_aside_md")

    code(r"""
# A synthetic 64x64 colour image: a red disc and a blue square on a grey background.
yy, xx = np.mgrid[0:64, 0:64]
img = np.full((3, 64, 64), 0.5)
disc = (yy - 22) ** 2 + (xx - 22) ** 2 < 14 ** 2
img[:, disc] = np.array([0.9, 0.1, 0.1])[:, None]
img[:, 36:58, 34:58] = np.array([0.1, 0.2, 0.9])[:, None, None]

w = np.zeros((2, 3, 3, 3))
w[0, :, 1, 1] = [0.3, 0.6, 0.1]            # greyscale: a weighted sum of the channels
w[1, :, :, :] = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]) / 3  # Sobel, horizontal edges
out, _ = conv_forward_naive(img[None], w, np.array([0.0, 0.5]), {"stride": 1, "pad": 1})

fig, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, im, title in zip(axes, [img.transpose(1, 2, 0), out[0, 0], out[0, 1]],
                         ["input", "greyscale filter", "horizontal edges"]):
    ax.imshow(im, cmap="gray" if im.ndim == 2 else None)
    ax.set_title(title)
    ax.axis("off")
plt.show()
""", "conv_aside")

    md(r"""
Now the backward pass: every output position sends its upstream derivative back to the
window of the input and to the filter that produced it, so gradients *accumulate* over
positions (and over overlapping windows). Implement `conv_backward_naive`; `dx` must have
the shape of the unpadded input.
""", "conv_backward_md")

    test(r"""
rng = np.random.default_rng(231)
x = rng.standard_normal((4, 3, 5, 5))
w = rng.standard_normal((2, 3, 3, 3))
b = rng.standard_normal(2)
dout = rng.standard_normal((4, 2, 5, 5))
conv_param = {"stride": 1, "pad": 1}

dx_num = eval_numerical_gradient_array(lambda x: conv_forward_naive(x, w, b, conv_param)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: conv_forward_naive(x, w, b, conv_param)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: conv_forward_naive(x, w, b, conv_param)[0], b, dout)

_, cache = conv_forward_naive(x, w, b, conv_param)
dx, dw, db = conv_backward_naive(dout, cache)
assert_gradient_close("dx of conv_backward_naive", dx, dx_num)
assert_gradient_close("dw of conv_backward_naive", dw, dw_num)
assert_gradient_close("db of conv_backward_naive", db, db_num)
print("conv_backward_naive: visible check passed; relative errors",
      rel_error(dx, dx_num), rel_error(dw, dw_num), rel_error(db, db_num))

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(109)
for _xs, _ws, _stride, _pad, _what in [
    ((2, 2, 7, 6), (3, 2, 3, 3), 2, 1, "stride 2 and pad 1"),
    ((2, 3, 6, 5), (2, 3, 2, 3), 2, 0, "stride 2, no padding, rows and columns left over"),
    ((1, 2, 5, 5), (2, 2, 3, 2), 3, 2, "stride 3 and pad 2"),
]:
    _x, _w, _b = _rng.standard_normal(_xs), _rng.standard_normal(_ws), _rng.standard_normal(_ws[0])
    _cp = {"stride": _stride, "pad": _pad}
    _out, _cache = conv_forward_naive(_x, _w, _b, _cp)
    _dout = _rng.standard_normal(_out.shape)
    _dx, _dw, _db = conv_backward_naive(_dout, _cache)
    _nx = eval_numerical_gradient_array(lambda v: conv_forward_naive(v, _w, _b, _cp)[0], _x, _dout)
    _nw = eval_numerical_gradient_array(lambda v: conv_forward_naive(_x, v, _b, _cp)[0], _w, _dout)
    _nb = eval_numerical_gradient_array(lambda v: conv_forward_naive(_x, _w, v, _cp)[0], _b, _dout)
    assert_gradient_close(f"dx of conv_backward_naive with {_what}", _dx, _nx)
    assert_gradient_close(f"dw of conv_backward_naive with {_what}", _dw, _nw)
    assert_gradient_close(f"db of conv_backward_naive with {_what}", _db, _nb)
### END HIDDEN TESTS
""", "conv_backward_test", 2)

    # ------------------------------------------------------------ max pool
    md(r"""
## Max pooling (naive)

Max pooling takes the maximum of each `pool_height` $\times$ `pool_width` window of each
channel, moving by `stride`; the output is $H' = 1 + (H - \text{pool\_height}) \,//\,
\text{stride}$ high (and $W'$ likewise). Implement `max_pool_forward_naive`.
""", "max_pool_forward_md")

    test(IN["POOL_IN"] + r"""
out, _ = max_pool_forward_naive(x, pool_param)
correct_out = {{pool_out}}
assert_close("out of max_pool_forward_naive", out, correct_out, rtol=1e-7)
print("max_pool_forward_naive: visible check passed, relative error", rel_error(out, correct_out))

### BEGIN HIDDEN TESTS
def _pool_reference(x, ph, pw, s):
    windows = np.lib.stride_tricks.sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s]
    return windows.max(axis=(4, 5))

_rng = np.random.default_rng(110)
for _xs, _ph, _pw, _s, _what in [
    ((2, 3, 6, 6), 3, 3, 2, "overlapping 3x3 windows, stride 2"),
    ((1, 2, 5, 7), 2, 3, 1, "2x3 windows, stride 1"),
    ((3, 1, 7, 5), 2, 2, 2, "rows and columns left over"),
]:
    _x = _rng.standard_normal(_xs)
    _out, _ = max_pool_forward_naive(_x, {"pool_height": _ph, "pool_width": _pw, "stride": _s})
    assert_close(f"max_pool_forward_naive with {_what}", _out, _pool_reference(_x, _ph, _pw, _s), rtol=1e-7)
### END HIDDEN TESTS
""", "max_pool_forward_test", 1)

    md(r"""
In the backward pass, each upstream derivative flows to the position of its window's
maximum. Where several elements tie for the maximum, the whole gradient goes to the
*first* of them in row-major order (the one `np.argmax` picks). Windows can overlap, so
accumulate. Implement `max_pool_backward_naive`.
""", "max_pool_backward_md")

    test(r"""
rng = np.random.default_rng(231)
x = rng.standard_normal((3, 2, 8, 8))
dout = rng.standard_normal((3, 2, 4, 4))
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
dx_num = eval_numerical_gradient_array(lambda x: max_pool_forward_naive(x, pool_param)[0], x, dout)
_, cache = max_pool_forward_naive(x, pool_param)
dx = max_pool_backward_naive(dout, cache)
assert_gradient_close("dx of max_pool_backward_naive", dx, dx_num)
print("max_pool_backward_naive: visible check passed, relative error", rel_error(dx, dx_num))

### BEGIN HIDDEN TESTS
def _pool_backward_reference(x, dout, ph, pw, s):
    # Element-by-element loops; ties go to the first maximum in row-major order.
    dx = np.zeros_like(x)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    best, at = -np.inf, None
                    for p in range(ph):
                        for q in range(pw):
                            if x[n, c, i * s + p, j * s + q] > best:
                                best, at = x[n, c, i * s + p, j * s + q], (i * s + p, j * s + q)
                    dx[n, c, at[0], at[1]] += dout[n, c, i, j]
    return dx

_rng = np.random.default_rng(111)
for _xs, _ph, _pw, _s, _what in [
    ((2, 2, 5, 5), 2, 2, 1, "overlapping windows (stride 1)"),
    ((1, 3, 7, 6), 3, 2, 2, "3x2 windows, stride 2"),
]:
    _x = _rng.standard_normal(_xs)
    _pp = {"pool_height": _ph, "pool_width": _pw, "stride": _s}
    _out, _cache = max_pool_forward_naive(_x, _pp)
    _dout = _rng.standard_normal(_out.shape)
    _dx = max_pool_backward_naive(_dout, _cache)
    _nx = eval_numerical_gradient_array(lambda v: max_pool_forward_naive(v, _pp)[0], _x, _dout)
    assert_gradient_close(f"dx of max_pool_backward_naive with {_what}", _dx, _nx)
    assert_close(f"dx of max_pool_backward_naive with {_what}", _dx,
                 _pool_backward_reference(_x, _dout, _ph, _pw, _s), rtol=1e-7)
# Duplicated maxima: small integers tie often.
for _s in [2, 1]:
    _x = _rng.integers(0, 3, size=(2, 2, 6, 6)).astype(np.float64)
    _pp = {"pool_height": 2, "pool_width": 2, "stride": _s}
    _out, _cache = max_pool_forward_naive(_x, _pp)
    _dout = _rng.standard_normal(_out.shape)
    assert_close(f"dx of max_pool_backward_naive with tied maxima (stride {_s})",
                 max_pool_backward_naive(_dout, _cache),
                 _pool_backward_reference(_x, _dout, 2, 2, _s), rtol=1e-7)
### END HIDDEN TESTS
""", "max_pool_backward_test", 1)

    # ------------------------------------------------------------ losses
    md(r"""
## Losses

For $N$ examples with scores `x` of shape `(N, C)` and labels `y` (integers in
$[0, C)$):

- the **softmax** (cross-entropy) loss is
  $\frac1N \sum_i -\log \frac{e^{x_{i, y_i}}}{\sum_j e^{x_{ij}}}$. Scores can be large:
  subtract each row's maximum before exponentiating (this changes nothing mathematically)
  so that nothing overflows;
- the multiclass **SVM** loss is $\frac1N \sum_i \sum_{j \ne y_i} \max(0,\, x_{ij} - x_{i,y_i} + 1)$.

Both return the loss and its gradient `dx` with respect to `x`. Implement `softmax_loss`;
with tiny random scores and 10 classes its loss should be close to $\log 10 \approx 2.3$.
""", "softmax_md")

    test(IN["SOFTMAX_IN"] + r"""
loss, dx = softmax_loss(x, y)
assert_close("loss of softmax_loss", loss, {{softmax_loss}}, rtol=1e-7)
assert_close("dx of softmax_loss", dx, {{softmax_dx}}, rtol=1e-7)

rng = np.random.default_rng(231)
num_classes, num_inputs = 10, 50
x = 0.001 * rng.standard_normal((num_inputs, num_classes))
y = rng.integers(num_classes, size=num_inputs)
loss, dx = softmax_loss(x, y)
dx_num = eval_numerical_gradient(lambda x: softmax_loss(x, y)[0], x, verbose=False)
print(f"softmax loss: {loss:.6f} (log 10 = {np.log(10):.6f})")
assert abs(loss - np.log(10)) < 0.01, "softmax_loss: with tiny scores the loss should be close to log(C)"
assert_gradient_close("dx of softmax_loss", dx, dx_num)
print("softmax_loss: visible checks passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(112)
for _n, _c, _scale, _what in [(7, 4, 3.0, "moderate scores"), (5, 6, 1000.0, "large scores (do you shift by the row maximum?)"),
                              (3, 2, 800.0, "large scores (do you shift by the row maximum?)")]:
    _x = _scale * _rng.standard_normal((_n, _c))
    _y = _rng.integers(_c, size=_n)
    # np.logaddexp.reduce is a stable log-sum-exp, independent of any max shift.
    _lse = np.array([np.logaddexp.reduce(row) for row in _x])
    _expected = np.mean(_lse - _x[np.arange(_n), _y])
    _p = np.exp(_x - _lse[:, None])
    _p[np.arange(_n), _y] -= 1
    _loss, _dx = softmax_loss(_x, _y)
    assert_close(f"loss of softmax_loss with {_what}", _loss, _expected, rtol=1e-7)
    assert_close(f"dx of softmax_loss with {_what}", _dx, _p / _n, rtol=1e-6)
_x = _rng.standard_normal((6, 3))
_y = _rng.integers(3, size=6)
_num = eval_numerical_gradient(lambda v: softmax_loss(v, _y)[0], _x, verbose=False)
assert_gradient_close("dx of softmax_loss, 6 examples and 3 classes", softmax_loss(_x, _y)[1], _num)
### END HIDDEN TESTS
""", "softmax_loss_test", 1)

    md(r"""
Implement `svm_loss`. With tiny scores every one of the $C - 1$ wrong classes violates the
margin by about 1, so the loss should be close to $C - 1 = 9$.
""", "svm_md")

    test(IN["SOFTMAX_IN"] + r"""
loss, dx = svm_loss(x, y)
assert_close("loss of svm_loss", loss, {{svm_loss}}, rtol=1e-7)
assert_close("dx of svm_loss", dx, {{svm_dx}}, rtol=1e-7)

rng = np.random.default_rng(231)
num_classes, num_inputs = 10, 50
x = 0.001 * rng.standard_normal((num_inputs, num_classes))
y = rng.integers(num_classes, size=num_inputs)
loss, dx = svm_loss(x, y)
dx_num = eval_numerical_gradient(lambda x: svm_loss(x, y)[0], x, verbose=False)
print(f"SVM loss: {loss:.6f} (C - 1 = 9)")
assert abs(loss - 9) < 0.01, "svm_loss: with tiny scores the loss should be close to C - 1"
assert_gradient_close("dx of svm_loss", dx, dx_num)
print("svm_loss: visible checks passed")

### BEGIN HIDDEN TESTS
def _svm_reference(x, y):
    # Example by example, class by class.
    N, C = x.shape
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(N):
        for j in range(C):
            if j == y[i]:
                continue
            margin = x[i, j] - x[i, y[i]] + 1
            if margin > 0:
                loss += margin
                dx[i, j] += 1
                dx[i, y[i]] -= 1
    return loss / N, dx / N

_rng = np.random.default_rng(113)
for _n, _c in [(8, 5), (3, 2), (1, 4)]:
    _x = _rng.standard_normal((_n, _c))
    _y = _rng.integers(_c, size=_n)
    _el, _edx = _svm_reference(_x, _y)
    _loss, _dx = svm_loss(_x, _y)
    assert_close(f"loss of svm_loss, {_n} examples and {_c} classes", _loss, _el, rtol=1e-7)
    assert_close(f"dx of svm_loss, {_n} examples and {_c} classes", _dx, _edx, rtol=1e-7)
### END HIDDEN TESTS
""", "svm_loss_test", 1)

    md(r"""
### Binary losses

For two classes a single score per example is enough. With labels $y_i \in \{0, 1\}$
mapped to signs $s_i = 2 y_i - 1$:

- the **logistic** loss is $\frac1N \sum_i \log(1 + e^{-s_i x_i})$;
- the **hinge** loss is $\frac1N \sum_i \max(0,\, 1 - s_i x_i)$.

Scores `x` have shape `(N,)` or `(N, 1)`; return `dx` of the same shape. Scores can be
large (hundreds, in either direction): the logistic loss and its gradient must stay finite
and accurate, with no overflow warnings (`np.logaddexp` helps). Implement `logistic_loss`
and `hinge_loss`.
""", "binary_losses_md")

    test(IN["BINARY_IN"] + r"""
loss, dx = logistic_loss(x, y)
assert_close("loss of logistic_loss", loss, {{logistic_loss}}, rtol=1e-7)
assert_close("dx of logistic_loss", dx, {{logistic_dx}}, rtol=1e-7)
loss, dx = hinge_loss(x, y)
assert_close("loss of hinge_loss", loss, {{hinge_loss}}, rtol=1e-7)
assert_close("dx of hinge_loss", dx, {{hinge_dx}}, rtol=1e-7)

rng = np.random.default_rng(231)
x = rng.standard_normal((20, 1))
y = rng.integers(2, size=20)
for loss_fn in [logistic_loss, hinge_loss]:
    loss, dx = loss_fn(x, y)
    dx_num = eval_numerical_gradient(lambda x: loss_fn(x, y)[0], x, verbose=False)
    assert_gradient_close(f"dx of {loss_fn.__name__} for scores of shape (20, 1)", dx, dx_num)
print("binary losses: visible checks passed")

### BEGIN HIDDEN TESTS
def _logistic_reference(x, y):
    # Branch on the sign of the margin so that exp never overflows.
    z = (2.0 * y - 1.0) * x
    per = np.where(z > 0, np.log1p(np.exp(-np.abs(z))), -z + np.log1p(np.exp(-np.abs(z))))
    sig = np.where(z > 0, np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))), 1 / (1 + np.exp(-np.abs(z))))
    return per.mean(), -(2.0 * y - 1.0) * sig / len(x)

_rng = np.random.default_rng(114)
for _scale, _what in [(2.0, "moderate scores"), (500.0, "large scores")]:
    # The last two examples have margins s * x of -900 and +900 in the large case.
    _x = np.concatenate([_scale * _rng.standard_normal(7), [_scale * 1.8, _scale * 1.8]])
    _y = np.concatenate([_rng.integers(2, size=7), [0, 1]])
    _el, _edx = _logistic_reference(_x, _y)
    _loss, _dx = logistic_loss(_x, _y)
    assert_close(f"loss of logistic_loss with {_what}", _loss, _el, rtol=1e-7)
    assert_close(f"dx of logistic_loss with {_what}", _dx, _edx, rtol=1e-6)
    _loss, _dx = logistic_loss(_x[:, None], _y)
    assert_close(f"dx of logistic_loss for (N, 1) scores with {_what}", _dx, _edx[:, None], rtol=1e-6)
    _z = (2.0 * _y - 1.0) * _x
    _loss, _dx = hinge_loss(_x[:, None], _y.astype(bool))
    assert_close(f"loss of hinge_loss with {_what}", _loss, np.mean([max(0.0, 1 - v) for v in _z]), rtol=1e-7)
    assert_close(f"dx of hinge_loss for (N, 1) scores with {_what}", _dx,
                 np.array([[-(2.0 * t - 1) / 9 if v < 1 else 0.0] for v, t in zip(_z, _y)]), rtol=1e-7)
_x = np.array([-3.0, 0.25, 2.0, 0.5, -0.8, 1.5])
_y = np.array([0, 1, 1, 0, 1, 0])
for _fn in [logistic_loss, hinge_loss]:
    _num = eval_numerical_gradient(lambda v: _fn(v, _y)[0], _x.copy(), verbose=False)
    assert_gradient_close(f"dx of {_fn.__name__} for scores of shape (6,)", _fn(_x, _y)[1], _num)
### END HIDDEN TESTS
""", "binary_losses_test", 1)

    # ------------------------------------------------------------ optim
    md(r"""
## Update rules

`optim.py` holds the rules that turn a gradient into a step. Each has the interface
`next_w, config = update(w, dw, config)`: `config` carries the hyperparameters and the
rule's state from one step to the next, and `w` and `dw` must not be modified in place.

- **SGD**: $w \leftarrow w - \eta\, dw$.
- **SGD with momentum**: $v \leftarrow \mu v - \eta\, dw$, then $w \leftarrow w + v$.
- **RMSProp**: $c \leftarrow \rho c + (1 - \rho)\, dw^2$, then
  $w \leftarrow w - \eta\, dw / (\sqrt{c} + \epsilon)$.
- **Adam**: $t \leftarrow t + 1$, $m \leftarrow \beta_1 m + (1 - \beta_1)\, dw$,
  $v \leftarrow \beta_2 v + (1 - \beta_2)\, dw^2$, then with the bias-corrected
  $\hat m = m / (1 - \beta_1^t)$ and $\hat v = v / (1 - \beta_2^t)$,
  $w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$.

Implement `sgd` and `sgd_momentum`.
""", "optim_md")

    test(IN["OPTIM_IN"] + r"""
w_before, dw_before = w.copy(), dw.copy()
next_w, _ = sgd(w, dw, {"learning_rate": 0.1})
assert_close("next_w of sgd", next_w, {{sgd_w}}, rtol=1e-7)

config = {"learning_rate": 1e-3, "velocity": np.zeros_like(w)}
next_w, config = sgd_momentum(w, dw, config)
assert_close("next_w of sgd_momentum", next_w, {{momentum_w}}, rtol=1e-7)
assert_close("velocity of sgd_momentum", config["velocity"], {{momentum_v}}, rtol=1e-7)
assert np.array_equal(w, w_before) and np.array_equal(dw, dw_before), "the update rules must not modify w or dw in place"
print("sgd and sgd_momentum: visible checks passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(115)
_w0 = _rng.standard_normal((3, 4))
_grads = [_rng.standard_normal((3, 4)) for _ in range(5)]
# sgd with its default learning rate (1e-2) and no config
_next, _ = sgd(_w0.copy(), _grads[0])
assert_close("sgd with config=None", _next, _w0 - 1e-2 * _grads[0], rtol=1e-7)
# five momentum steps from a default config, against the closed form of the velocity
_w, _cfg, _v, _wr = _w0.copy(), {"learning_rate": 0.05, "momentum": 0.8}, np.zeros((3, 4)), _w0.copy()
for _k, _g in enumerate(_grads):
    _w_in, _g_in = _w.copy(), _g.copy()
    _w_next, _cfg = sgd_momentum(_w, _g, _cfg)
    assert np.array_equal(_w, _w_in) and np.array_equal(_g, _g_in), "sgd_momentum must not modify w or dw in place"
    _w = _w_next
    _v = -0.05 * sum(0.8 ** (_k - i) * _grads[i] for i in range(_k + 1))
    _wr = _wr + _v
    assert_close(f"next_w of sgd_momentum after {_k + 1} steps", _w, _wr, rtol=1e-7)
    assert_close(f"velocity of sgd_momentum after {_k + 1} steps", _cfg["velocity"], _v, rtol=1e-7)
_next, _cfg = sgd_momentum(_w0.copy(), _grads[0])
assert_close("sgd_momentum with config=None (defaults 1e-2 and 0.9)", _next, _w0 - 1e-2 * _grads[0], rtol=1e-7)
### END HIDDEN TESTS
""", "sgd_momentum_test", 1)

    md(r"""
Implement `rmsprop`.
""", "rmsprop_md")

    test(IN["OPTIM_IN"] + r"""
w_before, dw_before = w.copy(), dw.copy()
config = {"learning_rate": 1e-2, "cache": np.zeros_like(w)}
next_w, config = rmsprop(w, dw, config)
assert_close("next_w of rmsprop", next_w, {{rmsprop_w}}, rtol=1e-7)
assert_close("cache of rmsprop", config["cache"], {{rmsprop_cache}}, rtol=1e-7)
assert np.array_equal(w, w_before) and np.array_equal(dw, dw_before), "rmsprop must not modify w or dw in place"
print("rmsprop: visible check passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(116)
_w0 = _rng.standard_normal((2, 5))
_grads = [_rng.standard_normal((2, 5)) * (k + 1) for k in range(5)]
_w, _cfg, _cache, _wr = _w0.copy(), {"learning_rate": 0.03, "decay_rate": 0.9}, np.zeros((2, 5)), _w0.copy()
for _k, _g in enumerate(_grads):
    _w_in, _g_in = _w.copy(), _g.copy()
    _w_next, _cfg = rmsprop(_w, _g, _cfg)
    assert np.array_equal(_w, _w_in) and np.array_equal(_g, _g_in), "rmsprop must not modify w or dw in place"
    _w = _w_next
    _cache = 0.1 * sum(0.9 ** (_k - i) * _grads[i] ** 2 for i in range(_k + 1))
    _wr = _wr - 0.03 * _g / (_cache ** 0.5 + 1e-8)
    assert_close(f"next_w of rmsprop after {_k + 1} steps", _w, _wr, rtol=1e-7)
    assert_close(f"cache of rmsprop after {_k + 1} steps", _cfg["cache"], _cache, rtol=1e-7)
_next, _ = rmsprop(_w0.copy(), _grads[0])
assert_close("rmsprop with config=None (defaults)", _next, _w0 - 1e-2 * _grads[0] / (np.abs(_grads[0]) * 0.1 + 1e-8), rtol=1e-6)
### END HIDDEN TESTS
""", "rmsprop_test", 1)

    md(r"""
Implement `adam`; increment `t` *before* using it, so that the first step already uses
$t = 1$ in the bias correction. The check runs three steps.
""", "adam_md")

    test(IN["OPTIM_IN"] + r"""
w_before, dw_before = w.copy(), dw.copy()
config = {"learning_rate": 1e-2}
next_w = w
for _ in range(3):
    next_w, config = adam(next_w, dw, config)
assert_close("next_w of adam after 3 steps", next_w, {{adam_w}}, rtol=1e-7)
assert_close("m of adam after 3 steps", config["m"], {{adam_m}}, rtol=1e-7)
assert_close("v of adam after 3 steps", config["v"], {{adam_v}}, rtol=1e-7)
assert config["t"] == 3, f"adam: config['t'] should be 3 after three steps, got {config['t']}"
assert np.array_equal(w, w_before) and np.array_equal(dw, dw_before), "adam must not modify w or dw in place"
print("adam: visible check passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(117)
_w0 = _rng.standard_normal((4, 3))
_grads = [_rng.standard_normal((4, 3)) for _ in range(6)]
_b1, _b2, _lr = 0.8, 0.95, 0.02
_w, _cfg, _wr = _w0.copy(), {"learning_rate": _lr, "beta1": _b1, "beta2": _b2}, _w0.copy()
for _k, _g in enumerate(_grads):
    _t = _k + 1
    _w_in, _g_in = _w.copy(), _g.copy()
    _w_next, _cfg = adam(_w, _g, _cfg)
    assert np.array_equal(_w, _w_in) and np.array_equal(_g, _g_in), "adam must not modify w or dw in place"
    _w = _w_next
    # Closed forms of the moving averages after t steps.
    _m = (1 - _b1) * sum(_b1 ** (_k - i) * _grads[i] for i in range(_t))
    _v = (1 - _b2) * sum(_b2 ** (_k - i) * _grads[i] ** 2 for i in range(_t))
    _wr = _wr - _lr * (_m / (1 - _b1 ** _t)) / (np.sqrt(_v / (1 - _b2 ** _t)) + 1e-8)
    assert _cfg["t"] == _t, f"adam: config['t'] should be {_t} after {_t} steps"
    assert_close(f"m of adam after {_t} steps", _cfg["m"], _m, rtol=1e-7)
    assert_close(f"v of adam after {_t} steps", _cfg["v"], _v, rtol=1e-7)
    assert_close(f"next_w of adam after {_t} steps", _w, _wr, rtol=1e-7)
_next, _cfg = adam(_w0.copy(), _grads[0])
# With the defaults the first step moves each weight by about learning_rate = 1e-3.
assert_close("adam with config=None (defaults)", _next, _w0 - 1e-3 * _grads[0] / (np.abs(_grads[0]) + 1e-8), rtol=1e-6)
assert _cfg["t"] == 1, "adam: config['t'] should be 1 after the first step"
### END HIDDEN TESTS
""", "adam_test", 1)

    md(r"""
### The update rules side by side

A toy problem: minimise the badly conditioned quadratic
$f(w) = \tfrac12 (w_1^2 + 30\, w_2^2)$ from $w = (-4, 1)$. Plain SGD zig-zags across the narrow
valley; momentum speeds it up along the valley; RMSProp and Adam rescale each coordinate.
""", "optim_plot_md")

    code(r"""
def quadratic(w):
    return 0.5 * (w[0] ** 2 + 30 * w[1] ** 2), np.array([w[0], 30 * w[1]])

rules = {"sgd": (sgd, 0.06), "sgd_momentum": (sgd_momentum, 0.01),
         "rmsprop": (rmsprop, 0.05), "adam": (adam, 0.2)}
fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
g1, g2 = np.meshgrid(np.linspace(-4.5, 1.5, 100), np.linspace(-1.5, 1.5, 100))
ax_path.contour(g1, g2, 0.5 * (g1 ** 2 + 30 * g2 ** 2), levels=20, cmap="Greys")
for name, (rule, lr) in rules.items():
    w, config, path, losses = np.array([-4.0, 1.0]), {"learning_rate": lr}, [], []
    for _ in range(60):
        loss, dw = quadratic(w)
        path.append(w)
        losses.append(loss)
        w, config = rule(w, dw, config)
    path = np.array(path)
    ax_path.plot(path[:, 0], path[:, 1], ".-", label=name)
    ax_loss.semilogy(losses, label=name)
ax_path.set(title="trajectories", xlabel="$w_1$", ylabel="$w_2$")
ax_loss.set(title="loss", xlabel="step")
ax_loss.legend()
plt.show()
""", "optim_plot")

    # ------------------------------------------------------------ written
    md(r"""
## Written question (extra credit, 6 points): the convolution backward pass

Derive the gradients of a loss $L$ with respect to $b$, $w$ and $x$ for the convolutional
layer of `conv_forward_naive`, given the upstream derivative
$\frac{\partial L}{\partial \text{out}}$ (call it $d\text{out}$). Use the index notation of the
forward formula above, account for padding and stride, and explain in one or two sentences
why $dx$ (for stride 1) is itself a convolution, and with which filter. Write your answer
in the cell below (Markdown with LaTeX, e.g. `$\frac{\partial L}{\partial w}$`).
""", "conv_backward_derivation_prompt")

    answer(r"""
### BEGIN SOLUTION
Write $\tilde x$ for the zero-padded input, $s$ for the stride, and
$$\text{out}[n,f,i,j] = b_f + \sum_{c=0}^{C-1}\sum_{p=0}^{HH-1}\sum_{q=0}^{WW-1} w[f,c,p,q]\,\tilde x[n,c,is+p,\,js+q].$$
By the chain rule, $\frac{\partial L}{\partial \theta} = \sum_{n,f,i,j} d\text{out}[n,f,i,j]\,\frac{\partial\, \text{out}[n,f,i,j]}{\partial \theta}$.

**Bias.** $\partial\,\text{out}[n,f,i,j] / \partial b_{f'} = [f = f']$, so
$$db_f = \sum_{n}\sum_{i=0}^{H'-1}\sum_{j=0}^{W'-1} d\text{out}[n,f,i,j].$$

**Weights.** $\partial\,\text{out}[n,f,i,j] / \partial w[f,c,p,q] = \tilde x[n,c,is+p,js+q]$, so
$$dw[f,c,p,q] = \sum_{n,i,j} d\text{out}[n,f,i,j]\;\tilde x[n,c,is+p,\,js+q],$$
the cross-correlation of the padded input with the upstream gradient (dilated by the stride).

**Input.** The padded pixel $\tilde x[n,c,h,v]$ appears in every output $(i,j)$ whose window
covers it, with offset $p = h - is \in [0, HH)$, $q = v - js \in [0, WW)$:
$$d\tilde x[n,c,h,v] = \sum_{f}\;\sum_{\substack{i:\ 0 \le h - is < HH}}\;\sum_{\substack{j:\ 0 \le v - js < WW}} d\text{out}[n,f,i,j]\; w[f,c,\,h-is,\,v-js],$$
and, since padding only adds constant zeros, $dx[n,c,h,v] = d\tilde x[n,c,h+\text{pad},v+\text{pad}]$
(crop the padding; gradients that land on padded pixels are discarded).

**Why $dx$ is a convolution.** For $s = 1$, $d\tilde x[n,c,h,v] = \sum_{f,p,q} d\text{out}[n,f,h-p,v-q]\,w[f,c,p,q]$
(with $d\text{out}$ zero outside its range): a *full* convolution (in the true, flipped
sense) of $d\text{out}$ with the filters, i.e. the cross-correlation of $d\text{out}$ zero-padded
by $HH-1$, $WW-1$ with the filters rotated by 180° and with the roles of input and output
channels swapped ($w[f,c]$ maps output channel $f$ back to input channel $c$). For $s > 1$ the
same holds after inserting $s-1$ zeros between the entries of $d\text{out}$ ("transposed
convolution").

#### Rubric (for graders)
- 1 pt: $db$ as the sum of $d\text{out}$ over $n$, $i$, $j$.
- 2 pts: $dw$ with the correct index expression (stride and padding in the indices of $\tilde x$; sum over $n, i, j$). 1 pt if the structure is right but an index is off.
- 2 pts: $dx$ as a sum over every output position whose window covers the pixel, with the cropping of the padding. 1 pt if correct for stride 1 and no padding only.
- 1 pt: the interpretation: full convolution / cross-correlation with 180°-rotated filters, channels swapped (transposed convolution for stride > 1).
### END SOLUTION
""", "conv_backward_derivation", 6)
