"""Layers of a neural network in numpy: forward and backward passes, and losses.

Every ``*_forward`` function returns ``(out, cache)``; the matching
``*_backward(dout, cache)`` returns the gradient of the loss with respect to
each input of the forward pass, in the order of those inputs. ``cache`` holds
whatever the backward pass needs; its contents are up to you.

Part 1 of the homework (``1_layers.ipynb``) tests every function here.
"""

import numpy as np


def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer.

    The input ``x`` has shape (N, d_1, ..., d_k): a minibatch of N examples,
    each of which is reshaped into a vector of dimension D = d_1 * ... * d_k
    and mapped to a vector of dimension M.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (x, w, b)
    """
    # TODO: Implement the affine forward pass. Store the result in out. You
    # will need to reshape each input example into a row of length D first.
    raise NotImplementedError("affine_forward in layers.py: not implemented yet")
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Inputs:
    - dout: upstream derivative, of shape (N, M)
    - cache: tuple of
      - x: input data, of shape (N, d_1, ..., d_k)
      - w: weights, of shape (D, M)
      - b: biases, of shape (M,)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    # TODO: Implement the affine backward pass. dx must have the shape of x.
    raise NotImplementedError("affine_backward in layers.py: not implemented yet")
    return dx, dw, db


def relu_forward(x):
    """Forward pass of a layer of rectified linear units, ``max(0, x)``.

    Input:
    - x: input of any shape

    Returns a tuple of:
    - out: output, of the same shape as x
    - cache: x
    """
    # TODO: Implement the ReLU forward pass.
    raise NotImplementedError("relu_forward in layers.py: not implemented yet")
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a layer of ReLUs.

    The derivative of ReLU at exactly 0 is taken to be 0.

    Input:
    - dout: upstream derivatives, of any shape
    - cache: input x, of the same shape as dout

    Returns:
    - dx: gradient with respect to x, of the same shape as dout
    """
    x = cache
    # TODO: Implement the ReLU backward pass.
    raise NotImplementedError("relu_backward in layers.py: not implemented yet")
    return dx


