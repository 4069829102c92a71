"""ConvNet.loss keeps a list of (backward function, cache, parameter names) and unwinds it."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "alternative"


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
    tape = []
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
    tape.append((affine_backward, caches["out"], (f"W{L}", f"b{L}")))
    if self.use_dropout:
        tape.append((dropout_backward, caches["dropout"], ()))
    if self.has_hidden:
        tape.append((relu_backward, caches["relu"], ()))
        tape.append((affine_backward, caches["hidden"], (f"W{L - 1}", f"b{L - 1}")))
    for i in range(self.num_conv, 0, -1):
        if self.normalization == "batchnorm":
            tape.append((conv_bn_relu_pool_backward, caches[i],
                         (f"W{i}", f"b{i}", f"gamma{i}", f"beta{i}")))
        else:
            tape.append((conv_relu_pool_backward, caches[i], (f"W{i}", f"b{i}")))
    data_loss, dh = softmax_loss(scores, y)
    for backward, cache, names in tape:
        result = backward(dh, cache)
        if not names:
            dh = result
            continue
        dh = result[0]
        for name, g in zip(names, result[1:], strict=True):
            grads[name] = g + (self.reg * self.params[name] if name.startswith("W") else 0)
    penalty = sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, L + 1))
    loss = data_loss + 0.5 * self.reg * penalty
    ### END SOLUTION

    return loss, grads
