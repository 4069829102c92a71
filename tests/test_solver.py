"""starter.solver.Solver with a small softmax-regression model defined here."""

import numpy as np
import pytest

from starter import Solver, TrainingDivergedError, load_mnist, seed_everything
from starter.gradient_check import assert_gradient_close, eval_numerical_gradient


class SoftmaxRegression:
    """scores = X W + b with a softmax loss; X is (N, D) (or anything flattening to it)."""

    def __init__(self, input_dim=784, num_classes=10, weight_scale=1e-3, reg=0.0, seed=0):
        rng = np.random.default_rng(seed)
        self.reg = reg
        self.params = {
            "W": weight_scale * rng.standard_normal((input_dim, num_classes)),
            "b": np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        X2 = X.reshape(X.shape[0], -1)
        W, b = self.params["W"], self.params["b"]
        scores = X2 @ W + b
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        N = X2.shape[0]
        loss = -log_probs[np.arange(N), y].mean() + 0.5 * self.reg * np.sum(W * W)
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {"W": X2.T @ dscores + self.reg * W, "b": dscores.sum(axis=0)}
        return loss, grads


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


@pytest.fixture(scope="module")
def small_mnist():
    return load_mnist(num_train=1000, num_val=300, num_test=10)


def _solver(model, data, **kwargs):
    defaults = dict(
        update_rule=sgd,
        optim_config={"learning_rate": 0.5},
        batch_size=50,
        num_epochs=3,
        verbose=False,
        progress=False,
        seed=0,
    )
    defaults.update(kwargs)
    return Solver(model, data, **defaults)


def test_test_model_gradients_are_right():
    """The model used below must itself be correct: check it numerically."""
    rng = np.random.default_rng(3)
    model = SoftmaxRegression(input_dim=5, num_classes=4, weight_scale=0.5, reg=0.1)
    X = rng.standard_normal((7, 5))
    y = rng.integers(0, 4, size=7)
    _, grads = model.loss(X, y)
    for name in ("W", "b"):
        numeric = eval_numerical_gradient(
            lambda _: model.loss(X, y)[0], model.params[name], verbose=False
        )
        assert_gradient_close(f"d{name}", grads[name], numeric)


def test_trains_better_than_chance_and_histories(small_mnist):
    model = SoftmaxRegression()
    solver = _solver(model, small_mnist, batch_size=64, num_epochs=3)
    solver.train()
    iterations_per_epoch = 1000 // 64
    assert len(solver.loss_history) == 3 * iterations_per_epoch
    assert len(solver.train_acc_history) == 3 + 1  # before training, then each epoch
    assert len(solver.val_acc_history) == 3 + 1
    assert solver.epoch == 3
    assert solver.val_acc_history[0] < 0.3  # near chance at the start
    assert solver.best_val_acc > 0.75  # chance is 0.1
    assert np.mean(solver.loss_history[-10:]) < 0.5 * solver.loss_history[0]
    assert all(isinstance(v, float) for v in solver.loss_history)


def test_best_params_are_restored(small_mnist):
    model = SoftmaxRegression()
    steps = {"n": 0}
    iterations_per_epoch = 1000 // 50

    def sabotaging_sgd(w, dw, config):
        # After two epochs, wreck the weights: the last epoch becomes the worst one.
        steps["n"] += 1
        if steps["n"] > 2 * 2 * iterations_per_epoch:  # 2 parameters per step
            return np.zeros_like(w), config
        return sgd(w, dw, config)

    solver = _solver(model, small_mnist, update_rule=sabotaging_sgd, num_epochs=3)
    solver.train()
    assert solver.val_acc_history[-1] < 0.2  # the wrecked last epoch
    assert solver.best_val_acc == max(solver.val_acc_history) > 0.75
    for k, v in solver.best_params.items():
        np.testing.assert_array_equal(model.params[k], v)
        assert model.params[k] is not v  # a copy: further training cannot alter best_params
    X_val, y_val = small_mnist["X_val"], small_mnist["y_val"]
    accuracy = np.mean(np.argmax(model.loss(X_val), axis=1) == y_val)
    assert accuracy == pytest.approx(solver.best_val_acc)


def test_check_accuracy_against_direct_computation(small_mnist):
    model = SoftmaxRegression(weight_scale=1e-2, seed=5)
    solver = _solver(model, small_mnist)
    X, y = small_mnist["X_val"], small_mnist["y_val"]
    expected = np.mean(np.argmax(X @ model.params["W"] + model.params["b"], axis=1) == y)
    assert solver.check_accuracy(X, y, batch_size=7) == pytest.approx(expected)
    sub = solver.check_accuracy(X, y, num_samples=50)
    assert 0.0 <= sub <= 1.0 and round(sub * 50) == pytest.approx(sub * 50)


def test_seed_makes_training_deterministic(small_mnist):
    runs = []
    for seed in (7, 7, 8):
        model = SoftmaxRegression()
        solver = _solver(model, small_mnist, seed=seed, num_epochs=1, num_train_samples=200)
        solver.train()
        runs.append((solver.loss_history, model.params["W"].copy(), solver.train_acc_history))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert runs[0][2] == runs[1][2]
    assert runs[0][0] != runs[2][0]  # another seed samples other minibatches


def test_seed_everything_governs_unseeded_solvers(small_mnist):
    histories = []
    for _ in range(2):
        seed_everything(123)
        solver = _solver(SoftmaxRegression(), small_mnist, seed=None, num_epochs=1)
        solver.train()
        histories.append(solver.loss_history)
    assert histories[0] == histories[1]


def test_string_or_missing_update_rule_is_rejected(small_mnist):
    with pytest.raises(TypeError, match=r"update_rule=optim\.adam"):
        Solver(SoftmaxRegression(), small_mnist, update_rule="adam")
    with pytest.raises(TypeError, match="update_rule"):
        Solver(SoftmaxRegression(), small_mnist)


def test_bad_data_and_arguments_are_rejected(small_mnist):
    with pytest.raises(KeyError, match="y_val"):
        Solver(SoftmaxRegression(), {"X_train": 1, "y_train": 1, "X_val": 1}, update_rule=sgd)
    bad = dict(small_mnist, y_train=small_mnist["y_train"][:10])
    with pytest.raises(ValueError, match="same, non-zero number"):
        Solver(SoftmaxRegression(), bad, update_rule=sgd)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        _solver(SoftmaxRegression(), small_mnist, batch_size=0)
    with pytest.raises(TypeError, match="params"):
        Solver(object(), small_mnist, update_rule=sgd)


def test_nan_loss_is_detected(small_mnist):
    class Exploding(SoftmaxRegression):
        calls = 0

        def loss(self, X, y=None):
            out = super().loss(X, y)
            if y is None:
                return out
            Exploding.calls += 1
            return (np.nan if Exploding.calls >= 3 else out[0]), out[1]

    solver = _solver(Exploding(), small_mnist)
    with pytest.raises(TrainingDivergedError) as info:
        solver.train()
    message = str(info.value)
    assert "nan" in message and "iteration 3" in message
    assert "learning_rate" in message and "gradient check" in message


def test_nan_gradient_is_detected(small_mnist):
    class BadGrad(SoftmaxRegression):
        def loss(self, X, y=None):
            out = super().loss(X, y)
            if y is None:
                return out
            out[1]["b"][0] = np.inf
            return out

    with pytest.raises(TrainingDivergedError, match="gradient of 'b'"):
        _solver(BadGrad(), small_mnist).train()


def test_huge_learning_rate_diverges_with_clear_error(small_mnist):
    solver = _solver(SoftmaxRegression(), small_mnist, optim_config={"learning_rate": 1e300})
    with np.errstate(all="ignore"):
        with pytest.raises(TrainingDivergedError, match="smaller learning_rate"):
            solver.train()


def test_lr_decay_and_checkpoints(small_mnist, tmp_path):
    name = str(tmp_path / "ckpt")
    solver = _solver(
        SoftmaxRegression(), small_mnist, lr_decay=0.5, num_epochs=2, checkpoint_name=name
    )
    solver.train()
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(0.5 * 0.5 * 0.5)
    # one checkpoint before training (epoch 0) and one after each epoch
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ckpt_epoch_0.pkl",
        "ckpt_epoch_1.pkl",
        "ckpt_epoch_2.pkl",
    ]


