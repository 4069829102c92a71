"""Generate ``solutions/dl/2_softmax_mlp.ipynb`` (run from the repository root).

The expected values of the visible checks are computed here, offline, with
PyTorch in float64 from the definitions of the spec (independently of
``fc_net.py``) and written into the notebook as literals. Hidden tests compare
with an independent numpy reference written in the test cell itself, or with
numeric gradients. Run ``python tools/part2/make_notebook.py`` after editing a
cell; the notebook is the committed artefact.

Cells that train carry ``"course": {"timeout": seconds}`` in their metadata:
nbclient has no per-cell timeout of its own (it calls ``timeout_func(cell)``
when one is configured, else applies ``timeout`` to every cell), so the
autograder and the tests read this key through ``timeout_func``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "solutions" / "dl" / "2_softmax_mlp.ipynb"
torch.set_default_dtype(torch.float64)


def lit(a) -> str:
    """A numpy array (or scalar) as Python source with 12 significant digits."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return f"{float(a):.12g}"

    def rec(v, depth):
        if v.ndim == 1:
            return "[" + ", ".join(f"{float(e):.12g}" for e in v) + "]"
        sep = ",\n" + " " * (depth + 1 + len("np.array("))
        return "[" + sep.join(rec(s, depth + 1) for s in v) + "]"

    return "np.array(" + rec(a, 0) + ")"


# ---------------------------------------------------------------- expected values
E: dict[str, str] = {}

# The gradient-check helpers of the setup cell (part 3 reuses them).
GRADIENT_HELPERS = r'''def check_model_gradients(model, X, y, label, rtol=1e-4):
    """Compare the gradients of model.loss(X, y) with centred differences, parameter by parameter.

    The error of an entry is |analytic - numeric| / max(|analytic| + |numeric|, 1e-3):
    relative for sizeable entries, absolute for near-zero ones, whose numeric estimate
    is only good to about 1e-9. Returns the loss.
    """
    loss, grads = model.loss(X, y)
    missing = sorted(set(model.params) - set(grads))
    assert not missing, f"{label}: model.loss returned no gradient for {missing}"
    for name in sorted(model.params):
        numeric = eval_numerical_gradient(
            lambda _: model.loss(X, y)[0], model.params[name], verbose=False, h=1e-6
        )
        analytic = np.asarray(grads[name], dtype=np.float64)
        assert analytic.shape == numeric.shape, (
            f"{label}: the gradient of {name} has shape {analytic.shape}, "
            f"the parameter has shape {numeric.shape}"
        )
        err = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-3)
        worst = np.unravel_index(np.argmax(err), err.shape)
        assert err[worst] <= rtol, (
            f"{label}: the gradient of {name} is wrong at index {tuple(map(int, worst))}: "
            f"got {analytic[worst]:.8g}, numeric gradient {numeric[worst]:.8g}"
        )
    return loss


def randomize_params(model, seed, scale=0.1):
    """Give every parameter of model random values: gradient checks then depend neither on
    how __init__ draws them nor on exact zeros (biases at zero put ReLU kinks at zero)."""
    rng = np.random.default_rng(seed)
    for name, value in model.params.items():
        offset = 1.0 if name.startswith("gamma") else 0.0
        model.params[name] = (offset + scale * rng.standard_normal(value.shape)).astype(value.dtype)
'''
E["HELPERS"] = GRADIENT_HELPERS.strip("\n") + "\n"

LOSS_IN = """\
N, D, H1, H2, C = 3, 5, 50, 7, 7
model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, dtype=np.float64)
model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H1).reshape(D, H1)
model.params["b1"] = np.linspace(-0.1, 0.9, num=H1)
model.params["W2"] = np.linspace(-0.3, 0.4, num=H1 * H2).reshape(H1, H2)
model.params["b2"] = np.linspace(-0.9, 0.1, num=H2)
model.params["W3"] = np.linspace(-0.3, 0.4, num=H2 * C).reshape(H2, C)
model.params["b3"] = np.linspace(-0.9, 0.1, num=C)
X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
y = np.array([0, 5, 1])
"""


