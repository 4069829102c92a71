"""global_avg_pool_forward sums over the positions instead of averaging."""

KIND = "bug"


def global_avg_pool_forward(x):
    out = x.sum(axis=(2, 3))
    cache = x.shape
    return out, cache
