"""Generate ``solutions/dl/3_cnn.ipynb`` (run from the repository root).

Expected values of the visible checks are computed here with PyTorch in
float64 (independently of ``layers.py``/``cnn.py``) and written into the
notebook as literals; hidden tests use independent numpy references or numeric
gradients. Cells that train carry ``"course": {"timeout": seconds}`` (see
``tools/part2/make_notebook.py``). Run ``python tools/part3/make_notebook.py``
after editing a cell; the notebook is the committed artefact.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "solutions" / "dl" / "3_cnn.ipynb"
sys.path.insert(0, str(ROOT / "tools" / "part2"))
from make_notebook import GRADIENT_HELPERS, build_cells_notebook, lit  # noqa: E402

torch.set_default_dtype(torch.float64)

# Training recipe of the solution, shared by the training cell and the prose.
VAL_THRESHOLD, TEST_THRESHOLD = 0.98, 0.975

E: dict[str, str] = {"HELPERS": GRADIENT_HELPERS.strip("\n") + "\n",
                     "VAL": str(VAL_THRESHOLD), "TEST": str(TEST_THRESHOLD)}

# ---------------------------------------------------------------- expected values (torch)
LOSS_IN = """\
model = ConvNet(input_dim=(2, 6, 6), num_filters=(3, 4), filter_size=3, hidden_dim=5,
                num_classes=4, dtype=np.float64)
for i, name in enumerate(sorted(model.params)):
    shape = model.params[name].shape
    model.params[name] = np.linspace(-0.3 - 0.1 * i, 0.4 + 0.05 * i, num=int(np.prod(shape))).reshape(shape)
X = np.linspace(-1.0, 1.5, num=3 * 2 * 6 * 6).reshape(3, 2, 6, 6)
y = np.array([1, 3, 0])
"""


def _loss_expected():
    shapes = {"W1": (3, 2, 3, 3), "b1": (3,), "gamma1": (3,), "beta1": (3,),
              "W2": (4, 3, 3, 3), "b2": (4,), "gamma2": (4,), "beta2": (4,),
              "W3": (4, 5), "b3": (5,), "W4": (5, 4), "b4": (4,)}
    p = {}
    for i, name in enumerate(sorted(shapes)):
        n = int(np.prod(shapes[name]))
        p[name] = torch.tensor(np.linspace(-0.3 - 0.1 * i, 0.4 + 0.05 * i, num=n).reshape(shapes[name]))
    X = torch.tensor(np.linspace(-1.0, 1.5, num=3 * 2 * 6 * 6).reshape(3, 2, 6, 6))
    y = torch.tensor([1, 3, 0])
    h = X
    for i in (1, 2):
        h = F.conv2d(h, p[f"W{i}"], p[f"b{i}"], padding=1)
        h = F.batch_norm(h, None, None, p[f"gamma{i}"], p[f"beta{i}"], training=True, eps=1e-5)
        h = F.max_pool2d(F.relu(h), 2)
    h = F.relu(h.reshape(3, -1) @ p["W3"] + p["b3"])
    scores = h @ p["W4"] + p["b4"]
    data_loss = F.cross_entropy(scores, y)
    l2 = sum((p[f"W{i}"] ** 2).sum() for i in (1, 2, 3, 4))
    return data_loss.item(), (data_loss + 0.5 * 0.25 * l2).item()


E["cnn_loss_reg0"], E["cnn_loss_reg"] = (lit(v) for v in _loss_expected())

# ---------------------------------------------------------------- cells
CELLS: list[tuple[str, str, dict]] = []


def md(source, grade_id):
    CELLS.append(("markdown", source, {"grade_id": grade_id}))


def code(source, grade_id, timeout=None):
    CELLS.append(("code", source, {"grade_id": grade_id, "timeout": timeout}))


def solution(source, grade_id, timeout=None):
    CELLS.append(("solution", source, {"grade_id": grade_id, "timeout": timeout}))


def test(source, grade_id, points):
    CELLS.append(("code", source, {"grade_id": grade_id, "points": points, "grade": True}))


md(r"""
# Part 3: A convolutional network on MNIST

In this part you build a small convolutional network from your layers and train it on
MNIST:

- `cnn.py`: the sandwich layer `conv_bn_relu_pool_forward` / `_backward` (convolution,
  spatial batch norm, ReLU, $2 \times 2$ max pooling) and `ConvNet`:
  $\{\text{conv} - [\text{spatial BN}] - \text{relu} - \text{pool}\} \times K - \text{affine} -
  \text{relu} - [\text{dropout}] - \text{affine} - \text{softmax}$.