def _loss_inputs():
    N, D, H1, H2, C = 3, 5, 50, 7, 7
    p = {
        "W1": np.linspace(-0.7, 0.3, num=D * H1).reshape(D, H1),
        "b1": np.linspace(-0.1, 0.9, num=H1),
        "W2": np.linspace(-0.3, 0.4, num=H1 * H2).reshape(H1, H2),
        "b2": np.linspace(-0.9, 0.1, num=H2),
        "W3": np.linspace(-0.3, 0.4, num=H2 * C).reshape(H2, C),
        "b3": np.linspace(-0.9, 0.1, num=C),
    }
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return {k: torch.tensor(v) for k, v in p.items()}, torch.tensor(X), torch.tensor([0, 5, 1])


_p, _X, _y = _loss_inputs()
_h = F.relu(F.linear(F.relu(F.linear(_X, _p["W1"].T, _p["b1"])), _p["W2"].T, _p["b2"]))
_scores = F.linear(_h, _p["W3"].T, _p["b3"])
_data_loss = F.cross_entropy(_scores, _y)
_l2 = sum((_p[k] ** 2).sum() for k in ("W1", "W2", "W3"))
E["scores"] = lit(_scores)
E["loss_reg0"] = lit(_data_loss.item())
E["loss_reg1"] = lit((_data_loss + 0.5 * 1.0 * _l2).item())

# ---------------------------------------------------------------- cells
CELLS: list[tuple[str, str, dict]] = []  # (kind, source, metadata)


def md(source: str, grade_id: str) -> None:
    CELLS.append(("markdown", source, {"grade_id": grade_id}))


def code(source: str, grade_id: str, timeout: int | None = None) -> None:
    CELLS.append(("code", source, {"grade_id": grade_id, "timeout": timeout}))


def solution(source: str, grade_id: str, timeout: int | None = None) -> None:
    CELLS.append(("solution", source, {"grade_id": grade_id, "timeout": timeout}))


def test(source: str, grade_id: str, points: int) -> None:
    CELLS.append(("code", source, {"grade_id": grade_id, "points": points, "grade": True}))


md(r"""
# Part 2: A fully connected network on MNIST

In this part you assemble the layers of Part 1 into a fully connected network of any
depth, check it, and train it on MNIST handwritten digits with the `Solver` of the
`starter` package:

- `fc_net.py`: `FullyConnectedNet`, with optional batch normalization and dropout and L2
  regularization; the architecture is
  $\{\text{affine} - [\text{batch norm}] - \text{relu} - [\text{dropout}]\} \times (L - 1) -
  \text{affine} - \text{softmax}$.

It uses your `layers.py` and `optim.py` from Part 1: finish those first.

**How you are graded.** The test cells below are worth 15 points. Each runs a visible
check you can run yourself, and the graders add hidden tests (other depths, sizes,
regularization strengths and data types), so make your code correct in general. The last
two test cells grade the accuracy of the network you train on MNIST: at least **0.975** on
the validation set and **0.97** on the test set. Training runs under a time limit: the
final training cell must finish within 3 minutes (the solution needs well under one).
""", "intro")

code(r"""
%load_ext autoreload
%autoreload 2

import matplotlib.pyplot as plt
import numpy as np

from starter import (
    Solver,
    assert_close,
    eval_numerical_gradient,
    load_mnist,
    plot_training_curves,
    show_image_grid,
)
from starter.seeding import seed_everything

from fc_net import FullyConnectedNet
from optim import adam, rmsprop, sgd, sgd_momentum

seed_everything(231)


{{HELPERS}}""", "setup")

md(r"""
## MNIST

`load_mnist()` returns the classic split of MNIST: 50,000 training, 10,000 validation and
10,000 test images of $28 \times 28$ pixels with values in $[0, 1)$, flattened into rows of
784 values (`layout="flat"`), and their labels.
""", "data_md")

code(r"""
data = load_mnist()
for name, value in data.items():
    print(f"{name}: {value.shape} {value.dtype}")
show_image_grid(data["X_train"][:32].reshape(-1, 28, 28), labels=data["y_train"][:32], ncols=16)
""", "data")

md(r"""
## The network

Read the docstring of `FullyConnectedNet` in `fc_net.py`, then implement `__init__`: the
parameters of every layer, stored in `self.params` under the names `W1`, `b1`, ..., and
`gamma1`, `beta1`, ... with batch normalization. The check looks at their names, shapes,
data types and initial values.
""", "init_md")

