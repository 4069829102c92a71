"""Generate ``solutions/dl/5_transfer_learning.ipynb`` (run from the repository root).

The expected values of the visible forward checks are computed here, offline, with
PyTorch in float64 (adaptive average pooling, linear, cross-entropy), independently of
``transfer_learning.py``, and written into the notebook as literals. Hidden tests compare
with numpy references written in the test cell itself (the fire modules through
``starter.squeezenet.fire_forward``, which is given code), or with numeric gradients.

Cells that train or extract features carry ``"course": {"timeout": seconds}`` (read by
the tests through nbclient's ``timeout_func``; nbclient has no per-cell timeout of its
own). The autograder applies one limit to every cell (``--cell-timeout``, 120 s), so
no cell may need more than that.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "solutions" / "dl" / "5_transfer_learning.ipynb"
torch.set_default_dtype(torch.float64)

FROZEN_THRESHOLD = 0.88
FINETUNE_THRESHOLD = 0.90


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


# ---------------------------------------------------------------- expected values (torch)
E: dict[str, str] = {"FROZEN_T": str(FROZEN_THRESHOLD), "FINETUNE_T": str(FINETUNE_THRESHOLD)}

_x = torch.linspace(-0.4, 0.7, 2 * 3 * 4 * 5).reshape(2, 3, 4, 5) ** 2
E["GAP_OUT"] = lit(F.adaptive_avg_pool2d(_x, 1).reshape(2, 3).numpy())

N, D, H, W, C = 3, 5, 2, 3, 4
_X = torch.linspace(-1.0, 1.2, N * D * H * W).reshape(N, D, H, W)
_W = torch.linspace(-0.5, 0.6, D * C).reshape(D, C)
_b = torch.linspace(-0.2, 0.3, C)
_y = torch.tensor([0, 3, 1])
_scores = F.linear(_X.mean(dim=(2, 3)), _W.T, _b)
E["CLS_SCORES"] = lit(_scores.numpy())
E["CLS_LOSS0"] = lit(F.cross_entropy(_scores, _y).item())
E["CLS_LOSS1"] = lit((F.cross_entropy(_scores, _y) + 0.5 * 0.7 * (_W**2).sum()).item())

# ---------------------------------------------------------------- cells
CELLS: list[tuple[str, str, dict]] = []


def md(source: str, grade_id: str) -> None:
    CELLS.append(("markdown", source, {"grade_id": grade_id}))


def code(source: str, grade_id: str, timeout: int | None = None) -> None:
    CELLS.append(("code", source, {"grade_id": grade_id, "timeout": timeout}))


def solution(source: str, grade_id: str, timeout: int | None = None) -> None:
    CELLS.append(("solution", source, {"grade_id": grade_id, "timeout": timeout}))


def test(source: str, grade_id: str, points: int, timeout: int | None = None) -> None:
    CELLS.append(("code", source, {"grade_id": grade_id, "grade": True, "points": points,
                                   "timeout": timeout}))


md(r"""
# Part 5: Transfer learning

A network pretrained on ImageNet already computes features that separate many kinds of
objects. Here you reuse [SqueezeNet 1.1](https://arxiv.org/abs/1602.07360) (given, in
numpy: `starter.squeezenet`) to tell **ants from bees** with only 244 training images
(the dataset of PyTorch's transfer-learning tutorial, 160 x 160 pixels; 153 validation
images), in two ways:

- **(a) frozen features**: run the pretrained network once on every image, and train
  only a softmax classifier on its last feature maps;
- **(b) fine-tuning**: train the last fire module (`fire9`) together with that
  classifier, with data augmentation (random crops and flips).

Your code goes in `transfer_learning.py`: global average pooling (forward and backward),
the classifier `LinearClassifier` and the fine-tuning model `FineTuneModel`, both with
the `params` / `loss(X, y=None)` contract of the `Solver`. They use your `affine_forward`,
`affine_backward` and `softmax_loss` from `layers.py`, and your update rules from `optim.py`.