def dropout_forward(x, dropout_param):
    """Forward pass of (inverted) dropout.

    At train time each unit is kept with probability p and the kept units are
    scaled by 1 / p, so that the expected output equals the input; at test
    time the layer is the identity.

    Inputs:
    - x: input data, of any shape
    - dropout_param: a dictionary with the keys
      - p: the probability of *keeping* each unit, in (0, 1]
      - mode: 'train' or 'test'
      - seed: optional; when given, numpy's random generator is reseeded with
        it so that calls with the same seed and shape draw the same mask
        (gradient checks rely on this)

    Returns a tuple of:
    - out: array of the same shape as x
    - cache: (dropout_param, mask); in train mode mask is the array that
      multiplied x, in test mode it is None
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_forward: mode must be 'train' or 'test', got {mode!r}")
    if not 0 < p <= 1:
        raise ValueError(f"dropout_forward: keep probability p must be in (0, 1], got {p}")
    if dropout_param.get("seed") is not None:
        np.random.seed(dropout_param["seed"])

    mask = None
    # TODO: Implement the dropout forward pass for both modes. In train mode,
    # draw a mask with np.random (so that the seed above applies), in which
    # each unit is kept with probability p, and fold the 1 / p scaling into it;
    # store it in mask. In test mode, return the input unchanged.
    raise NotImplementedError("dropout_forward in layers.py: not implemented yet")
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of (inverted) dropout.

    Inputs:
    - dout: upstream derivatives, of any shape
    - cache: (dropout_param, mask) from dropout_forward

    Returns:
    - dx: gradient with respect to x, of the same shape as dout
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    # TODO: Implement the dropout backward pass for both modes.
    raise NotImplementedError("dropout_backward in layers.py: not implemented yet")
    return dx


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    At train time the batch mean and (biased, divide-by-N) variance normalise
    each feature, and exponentially decaying running averages of them are
    kept::

        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var

    At test time the running averages are used instead of batch statistics.

    Inputs:
    - x: data, of shape (N, D)
    - gamma: scale parameter, of shape (D,)
    - beta: shift parameter, of shape (D,)
    - bn_param: a dictionary with the keys
      - mode: 'train' or 'test' (required)
      - eps: constant for numeric stability (default 1e-5)
      - momentum: constant for the running averages (default 0.9)
      - running_mean: array of shape (D,), the running mean of the features
        (zeros if missing)
      - running_var: array of shape (D,), the running variance of the
        features (zeros if missing)
      The running averages are written back into bn_param.

    Returns a tuple of:
    - out: array of shape (N, D)
    - cache: a tuple of values needed by batchnorm_backward
    """
    mode = bn_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"batchnorm_forward: mode must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    # TODO: Implement the forward pass for both modes.
    # Train mode: compute the minibatch mean and biased variance of each
    # feature, normalise x with them, scale by gamma and shift by beta; store
    # in cache what the backward pass needs, and update running_mean and
    # running_var with the formulas above.
    # Test mode: normalise with the running averages, then scale and shift.
    raise NotImplementedError("batchnorm_forward in layers.py: not implemented yet")

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization (train mode).

    Mirror the forward pass written in stages (the graph that
    ``starter.plot_batchnorm_graph()`` draws), each with its shape::

        mu = x.mean(axis=0)               # (D,)
        xc = x - mu                       # (N, D)
        var = (xc ** 2).mean(axis=0)      # (D,)   biased: divide by N
        std = np.sqrt(var + eps)          # (D,)
        x_hat = xc / std                  # (N, D)
        out = gamma * x_hat + beta        # (N, D)

    and go through the stages in reverse, one local derivative each: ``dbeta``
    and ``dgamma`` sum over the batch; ``dxc`` collects a term from ``x_hat``
    and one through ``var``; ``dx`` collects one from ``xc`` and one through
    ``mu``. Keep in the forward's cache what these steps need.

    Inputs:
    - dout: upstream derivatives, of shape (N, D)
    - cache: the cache from batchnorm_forward in train mode

    Returns a tuple of:
    - dx: gradient with respect to the inputs x, of shape (N, D)
    - dgamma: gradient with respect to the scale gamma, of shape (D,)
    - dbeta: gradient with respect to the shift beta, of shape (D,)
    """
    # TODO: Implement the backward pass. Remember that the batch mean and
    # variance depend on every x: draw the computation graph, then
    # backpropagate through it node by node (or derive a compact formula).
    raise NotImplementedError("batchnorm_backward in layers.py: not implemented yet")
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization.

    Each of the C channels is normalised with statistics over the N examples
    and all H * W positions, as batchnorm_forward does for features.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - gamma: scale parameter, of shape (C,)
    - beta: shift parameter, of shape (C,)
    - bn_param: dictionary as for batchnorm_forward, with running statistics
      of shape (C,)

    Returns a tuple of:
    - out: output data, of shape (N, C, H, W)
    - cache: values needed by spatial_batchnorm_backward
    """
    # TODO: Implement spatial batch normalization for both modes, with the
    # same eps, momentum and running averages (of shape (C,)) as
    # batchnorm_forward. Two ways work:
    # - reshape x to (N * H * W, C) so that you can call batchnorm_forward
    #   (five lines; transpose first, and transpose the result back), or
    # - compute the statistics directly with reductions over axes (0, 2, 3)
    #   and broadcast arrays of shape (1, C, 1, 1).
    # The second way avoids copying x into a transposed layout: with the first,
    # a training step of the ConvNet in Part 3 takes about 1.8 times as long.
    out, cache = None, None
    raise NotImplementedError("spatial_batchnorm_forward in layers.py: not implemented yet")
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization.

    Inputs:
    - dout: upstream derivatives, of shape (N, C, H, W)
    - cache: values from spatial_batchnorm_forward

    Returns a tuple of:
    - dx: gradient with respect to the inputs, of shape (N, C, H, W)
    - dgamma: gradient with respect to the scale, of shape (C,)
    - dbeta: gradient with respect to the shift, of shape (C,)
    """
    # TODO: Implement the backward pass, mirroring your forward pass (with
    # batchnorm_backward on a transposed view, or directly over axes (0, 2, 3)).
    dx, dgamma, dbeta = None, None, None
    raise NotImplementedError("spatial_batchnorm_backward in layers.py: not implemented yet")
    return dx, dgamma, dbeta


def conv_forward_naive(x, w, b, conv_param):
    """A naive implementation of the forward pass of a convolutional layer.

    The input has N examples of C channels, each of height H and width W. It
    is cross-correlated (as in PyTorch, without flipping the filters) with F
    filters that each span all C channels and have height HH and width WW.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - w: filter weights, of shape (F, C, HH, WW)
    - b: biases, of shape (F,)
    - conv_param: a dictionary with the keys
      - stride: the distance in pixels between adjacent receptive fields, in
        both directions
      - pad: the number of pixels of zero padding added on each of the four
        sides of the input. Do not modify x itself.

    Returns a tuple of:
    - out: output data, of shape (N, F, H', W') where
      H' = 1 + (H + 2 * pad - HH) // stride
      W' = 1 + (W + 2 * pad - WW) // stride
    - cache: (x, w, b, conv_param)
    """
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(
            f"conv_forward_naive: x must be (N, C, H, W) and w (F, C, HH, WW) with the same C, "
            f"got x {x.shape} and w {w.shape}"
        )
    # TODO: Implement the convolutional forward pass. Loops are fine here
    # (this is the naive version), but vectorising over examples and filters
    # in the innermost step keeps the notebook fast. Hint: np.pad.
    raise NotImplementedError("conv_forward_naive in layers.py: not implemented yet")
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """A naive implementation of the backward pass of a convolutional layer.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H', W')
    - cache: (x, w, b, conv_param) as in conv_forward_naive

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    """
    x, w, b, conv_param = cache
    # TODO: Implement the convolutional backward pass. Every output position
    # contributes to the gradients of the window of x and of the filter that
    # produced it: accumulate.
    raise NotImplementedError("conv_backward_naive in layers.py: not implemented yet")
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass of a max-pooling layer.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - pool_param: a dictionary with the keys
      - pool_height: the height of each pooling region
      - pool_width: the width of each pooling region
      - stride: the distance between adjacent pooling regions
      No padding is necessary here.

    Returns a tuple of:
    - out: output data, of shape (N, C, H', W') where
      H' = 1 + (H - pool_height) // stride
      W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param)
    """
    # TODO: Implement the max-pooling forward pass.
    raise NotImplementedError("max_pool_forward_naive in layers.py: not implemented yet")
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass of a max-pooling layer.

    Where several elements of a pooling window tie for the maximum, the whole
    gradient goes to the first of them in row-major order (the one np.argmax
    picks).

    Inputs:
    - dout: upstream derivatives, of shape (N, C, H', W')
    - cache: (x, pool_param) as in the forward pass

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    # TODO: Implement the max-pooling backward pass. Route each upstream
    # derivative to the position of its window's maximum; windows may overlap.
    raise NotImplementedError("max_pool_backward_naive in layers.py: not implemented yet")
    return dx


