"""FullyConnectedNet.loss: each batch norm layer gets a copy of its bn_param, so the running statistics are never stored."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "bug"


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
                h, self.params[f"gamma{i}"], self.params[f"beta{i}"], dict(self.bn_params[i - 1])
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
