"""A fully connected network of any depth, built from the layers of ``layers.py``.

Part 2 of the homework (``2_softmax_mlp.ipynb``) checks and trains it.
"""

import numpy as np
from layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
)


class FullyConnectedNet:
    """A fully connected network with ReLU nonlinearities and a softmax loss.

    With L = len(hidden_dims) + 1 layers the architecture is::

        {affine - [batch norm] - relu - [dropout]} x (L - 1) - affine - softmax

    where batch norm and dropout are optional. ``FullyConnectedNet([])`` is
    softmax regression (a single affine layer).

    Learnable parameters live in ``self.params``, a dictionary from names to
    arrays: ``W1``, ``b1`` for the first affine layer, ``W2``, ``b2`` for the
    second and so on up to ``WL``, ``bL``; with batch norm, ``gamma1``,
    ``beta1`` scale and shift the output of the first affine layer, up to
    ``gamma(L-1)``, ``beta(L-1)`` (the last affine layer has none).
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=784,
        num_classes=10,
        dropout_keep_ratio=1.0,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        """Initialize a new FullyConnectedNet.

        Inputs:
        - hidden_dims: list of integers, the size of each hidden layer
          (may be empty)
        - input_dim: integer, the size D of the input (784 for MNIST)
        - num_classes: integer, the number C of classes
        - dropout_keep_ratio: scalar in (0, 1], the probability of keeping a
          unit in dropout; 1 means no dropout
        - normalization: None (no normalization) or "batchnorm"
        - reg: scalar, the strength of L2 regularization of the weights
        - weight_scale: scalar, the standard deviation of the normal
          distribution the weights are drawn from
        - dtype: numpy datatype of all parameters and computations;
          np.float64 for numeric gradient checks
        - seed: if not None, passed to the dropout layers so that their masks
          are deterministic (gradient checks use this)
        """
        if normalization not in (None, "batchnorm"):
            raise ValueError(f"normalization must be None or 'batchnorm', got {normalization!r}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio must be in (0, 1], got {dropout_keep_ratio}")
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        # TODO: Initialize the parameters of the network in self.params.
        # Layer i (1 <= i <= L) has weights Wi of shape (fan_in, fan_out),
        # drawn from a normal distribution with mean 0 and standard deviation
        # weight_scale (use np.random.randn), and biases bi, all zeros. With
        # batch norm, hidden layer i also has gammai (ones) and betai (zeros),
        # one entry per unit.
        raise NotImplementedError("FullyConnectedNet.__init__ in fc_net.py: not implemented yet")

        # Dropout layers share one dropout_param dictionary; with a seed their
        # masks are deterministic, which numeric gradient checks need.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        # Each batch norm layer keeps its own running statistics in its own
        # bn_param dictionary: self.bn_params[0] for the first hidden layer.
        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Compute the loss and gradient of the network, or its scores.

        Inputs:
        - X: array of input data of shape (N, d_1, ..., d_k) with
          d_1 * ... * d_k = input_dim
        - y: array of labels of shape (N,); y[i] gives the label of X[i]

        Returns:
        If y is None, run a test-time forward pass (dropout off, batch norm
        with its running statistics) and return:
        - scores: array of shape (N, C), the class scores of each example

        If y is not None, run a training-time forward and backward pass and
        return a tuple of:
        - loss: scalar, the softmax loss plus 0.5 * reg * sum(W ** 2) over
          all weight matrices (not biases, gammas or betas)
        - grads: dictionary with the same keys as self.params, mapping each
          parameter name to the gradient of the loss with respect to it
        """
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"

        # Batch norm and dropout behave differently at train and test time.
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        scores = None
        # TODO: Implement the forward pass, computing the class scores for X
        # and storing them in scores. Use the functions of layers.py and keep
        # the cache of every layer for the backward pass. Pass
        # self.dropout_param to every dropout layer and self.bn_params[i - 1]
        # to the batch norm layer of hidden layer i.
        raise NotImplementedError("FullyConnectedNet.loss in fc_net.py: not implemented yet")

        # In test mode, return the scores.
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: Implement the backward pass. Store the loss in loss and the
        # gradient of every parameter in grads, under the parameter's name.
        # Compute the data loss with softmax_loss and add the L2
        # regularization 0.5 * self.reg * sum(W ** 2) of every weight matrix
        # (not of the biases, gammas or betas); remember its gradient.
        raise NotImplementedError("FullyConnectedNet.loss in fc_net.py: not implemented yet")

        return loss, grads
