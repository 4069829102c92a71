"""A convolutional network built from the layers of ``layers.py`` and the fast layers of ``starter``.

Part 3 of the homework (``3_cnn.ipynb``) checks and trains it.

The naive convolution and pooling of ``layers.py`` are correct but far too slow
to train with; ``starter.fast_layers`` gives drop-in replacements with the same
signatures. Everything else (batch norm, ReLU, affine, dropout, the loss) is
your own code.
"""

import numpy as np
from layers import (
    affine_backward,
    affine_forward,
    dropout_backward,
    dropout_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)

from starter.fast_layers import (
    conv_backward_fast,
    conv_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
)


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """Convenience layer: convolution, ReLU, max pooling.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - w: filter weights, of shape (F, C, HH, WW)
    - b: biases, of shape (F,)
    - conv_param: {"stride", "pad"} for the convolution
    - pool_param: {"pool_height", "pool_width", "stride"} for the pooling

    Returns a tuple of:
    - out: output of the pooling layer, of shape (N, F, H'', W'')
    - cache: (conv_cache, relu_cache, pool_cache), for conv_relu_pool_backward
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    return out, (conv_cache, relu_cache, pool_cache)


def conv_relu_pool_backward(dout, cache):
    """Backward pass of conv_relu_pool_forward.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H'', W'')
    - cache: the cache from conv_relu_pool_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    """
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    da = relu_backward(ds, relu_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db


def conv_bn_relu_pool_forward(x, w, b, gamma, beta, conv_param, bn_param, pool_param):
    """Convenience layer: convolution, spatial batch norm, ReLU, max pooling.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - w: filter weights, of shape (F, C, HH, WW)
    - b: biases, of shape (F,)
    - gamma, beta: scale and shift of the spatial batch norm, of shape (F,)
    - conv_param: {"stride", "pad"} for the convolution
    - bn_param: the batch norm parameters (mode, running statistics)
    - pool_param: {"pool_height", "pool_width", "stride"} for the pooling

    Returns a tuple of:
    - out: output of the pooling layer, of shape (N, F, H'', W'')
    - cache: whatever conv_bn_relu_pool_backward needs
    """
    out, cache = None, None
    # TODO: Chain conv_forward_fast, spatial_batchnorm_forward, relu_forward
    # and max_pool_forward_fast, as conv_relu_pool_forward above does, and
    # keep the cache of every layer.
    raise NotImplementedError("conv_bn_relu_pool_forward in cnn.py: not implemented yet")
    return out, cache


def conv_bn_relu_pool_backward(dout, cache):
    """Backward pass of conv_bn_relu_pool_forward.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H'', W'')
    - cache: the cache from conv_bn_relu_pool_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    - dgamma, dbeta: gradients with respect to gamma and beta, of shape (F,)
    """
    dx, dw, db, dgamma, dbeta = None, None, None, None, None
    # TODO: Backpropagate through the four layers in reverse order.
    raise NotImplementedError("conv_bn_relu_pool_backward in cnn.py: not implemented yet")
    return dx, dw, db, dgamma, dbeta


class ConvNet:
    """A convolutional network with a softmax loss.

    With K = len(num_filters) convolutional blocks the architecture is::

        {conv - [spatial batch norm] - relu - 2x2 max pool} x K
            - affine - relu - [dropout] - affine - softmax

    or, with ``hidden_dim=None``, ``{...} x K - [dropout] - affine - softmax``.
    Convolutions have stride 1 and zero padding ``(filter_size - 1) // 2``, so
    they keep the height and width; each pooling halves them (rounding down).

    Parameters in ``self.params``, numbered from the input: ``W1``, ``b1``
    (and ``gamma1``, ``beta1`` with batch norm) for the first convolution, up to
    ``WK``, ``bK`` (``gammaK``, ``betaK``); then ``W(K+1)``, ``b(K+1)`` for the
    hidden affine layer and ``W(K+2)``, ``b(K+2)`` for the output layer (only
    ``W(K+1)``, ``b(K+1)``, the output layer, with ``hidden_dim=None``).
    Convolution weights have shape (F, C, filter_size, filter_size); affine
    weights have shape (fan_in, fan_out), as in FullyConnectedNet.
    """

    def __init__(
        self,
        input_dim=(1, 28, 28),
        num_filters=(16, 32),
        filter_size=3,
        hidden_dim=128,
        num_classes=10,
        normalization="batchnorm",
        dropout_keep_ratio=1.0,
        weight_scale=None,
        reg=0.0,
        dtype=np.float32,
        seed=None,
    ):
        """Initialize a new ConvNet.

        Inputs:
        - input_dim: tuple (C, H, W), the shape of one input image
        - num_filters: sequence of integers, the number of filters of each
          convolutional block
        - filter_size: odd integer, the height and width of every filter
        - hidden_dim: integer, the size of the hidden affine layer, or None
          for none
        - num_classes: integer, the number of classes
        - normalization: "batchnorm" (the default: each convolution is followed
          by spatial batch normalization) or None (no normalization), as in
          FullyConnectedNet
        - dropout_keep_ratio: scalar in (0, 1], the probability of keeping a
          unit in the dropout layer before the output layer; 1 means no dropout
        - weight_scale: standard deviation of the normal distribution the
          weights are drawn from; None means He initialization, a standard
          deviation of sqrt(2 / fan_in) for each layer, where fan_in is
          C * filter_size * filter_size for a convolution and the input size
          for an affine layer
        - reg: scalar, the strength of L2 regularization of the weights
        - dtype: numpy datatype of all parameters and computations
        - seed: if not None, passed to the dropout layer so that its mask is
          deterministic (gradient checks use this)
        """
        if filter_size % 2 != 1:
            raise ValueError(f"filter_size must be odd (to keep H and W), got {filter_size}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio must be in (0, 1], got {dropout_keep_ratio}")
        self.num_conv = len(num_filters)
        if normalization not in (None, "batchnorm"):
            raise ValueError(f"normalization must be None or 'batchnorm', got {normalization!r}")
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.has_hidden = hidden_dim is not None
        self.num_layers = self.num_conv + (2 if self.has_hidden else 1)
        self.reg = reg
        self.dtype = dtype
        self.params = {}

        # The size of the input of the first affine layer: the last block's
        # output, (num_filters[-1], H', W') with H and W halved by each pooling.
        C, H, W = input_dim
        for _ in num_filters:
            H, W = H // 2, W // 2
        flat_dim = num_filters[-1] * H * W if num_filters else C * H * W

        # TODO: Initialize the parameters in self.params, with the names and
        # shapes given in the class docstring. Draw the weights from a normal
        # distribution with mean 0 and standard deviation weight_scale (or
        # sqrt(2 / fan_in) when weight_scale is None) using np.random.randn;
        # biases and betas are zeros, gammas ones. The first affine layer
        # takes flat_dim inputs.
        raise NotImplementedError("ConvNet.__init__ in cnn.py: not implemented yet")

        self.conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}
        self.pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed
        # One bn_param per convolutional block: self.bn_params[i - 1] for block i.
        self.bn_params = [{"mode": "train"} for _ in range(self.num_conv)] if normalization == "batchnorm" else []

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Compute the loss and gradient of the network, or its scores.

        Inputs:
        - X: array of input images of shape (N, C, H, W)
        - y: array of labels of shape (N,)

        Returns:
        If y is None, run a test-time forward pass and return
        - scores: array of shape (N, num_classes)

        Otherwise return a tuple of:
        - loss: scalar, the softmax loss plus 0.5 * reg * sum(W ** 2) over
          all weights (convolutional and affine)
        - grads: dictionary with the same keys as self.params
        """
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        scores = None
        # TODO: Implement the forward pass, storing the class scores in
        # scores. Use conv_bn_relu_pool_forward (or conv_relu_pool_forward
        # without batch norm) with self.conv_param, self.pool_param and
        # self.bn_params[i - 1] for block i; then the affine layers of the
        # head, with dropout (self.dropout_param) just before the output layer.
        raise NotImplementedError("ConvNet.loss in cnn.py: not implemented yet")

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: Implement the backward pass: the softmax loss, the L2
        # regularization of every weight, and the gradient of every parameter
        # in grads.
        raise NotImplementedError("ConvNet.loss in cnn.py: not implemented yet")

        return loss, grads
