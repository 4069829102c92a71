"""conv_bn_relu_pool_backward does not backpropagate through the ReLU."""

# ruff: noqa: F821, E501, UP031  (names come from the mutated module; lines follow the solution)

KIND = "bug"


def conv_bn_relu_pool_backward(dout, cache):
    """Backward pass of conv_bn_relu_pool_forward.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H'', W'')
    - cache: the cache from conv_bn_relu_pool_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    - dgamma, dbeta: gradients with respect to gamma and beta, of shape (F,)
    """
    dx, dw, db, dgamma, dbeta = None, None, None, None, None
    # TODO: Backpropagate through the four layers in reverse order.
    ### BEGIN SOLUTION
    conv_cache, bn_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    dan = ds
    da, dgamma, dbeta = spatial_batchnorm_backward(dan, bn_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    ### END SOLUTION
    return dx, dw, db, dgamma, dbeta