Your naive convolution and pooling from Part 1 are correct but far too slow to train with,
so `cnn.py` uses the fast versions in `starter.fast_layers` (same signatures, an im2col
convolution and strided-view pooling); everything else is your own code from `layers.py`.

**How you are graded.** The test cells are worth 15 points; hidden tests add other shapes,
depths and settings. The network you train must reach **{{VAL}}** validation and **{{TEST}}**
test accuracy. The training cell is stopped after 5 minutes; the solution trains in about a
minute on one idle core.
""", "intro")

code(r"""
%load_ext autoreload
%autoreload 2

import time

import matplotlib.pyplot as plt
import numpy as np

from starter import (
    Solver,
    assert_close,
    assert_gradient_close,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    load_mnist,
    plot_filters,
    plot_training_curves,
    random_shift,
    rel_error,
)
from starter.fast_layers import (
    conv_backward_fast,
    conv_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
)
from starter.seeding import seed_everything

from cnn import ConvNet, conv_bn_relu_pool_backward, conv_bn_relu_pool_forward
from layers import (
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)
from optim import adam

seed_everything(231)


{{HELPERS}}""", "setup")

md(r"""
## Naive and fast layers

The fast layers compute the same functions as your naive ones. The cell below compares
them on a small batch, forward and backward, and times both: the im2col convolution turns
the whole layer into one matrix product.
""", "fast_md")

test(r"""
rng = np.random.default_rng(0)
x = rng.standard_normal((20, 3, 16, 16))
w = rng.standard_normal((8, 3, 3, 3))
b = rng.standard_normal(8)
dout = rng.standard_normal((20, 8, 16, 16))
conv_param = {"stride": 1, "pad": 1}

t0 = time.perf_counter()
out_naive, cache_naive = conv_forward_naive(x, w, b, conv_param)
dx_naive, dw_naive, db_naive = conv_backward_naive(dout, cache_naive)
t1 = time.perf_counter()
out_fast, cache_fast = conv_forward_fast(x, w, b, conv_param)
dx_fast, dw_fast, db_fast = conv_backward_fast(dout, cache_fast)
t2 = time.perf_counter()
print(f"conv forward + backward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s "
      f"({(t1 - t0) / (t2 - t1):.0f}x)")
assert_close("conv_forward_naive against conv_forward_fast", out_naive, out_fast, rtol=1e-8)
for name, naive, fast in [("dx", dx_naive, dx_fast), ("dw", dw_naive, dw_fast), ("db", db_naive, db_fast)]:
    assert_close(f"{name} of conv_backward_naive against conv_backward_fast", naive, fast, rtol=1e-8)

pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
dpool = rng.standard_normal((20, 3, 8, 8))
t0 = time.perf_counter()
p_naive, pc_naive = max_pool_forward_naive(x, pool_param)
dxp_naive = max_pool_backward_naive(dpool, pc_naive)
t1 = time.perf_counter()
p_fast, pc_fast = max_pool_forward_fast(x, pool_param)
dxp_fast = max_pool_backward_fast(dpool, pc_fast)
t2 = time.perf_counter()
print(f"max pool forward + backward: naive {t1 - t0:.4f} s, fast {t2 - t1:.4f} s")
assert_close("max_pool_forward_naive against the fast version", p_naive, p_fast, rtol=1e-12)
assert_close("max_pool_backward_naive against the fast version", dxp_naive, dxp_fast, rtol=1e-12)

### BEGIN HIDDEN TESTS
for _shape, _wshape, _param in [((2, 1, 7, 9), (4, 1, 5, 5), {"stride": 1, "pad": 2}),
                                ((3, 2, 9, 8), (2, 2, 3, 3), {"stride": 2, "pad": 1})]:
    _x, _w, _b = rng.standard_normal(_shape), rng.standard_normal(_wshape), rng.standard_normal(_wshape[0])
    _o1, _c1 = conv_forward_naive(_x, _w, _b, _param)
    _o2, _c2 = conv_forward_fast(_x, _w, _b, _param)
    assert_close(f"conv_forward_naive with x {_shape}, w {_wshape}, {_param}", _o1, _o2, rtol=1e-8)
    _d = rng.standard_normal(_o2.shape)
    for _n, _a, _f in zip(("dx", "dw", "db"), conv_backward_naive(_d, _c1), conv_backward_fast(_d, _c2)):
        assert_close(f"{_n} of conv_backward_naive with x {_shape}, {_param}", _a, _f, rtol=1e-8)
