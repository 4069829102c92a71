"""The block reuses conv_relu_pool-style helpers: conv, then a private batch norm + ReLU helper, then pooling."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "alternative"


def conv_bn_relu_pool_forward(x, w, b, gamma, beta, conv_param, bn_param, pool_param):
    """Convenience layer: convolution, spatial batch norm, ReLU, max pooling.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - w: filter weights, of shape (F, C, HH, WW)
    - b: biases, of shape (F,)
    - gamma, beta: scale and shift of the spatial batch norm, of shape (F,)
    - conv_param: {"stride", "pad"} for the convolution
    - bn_param: the batch norm parameters (mode, running statistics)
    - pool_param: {"pool_height", "pool_width", "stride"} for the pooling

    Returns a tuple of:
    - out: output of the pooling layer, of shape (N, F, H'', W'')
    - cache: whatever conv_bn_relu_pool_backward needs
    """
    out, cache = None, None
    # TODO: Chain conv_forward_fast, spatial_batchnorm_forward, relu_forward
    # and max_pool_forward_fast, as conv_relu_pool_forward above does, and
    # keep the cache of every layer.
    ### BEGIN SOLUTION
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, bn_relu_cache = _bn_relu_forward(a, gamma, beta, bn_param)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    cache = (conv_cache, bn_relu_cache[0], bn_relu_cache[1], pool_cache)
    ### END SOLUTION
    return out, cache


def _bn_relu_forward(a, gamma, beta, bn_param):
    an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    s, relu_cache = relu_forward(an)
    return s, (bn_cache, relu_cache)
