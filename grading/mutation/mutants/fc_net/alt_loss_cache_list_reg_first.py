"""FullyConnectedNet.loss: with a flat list of (kind, cache) pairs unwound in reverse, the L2 penalty added first."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "alternative"


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
    stack = []
    h = X.reshape(X.shape[0], -1)
    L = self.num_layers
    for i in range(1, L + 1):
        h, c = affine_forward(h, self.params["W%d" % i], self.params["b%d" % i])
        stack.append(("affine", i, c))
        if i == L:
            break
        if self.normalization == "batchnorm":
            h, c = batchnorm_forward(h, self.params["gamma%d" % i], self.params["beta%d" % i],
                                     self.bn_params[i - 1])
            stack.append(("bn", i, c))
        h, c = relu_forward(h)
        stack.append(("relu", i, c))
        if self.use_dropout:
            h, c = dropout_forward(h, self.dropout_param)
            stack.append(("dropout", i, c))
    scores = h
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
    weights = [self.params["W%d" % i] for i in range(1, L + 1)]
    loss = 0.5 * self.reg * sum(np.sum(W**2) for W in weights)
    data_loss, dh = softmax_loss(scores, y)
    loss += data_loss
    for kind, i, c in reversed(stack):
        if kind == "affine":
            dh, dW, db = affine_backward(dh, c)
            grads["W%d" % i] = dW + self.reg * self.params["W%d" % i]
            grads["b%d" % i] = db
        elif kind == "bn":
            dh, grads["gamma%d" % i], grads["beta%d" % i] = batchnorm_backward(dh, c)
        elif kind == "relu":
            dh = relu_backward(dh, c)
        else:
            dh = dropout_backward(dh, c)
    ### END SOLUTION

    return loss, grads