**How you are graded.** The test cells (10 points) check your pooling and your two models
against values computed independently and against numeric gradients, with hidden tests on
other shapes, and grade the validation accuracy of both models (trained for real, from
the training cells below). The whole notebook runs in about a minute or two on a laptop;
the feature-extraction and fine-tuning cells take the longest.
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
    plot_training_curves,
    rel_error,
    show_image_grid,
)
from starter.hymenoptera import load_hymenoptera
from starter.images import preprocess
from starter.seeding import seed_everything
from starter.squeezenet import SqueezeNet, fire_forward

from optim import adam, sgd_momentum
from transfer_learning import (
    FineTuneModel,
    LinearClassifier,
    augmented_activations,
    extract_activations,
    global_avg_pool_backward,
    global_avg_pool_forward,
)

seed_everything(231)


def check_model_gradients(model, X, y, label, rtol=1e-4):
    {{TQ}}Compare the gradients of model.loss(X, y) with centred differences, entry by entry
    (for float64 models). Returns the loss.{{TQ}}
    loss, grads = model.loss(X, y)
    missing = sorted(set(model.params) - set(grads))
    assert not missing, f"{label}: model.loss returned no gradient for {missing}"
    for name in sorted(model.params):
        numeric = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name],
                                          verbose=False, h=1e-6)
        analytic = np.asarray(grads[name], dtype=np.float64)
        assert analytic.shape == numeric.shape, (
            f"{label}: the gradient of {name} has shape {analytic.shape}, "
            f"the parameter has shape {numeric.shape}")
        err = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-3)
        worst = np.unravel_index(np.argmax(err), err.shape)
        assert err[worst] <= rtol, (
            f"{label}: the gradient of {name} is wrong at index {tuple(map(int, worst))}: "
            f"got {analytic[worst]:.8g}, numeric gradient {numeric[worst]:.8g}")
    return loss


FIRE_CONVS = ("squeeze1x1", "expand1x1", "expand3x3")


def reference_finetune_loss(params, X, y, trainable, reg):
    {{TQ}}The loss of a FineTuneModel, written from its definition in float64 with starter's
    fire_forward: the trainable fire modules, mean over positions, affine, softmax loss,
    and 0.5 * reg * (sum of the squared weights W and ".../w").{{TQ}}
    h = np.asarray(X, dtype=np.float64)
    for fire in trainable:
        h = fire_forward(h, *[np.asarray(params[f"{fire}/{conv}/{k}"], dtype=np.float64)
                              for conv in FIRE_CONVS for k in "wb"])[0]
    s = h.mean(axis=(2, 3)) @ np.asarray(params["W"], dtype=np.float64) + params["b"]
    top = s.max(axis=1)
    data_loss = np.mean(np.log(np.exp(s - top[:, None]).sum(axis=1)) + top - s[np.arange(len(y)), y])
    weights = [np.asarray(v, dtype=np.float64) for k, v in params.items() if k == "W" or k.endswith("/w")]
    return data_loss + 0.5 * reg * sum(np.sum(w * w) for w in weights)


def check_finetune_gradients(model, X, y, label, num_directions=3, eps=1e-5, rtol=1e-3, seed=0):
    {{TQ}}Check a FineTuneModel's loss and gradients against reference_finetune_loss.

    SqueezeNet computes in float32, where centred differences drown in rounding errors.
    So the numeric derivatives are taken of the float64 reference, along random unit
    directions d (one per parameter array and direction): (L(p + eps d) - L(p - eps d)) /
    (2 eps) must match sum(grad * d). Returns the loss.{{TQ}}
    rng = np.random.default_rng(seed)
    loss, grads = model.loss(X, y)
    missing = sorted(set(model.params) - set(grads))
    assert not missing, f"{label}: model.loss returned no gradient for {missing}"
    params = {k: np.asarray(v, dtype=np.float64) for k, v in model.params.items()}
    reference = lambda p: reference_finetune_loss(p, X, y, model.trainable, model.reg)
    assert_close(f"{label}: loss", loss, reference(params), rtol=1e-4)
    for name in sorted(params):
        analytic = np.asarray(grads[name], dtype=np.float64)
        assert analytic.shape == params[name].shape, (
            f"{label}: the gradient of {name} has shape {analytic.shape}, "
            f"the parameter has shape {params[name].shape}")
        for _ in range(num_directions):
            d = rng.standard_normal(analytic.shape)
            d /= np.linalg.norm(d)
            numeric = (reference({**params, name: params[name] + eps * d})
                       - reference({**params, name: params[name] - eps * d})) / (2 * eps)
            directional = float(np.sum(analytic * d))
            err = abs(directional - numeric) / max(abs(directional) + abs(numeric), 1e-6)
            assert err <= rtol, (
                f"{label}: the gradient of {name} is wrong: along a random direction it "
                f"gives {directional:.6g}, the numeric derivative is {numeric:.6g}")
    return loss