test(r"""
model = FullyConnectedNet([200, 30], input_dim=150, num_classes=10, weight_scale=0.05,
                          normalization="batchnorm")
shapes = {"W1": (150, 200), "b1": (200,), "gamma1": (200,), "beta1": (200,),
          "W2": (200, 30), "b2": (30,), "gamma2": (30,), "beta2": (30,),
          "W3": (30, 10), "b3": (10,)}
assert sorted(model.params) == sorted(shapes), f"parameter names: {sorted(model.params)}"
for name, shape in shapes.items():
    assert model.params[name].shape == shape, f"{name} has shape {model.params[name].shape}, expected {shape}"
    assert model.params[name].dtype == np.float32, f"{name} has dtype {model.params[name].dtype}, expected float32"
for i in (1, 2, 3):
    assert np.all(model.params[f"b{i}"] == 0), f"b{i} must start at zero"
for i in (1, 2):
    assert np.all(model.params[f"gamma{i}"] == 1) and np.all(model.params[f"beta{i}"] == 0), \
        f"gamma{i} must start at one and beta{i} at zero"
std = model.params["W1"].std()
assert abs(model.params["W1"].mean()) < 0.005 and 0.045 < std < 0.055, \
    f"W1 should be drawn with mean 0 and standard deviation weight_scale = 0.05, got std {std:.4f}"
print("FullyConnectedNet.__init__: visible check passed")

### BEGIN HIDDEN TESTS
for _hidden, _norm, _dtype in [([], None, np.float64), ([64], None, np.float32),
                               ([40, 30, 20], "batchnorm", np.float64)]:
    _m = FullyConnectedNet(_hidden, input_dim=300, num_classes=7, weight_scale=0.2,
                           normalization=_norm, dtype=_dtype)
    _dims = [300, *_hidden, 7]
    _expected = {}
    for _i in range(1, len(_dims)):
        _expected[f"W{_i}"] = (_dims[_i - 1], _dims[_i])
        _expected[f"b{_i}"] = (_dims[_i],)
        if _norm and _i < len(_dims) - 1:
            _expected[f"gamma{_i}"] = _expected[f"beta{_i}"] = (_dims[_i],)
    _what = f"FullyConnectedNet({_hidden}, normalization={_norm!r}, dtype={_dtype.__name__})"
    assert sorted(_m.params) == sorted(_expected), f"{_what}: wrong parameter names {sorted(_m.params)}"
    for _k, _shape in _expected.items():
        assert _m.params[_k].shape == _shape, f"{_what}: {_k} has shape {_m.params[_k].shape}"
        assert _m.params[_k].dtype == _dtype, f"{_what}: {_k} has dtype {_m.params[_k].dtype}"
    assert 0.18 < _m.params["W1"].std() < 0.22, f"{_what}: W1 does not have standard deviation weight_scale"
    assert all(np.all(_m.params[f"b{_i}"] == 0) for _i in range(1, len(_dims))), f"{_what}: biases must be zero"
_m = FullyConnectedNet([20], input_dim=10, dropout_keep_ratio=0.5, seed=3)
assert _m.dropout_param.get("p") == 0.5 and _m.dropout_param.get("seed") == 3, \
    "the seed and keep ratio must reach the dropout layers through self.dropout_param"
### END HIDDEN TESTS
""", "fc_net_init_test", 1)

md(r"""
Now implement the forward pass and the loss in `FullyConnectedNet.loss`. With `y=None` it
returns the class scores; with labels, the softmax loss plus the L2 regularization
$\frac{\lambda}{2}\sum_l \lVert W_l \rVert^2$ (`reg` is $\lambda$) and the gradients of every
parameter (checked in the next section). The check sets the parameters to fixed values
and compares the scores and the losses with values computed independently.

A sanity check worth knowing: with small random weights the scores are close to zero, so
the softmax gives every class probability about $1/C$ and the loss is about
$\log C = \log 10 \approx 2.3$.
""", "loss_md")