### END HIDDEN TESTS
""", "naive_vs_fast_test", 1)

md(r"""
## Spatial batch normalization

Convolutional layers are normalised per channel, with statistics over the batch and all
spatial positions. Your `spatial_batchnorm_forward` and `_backward` from Part 1 are checked
once more here, since the network below depends on them: after the forward pass in train
mode every channel has mean `beta` and standard deviation `gamma`, and the backward pass
matches numeric gradients.
""", "sbn_md")

test(r"""
rng = np.random.default_rng(1)
N, C, H, W = 4, 3, 5, 6
x = 4 * rng.standard_normal((N, C, H, W)) + 10
gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
assert_close("per-channel mean of the output", out.mean(axis=(0, 2, 3)), beta, rtol=1e-6)
assert_close("per-channel std of the output", out.std(axis=(0, 2, 3)), gamma, rtol=1e-4)

x = rng.standard_normal((N, C, H, W))
gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
dout = rng.standard_normal((N, C, H, W))
bn_param = {"mode": "train"}
fx = lambda x: spatial_batchnorm_forward(x, gamma, beta, bn_param)[0]  # noqa: E731
fg = lambda g: spatial_batchnorm_forward(x, g, beta, bn_param)[0]  # noqa: E731
fb = lambda b: spatial_batchnorm_forward(x, gamma, b, bn_param)[0]  # noqa: E731
dx_num = eval_numerical_gradient_array(fx, x, dout)
dgamma_num = eval_numerical_gradient_array(fg, gamma.copy(), dout)
dbeta_num = eval_numerical_gradient_array(fb, beta.copy(), dout)
_, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
assert_gradient_close("dx of spatial_batchnorm_backward", dx, dx_num, rtol=1e-5)
assert_gradient_close("dgamma of spatial_batchnorm_backward", dgamma, dgamma_num, rtol=1e-5)
assert_gradient_close("dbeta of spatial_batchnorm_backward", dbeta, dbeta_num, rtol=1e-5)
print("spatial batch norm: visible checks passed")

### BEGIN HIDDEN TESTS
# Test mode uses the running statistics, per channel.
_x = rng.standard_normal((3, 4, 2, 5))
_g, _b = rng.standard_normal(4), rng.standard_normal(4)
_rm, _rv = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4)
_out, _ = spatial_batchnorm_forward(_x, _g, _b, {"mode": "test", "running_mean": _rm.copy(),
                                                 "running_var": _rv.copy()})
_c = lambda v: v[None, :, None, None]  # noqa: E731
assert_close("spatial_batchnorm_forward in test mode", _out,
             _c(_g) * (_x - _c(_rm)) / np.sqrt(_c(_rv) + 1e-5) + _c(_b), rtol=1e-7)
# Another shape, channels not a divisor of anything in sight.
_x = rng.standard_normal((2, 5, 3, 3))
_g, _b, _d = rng.standard_normal(5), rng.standard_normal(5), rng.standard_normal((2, 5, 3, 3))
_p = {"mode": "train"}
_num = eval_numerical_gradient_array(lambda v: spatial_batchnorm_forward(v, _g, _b, _p)[0], _x, _d)
_, _cache = spatial_batchnorm_forward(_x, _g, _b, _p)
assert_gradient_close("dx of spatial_batchnorm_backward, x of shape (2, 5, 3, 3)",
                      spatial_batchnorm_backward(_d, _cache)[0], _num, rtol=1e-5)
### END HIDDEN TESTS
""", "spatial_batchnorm_test", 1)

md(r"""
## The conv - batch norm - ReLU - pool block

