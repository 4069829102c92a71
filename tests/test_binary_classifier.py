"""``BinaryClassifier`` (solutions/dl/fc_net.py): contract, loss against an independent
reference, gradients against our own centred differences, and training with the Solver."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "dl"
VARIANTS = [(loss, hidden) for loss in ("logistic", "hinge") for hidden in (None, 32)]


@pytest.fixture()
def fc_net(monkeypatch):
    monkeypatch.syspath_prepend(str(SOLUTIONS))
    for name in ("layers", "fc_net", "optim"):
        sys.modules.pop(name, None)
    module = importlib.import_module("fc_net")
    yield module
    for name in ("layers", "fc_net", "optim"):
        sys.modules.pop(name, None)


def reference(params, X, y, reg, loss):
    """Scores and loss written from the docstring, independently of layers.py."""
    h = X.reshape(len(X), -1)
    if "W2" in params:
        h = np.maximum(h @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
    else:
        h = h @ params["W1"] + params["b1"]
    scores = h[:, 0]
    margin = (2 * y - 1) * scores
    data = np.log1p(np.exp(-margin)).mean() if loss == "logistic" else np.maximum(0, 1 - margin).mean()
    return scores, data + 0.5 * reg * sum(np.sum(v ** 2) for k, v in params.items() if k.startswith("W"))


def centred_differences(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = f()
        x[index] = old - h
        minus = f()
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


@pytest.mark.parametrize("hidden", [None, 1, 9])
def test_params_contract(fc_net, hidden):
    np.random.seed(0)
    model = fc_net.BinaryClassifier(input_dim=12, hidden_dim=hidden, weight_scale=0.3)
    expected = {"W1": (12, 1), "b1": (1,)} if hidden is None else {
        "W1": (12, hidden), "b1": (hidden,), "W2": (hidden, 1), "b2": (1,)}
    assert {k: v.shape for k, v in model.params.items()} == expected
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert all(np.all(model.params[k] == 0) for k in expected if k.startswith("b"))
    scores = model.loss(np.random.randn(5, 3, 4))
    assert scores.shape == (5,) and scores.dtype == np.float32


def test_weights_drawn_with_weight_scale(fc_net):
    np.random.seed(1)
    model = fc_net.BinaryClassifier(input_dim=400, hidden_dim=50, weight_scale=0.2, dtype=np.float64)
    assert 0.19 < model.params["W1"].std() < 0.21 and abs(model.params["W1"].mean()) < 0.01


@pytest.mark.parametrize("loss", ["logistic", "hinge"])
@pytest.mark.parametrize("hidden", [None, 7])
@pytest.mark.parametrize("reg", [0.0, 0.9])
def test_loss_and_gradients(fc_net, loss, hidden, reg):
    rng = np.random.default_rng([len(loss), hidden or 0, int(10 * reg)])  # deterministic per case
    model = fc_net.BinaryClassifier(input_dim=6, hidden_dim=hidden, loss=loss, reg=reg, dtype=np.float64)
    for name in model.params:
        model.params[name] = 0.7 * rng.standard_normal(model.params[name].shape)
    X = rng.standard_normal((11, 2, 3))
    y = rng.integers(2, size=11)
    scores, expected = reference(model.params, X, y, reg, loss)
    np.testing.assert_allclose(model.loss(X), scores, rtol=1e-12)
    value, grads = model.loss(X, y)
    assert value == pytest.approx(expected, rel=1e-12)
    assert set(grads) == set(model.params)
    for name, param in model.params.items():
        numeric = centred_differences(lambda: reference(model.params, X, y, reg, loss)[1], param)
        assert grads[name].shape == param.shape
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_bad_arguments_are_refused(fc_net):
    with pytest.raises(ValueError, match="loss must be 'logistic' or 'hinge'"):
        fc_net.BinaryClassifier(loss="softmax")
    with pytest.raises(ValueError, match="hidden_dim must be None or a positive integer"):
        fc_net.BinaryClassifier(hidden_dim=0)


def test_solver_trains_every_variant_on_breast_cancer(fc_net):
    from optim import adam

    from starter import Solver, load_breast_cancer
    from starter.seeding import seed_everything

    data = load_breast_cancer()
    split = {k: data[k] for k in ("X_train", "y_train", "X_val", "y_val")}
    for loss, hidden in VARIANTS:
        seed_everything(0)
        model = fc_net.BinaryClassifier(input_dim=30, hidden_dim=hidden, loss=loss, reg=1e-2, weight_scale=1e-1)
        solver = Solver(model, split, update_rule=adam, optim_config={"learning_rate": 3e-3},
                        num_epochs=50, batch_size=32, verbose=False, progress=False, seed=0)
        solver.train()
        val = np.mean((model.loss(data["X_val"]) > 0) == data["y_val"])
        # The Solver predicts class 1 where the (N,) score is positive: the same accuracy.
        assert solver.check_accuracy(data["X_val"], data["y_val"]) == pytest.approx(val)
        assert val >= 0.96, (loss, hidden, val)  # the notebook grades >= 0.94


def test_solver_refuses_scores_of_other_shapes():
    from starter import Solver

    class Cube:
        params = {"w": np.zeros(1)}

        def loss(self, X, y=None):
            return np.zeros((len(X), 2, 2)) if y is None else (0.0, {"w": np.zeros(1)})

    data = {"X_train": np.zeros((4, 3)), "y_train": np.zeros(4, int), "X_val": np.zeros((4, 3)),
            "y_val": np.zeros(4, int)}
    solver = Solver(Cube(), data, update_rule=lambda w, dw, config=None: (w, config), verbose=False,
                    progress=False)
    with pytest.raises(TypeError, match=r"shape \(N, C\), or positive-class scores of shape \(N,\)"):
        solver.check_accuracy(data["X_val"], data["y_val"])