test(LOSS_IN + r"""
scores = model.loss(X)
assert_close("scores of FullyConnectedNet.loss", scores, {{scores}}, rtol=1e-6)
model.reg = 0.0
loss, _ = model.loss(X, y)
assert_close("loss with reg = 0", loss, {{loss_reg0}}, rtol=1e-8)
model.reg = 1.0
loss, _ = model.loss(X, y)
assert_close("loss with reg = 1", loss, {{loss_reg1}}, rtol=1e-8)

seed_everything(0)
small = FullyConnectedNet([50, 50], weight_scale=1e-3)
loss, _ = small.loss(data["X_train"][:100], data["y_train"][:100])
assert abs(loss - np.log(10)) < 0.01, f"with tiny weights the loss should be about log(10) = 2.303, got {loss}"
print("FullyConnectedNet.loss: visible checks passed")

### BEGIN HIDDEN TESTS
def _reference(params, X, y, hidden, reg, bn):
    # Train-mode forward pass written independently of the student's code.
    h = X.reshape(len(X), -1)
    for i in range(1, len(hidden) + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if bn:
            h = params[f"gamma{i}"] * (h - h.mean(0)) / np.sqrt(h.var(0) + 1e-5) + params[f"beta{i}"]
        h = np.maximum(h, 0)
    L = len(hidden) + 1
    s = h @ params[f"W{L}"] + params[f"b{L}"]
    logp = s - s.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    l2 = sum(np.sum(params[f"W{i}"] ** 2) for i in range(1, L + 1))
    return s, -logp[np.arange(len(y)), y].mean() + 0.5 * reg * l2

_rng = np.random.default_rng(7)
for _hidden, _reg, _bn in [([], 0.3, False), ([13], 0.0, False), ([9, 11, 6], 2.5, False),
                           ([12, 8], 0.7, True)]:
    _m = FullyConnectedNet(_hidden, input_dim=6, num_classes=4, reg=_reg, weight_scale=0.5,
                           normalization="batchnorm" if _bn else None, dtype=np.float64)
    for _k in _m.params:
        _m.params[_k] = _rng.standard_normal(_m.params[_k].shape)
    _X = _rng.standard_normal((8, 2, 3))
    _y = _rng.integers(4, size=8)
    _s, _l = _reference(_m.params, _X, _y, _hidden, _reg, _bn)
    _loss, _ = _m.loss(_X, _y)
    assert_close(f"loss of FullyConnectedNet({_hidden}, reg={_reg}, batchnorm={_bn})", _loss, _l, rtol=1e-7)
    if not _bn:
        assert_close(f"scores of FullyConnectedNet({_hidden})", _m.loss(_X), _s, rtol=1e-7)
# In test mode batch norm uses the running statistics.
_m = FullyConnectedNet([5], input_dim=3, num_classes=2, normalization="batchnorm", dtype=np.float64)
for _k in _m.params:
    _m.params[_k] = _rng.standard_normal(_m.params[_k].shape)
_m.bn_params[0]["running_mean"] = _rng.standard_normal(5)
_m.bn_params[0]["running_var"] = _rng.uniform(0.5, 2.0, 5)
_X = _rng.standard_normal((4, 3))
_h = _X @ _m.params["W1"] + _m.params["b1"]
_h = (_h - _m.bn_params[0]["running_mean"]) / np.sqrt(_m.bn_params[0]["running_var"] + 1e-5)
_h = np.maximum(_m.params["gamma1"] * _h + _m.params["beta1"], 0)
assert_close("test-time scores with batch normalization", _m.loss(_X),
             _h @ _m.params["W2"] + _m.params["b2"], rtol=1e-7)
# Dropout is off at test time, and the dtype is honoured.
_m = FullyConnectedNet([30], input_dim=6, dropout_keep_ratio=0.3, seed=1, dtype=np.float64)
_X = _rng.standard_normal((5, 6))
assert_close("test-time scores with dropout", _m.loss(_X), _reference(_m.params, _X, np.zeros(5, int), [30], 0, False)[0], rtol=1e-7)
assert _m.loss(_X).dtype == np.float64, "with dtype=np.float64 the scores must be float64"
### END HIDDEN TESTS
""", "fc_net_loss_test", 2)

md(r"""
## Gradient checks

Implement the backward pass in `FullyConnectedNet.loss`. The check compares every gradient
with a numeric one (`check_model_gradients`, defined at the top of the notebook), on a small
network in float64, without and with regularization. Errors should be around `1e-7` or
smaller.
""", "grad_md")

