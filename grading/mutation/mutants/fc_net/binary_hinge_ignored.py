"""BinaryClassifier.loss: the loss argument is ignored: always the logistic loss."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "bug"


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
    loss_fn = logistic_loss
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