Implement `conv_bn_relu_pool_forward` and `conv_bn_relu_pool_backward` in `cnn.py`, following
the given `conv_relu_pool_forward` and `conv_relu_pool_backward`. The check compares the
forward pass with a reference written out in numpy and the backward pass with numeric
gradients.
""", "block_md")

test(r"""
def reference_block(x, w, b, gamma, beta, pad):
    a, _ = conv_forward_fast(x, w, b, {"stride": 1, "pad": pad})
    mu, var = a.mean(axis=(0, 2, 3), keepdims=True), a.var(axis=(0, 2, 3), keepdims=True)
    a = gamma[None, :, None, None] * (a - mu) / np.sqrt(var + 1e-5) + beta[None, :, None, None]
    a = np.maximum(a, 0)
    N, F, H, W = a.shape
    return a[:, :, : H // 2 * 2, : W // 2 * 2].reshape(N, F, H // 2, 2, W // 2, 2).max(axis=(3, 5))

rng = np.random.default_rng(2)
x = rng.standard_normal((3, 2, 6, 6))
w = rng.standard_normal((4, 2, 3, 3))
b, gamma, beta = rng.standard_normal(4), rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
conv_param = {"stride": 1, "pad": 1}
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
out, cache = conv_bn_relu_pool_forward(x, w, b, gamma, beta, conv_param, {"mode": "train"}, pool_param)
assert_close("out of conv_bn_relu_pool_forward", out, reference_block(x, w, b, gamma, beta, 1), rtol=1e-7)

dout = rng.standard_normal(out.shape)
grads = conv_bn_relu_pool_backward(dout, cache)
assert grads is not None and len(grads) == 5, "conv_bn_relu_pool_backward returns dx, dw, db, dgamma, dbeta"
inputs = {"x": x, "w": w, "b": b, "gamma": gamma, "beta": beta}
for (name, value), analytic in zip(inputs.items(), grads):
    def f(v, name=name):
        args = dict(inputs, **{name: v})
        return conv_bn_relu_pool_forward(args["x"], args["w"], args["b"], args["gamma"], args["beta"],
                                         conv_param, {"mode": "train"}, pool_param)[0]
    numeric = eval_numerical_gradient_array(f, value.copy(), dout)
    if name == "b":
        # Batch norm subtracts the mean, and b with it: the true gradient is zero.
        assert np.shape(analytic) == b.shape and np.max(np.abs(analytic)) < 1e-8, \
            f"db of conv_bn_relu_pool_backward should be zero (batch norm cancels b), got {analytic}"
        continue
    assert_gradient_close(f"d{name} of conv_bn_relu_pool_backward", analytic, numeric, rtol=1e-5)
print("conv_bn_relu_pool: visible checks passed")

### BEGIN HIDDEN TESTS
_x = rng.standard_normal((2, 3, 5, 7))
_w = rng.standard_normal((2, 3, 5, 5))
_b, _g, _be = rng.standard_normal(2), rng.uniform(0.5, 1.5, 2), rng.standard_normal(2)
_cp = {"stride": 1, "pad": 2}
_bp = {"mode": "train"}
_out, _cache = conv_bn_relu_pool_forward(_x, _w, _b, _g, _be, _cp, _bp, pool_param)
assert_close("conv_bn_relu_pool_forward with 5x5 filters on 5x7 inputs", _out,
             reference_block(_x, _w, _b, _g, _be, 2), rtol=1e-7)
assert "running_mean" in _bp and _bp["running_mean"].shape == (2,), \
    "conv_bn_relu_pool_forward must pass bn_param to the batch norm (running statistics)"
_d = rng.standard_normal(_out.shape)
_dx = conv_bn_relu_pool_backward(_d, _cache)[0]
_num = eval_numerical_gradient_array(
    lambda v: conv_bn_relu_pool_forward(v, _w, _b, _g, _be, _cp, {"mode": "train"}, pool_param)[0], _x.copy(), _d)
assert_gradient_close("dx of conv_bn_relu_pool_backward, 5x5 filters", _dx, _num, rtol=1e-5)
### END HIDDEN TESTS
""", "conv_bn_relu_pool_test", 2)

md(r"""
## ConvNet

Read the docstring of `ConvNet` and implement `__init__`: the parameter names and shapes
follow the class docstring; with `weight_scale=None` the weights use He initialization,
a standard deviation of $\sqrt{2 / \text{fan\_in}}$.
""", "init_md")

test(r"""
model = ConvNet(input_dim=(1, 28, 28), num_filters=(16, 32), filter_size=3, hidden_dim=100)
shapes = {"W1": (16, 1, 3, 3), "b1": (16,), "gamma1": (16,), "beta1": (16,),
          "W2": (32, 16, 3, 3), "b2": (32,), "gamma2": (32,), "beta2": (32,),
          "W3": (32 * 7 * 7, 100), "b3": (100,), "W4": (100, 10), "b4": (10,)}
assert sorted(model.params) == sorted(shapes), f"parameter names: {sorted(model.params)}"
for name, shape in shapes.items():
    assert model.params[name].shape == shape, f"{name} has shape {model.params[name].shape}, expected {shape}"
    assert model.params[name].dtype == np.float32, f"{name} has dtype {model.params[name].dtype}"
for name, fan_in in [("W2", 16 * 9), ("W3", 32 * 49)]:
    std = model.params[name].std()
    assert abs(std / np.sqrt(2 / fan_in) - 1) < 0.1, f"{name}: std {std:.4f}, He init gives {np.sqrt(2 / fan_in):.4f}"
assert np.all(model.params["b1"] == 0) and np.all(model.params["gamma2"] == 1) and np.all(model.params["beta2"] == 0)
print("ConvNet.__init__: visible check passed")

### BEGIN HIDDEN TESTS
_m = ConvNet(input_dim=(3, 12, 10), num_filters=(4, 5, 6), filter_size=5, hidden_dim=None,
             use_batchnorm=False, weight_scale=0.03, num_classes=7, dtype=np.float64)
_expected = {"W1": (4, 3, 5, 5), "b1": (4,), "W2": (5, 4, 5, 5), "b2": (5,), "W3": (6, 5, 5, 5),
             "b3": (6,), "W4": (6 * 1 * 1, 7), "b4": (7,)}
assert {k: v.shape for k, v in _m.params.items()} == _expected, \
    f"hidden test: ConvNet without batch norm and hidden layer has parameters {sorted(_m.params)}"
assert all(v.dtype == np.float64 for v in _m.params.values()), "hidden test: dtype not honoured"
assert abs(_m.params["W3"].std() / 0.03 - 1) < 0.1, "hidden test: weight_scale not used"
### END HIDDEN TESTS
""", "convnet_init_test", 1)

md(r"""
Now `ConvNet.loss`: the forward pass (scores in test mode), and with labels the loss with
L2 regularization of every weight and all the gradients. The first check compares the loss
of a network with fixed parameters with values computed independently; with small weights
the loss is about $\log 10$.
""", "loss_md")

test(LOSS_IN + r"""
model.reg = 0.0
loss, _ = model.loss(X, y)
assert_close("loss of ConvNet with reg = 0", loss, {{cnn_loss_reg0}}, rtol=1e-8)
model.reg = 0.25
loss, _ = model.loss(X, y)
assert_close("loss of ConvNet with reg = 0.25", loss, {{cnn_loss_reg}}, rtol=1e-8)
assert model.loss(X).shape == (3, 4), "in test mode loss returns scores of shape (N, num_classes)"

seed_everything(0)
small = ConvNet(num_filters=(4, 4), hidden_dim=20, weight_scale=1e-3)
loss, _ = small.loss(np.random.rand(50, 1, 28, 28), np.random.randint(10, size=50))
assert abs(loss - np.log(10)) < 0.01, f"with tiny weights the loss should be about log(10) = 2.303, got {loss}"
print("ConvNet.loss: visible checks passed")

### BEGIN HIDDEN TESTS
# Without batch norm and hidden layer, in test mode: a numpy reference.
_rng = np.random.default_rng(5)
_m = ConvNet(input_dim=(2, 6, 6), num_filters=(3,), hidden_dim=None, use_batchnorm=False,
             num_classes=4, dtype=np.float64, reg=0.3)
randomize_params(_m, seed=5, scale=0.5)
_X = _rng.standard_normal((4, 2, 6, 6))
_a = np.maximum(conv_forward_fast(_X, _m.params["W1"], _m.params["b1"], {"stride": 1, "pad": 1})[0], 0)
_a = _a.reshape(4, 3, 3, 2, 3, 2).max(axis=(3, 5))
_s = _a.reshape(4, -1) @ _m.params["W2"] + _m.params["b2"]
assert_close("hidden test: scores of ConvNet without batch norm and hidden layer", _m.loss(_X), _s, rtol=1e-7)
_y = np.array([0, 1, 2, 3])
_lp = _s - _s.max(1, keepdims=True)
_lp = _lp - np.log(np.exp(_lp).sum(1, keepdims=True))
_ref = -_lp[np.arange(4), _y].mean() + 0.15 * (np.sum(_m.params["W1"] ** 2) + np.sum(_m.params["W2"] ** 2))
assert_close("hidden test: loss of ConvNet with reg = 0.3", _m.loss(_X, _y)[0], _ref, rtol=1e-7)
# Dropout sits just before the output layer: keeping (almost surely) no unit, the output
# layer sees zeros and the scores are its bias, whatever the random stream of the mask.
_m = ConvNet(input_dim=(1, 6, 6), num_filters=(2,), hidden_dim=5, num_classes=3,
             dropout_keep_ratio=1e-12, seed=0, dtype=np.float64)
randomize_params(_m, seed=6)
_m.params["b3"] = np.array([1.0, -2.0, 0.5])
_y = np.array([0, 1, 2, 2])
_lp = _m.params["b3"] - np.log(np.exp(_m.params["b3"]).sum())
assert_close("hidden test: training loss with dropout before the output layer",
             _m.loss(_rng.standard_normal((4, 1, 6, 6)), _y)[0], -_lp[_y].mean(), rtol=1e-7)
### END HIDDEN TESTS
""", "convnet_loss_test", 2)

md(r"""
## Gradient check

The check compares every gradient of a small `ConvNet` (8×8 inputs, float64) with numeric
gradients: with batch norm and dropout (seeded), with and without regularization.
""", "grad_md")

test(r"""
rng = np.random.default_rng(231)
X = rng.standard_normal((4, 1, 8, 8))
y = rng.integers(10, size=4)
for reg in (0.0, 0.5):
    model = ConvNet(input_dim=(1, 8, 8), num_filters=(3, 4), filter_size=3, hidden_dim=12,
                    dropout_keep_ratio=0.75, seed=1, reg=reg, dtype=np.float64)
    randomize_params(model, seed=3, scale=0.3)
    loss = check_model_gradients(model, X, y, f"ConvNet, reg = {reg}")
    print(f"reg = {reg}: loss {loss:.6f}, gradients match")

### BEGIN HIDDEN TESTS
for _kw in [dict(input_dim=(2, 6, 6), num_filters=(3,), hidden_dim=None, use_batchnorm=False, reg=0.2),
            dict(input_dim=(1, 8, 8), num_filters=(2, 3, 2), filter_size=3, hidden_dim=6, reg=0.0),
            dict(input_dim=(3, 7, 6), num_filters=(2,), filter_size=5, hidden_dim=7, use_batchnorm=False,
                 dropout_keep_ratio=0.5, seed=4, reg=0.1)]:
    _m = ConvNet(num_classes=5, dtype=np.float64, **_kw)
    randomize_params(_m, seed=4, scale=0.3)
    _X = rng.standard_normal((3, *_kw["input_dim"]))
    _y = rng.integers(5, size=3)
    check_model_gradients(_m, _X, _y, f"hidden test, ConvNet({_kw})")
### END HIDDEN TESTS
""", "convnet_gradient_test", 3)

md(r"""
## Train your ConvNet

Train a `ConvNet` on MNIST (`layout="image"` gives images of shape `(1, 28, 28)`) and store it
in `best_cnn` and its `Solver` in `cnn_solver`. Aim for at least {{VAL}} validation accuracy.
Time is the constraint: each training step of a ConvNet costs far more than one of an MLP,
and the cell is stopped after 5 minutes. What worked for us:

- Adam with a learning rate that decays after every epoch (`lr_decay`), a few passes over
  the 50,000 training images, and small batches (32): more, noisier steps beat fewer,
  smoother ones here.
- *Data augmentation*: `Solver(..., augment=...)` transforms every training batch. Moving each
  digit by a pixel or two (`starter.random_shift`) gives the network new images at no extra
  cost per step; without it, training accuracy races past validation accuracy.
- Select the best epoch on the *whole* validation set (`num_val_samples=None`, the default):
  it takes a second per epoch, while a 1000-image estimate is off by a few tenths of a percent,
  enough to keep the wrong epoch.
""", "train_md")

solution(r"""
data = load_mnist(layout="image")
best_cnn, cnn_solver = None, None
### BEGIN SOLUTION
{{TRAIN}}
### END SOLUTION
plot_training_curves(cnn_solver, title="ConvNet", smooth=20)
""", "train", timeout=300)

md(r"""
## Validation and test accuracy

Graded: at least {{VAL}} on the validation set and {{TEST}} on the test set (the test accuracy is
shown only by the grader).
""", "accuracy_md")

test(r"""
def accuracy(model, X, y, batch_size=500):
    pred = np.concatenate([model.loss(X[i:i + batch_size]).argmax(axis=1)
                           for i in range(0, len(X), batch_size)])
    return np.mean(pred == y)

val_acc = accuracy(best_cnn, data["X_val"], data["y_val"])
print(f"validation accuracy: {val_acc:.4f}")
assert val_acc >= {{VAL}}, f"validation accuracy {val_acc:.4f} is below {{VAL}}"

### BEGIN HIDDEN TESTS
assert isinstance(best_cnn, ConvNet), "best_cnn must be a ConvNet"
_fresh = load_mnist(num_train=1, layout="image")
assert accuracy(best_cnn, _fresh["X_val"], _fresh["y_val"]) >= {{VAL}}, "hidden test: validation accuracy below {{VAL}}"
### END HIDDEN TESTS
""", "cnn_val_accuracy_test", 3)

test(r"""
scores = best_cnn.loss(data["X_test"][:10])
assert scores.shape == (10, 10) and np.all(np.isfinite(scores)), "best_cnn gives no usable scores"
print("best_cnn gives scores for test images; its test accuracy is graded by the hidden test")

### BEGIN HIDDEN TESTS
_fresh = load_mnist(num_train=1, layout="image")
_test_acc = accuracy(best_cnn, _fresh["X_test"], _fresh["y_test"])
assert _test_acc >= {{TEST}}, f"hidden test: test accuracy {_test_acc:.4f} is below {{TEST}}"
print(f"test accuracy: {_test_acc:.4f}")
### END HIDDEN TESTS
""", "cnn_test_accuracy_test", 2)

md(r"""
## What the first layer learned

Each first-layer filter is a small image; trained filters look like stroke and edge
detectors at various orientations.
""", "filters_md")

code(r"""
plot_filters(best_cnn.params["W1"], title="First-layer filters")
""", "filters")

md(r"""
## Does batch normalization help?

An ablation: the same small network trained with and without batch norm, from the same
initialization, on the same data (5,000 images, two epochs) with the same, deliberately high,
learning rate of Adam (3e-2). At a gentle rate (1e-3) both train about equally well here;
at this one the network without batch norm blows up and stays at chance, while batch norm
keeps every layer's inputs in range. Batch norm is not free, though: compare how long the
two runs take.
""", "ablation_md")

code(r"""
ablation_data = {
    "X_train": data["X_train"][:5000],
    "y_train": data["y_train"][:5000],
    "X_val": data["X_val"][:1000],
    "y_val": data["y_val"][:1000],
}
ablation = {}
for use_bn in (True, False):
    seed_everything(0)
    model = ConvNet(num_filters=(8, 16), hidden_dim=64, use_batchnorm=use_bn)
    solver = Solver(model, ablation_data, update_rule=adam, optim_config={"learning_rate": 3e-2},
                    num_epochs=2, batch_size=50, verbose=False, progress=False, seed=0)
    start = time.perf_counter()
    solver.train()
    ablation["with batch norm" if use_bn else "without batch norm"] = solver
    print(f"batch norm {use_bn}: best validation accuracy {solver.best_val_acc:.3f}, "
          f"{time.perf_counter() - start:.1f} s")
plot_training_curves(ablation, title="ConvNet with and without batch norm", smooth=10)
""", "ablation", timeout=120)

TRAIN = """\
# Four passes over the 50,000 training images, each digit shifted by up to 2 pixels:
# about a minute on one idle core.
seed_everything(0)
best_cnn = ConvNet(num_filters=(8, 32), filter_size=3, hidden_dim=256)
cnn_solver = Solver(best_cnn, data, update_rule=adam, optim_config={"learning_rate": 2e-3},
                    lr_decay=0.4, num_epochs=4, batch_size=32,
                    augment=lambda X, rng: random_shift(X, 2, rng),
                    print_every=100000, seed=0)
cnn_solver.train()"""
E["TRAIN"] = TRAIN

if __name__ == "__main__":
    nb = build_cells_notebook(CELLS, E)
    # Written questions (tools/written_questions.py), inserted after their anchor cells.
    sys.path.insert(0, str(ROOT / "tools"))
    from written_questions import insert_written_questions

    insert_written_questions(nb, OUT.stem)
    nbformat.validate(nb)
    nbformat.write(nb, OUT)
    total = sum(m["points"] for _, _, m in CELLS if m.get("grade"))
    print(f"wrote {OUT.relative_to(ROOT)}: {len(nb.cells)} cells, {total} autograded points")