""", "setup")

md(r"""
## Data and the pretrained network

`load_hymenoptera()` returns uint8 RGB images `(N, 160, 160, 3)` with labels 0 = ant,
1 = bee. `SqueezeNet.from_file()` loads the pretrained weights. The network expects
*preprocessed* images (`starter.images.preprocess`: BGR, minus the ImageNet mean,
`(N, 3, H, W)`); read the docstring of `starter.squeezenet` for its layers: its last
feature maps, `fire9`'s output, have 512 channels and 9 x 9 positions at 160 px.
""", "data_md")

code(r"""
data = load_hymenoptera()
class_names = data["class_names"]
for split in ("train", "val"):
    print(f"{split}: {data['X_' + split].shape}, {np.bincount(data['y_' + split])} ants/bees")
net = SqueezeNet.from_file()
show_image_grid(data["X_train"][::16], labels=data["y_train"][::16], class_names=class_names,
                ncols=8, scale=1.5)
""", "data")

md(r"""
## Global average pooling

The classifier turns a feature map `(N, D, H, W)` into one vector per image by averaging
each channel over its $H \times W$ positions: `out[n, d]` is the mean of `x[n, d]`. The
classifier then works at any input size (SqueezeNet is fully convolutional), which is
what lets us train on crops and evaluate on whole images. Implement
`global_avg_pool_forward` and `global_avg_pool_backward`.
""", "gap_md")

test(r"""
x = np.linspace(-0.4, 0.7, num=2 * 3 * 4 * 5).reshape(2, 3, 4, 5) ** 2
out, cache = global_avg_pool_forward(x)
assert_close("out of global_avg_pool_forward", out, {{GAP_OUT}}, rtol=1e-7)

rng = np.random.default_rng(231)
x = rng.standard_normal((3, 4, 5, 2))
dout = rng.standard_normal((3, 4))
_, cache = global_avg_pool_forward(x)
dx = global_avg_pool_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda x: global_avg_pool_forward(x)[0], x, dout)
assert_gradient_close("dx of global_avg_pool_backward", dx, dx_num)
print("global average pooling: visible checks passed; dx relative error", rel_error(dx, dx_num))

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(501)
for _shape in [(1, 1, 1, 1), (2, 5, 3, 7), (4, 2, 6, 6), (1, 3, 1, 4)]:
    _x = _rng.standard_normal(_shape)
    _n, _c, _h, _w = _shape
    _expected = np.array([[sum(_x[i, j].ravel().tolist()) / (_h * _w) for j in range(_c)]
                          for i in range(_n)])
    _out, _cache = global_avg_pool_forward(_x)
    assert_close(f"global_avg_pool_forward, input of shape {_shape}", _out, _expected, rtol=1e-7)
    _dout = _rng.standard_normal((_n, _c))
    _dx = global_avg_pool_backward(_dout, _cache)
    _num = eval_numerical_gradient_array(lambda v: global_avg_pool_forward(v)[0], _x, _dout)
    assert_gradient_close(f"global_avg_pool_backward, input of shape {_shape}", _dx, _num)
