"""FullyConnectedNet.__init__: weights are drawn from a uniform distribution on [0, weight_scale) (np.random.rand)."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "bug"


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
        self.params[f"W{i}"] = weight_scale * np.random.rand(fan_in, fan_out)
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
