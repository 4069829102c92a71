"""First-order update rules for training neural networks.

Each update rule has the interface::

    def update(w, dw, config=None):
        ...
        return next_w, config

Inputs:
- w: an array of the current weights
- dw: an array of the same shape as w, the gradient of the loss with respect
  to w
- config: a dictionary of hyperparameters (learning rate, ...) and of the
  state the rule keeps between calls (moving averages, step count). Missing
  entries get their default values.

Returns:
- next_w: the weights after the update, a new array of the same shape as w;
  w and dw must not be modified in place
- config: the config dictionary, holding the updated state, to be passed to
  the next call

The Solver of the ``starter`` package calls an update rule once per parameter
array and training step.
"""

import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent.

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    # TODO: Implement the vanilla SGD update: step against the gradient.
    raise NotImplementedError("sgd in optim.py: not implemented yet")
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - momentum: scalar between 0 and 1 giving the momentum value; 0 gives
      vanilla SGD (default 0.9)
    - velocity: an array of the same shape as w and dw, a moving average of
      the gradients (zeros if missing)

    The update, with mu the momentum and lr the learning rate::

        velocity = mu * velocity - lr * dw
        next_w = w + velocity
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    # TODO: Implement the momentum update of the docstring: first update the
    # velocity v with the gradient, then step w along the new velocity. Store
    # the result in next_w and the new velocity in config["velocity"].
    raise NotImplementedError("sgd_momentum in optim.py: not implemented yet")
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: per-parameter learning rates scaled by a moving average of
    squared gradients.

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - decay_rate: scalar between 0 and 1, the decay rate of the squared
      gradient cache (default 0.99)
    - epsilon: small scalar that avoids dividing by zero (default 1e-8)
    - cache: moving average of the second moments of the gradients, an array
      of the shape of w (zeros if missing)

    The update, elementwise, with lr the learning rate::

        cache = decay_rate * cache + (1 - decay_rate) * dw ** 2
        next_w = w - lr * dw / (sqrt(cache) + epsilon)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))

    # TODO: Implement the RMSProp update: update the moving average of the
    # squared gradient in config["cache"], then divide the step by the square
    # root of that average plus epsilon, as in the docstring. Store the result
    # in next_w.
    raise NotImplementedError("rmsprop in optim.py: not implemented yet")
    return next_w, config


def adam(w, dw, config=None):
    """Adam: moving averages of both the gradient and its square, with bias
    correction.

    config format:
    - learning_rate: scalar learning rate (default 1e-3)
    - beta1: decay rate of the moving average of the first moment (default 0.9)
    - beta2: decay rate of the moving average of the second moment
      (default 0.999)
    - epsilon: small scalar that avoids dividing by zero (default 1e-8)
    - m: moving average of the gradient (zeros if missing)
    - v: moving average of the squared gradient (zeros if missing)
    - t: iteration number (0 if missing)

    The update, elementwise, with lr the learning rate::

        t = t + 1
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw ** 2
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        next_w = w - lr * m_hat / (sqrt(v_hat) + epsilon)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    # TODO: Implement the Adam update. Increment config["t"] *before* using it
    # for the bias correction, update the moving averages m and v in config,
    # and store the new weights in next_w.
    raise NotImplementedError("adam in optim.py: not implemented yet")
    return next_w, config