### END HIDDEN TESTS
""", "global_avg_pool_test", 1)

md(r"""
## The classifier

`LinearClassifier` is `global average pool - affine - softmax`, with the L2
regularization $\frac{1}{2}\,\text{reg}\sum W^2$ on the weights only. Implement its
`loss`: scores when `y` is None, otherwise the loss and the gradients of `W` and `b`,
using your functions from `layers.py`. The check compares the scores and the loss with
values computed independently, and the gradients with numeric ones.
""", "classifier_md")

test(r"""
N, D, H, W, C = 3, 5, 2, 3, 4
model = LinearClassifier(input_dim=D, num_classes=C, dtype=np.float64)
model.params["W"] = np.linspace(-0.5, 0.6, num=D * C).reshape(D, C)
model.params["b"] = np.linspace(-0.2, 0.3, num=C)
X = np.linspace(-1.0, 1.2, num=N * D * H * W).reshape(N, D, H, W)
y = np.array([0, 3, 1])
assert_close("scores of LinearClassifier.loss", model.loss(X), {{CLS_SCORES}}, rtol=1e-7)
model.reg = 0.0
assert_close("loss with reg = 0", model.loss(X, y)[0], {{CLS_LOSS0}}, rtol=1e-7)
model.reg = 0.7
assert_close("loss with reg = 0.7", model.loss(X, y)[0], {{CLS_LOSS1}}, rtol=1e-7)

rng = np.random.default_rng(231)
X = rng.standard_normal((6, 8, 3, 3))
y = rng.integers(3, size=6)
for reg in (0.0, 1.3):
    model = LinearClassifier(input_dim=8, num_classes=3, weight_scale=0.1, reg=reg,
                             dtype=np.float64, seed=0)
    loss = check_model_gradients(model, X, y, f"LinearClassifier, reg = {reg}")
    print(f"reg = {reg}: loss {loss:.6f}, gradients match")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(502)
for _n, _d, _h, _w, _c, _reg in [(1, 4, 1, 1, 2, 0.0), (5, 7, 2, 4, 5, 0.3), (9, 3, 5, 5, 2, 2.0)]:
    _m = LinearClassifier(input_dim=_d, num_classes=_c, weight_scale=0.5, reg=_reg,
                          dtype=np.float64, seed=3)
    _m.params["b"] = _rng.standard_normal(_c)
    _X = _rng.standard_normal((_n, _d, _h, _w))
    _y = _rng.integers(_c, size=_n)
    # Reference written from the definitions: mean over positions, affine, log-softmax.
    _s = np.einsum("ndhw,dc->nc", _X, _m.params["W"]) / (_h * _w) + _m.params["b"]
    _lse = np.log(np.sum(np.exp(_s - _s.max(axis=1, keepdims=True)), axis=1)) + _s.max(axis=1)
    _ref = np.mean(_lse - _s[np.arange(_n), _y]) + 0.5 * _reg * np.sum(_m.params["W"] ** 2)
    _label = f"hidden test, LinearClassifier with N={_n}, D={_d}, {_h}x{_w} maps, C={_c}, reg={_reg}"
    assert_close(f"{_label}: scores", _m.loss(_X), _s, rtol=1e-7)
    assert_close(f"{_label}: loss", _m.loss(_X, _y)[0], _ref, rtol=1e-7)
    check_model_gradients(_m, _X, _y, _label)
### END HIDDEN TESTS
""", "classifier_loss_test", 2)

md(r"""
## Extracting features once

Training never changes the frozen layers, so there is no need to run them at every step:
we run the network once, up to `fire8`, on every image and keep these activations. For
(a), one more pass through `fire9` gives the classifier's input. For (b), `fire9` is
trainable, so its input, `fire8`'s output, is all we store.