test(r"""
rng = np.random.default_rng(231)
N, D, H1, H2, C = 10, 15, 20, 30, 10
X = rng.standard_normal((N, D))
y = rng.integers(C, size=N)
for reg in (0.0, 3.14):
    seed_everything(231)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg,
                              weight_scale=5e-2, dtype=np.float64)
    randomize_params(model, seed=0)
    loss = check_model_gradients(model, X, y, f"reg = {reg}")
    print(f"reg = {reg}: loss {loss:.6f}, gradients match")

### BEGIN HIDDEN TESTS
for _hidden, _reg, _D, _C in [([], 0.0, 12, 5), ([], 1.7, 7, 3), ([25], 0.5, 9, 6),
                              ([18, 15, 20], 0.05, 6, 4)]:
    seed_everything(5)
    _m = FullyConnectedNet(_hidden, input_dim=_D, num_classes=_C, reg=_reg,
                           weight_scale=0.1, dtype=np.float64)
    randomize_params(_m, seed=len(_hidden), scale=0.3)
    _X = rng.standard_normal((7, _D))
    _y = rng.integers(_C, size=7)
    check_model_gradients(_m, _X, _y, f"hidden test, hidden_dims={_hidden}, reg={_reg}")
### END HIDDEN TESTS
""", "fc_net_gradient_test", 3)

md(r"""
Now with batch normalization and dropout. `seed` makes the dropout masks deterministic, so
the loss is a fixed function of the parameters and can be differentiated numerically.
""", "grad_bn_md")

test(r"""
rng = np.random.default_rng(3)
N, D, H1, H2, C = 10, 15, 20, 30, 10
X = rng.standard_normal((N, D))
y = rng.integers(C, size=N)
for normalization, keep in [("batchnorm", 1.0), (None, 0.5), ("batchnorm", 0.75)]:
    seed_everything(3)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=0.1, weight_scale=5e-2,
                              normalization=normalization, dropout_keep_ratio=keep, seed=123,
                              dtype=np.float64)
    randomize_params(model, seed=1)
    loss = check_model_gradients(model, X, y, f"normalization={normalization}, keep={keep}")
    print(f"normalization={normalization}, dropout_keep_ratio={keep}: loss {loss:.6f}, gradients match")

### BEGIN HIDDEN TESTS
for _hidden, _norm, _keep, _reg in [([16], "batchnorm", 1.0, 0.0), ([15, 17, 16], "batchnorm", 0.6, 1.3),
                                    ([14, 11], None, 0.8, 0.0)]:
    seed_everything(11)
    _m = FullyConnectedNet(_hidden, input_dim=8, num_classes=5, reg=_reg, weight_scale=0.1,
                           normalization=_norm, dropout_keep_ratio=_keep, seed=7, dtype=np.float64)
    randomize_params(_m, seed=2, scale=0.3)
    _X = rng.standard_normal((12, 8))
    _y = rng.integers(5, size=12)
    check_model_gradients(_m, _X, _y, f"hidden test, {_hidden}, {_norm}, keep {_keep}, reg {_reg}")
### END HIDDEN TESTS
""", "fc_net_bn_dropout_gradient_test", 2)

md(r"""
## Sanity check: overfit a small dataset

A network that can learn should drive its training accuracy on 50 examples to 100% within
a few dozen steps. Choose `weight_scale` and `learning_rate` for plain SGD so that the
three-layer network below gets there within 30 epochs (60 steps); if the loss stays near 2.3
or explodes, adjust them by factors of 10 first, then by smaller ones.
""", "overfit_md")

solution(r"""
num_train = 50
small_data = {
    "X_train": data["X_train"][:num_train],
    "y_train": data["y_train"][:num_train],
    "X_val": data["X_val"],
    "y_val": data["y_val"],
}
weight_scale = None
learning_rate = None
### BEGIN SOLUTION
weight_scale = 1e-1
learning_rate = 1e-1
### END SOLUTION
seed_everything(0)
overfit_model = FullyConnectedNet([100, 100], weight_scale=weight_scale)
overfit_solver = Solver(overfit_model, small_data, update_rule=sgd,
                        optim_config={"learning_rate": learning_rate}, num_epochs=30,
                        batch_size=25, num_val_samples=1000, verbose=False, progress=False)
overfit_solver.train()
plt.plot(overfit_solver.loss_history, "o-")
plt.xlabel("Iteration")
plt.ylabel("Training loss")
plt.title("Overfitting 50 examples")
plt.show()
""", "overfit", timeout=60)

