"""ConvNet.loss: dropout also follows every convolutional block (as after every hidden layer of FullyConnectedNet), besides before the output layer; consistently in both passes."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "bug"


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
    ### BEGIN SOLUTION
    caches = {}
    h = X
    for i in range(1, self.num_conv + 1):
        w, b = self.params[f"W{i}"], self.params[f"b{i}"]
        if self.normalization == "batchnorm":
            h, caches[i] = conv_bn_relu_pool_forward(
                h, w, b, self.params[f"gamma{i}"], self.params[f"beta{i}"],
                self.conv_param, self.bn_params[i - 1], self.pool_param,
            )
        else:
            h, caches[i] = conv_relu_pool_forward(h, w, b, self.conv_param, self.pool_param)
        if self.use_dropout:
            h, caches[("dropout", i)] = dropout_forward(h, self.dropout_param)
    L = self.num_layers
    if self.has_hidden:
        h, caches["hidden"] = affine_forward(h, self.params[f"W{L - 1}"], self.params[f"b{L - 1}"])
        h, caches["relu"] = relu_forward(h)
    if self.use_dropout:
        h, caches["dropout"] = dropout_forward(h, self.dropout_param)
    scores, caches["out"] = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
    ### END SOLUTION

    if mode == "test":
        return scores

    loss, grads = 0.0, {}
    # TODO: Implement the backward pass: the softmax loss, the L2
    # regularization of every weight, and the gradient of every parameter
    # in grads.
    ### BEGIN SOLUTION
    loss, dh = softmax_loss(scores, y)
    dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dh, caches["out"])
    if self.use_dropout:
        dh = dropout_backward(dh, caches["dropout"])
    if self.has_hidden:
        dh = relu_backward(dh, caches["relu"])
        dh, grads[f"W{L - 1}"], grads[f"b{L - 1}"] = affine_backward(dh, caches["hidden"])
    # The affine layer's dx has the shape of its input, the last block's output.
    for i in range(self.num_conv, 0, -1):
        if self.use_dropout:
            dh = dropout_backward(dh, caches[("dropout", i)])
        if self.normalization == "batchnorm":
            dh, dw, db, dgamma, dbeta = conv_bn_relu_pool_backward(dh, caches[i])
            grads[f"gamma{i}"], grads[f"beta{i}"] = dgamma, dbeta
        else:
            dh, dw, db = conv_relu_pool_backward(dh, caches[i])
        grads[f"W{i}"], grads[f"b{i}"] = dw, db
    for i in range(1, L + 1):
        W = self.params[f"W{i}"]
        loss += 0.5 * self.reg * np.sum(W * W)
        grads[f"W{i}"] += self.reg * W
    ### END SOLUTION

    return loss, grads