Data augmentation has to happen on the *images*, before the frozen layers, so we cannot
apply it to stored activations afterwards. Instead, `augmented_activations` stores the
activations of 16 randomly cropped (144 x 144) and flipped copies of each training image:
fine-tuning then samples from these 3904 examples. (Crops are evaluated as whole 160 px
validation images: the network is fully convolutional and pools globally.) This cell
takes the longest: about 4300 images through most of SqueezeNet.
""", "features_md")

code(r"""
start = time.perf_counter()
train8 = extract_activations(net, data["X_train"], "fire8")
val8 = extract_activations(net, data["X_val"], "fire8")
train9 = net.forward(train8, start="fire9")[0]
val9 = net.forward(val8, start="fire9")[0]
aug8, aug_y = augmented_activations(net, data["X_train"], data["y_train"], "fire8",
                                    num_copies=16, crop_size=144, seed=0)
print(f"fire9 features: train {train9.shape}, val {val9.shape}; augmented fire8 activations "
      f"{aug8.shape}; {time.perf_counter() - start:.1f} s")
""", "features", timeout=120)

md(r"""
## (a) A classifier on frozen features

Train a `LinearClassifier` on `train9` with the `Solver` and one of your update rules;
the `Solver` keeps the parameters of the epoch with the best validation accuracy. Store
the model in `frozen_model` and the solver in `frozen_solver`. A validation accuracy of
{{FROZEN_T}} or more earns the points; about 0.90 is reachable in a few seconds.
""", "frozen_md")

solution(r"""
frozen_data = {"X_train": train9, "y_train": data["y_train"], "X_val": val9, "y_val": data["y_val"]}
frozen_model, frozen_solver = None, None
### BEGIN SOLUTION
seed_everything(0)
frozen_model = LinearClassifier(reg=1e-3)
frozen_solver = Solver(frozen_model, frozen_data, update_rule=adam,
                       optim_config={"learning_rate": 1e-3}, num_epochs=10, batch_size=32,
                       verbose=False, progress=False, seed=0)
frozen_solver.train()
### END SOLUTION
print(f"frozen features: best validation accuracy {frozen_solver.best_val_acc:.4f}")
""", "train_frozen", timeout=60)

test(r"""
frozen_acc = np.mean(frozen_model.loss(val9).argmax(axis=1) == data["y_val"])
print(f"frozen features: validation accuracy {frozen_acc:.4f}")
assert frozen_acc >= {{FROZEN_T}}, f"validation accuracy {frozen_acc:.4f} is below {{FROZEN_T}}"

### BEGIN HIDDEN TESTS
# Fresh images and a fresh network, so that nothing done to val9 or net above counts.
assert isinstance(frozen_model, LinearClassifier), "frozen_model must be a LinearClassifier"
_fresh = load_hymenoptera()
_net = SqueezeNet.from_file()
_hidden_val8 = _net.features(preprocess(_fresh["X_val"]), "fire8")
_val9 = _net.forward(_hidden_val8, start="fire9")[0]
_acc = np.mean(frozen_model.loss(_val9).argmax(axis=1) == _fresh["y_val"])
assert _acc >= {{FROZEN_T}}, f"hidden test: validation accuracy below {{FROZEN_T}}"
### END HIDDEN TESTS
""", "frozen_accuracy_test", 2, timeout=60)

md(r"""
## (b) Fine-tuning the last fire module

`FineTuneModel(net, classifier_params, trainable=("fire9",))` keeps its own copies of
`fire9`'s parameters (`"fire9/squeeze1x1/w"`, ...) and of the classifier's `W` and `b`
in `params`. Its `loss` takes `fire8`'s activations, runs `fire9` with the current
`params` (`net.forward(X, start="fire9")`), then the classifier; with labels, it
backpropagates: through your affine layer and pooling, then into SqueezeNet with
`net.backward(dout, cache, trainable=..., need_dx=False)`, which returns the fire
modules' parameter gradients. Implement `FineTuneModel.loss`.

