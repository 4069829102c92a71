"""BinaryClassifier.__init__: the weights are drawn with np.random.randn, not scaled by weight_scale."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "bug"


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
        self.params[f"W{i}"] = np.random.randn(dims[i - 1], dims[i])
        self.params[f"b{i}"] = np.zeros(dims[i])
    ### END SOLUTION

    for k, v in self.params.items():
        self.params[k] = v.astype(dtype)
