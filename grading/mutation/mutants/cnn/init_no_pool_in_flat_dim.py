"""The first affine layer's fan-in ignores pooling: num_filters[-1] * H * W of the input."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "bug"


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
    ### BEGIN SOLUTION
    def weights(shape, fan_in):
        std = np.sqrt(2.0 / fan_in) if weight_scale is None else weight_scale
        return std * np.random.randn(*shape)

    in_channels = C
    for i, F in enumerate(num_filters, start=1):
        fan_in = in_channels * filter_size * filter_size
        self.params[f"W{i}"] = weights((F, in_channels, filter_size, filter_size), fan_in)
        self.params[f"b{i}"] = np.zeros(F)
        if normalization == "batchnorm":
            self.params[f"gamma{i}"] = np.ones(F)
            self.params[f"beta{i}"] = np.zeros(F)
        in_channels = F
    flat_dim = num_filters[-1] * input_dim[1] * input_dim[2]
    dims = [flat_dim, hidden_dim, num_classes] if self.has_hidden else [flat_dim, num_classes]
    for j in range(1, len(dims)):
        i = self.num_conv + j
        self.params[f"W{i}"] = weights((dims[j - 1], dims[j]), dims[j - 1])
        self.params[f"b{i}"] = np.zeros(dims[j])
    ### END SOLUTION

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