SqueezeNet computes in float32, where centred differences drown in rounding errors. The
check below therefore writes the model's loss independently in float64 (with starter's
`fire_forward`), checks your loss against it on a tiny input, and compares your
gradients with its numeric *directional* derivatives along random directions.
""", "finetune_md")

test(r"""
rng = np.random.default_rng(231)
X = 3 * np.abs(rng.standard_normal((2, 512, 3, 3))).astype(np.float32)
y = np.array([0, 1])
head = {"W": 0.05 * rng.standard_normal((512, 2)), "b": np.array([0.1, -0.2])}
model = FineTuneModel(net, head, reg=0.0)
assert sorted(model.params) == sorted(["W", "b"] + [k for k in net.params if k.startswith("fire9/")]), \
    f"FineTuneModel.params has keys {sorted(model.params)}"

# Scores with the pretrained fire9, computed with starter's fire module.
feats = fire_forward(X, *[net.params[f"fire9/{c}/{k}"] for c in FIRE_CONVS for k in "wb"])[0]
expected = feats.mean(axis=(2, 3)) @ head["W"] + head["b"]
assert_close("scores of FineTuneModel.loss", model.loss(X), expected, rtol=1e-4)
for reg in (0.0, 1e-3):
    model.reg = reg
    loss = check_finetune_gradients(model, X, y, f"FineTuneModel, reg = {reg}")
    print(f"reg = {reg}: loss {loss:.6f}, gradients match")
print("FineTuneModel: visible checks passed")

### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(503)
# Two trainable fire modules, other sizes, a changed fire9 parameter (the model must use its own params).
_X = 2 * np.abs(_rng.standard_normal((3, 384, 2, 4))).astype(np.float32)
_y = np.array([1, 0, 1])
_head = {"W": 0.1 * _rng.standard_normal((512, 2)), "b": np.zeros(2)}
_m = FineTuneModel(net, _head, trainable=("fire8", "fire9"), reg=2e-3)
_m.params["fire9/expand1x1/b"] = (_m.params["fire9/expand1x1/b"] + 0.05).astype(np.float32)
_h = _X
for _f in ("fire8", "fire9"):
    _h = fire_forward(_h, *[_m.params[f"{_f}/{c}/{k}"] for c in FIRE_CONVS for k in "wb"])[0]
_s = _h.astype(np.float64).mean(axis=(2, 3)) @ _head["W"] + _head["b"]
assert_close("hidden test, FineTuneModel with fire8 and fire9: scores", _m.loss(_X), _s, rtol=1e-4)
assert set(_m.params) == set(_m.loss(_X, _y)[1]), "hidden test: FineTuneModel.loss must return a gradient for every parameter"
check_finetune_gradients(_m, _X, _y, "hidden test, FineTuneModel with fire8 and fire9", seed=5)
assert np.array_equal(net.params["fire9/expand1x1/b"], SqueezeNet.from_file().params["fire9/expand1x1/b"]), \
    "hidden test: FineTuneModel must not change the pretrained network"
### END HIDDEN TESTS
""", "finetune_gradient_test", 2, timeout=60)

md(r"""
Now fine-tune: start from the classifier of part (a) (`frozen_model.params`), so that the
first gradients reaching `fire9` come from a sensible classifier rather than from random
weights that would disturb the pretrained features, and train on the augmented
activations `aug8`, `aug_y`, validating on `val8`. Give the pretrained `fire9` a much
smaller learning rate than the classifier (*discriminative learning rates*): its weights are
already good, and the classifier's large early steps should not wreck them. The `Solver` takes
per-parameter settings in `optim_config_overrides`, e.g. `{name: {"learning_rate": 3e-5} for
name in finetune_model.params if "/" in name}` for the fire module's parameters. Store the model in `finetune_model` and
the solver in `finetune_solver`. A validation accuracy of {{FINETUNE_T}} or more earns the
points. Keep the training under a minute or so.
""", "train_finetune_md")

solution(r"""
finetune_data = {"X_train": aug8, "y_train": aug_y, "X_val": val8, "y_val": data["y_val"]}
finetune_model, finetune_solver = None, None
### BEGIN SOLUTION
seed_everything(0)
finetune_model = FineTuneModel(net, frozen_model.params, trainable=("fire9",))
# fire9 learns 30 times more slowly than the classifier it feeds.
fire9_rate = {name: {"learning_rate": 3e-5} for name in finetune_model.params if "/" in name}
finetune_solver = Solver(finetune_model, finetune_data, update_rule=adam,
                         optim_config={"learning_rate": 1e-3}, optim_config_overrides=fire9_rate,
                         lr_decay=0.7, num_epochs=6, batch_size=32, num_train_samples=256,
                         verbose=False, progress=False, seed=0)
