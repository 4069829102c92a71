"""The ``Solver``: CS231n's training loop for classification models.

Differences from CS231n's version, all deliberate:

- ``update_rule`` is a function ``update(w, dw, config) -> (next_w, config)``
  (e.g. ``optim.adam`` from your ``optim.py``), not a name: this package cannot
  import your modules.
- ``seed`` makes minibatch sampling reproducible with a private
  ``np.random.Generator``; without it the seed is drawn from numpy's global
  generator, so ``seed_everything`` makes training reproducible too.
- A progress bar (``progress=False`` hides it) that writes to stdout.
- Training stops with a :class:`TrainingDivergedError` as soon as the loss or a
  gradient stops being finite, saying what to try.
- ``check_accuracy`` subsamples without replacement.
- ``augment`` transforms every training minibatch (data augmentation, e.g.
  :func:`starter.images.random_shift`).

Example::

    from optim import adam
    solver = Solver(model, data, update_rule=adam, optim_config={"learning_rate": 1e-3},
                    num_epochs=5, batch_size=100, seed=0)
    solver.train()
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

__all__ = ["Solver", "TrainingDivergedError", "UpdateRule"]

UpdateRule = Callable[[np.ndarray, np.ndarray, dict], tuple[np.ndarray, dict]]


class Model(Protocol):
    """What the Solver needs from a model (CS231n's contract)."""

    params: dict[str, np.ndarray]

    def loss(self, X: np.ndarray, y: np.ndarray | None = None) -> Any: ...


class TrainingDivergedError(FloatingPointError):
    """The loss or a gradient became NaN or infinite during training."""


class Solver:
    """Trains a classification model with minibatch gradient descent.

    The model must have
    - ``model.params``: a dict from parameter names to numpy arrays;
    - ``model.loss(X, y=None)``: with ``y`` None, return class scores of shape
      (N, C) (test mode), or for a binary classifier the scores of the positive
      class, shape (N,) (class 1 predicted where the score is positive);
      otherwise return ``(loss, grads)``, a scalar loss and a dict with the
      same keys as ``params`` holding the gradients.

    ``data`` holds ``X_train`` (N_train, ...), ``y_train`` (N_train,), ``X_val``
    (N_val, ...) and ``y_val`` (N_val,) with integer labels.

    Keyword arguments (CS231n's, plus ``seed`` and ``progress``):
    - update_rule: the update function from ``optim.py``, e.g. ``optim.sgd_momentum``.
    - optim_config: hyperparameters given to the update rule (a copy per parameter),
      e.g. ``{"learning_rate": 1e-3}``.
    - optim_config_overrides: per-parameter changes to ``optim_config``,
      ``{param_name: {key: value}}``, e.g. a smaller learning rate for pretrained
      layers than for a new classifier (``lr_decay`` still applies to every one).
    - lr_decay: ``learning_rate`` is multiplied by this after each epoch.
    - batch_size: minibatch size (sampled with replacement, as in CS231n).
    - num_epochs: epochs to train; an epoch is ``max(N_train // batch_size, 1)`` steps.
    - num_train_samples: training examples used to estimate training accuracy
      after each epoch (None: all).
    - num_val_samples: validation examples for that estimate (None: all).
    - checkpoint_name: if given, pickle a checkpoint to ``<name>_epoch_<k>.pkl`` each epoch.
    - print_every: with ``verbose``, print the loss every this many iterations.
    - verbose: print losses and accuracies while training.
    - seed: seed of the minibatch sampler (None: drawn from numpy's global generator).
    - progress: show a progress bar on stdout.
    - augment: a function ``augment(X_batch, rng) -> X_batch`` applied to every
      training minibatch (not to the accuracy checks), given the solver's
      ``np.random.Generator``; e.g. ``lambda X, rng: random_shift(X, 2, rng)``.

    After ``train()``: ``loss_history`` (one float per iteration),
    ``train_acc_history`` and ``val_acc_history`` (one per epoch, plus one
    before training), ``best_val_acc``, and ``best_params``, which are also
    copied back into ``model.params``.
    """

    def __init__(
        self,
        model: Model,
        data: Mapping[str, np.ndarray],
        *,
        update_rule: UpdateRule | None = None,
        optim_config: Mapping[str, Any] | None = None,
        optim_config_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        lr_decay: float = 1.0,
        batch_size: int = 100,
        num_epochs: int = 10,
        num_train_samples: int | None = 1000,
        num_val_samples: int | None = None,
        checkpoint_name: str | None = None,
        print_every: int = 10,
        verbose: bool = True,
        seed: int | None = None,
        progress: bool = True,
        augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    ) -> None:
        if not isinstance(getattr(model, "params", None), dict) or not callable(
            getattr(model, "loss", None)
        ):
            raise TypeError(
                "model must have a `params` dict and a `loss(X, y=None)` method, "
                f"got {type(model).__name__}"
            )
        if isinstance(update_rule, str):
            raise TypeError(
                f"update_rule must be a function from optim.py, not the string {update_rule!r}: "
                f"write `import optim` and pass `update_rule=optim.{update_rule}`."
            )
        if update_rule is None:
            raise TypeError(
                "Solver needs update_rule=<a function from optim.py>, e.g. "
                "`import optim` then `Solver(model, data, update_rule=optim.sgd, ...)`."
            )
        if not callable(update_rule):
            raise TypeError(
                f"update_rule must be a function update(w, dw, config) -> (next_w, config), "
                f"got {type(update_rule).__name__}"
            )
        missing = [k for k in ("X_train", "y_train", "X_val", "y_val") if k not in data]
        if missing:
            raise KeyError(
                f"data is missing {', '.join(missing)}; it needs X_train, y_train, X_val, y_val "
                "(e.g. the dict returned by load_mnist)."
            )
        for split in ("train", "val"):
            X, y = data[f"X_{split}"], data[f"y_{split}"]
            if len(X) != len(y) or len(X) == 0:
                raise ValueError(
                    f"X_{split} and y_{split} must hold the same, non-zero number of examples; "
                    f"got {len(X)} and {len(y)}"
                )
        for name, value in (
            ("batch_size", batch_size),
            ("num_epochs", num_epochs),
            ("print_every", print_every),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name, value in (
            ("num_train_samples", num_train_samples),
            ("num_val_samples", num_val_samples),
        ):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
            ):
                raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
        if augment is not None and not callable(augment):
            raise TypeError(
                f"augment must be a function augment(X_batch, rng) -> X_batch, got {type(augment).__name__}"
            )
        if not np.isfinite(lr_decay) or lr_decay <= 0:
            raise ValueError(f"lr_decay must be a positive number, got {lr_decay!r}")

        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        self.update_rule = update_rule
        self.optim_config = dict(optim_config or {})
        self.optim_config_overrides = {k: dict(v) for k, v in (optim_config_overrides or {}).items()}
        unknown = sorted(set(self.optim_config_overrides) - set(model.params))
        if unknown:
            raise KeyError(
                f"optim_config_overrides names parameters the model does not have: {unknown}; "
                f"its parameters are {sorted(model.params)}"
            )
        self.lr_decay = lr_decay
        self.batch_size = int(batch_size)
        self.num_epochs = int(num_epochs)
        self.num_train_samples = num_train_samples
        self.num_val_samples = num_val_samples
        self.checkpoint_name = checkpoint_name
        self.print_every = int(print_every)
        self.verbose = verbose
        self.progress = progress
        self.augment = augment
        if seed is None:
            # Tie the sampler to numpy's global state so seed_everything() governs it.
            seed = int(np.random.randint(0, 2**31 - 1))
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._bar: tqdm | None = None
        self._reset()

    def _reset(self) -> None:
        """Set up the bookkeeping; don't call it by hand."""
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params: dict[str, np.ndarray] = {}
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        # Every parameter gets its own optimizer state (e.g. Adam's m and v).
        self.optim_configs = {
            p: {**self.optim_config, **self.optim_config_overrides.get(p, {})} for p in self.model.params
        }

    def _print(self, message: str) -> None:
        if self._bar is not None:
            self._bar.write(message, file=sys.stdout)  # keeps the bar below the message
        else:
            print(message)

    def _diverged(self, what: str, t: int) -> TrainingDivergedError:
        lr = self.optim_configs[next(iter(self.optim_configs))].get("learning_rate", "default")
        return TrainingDivergedError(
            f"{what} at iteration {t + 1} (epoch {self.epoch}, learning_rate {lr}). "
            "Try a smaller learning_rate (e.g. 10x lower) or weight_scale, and check your "
            "backward pass with a numeric gradient check."
        )

    def _step(self, t: int = 0) -> None:
        """One gradient update on a random minibatch; don't call it by hand."""
        num_train = self.X_train.shape[0]
        batch_mask = self._rng.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]
        if self.augment is not None:
            augmented = self.augment(X_batch, self._rng)
            if np.shape(augmented)[:1] != X_batch.shape[:1]:
                raise ValueError(
                    f"augment must return one example per input example: got shape "
                    f"{np.shape(augmented)} for a batch of shape {X_batch.shape}"
                )
            X_batch = augmented

        result = self.model.loss(X_batch, y_batch)
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError(
                "model.loss(X, y) must return (loss, grads) when y is given, "
                f"got {type(result).__name__}"
            )
        loss, grads = result
        if np.ndim(loss) != 0:
            raise TypeError(f"model.loss must return a scalar loss, got shape {np.shape(loss)}")
        loss = float(loss)
        self.loss_history.append(loss)
        if not np.isfinite(loss):
            raise self._diverged(f"the loss became {loss}", t)

        for p, w in self.model.params.items():
            if p not in grads:
                raise KeyError(f"model.loss returned no gradient for parameter {p!r}")
            dw = grads[p]
            if not np.all(np.isfinite(dw)):
                raise self._diverged(f"the gradient of {p!r} contains NaN or inf", t)
            next_w, next_config = self.update_rule(w, dw, self.optim_configs[p])
            if next_config is None:
                raise TypeError("update_rule must return (next_w, config); the config was None")
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def _save_checkpoint(self) -> None:
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            self._print(f'Saving checkpoint to "{filename}"')
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(
        self,
        X: np.ndarray,
        y: np.ndarray,
        num_samples: int | None = None,
        batch_size: int = 100,
    ) -> float:
        """Fraction of examples the model classifies correctly.

        Inputs:
        - X: data of shape (N, d_1, ..., d_k)
        - y: integer labels of shape (N,)
        - num_samples: if given and smaller than N, evaluate a random subset of
          this size (drawn without replacement)
        - batch_size: examples per forward pass (bounds memory)
        """
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = self._rng.choice(N, num_samples, replace=False)
            N = num_samples
            X = X[mask]
            y = y[mask]

        y_pred = []
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start : start + batch_size])
            if scores is None or np.ndim(scores) not in (1, 2):
                raise TypeError(
                    "model.loss(X) with y=None must return class scores of shape (N, C), "
                    "or positive-class scores of shape (N,) for a binary classifier, "
                    f"got {type(scores).__name__} of shape {np.shape(scores)}"
                )
            if np.ndim(scores) == 1:  # binary: the score of class 1
                y_pred.append((np.asarray(scores) > 0).astype(np.int64))
            else:
                y_pred.append(np.argmax(scores, axis=1))
        return float(np.mean(np.hstack(y_pred) == y))

    def train(self) -> None:
        """Run the optimisation; afterwards ``model.params`` holds the best parameters."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        self._bar = None
        if self.progress:
            self._bar = tqdm(
                total=num_iterations,
                file=sys.stdout,  # nbgrader scores a test cell that writes to stderr as failed
                unit="it",
                mininterval=0.5,
                dynamic_ncols=True,
            )
        try:
            for t in range(num_iterations):
                self._step(t)
                if self._bar is not None:
                    self._bar.update(1)
                    self._bar.set_postfix(loss=f"{self.loss_history[-1]:.4f}", refresh=False)

                if self.verbose and t % self.print_every == 0:
                    self._print(
                        f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}"
                    )

                epoch_end = (t + 1) % iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    self._decay_learning_rate()

                if t == 0 or t == num_iterations - 1 or epoch_end:
                    train_acc = self.check_accuracy(
                        self.X_train, self.y_train, num_samples=self.num_train_samples
                    )
                    val_acc = self.check_accuracy(
                        self.X_val, self.y_val, num_samples=self.num_val_samples
                    )
                    self.train_acc_history.append(train_acc)
                    self.val_acc_history.append(val_acc)
                    self._save_checkpoint()
                    if self.verbose:
                        self._print(
                            f"(Epoch {self.epoch} / {self.num_epochs}) "
                            f"train acc: {train_acc:f}; val_acc: {val_acc:f}"
                        )
                    if not self.best_params or val_acc > self.best_val_acc:
                        self.best_val_acc = val_acc
                        self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        finally:
            if self._bar is not None:
                self._bar.close()
            self._bar = None

        # Copies, so that training further does not overwrite best_params.
        for k, v in self.best_params.items():
            self.model.params[k] = v.copy()

    def _decay_learning_rate(self) -> None:
        if self.lr_decay == 1.0:
            return
        for name, config in self.optim_configs.items():
            if "learning_rate" not in config:
                raise KeyError(
                    f"lr_decay needs a learning_rate in the optimizer config of {name!r}; "
                    "put one in optim_config or have the update rule set its default"
                )
            config["learning_rate"] *= self.lr_decay
