"""Fully connected models built from the layers of ``layers.py``.

``BinaryClassifier`` (logistic regression or a linear SVM, with at most one
hidden layer) and ``FullyConnectedNet`` (softmax classifier of any depth).
Part 2 of the homework (``2_softmax_mlp.ipynb``) checks and trains both.
"""

import numpy as np
from layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    hinge_loss,
    logistic_loss,
    relu_backward,
    relu_forward,
    softmax_loss,
)


class BinaryClassifier:
    """A binary classifier: logistic regression or a linear SVM, optionally with one hidden layer.

    With ``hidden_dim=None`` the model is linear::

        affine - loss

    and with an integer ``hidden_dim`` it has one hidden layer::

        affine - relu - affine - loss

    The last affine layer has a single output unit: its value is the score of
    the positive class (label 1). The loss is ``logistic_loss`` (logistic
    regression: the score is the log-odds of the positive class) or
    ``hinge_loss`` (an SVM: the score is a margin, positive means class 1).
    Labels are 0 or 1; predict class 1 when the score is positive.

    Learnable parameters live in ``self.params``: ``W1`` of shape (D, 1) and
    ``b1`` of shape (1,) for the linear model; ``W1`` (D, H), ``b1`` (H,),
    ``W2`` (H, 1) and ``b2`` (1,) with a hidden layer of H units.
    """

    def __init__(
        self,
        input_dim=30,
        hidden_dim=None,
        loss="logistic",
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
    ):
        """Initialize a new BinaryClassifier.

        Inputs:
        - input_dim: integer, the size D of the input (30 features for the
          breast-cancer data)
        - hidden_dim: None for a linear model, or an integer H, the size of
          the hidden layer
        - loss: "logistic" (logistic regression) or "hinge" (an SVM)
        - reg: scalar, the strength of L2 regularization of the weights
        - weight_scale: scalar, the standard deviation of the normal
          distribution the weights are drawn from
        - dtype: numpy datatype of all parameters and computations;
          np.float64 for numeric gradient checks
        """
        if loss not in ("logistic", "hinge"):
            raise ValueError(f"loss must be 'logistic' or 'hinge', got {loss!r}")
        if hidden_dim is not None and (int(hidden_dim) != hidden_dim or hidden_dim < 1):
            raise ValueError(f"hidden_dim must be None or a positive integer, got {hidden_dim!r}")
        self.loss_name = loss
        self.hidden_dim = hidden_dim
        self.reg = reg
        self.dtype = dtype
        self.params = {}

        # TODO: Initialize the parameters in self.params. Without a hidden
        # layer: W1 of shape (input_dim, 1) and b1 of shape (1,). With one:
        # W1 (input_dim, hidden_dim), b1 (hidden_dim,), W2 (hidden_dim, 1)
        # and b2 (1,). Draw the weights from a normal distribution with mean
        # 0 and standard deviation weight_scale (np.random.randn); biases are
        # zeros.
        ### BEGIN SOLUTION
        dims = [input_dim, 1] if hidden_dim is None else [input_dim, int(hidden_dim), 1]
        for i in range(1, len(dims)):
            self.params[f"W{i}"] = weight_scale * np.random.randn(dims[i - 1], dims[i])
            self.params[f"b{i}"] = np.zeros(dims[i])
        ### END SOLUTION

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Compute the loss and gradient of the classifier, or its scores.

        Inputs:
        - X: array of input data of shape (N, d_1, ..., d_k) with
          d_1 * ... * d_k = input_dim
        - y: array of labels of shape (N,), each 0 or 1

        Returns:
        If y is None, return:
        - scores: array of shape (N,), the score of the positive class for
          each example (predict 1 where it is positive)

        If y is not None, return a tuple of:
        - loss: scalar, the mean logistic or hinge loss plus
          0.5 * reg * sum(W ** 2) over the weight matrices (not the biases)
        - grads: dictionary with the same keys as self.params, mapping each
          parameter name to the gradient of the loss with respect to it
        """
        X = X.astype(self.dtype)
        scores = None
        # TODO: Implement the forward pass with affine_forward (and
        # relu_forward with a hidden layer). The last affine layer gives
        # scores of shape (N, 1): store them as an array of shape (N,) in
        # scores, and keep the caches for the backward pass.
        ### BEGIN SOLUTION
        if self.hidden_dim is None:
            out, cache = affine_forward(X, self.params["W1"], self.params["b1"])
        else:
            h, cache1 = affine_forward(X, self.params["W1"], self.params["b1"])
            h, relu_cache = relu_forward(h)
            out, cache = affine_forward(h, self.params["W2"], self.params["b2"])
        scores = out.reshape(-1)
        ### END SOLUTION

        if y is None:
            return scores

        loss, grads = 0.0, {}
        # TODO: Implement the backward pass. Compute the data loss and the
        # gradient of the scores with logistic_loss or hinge_loss (as
        # self.loss_name says), backpropagate through the layers, and add the
        # L2 regularization 0.5 * self.reg * sum(W ** 2) of every weight
        # matrix (not of the biases) and its gradient. Store the gradient of
        # each parameter in grads under the parameter's name.
        ### BEGIN SOLUTION
        loss_fn = logistic_loss if self.loss_name == "logistic" else hinge_loss
        loss, dscores = loss_fn(scores, y)
        dout = dscores.reshape(-1, 1)
        if self.hidden_dim is None:
            _, grads["W1"], grads["b1"] = affine_backward(dout, cache)
        else:
            dh, grads["W2"], grads["b2"] = affine_backward(dout, cache)
            dh = relu_backward(dh, relu_cache)
            _, grads["W1"], grads["b1"] = affine_backward(dh, cache1)
        for name in self.params:
            if name.startswith("W"):
                W = self.params[name]
                loss += 0.5 * self.reg * np.sum(W * W)
                grads[name] = grads[name] + self.reg * W
        ### END SOLUTION

        return loss, grads


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
        ### BEGIN SOLUTION
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            fan_in, fan_out = dims[i - 1], dims[i]
            self.params[f"W{i}"] = weight_scale * np.random.randn(fan_in, fan_out)
            self.params[f"b{i}"] = np.zeros(fan_out)
            if normalization == "batchnorm" and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        caches = []
        h = X
        for i in range(1, self.num_layers):
            layer = {}
            h, layer["affine"] = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            if self.normalization == "batchnorm":
                h, layer["bn"] = batchnorm_forward(
                    h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1]
                )
            h, layer["relu"] = relu_forward(h)
            if self.use_dropout:
                h, layer["dropout"] = dropout_forward(h, self.dropout_param)
            caches.append(layer)
        L = self.num_layers
        scores, last_cache = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        ### END SOLUTION

        # In test mode, return the scores.
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: Implement the backward pass. Store the loss in loss and the
        # gradient of every parameter in grads, under the parameter's name.
        # Compute the data loss with softmax_loss and add the L2
        # regularization 0.5 * self.reg * sum(W ** 2) of every weight matrix
        # (not of the biases, gammas or betas); remember its gradient.
        ### BEGIN SOLUTION
        loss, dscores = softmax_loss(scores, y)
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, last_cache)
        for i in range(L - 1, 0, -1):
            layer = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, layer["dropout"])
            dh = relu_backward(dh, layer["relu"])
            if self.normalization == "batchnorm":
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dh, layer["bn"])
            dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, layer["affine"])
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W
        ### END SOLUTION

        return loss, grads