test(r"""
# The Solver keeps the parameters of the best *validation* epoch, so look at the history.
train_acc = max(overfit_solver.train_acc_history)
assert train_acc == 1.0, f"the network should reach 100% training accuracy, got at most {train_acc:.2f}"
print("Overfitting 50 examples: visible check passed")

### BEGIN HIDDEN TESTS
# Independent of the hyperparameters chosen above: known-good settings must overfit too.
for _norm, _rule, _lr, _ws in [(None, sgd_momentum, 5e-2, 0.1), ("batchnorm", adam, 1e-2, 5e-2)]:
    seed_everything(1)
    _m = FullyConnectedNet([100, 100], weight_scale=_ws, normalization=_norm)
    _s = Solver(_m, small_data, update_rule=_rule, optim_config={"learning_rate": _lr},
                num_epochs=25, batch_size=25, num_val_samples=100, verbose=False, progress=False,
                seed=0)
    _s.train()
    assert max(_s.train_acc_history) == 1.0, \
        f"hidden test: a network with normalization={_norm!r} fails to overfit 50 examples"
### END HIDDEN TESTS
""", "overfit_test", 2)

md(r"""
## Update rules

The cell below trains the same five-layer network on 4,000 examples with each update rule
of your `optim.py`, at a learning rate that suits it. Adam and RMSProp, which scale each
parameter's step by a running estimate of its gradient's magnitude, usually pull ahead of
SGD quickly; momentum helps plain SGD a lot.
""", "optim_md")

code(r"""
optim_data = {
    "X_train": data["X_train"][:4000],
    "y_train": data["y_train"][:4000],
    "X_val": data["X_val"][:1000],
    "y_val": data["y_val"][:1000],
}
optim_solvers = {}
for name, rule, lr in [("sgd", sgd, 1e-1), ("sgd_momentum", sgd_momentum, 3e-2),
                       ("rmsprop", rmsprop, 3e-4), ("adam", adam, 1e-3)]:
    seed_everything(0)
    model = FullyConnectedNet([100] * 5, weight_scale=1e-1)
    solver = Solver(model, optim_data, update_rule=rule, optim_config={"learning_rate": lr},
                    num_epochs=5, batch_size=100, verbose=False, progress=False, seed=0)
    solver.train()
    optim_solvers[name] = solver
    print(f"{name:>12}: final training loss {np.mean(solver.loss_history[-10:]):.3f}, "
          f"best validation accuracy {solver.best_val_acc:.3f}")
plot_training_curves(optim_solvers, title="Update rules", smooth=10)
""", "optim_compare", timeout=120)

md(r"""
## Width of the hidden layer

How wide must a hidden layer be? The cell below trains one-hidden-layer networks of several
widths on 10,000 examples for 3 epochs with Adam and plots their best validation accuracy.
""", "sweep_md")

code(r"""
sweep_data = {
    "X_train": data["X_train"][:10000],
    "y_train": data["y_train"][:10000],
    "X_val": data["X_val"][:2000],
    "y_val": data["y_val"][:2000],
}
hidden_sizes = [16, 32, 64, 128, 256]
sweep_acc = []
for hidden in hidden_sizes:
    seed_everything(0)
    model = FullyConnectedNet([hidden], weight_scale=5e-2)
    solver = Solver(model, sweep_data, update_rule=adam, optim_config={"learning_rate": 1e-3},
                    num_epochs=3, batch_size=100, verbose=False, progress=False, seed=0)
    solver.train()
    sweep_acc.append(solver.best_val_acc)
    print(f"hidden size {hidden:>4}: best validation accuracy {solver.best_val_acc:.4f}")
plt.semilogx(hidden_sizes, sweep_acc, "o-", base=2)
plt.xlabel("Hidden layer size")
plt.ylabel("Best validation accuracy")
plt.title("One hidden layer, 10,000 training examples, 3 epochs")
plt.grid(alpha=0.3)
plt.show()
""", "hidden_sweep", timeout=120)

md(r"""
## Train your best network

Train a `FullyConnectedNet` on the whole training set; store it in `best_model` and its
`Solver` in `solver` (the cell plots its training curves). Aim for
at least 0.975 validation accuracy (graded below, with the test accuracy). Batch
normalization, two hidden layers of a few hundred units, Adam and a learning rate that
decays each epoch all help. Keep the training under about a minute: the cell is stopped
after 3 minutes, and then the graded cells below find no model.
""", "train_md")