def test_output_goes_to_stdout_only(small_mnist, capsys):
    solver = _solver(
        SoftmaxRegression(), small_mnist, verbose=True, progress=True, num_epochs=2, print_every=5
    )
    solver.train()
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "(Iteration 1 / 40) loss:" in captured.out
    assert "(Iteration 6 / 40) loss:" in captured.out
    assert "(Epoch 2 / 2) train acc:" in captured.out
    assert "40/40" in captured.out  # the progress bar


def test_quiet_solver_prints_nothing(small_mnist, capsys):
    _solver(SoftmaxRegression(), small_mnist, num_epochs=1).train()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


class RecordingModel(SoftmaxRegression):
    """Remembers every training minibatch it sees (calls with labels)."""

    def __init__(self):
        super().__init__()
        self.train_batches = []

    def loss(self, X, y=None):
        if y is not None:
            self.train_batches.append(X.copy())
        return super().loss(X, y)


def test_augment_transforms_every_training_batch_and_nothing_else(small_mnist):
    seen_rngs = []

    def negate(X, rng):
        seen_rngs.append(rng)
        return -X

    model = RecordingModel()
    solver = _solver(model, small_mnist, batch_size=100, num_epochs=2, augment=negate)
    solver.train()
    # Pixels are >= 0, so every negated batch is <= 0 and holds some negative value.
    assert len(model.train_batches) == 2 * (1000 // 100) == len(seen_rngs)
    assert all(b.max() <= 0 and b.min() < 0 for b in model.train_batches)
    assert all(r is solver._rng for r in seen_rngs)
    # The accuracy checks see the data as given: the same as a solver without augment
    # evaluating the same parameters.
    plain = _solver(RecordingModel(), small_mnist)
    plain.model.params = {k: v.copy() for k, v in model.params.items()}
    assert plain.check_accuracy(small_mnist["X_val"], small_mnist["y_val"]) == solver.check_accuracy(
        small_mnist["X_val"], small_mnist["y_val"]
    )


def test_augment_with_random_shift_is_reproducible(small_mnist):
    from starter import random_shift

    def shift(X, rng):
        return random_shift(X.reshape(-1, 1, 28, 28), 2, rng).reshape(X.shape)

    runs = []
    for _ in range(2):
        solver = _solver(SoftmaxRegression(), small_mnist, num_epochs=1, augment=shift)
        solver.train()
        runs.append(solver.loss_history)
    assert runs[0] == runs[1]
    unaugmented = _solver(SoftmaxRegression(), small_mnist, num_epochs=1)
    unaugmented.train()
    assert unaugmented.loss_history != runs[0]


def test_bad_augment_is_rejected_clearly(small_mnist):
    with pytest.raises(TypeError, match="augment must be a function"):
        _solver(SoftmaxRegression(), small_mnist, augment="shift")
    solver = _solver(SoftmaxRegression(), small_mnist, augment=lambda X, rng: X[:5])
    with pytest.raises(ValueError, match="one example per input example"):
        solver.train()


def test_optim_config_overrides_set_per_parameter_rates_and_decay_with_the_rest(small_mnist):
    model = SoftmaxRegression()
    b_before = model.params["b"].copy()
    solver = _solver(model, small_mnist, num_epochs=2, lr_decay=0.5,
                     optim_config_overrides={"b": {"learning_rate": 0.0}})
    solver.train()
    # A zero rate freezes b (the best epoch's params are restored, but every epoch kept b).
    np.testing.assert_array_equal(model.params["b"], b_before)
    assert solver.best_val_acc > 0.75  # W alone still learns
    assert solver.optim_configs["W"]["learning_rate"] == 0.5 * 0.5 * 0.5
    assert solver.optim_configs["b"]["learning_rate"] == 0.0


def test_optim_config_overrides_for_unknown_parameters_are_rejected(small_mnist):
    with pytest.raises(KeyError, match=r"does not have: \['W2'\]"):
        _solver(SoftmaxRegression(), small_mnist, optim_config_overrides={"W2": {"learning_rate": 1.0}})