start = time.perf_counter()
finetune_solver.train()
print(f"fine-tuning: {time.perf_counter() - start:.1f} s")
### END SOLUTION
print(f"fine-tuned: best validation accuracy {finetune_solver.best_val_acc:.4f}")
""", "train_finetune", timeout=120)

test(r"""
finetune_acc = np.mean(finetune_model.loss(val8).argmax(axis=1) == data["y_val"])
print(f"fine-tuned: validation accuracy {finetune_acc:.4f}")
assert finetune_acc >= {{FINETUNE_T}}, f"validation accuracy {finetune_acc:.4f} is below {{FINETUNE_T}}"

### BEGIN HIDDEN TESTS
assert isinstance(finetune_model, FineTuneModel), "finetune_model must be a FineTuneModel"
if "_hidden_val8" not in globals():
    _fresh = load_hymenoptera()
    _hidden_val8 = SqueezeNet.from_file().features(preprocess(_fresh["X_val"]), "fire8")
_y_val = load_hymenoptera()["y_val"]
_acc = np.mean(finetune_model.loss(_hidden_val8).argmax(axis=1) == _y_val)
assert _acc >= {{FINETUNE_T}}, f"hidden test: validation accuracy below {{FINETUNE_T}}"
### END HIDDEN TESTS
""", "finetune_accuracy_test", 3, timeout=60)

md(r"""
## Comparing the two

The curves show the training loss and the training and validation accuracies of both
runs (the fine-tuning run starts from the trained classifier, so it starts high).
Then the validation images the fine-tuned model gets wrong, titled with the class it
predicted: are they hard even for you?
""", "compare_md")

code(r"""
plot_training_curves({"frozen features": frozen_solver, "fine-tuned fire9": finetune_solver},
                     title="Ants vs bees with SqueezeNet 1.1", smooth=10)
""", "compare_curves")

code(r"""
pred = finetune_model.loss(val8).argmax(axis=1)
wrong = np.flatnonzero(pred != data["y_val"])
print(f"{len(wrong)} of {len(pred)} validation images misclassified")
show_image_grid(data["X_val"][wrong], labels=[f"{class_names[p]}?" for p in pred[wrong]],
                ncols=8, scale=1.5, title="Misclassified (predicted class)")
""", "misclassified")


# ---------------------------------------------------------------- write
def nbgrader_meta(kind: str, meta: dict) -> dict:
    base = {"schema_version": 3, "grade_id": meta["grade_id"], "locked": True,
            "solution": False, "grade": False}
    if kind == "solution":
        base.update(solution=True, locked=False)
    elif meta.get("grade"):
        base.update(grade=True, points=meta["points"])
    return base


def build_notebook() -> nbformat.NotebookNode:
    E["TQ"] = '"""'
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for kind, source, meta in CELLS:
        unknown = set(re.findall(r"\{\{(\w+)\}\}", source)) - set(E)
        if unknown:
            raise SystemExit(f"unknown placeholders {unknown} in cell {meta['grade_id']}")
        source = re.sub(r"\{\{(\w+)\}\}", lambda m: E[m.group(1)], source).strip("\n")
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
    nb = build_notebook()
    # Written questions (tools/written_questions.py), inserted after their anchor cells.
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    from written_questions import insert_written_questions

    insert_written_questions(nb, OUT.stem)
    nbformat.validate(nb)
    nbformat.write(nb, OUT)
    total = sum(m["points"] for _, _, m in CELLS if m.get("grade"))
    print(f"wrote {OUT.relative_to(ROOT)}: {len(nb.cells)} cells, {total} autograded points")