solution(r"""
best_model = None
### BEGIN SOLUTION
seed_everything(0)
best_model = FullyConnectedNet([256, 256], normalization="batchnorm", weight_scale=5e-2)
solver = Solver(best_model, data, update_rule=adam, optim_config={"learning_rate": 2e-3},
                lr_decay=0.75, num_epochs=8, batch_size=200, num_val_samples=None,
                print_every=10000, seed=0)
solver.train()
### END SOLUTION
plot_training_curves(solver, title="Your best network", smooth=20)
""", "train", timeout=180)

md(r"""
## Validation and test accuracy

The first cell grades your network's accuracy on the validation set (at least 0.975), the
second its accuracy on the test set (at least 0.97), which you only see when it is graded:
use the validation set, not the test set, to choose your hyperparameters.
""", "accuracy_md")

test(r"""
val_acc = np.mean(best_model.loss(data["X_val"]).argmax(axis=1) == data["y_val"])
print(f"validation accuracy: {val_acc:.4f}")
assert val_acc >= 0.975, f"validation accuracy {val_acc:.4f} is below 0.975"

### BEGIN HIDDEN TESTS
# Fresh data, so that nothing done to `data` above counts.
_fresh = load_mnist(num_train=1)
assert isinstance(best_model, FullyConnectedNet), "best_model must be a FullyConnectedNet"
_pred = np.concatenate([best_model.loss(_fresh["X_val"][i:i + 1000]).argmax(axis=1)
                        for i in range(0, len(_fresh["X_val"]), 1000)])
assert np.mean(_pred == _fresh["y_val"]) >= 0.975, "hidden test: validation accuracy below 0.975"
### END HIDDEN TESTS
""", "val_accuracy_test", 3)

test(r"""
scores = best_model.loss(data["X_test"][:10])
assert scores.shape == (10, 10) and np.all(np.isfinite(scores)), "best_model gives no usable scores"
print("best_model gives scores for test images; its test accuracy is graded by the hidden test")

### BEGIN HIDDEN TESTS
_fresh = load_mnist(num_train=1)
_pred = np.concatenate([best_model.loss(_fresh["X_test"][i:i + 1000]).argmax(axis=1)
                        for i in range(0, len(_fresh["X_test"]), 1000)])
_test_acc = np.mean(_pred == _fresh["y_test"])
assert _test_acc >= 0.97, f"hidden test: test accuracy {_test_acc:.4f} is below 0.97"
print(f"test accuracy: {_test_acc:.4f}")
### END HIDDEN TESTS
""", "test_accuracy_test", 2)


# ---------------------------------------------------------------- write
def nbgrader_meta(kind: str, meta: dict) -> dict:
    base = {"schema_version": 3, "grade_id": meta["grade_id"], "locked": True,
            "solution": False, "grade": False}
    if kind == "solution":
        base.update(solution=True, locked=False)
    elif meta.get("grade"):
        base.update(grade=True, points=meta["points"])
    return base


def build_cells_notebook(cells, values) -> nbformat.NotebookNode:
    """The notebook of ``cells`` ((kind, source, metadata) triples), ``{{name}}`` filled from ``values``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for kind, source, meta in cells:
        unknown = set(re.findall(r"\{\{(\w+)\}\}", source)) - set(values)
        if unknown:
            raise SystemExit(f"unknown placeholders {unknown} in cell {meta['grade_id']}")
        source = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], source).strip("\n")
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(source)
        cell.metadata["nbgrader"] = nbgrader_meta(kind, meta)
        if meta.get("timeout"):
            cell.metadata["course"] = {"timeout": meta["timeout"]}
        cell.id = meta["grade_id"].replace("_", "-")[:64]
        nb.cells.append(cell)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    assert len(ids) == len(set(ids)), "duplicate grade_id"
    nbformat.validate(nb)
    return nb


if __name__ == "__main__":
    nb = build_cells_notebook(CELLS, E)
    # The binary warm-up, softmax regression and the written questions (binary_section.py).
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from binary_section import add_binary_section

    add_binary_section(nb)
    nbformat.validate(nb)
    nbformat.write(nb, OUT)
    total = sum(m["points"] for _, _, m in CELLS if m.get("grade"))
    print(f"wrote {OUT.relative_to(ROOT)}: {len(nb.cells)} cells, {total} autograded points")