def softmax_loss(x, y):
    """Loss and gradient of softmax classification (cross-entropy).

    Inputs:
    - x: scores, of shape (N, C); x[i, j] is the score of class j for the
      i-th input
    - y: labels, of shape (N,); y[i] is the label of x[i], 0 <= y[i] < C

    Returns a tuple of:
    - loss: scalar, the mean of the per-example losses
    - dx: gradient of the loss with respect to x, of shape (N, C)
    """
    _check_labels("softmax_loss", x, y)
    # TODO: Implement the softmax loss and its gradient. Scores may be large:
    # shift each row by its maximum before exponentiating so that nothing
    # overflows.
    raise NotImplementedError("softmax_loss in layers.py: not implemented yet")
    return loss, dx


def svm_loss(x, y):
    """Loss and gradient of the multiclass SVM (hinge) loss with margin 1.

    The loss of example i is sum over j != y[i] of max(0, x[i, j] - x[i, y[i]] + 1).
    At a kink (a margin x[i, j] - x[i, y[i]] + 1 of exactly 0) use the
    subgradient 0, as ReLU does at 0: only strictly positive margins count.

    Inputs:
    - x: scores, of shape (N, C); x[i, j] is the score of class j for the
      i-th input
    - y: labels, of shape (N,); y[i] is the label of x[i], 0 <= y[i] < C

    Returns a tuple of:
    - loss: scalar, the mean of the per-example losses
    - dx: gradient of the loss with respect to x, of shape (N, C)
    """
    _check_labels("svm_loss", x, y)
    # TODO: Implement the SVM loss and its gradient. The correct class does not
    # contribute a margin of its own.
    raise NotImplementedError("svm_loss in layers.py: not implemented yet")
    return loss, dx


def logistic_loss(x, y):
    """Loss and gradient of binary logistic regression.

    With s = 2 * y - 1 (labels mapped to -1 and +1), the loss is the mean over
    examples of log(1 + exp(-s * x)).

    Inputs:
    - x: scores, of shape (N,) or (N, 1); x[i] is the score of the positive
      class for the i-th input
    - y: labels, of shape (N,), each 0 or 1

    Returns a tuple of:
    - loss: scalar
    - dx: gradient of the loss with respect to x, of the same shape as x
    """
    _check_binary("logistic_loss", x, y)
    # TODO: Implement the logistic loss and its gradient. Scores may be large
    # (hundreds or more) in either direction: keep both finite and accurate,
    # without overflow warnings (np.logaddexp helps).
    raise NotImplementedError("logistic_loss in layers.py: not implemented yet")
    return loss, dx


def hinge_loss(x, y):
    """Loss and gradient of the binary hinge loss (a linear SVM).

    With s = 2 * y - 1, the loss is the mean over examples of max(0, 1 - s * x).
    At the kink (s * x exactly 1) use the subgradient 0, as ReLU does at 0:
    only examples with s * x < 1 contribute to dx.

    Inputs:
    - x: scores, of shape (N,) or (N, 1)
    - y: labels, of shape (N,), each 0 or 1

    Returns a tuple of:
    - loss: scalar
    - dx: gradient of the loss with respect to x, of the same shape as x
    """
    _check_binary("hinge_loss", x, y)
    # TODO: Implement the binary hinge loss and its gradient.
    raise NotImplementedError("hinge_loss in layers.py: not implemented yet")
    return loss, dx


def _check_labels(name, x, y):
    """Raise a clear ValueError when scores and class labels do not fit together."""
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"{name}: x must be (N, C) and y (N,), got x {x.shape} and y {y.shape}")
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= x.shape[1]):
        raise ValueError(f"{name}: labels y must be integers in [0, {x.shape[1]})")


def _check_binary(name, x, y):
    """Raise a clear ValueError when binary scores and labels do not fit together."""
    x, y = np.asarray(x), np.asarray(y)
    if x.shape not in ((y.shape[0],), (y.shape[0], 1)) or y.ndim != 1:
        raise ValueError(f"{name}: x must be (N,) or (N, 1) and y (N,), got x {x.shape} and y {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{name}: labels y must be 0 or 1")
