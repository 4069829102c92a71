"""Fast max pooling in pure numpy: the max of strided views, no reductions.

Same contract as the naive layer students write in ``layers.py``:
``pool_param = {"pool_height": ph, "pool_width": pw, "stride": s}``, output
size ``1 + (H - ph) // s``, and where several elements of a window tie for
the maximum the gradient goes to the first one in row-major window order
(what ``np.argmax`` picks). Import them through :mod:`starter.fast_layers`.

The forward takes ``np.maximum`` over the ``ph*pw`` views
``x[:, :, i::s, j::s]`` (one per window offset): numpy's elementwise
``maximum`` is fast, while its strided reductions
(``x.reshape(N, C, H/2, 2, W/2, 2).max(axis=(3, 5))``) are several times
slower. Two paths share that idea:

* windows that do not overlap (``stride >= pool_height, pool_width``, e.g. the
  usual 2x2 stride 2): each element is read once, straight from stride-s
  views (for ``stride == pool_height == pool_width`` a reshape to
  (N, C, H', ph, W', pw) gives them), and the backward *assigns* each input
  position once;
* overlapping windows (e.g. SqueezeNet's 3x3 stride 2): each element is read
  several times, so the input is first split into its ``s`` column phases
  ``x[..., b::s]`` (contiguous copies) where every view has unit inner
  stride, which numpy's loops run several times faster; the backward *adds*
  into input positions that windows share.

Both passes treat the input as ``N*C`` independent planes and work through
them in blocks of about 1 MB (split between two threads, see
:func:`starter.fast_conv.parallel_split`), so that the several passes over
a block hit the core's cache rather than memory.

The backward scans the window offsets in row-major order with a boolean
"not found yet" mask, so each window's ``dout`` goes to its first maximum;
it uses boolean arithmetic only (masked writes such as ``np.copyto(...,
where=)`` are several times slower on mixed masks).

``pool_param["ceil_mode"] = True`` (default False) sizes the output as
PyTorch's ``ceil_mode=True`` does (SqueezeNet uses it):
``H' = ceil((H - ph) / s) + 1``, minus one if the last window would start
past the input; the last windows are clipped to the input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from starter.fast_conv import parallel_split

__all__ = ["max_pool_forward_fast", "max_pool_backward_fast"]


def _pool_params(pool_param: Any) -> tuple[int, int, int, bool]:
    """``(pool_height, pool_width, stride, ceil_mode)`` from ``pool_param``, validated."""
    if not isinstance(pool_param, dict):
        raise ValueError(f"pool_param must be a dict, got {type(pool_param).__name__}")
    values = []
    for key in ("pool_height", "pool_width", "stride"):
        if key not in pool_param:
            raise ValueError(f"pool_param is missing the key {key!r} (it has {sorted(pool_param)})")
        value = pool_param[key]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"pool_param[{key!r}] must be an integer >= 1, got {value!r}")
        values.append(int(value))
    ceil_mode = pool_param.get("ceil_mode", False)
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise ValueError(f"pool_param['ceil_mode'] must be True or False, got {ceil_mode!r}")
    return values[0], values[1], values[2], bool(ceil_mode)


def _out_size(size: int, window: int, stride: int, ceil_mode: bool) -> int:
    """Number of windows along one axis of length ``size``."""
    if not ceil_mode:
        return 1 + (size - window) // stride
    n = 1 + math.ceil((size - window) / stride)
    # PyTorch's rule: the last window must start inside the input.
    return n - 1 if (n - 1) * stride >= size else n


def _views(a: np.ndarray, ph: int, pw: int, s: int, Ho: int, Wo: int) -> list[np.ndarray]:
    """The ``ph*pw`` strided views (N, C, H', W') of ``a``, offset ``(i, j)`` in row-major order.

    View ``(i, j)`` holds ``a[n, c, ho*s + i, wo*s + j]``; ``a`` must be at
    least ``(H'-1)*s + ph`` by ``(W'-1)*s + pw``.
    """
    N, C = a.shape[:2]
    if s == ph == pw:
        # Non-overlapping windows: a reshape of the covered region gives them.
        blocks = a[:, :, : Ho * ph, : Wo * pw].reshape(N, C, Ho, ph, Wo, pw)
        return [blocks[:, :, :, i, :, j] for i in range(ph) for j in range(pw)]
    hspan, wspan = s * (Ho - 1) + 1, s * (Wo - 1) + 1
    return [a[:, :, i : i + hspan : s, j : j + wspan : s] for i in range(ph) for j in range(pw)]


def _column_phases(a: np.ndarray, s: int, pw: int) -> list[np.ndarray]:
    """``[a[..., b::s] for b < min(s, pw)]`` as contiguous arrays (``[a]`` when s == 1).

    In these copies every window offset's view has unit inner stride: numpy's
    elementwise loops run several times faster on it than on a stride-s view,
    which pays off when overlapping windows read each element several times.
    """
    if s == 1:
        return [a]
    phases = [np.empty(a[:, :, :, b::s].shape, a.dtype) for b in range(min(s, pw))]

    def split(lo: int, hi: int) -> None:
        for b, p in enumerate(phases):
            p[lo:hi] = a[lo:hi, :, :, b::s]

    parallel_split(split, a.shape[0], a.size)
    return phases


def _phase_views(
    phases: list[np.ndarray], ph: int, pw: int, s: int, Ho: int, Wo: int
) -> list[np.ndarray]:
    """Like :func:`_views`, read from the column phases of :func:`_column_phases`."""
    hspan = s * (Ho - 1) + 1
    return [
        phases[j % s][:, :, i : i + hspan : s, j // s : j // s + Wo]
        for i in range(ph)
        for j in range(pw)
    ]


def max_pool_forward_fast(x: np.ndarray, pool_param: dict) -> tuple[np.ndarray, tuple]:
    """Forward pass of a max-pooling layer.

    Inputs:
    - x: input of shape (N, C, H, W), any floating dtype (kept)
    - pool_param: ``{"pool_height": int, "pool_width": int, "stride": int}``
      and optionally ``"ceil_mode": bool`` (default False)

    Returns ``(out, cache)``: ``out`` of shape (N, C, H', W') with
    ``H' = 1 + (H - pool_height) // stride`` (likewise W'; see the module
    docstring for ``ceil_mode``); ``cache`` is for
    :func:`max_pool_backward_fast` and holds references to ``x`` and ``out``.

    Raises ValueError for a wrong ndim, a bad ``pool_param`` or a window
    larger than the input.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        if not (np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_):
            raise ValueError(f"x must hold real numbers, got dtype {x.dtype}")
        x = x.astype(np.float64)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got ndim {x.ndim} (shape {x.shape})")
    ph, pw, s, ceil_mode = _pool_params(pool_param)
    N, C, H, W = x.shape
    if ph > H or pw > W:
        raise ValueError(f"a {ph}x{pw} pooling window does not fit in the {H}x{W} input")
    Ho, Wo = _out_size(H, ph, s, ceil_mode), _out_size(W, pw, s, ceil_mode)
    Hn, Wn = (Ho - 1) * s + ph, (Wo - 1) * s + pw
    # Every (n, c) plane is pooled alone: work on P = N*C planes of shape (1, H, W),
    # so that any range of planes is one contiguous block (numpy then runs each
    # elementwise pass as a few long loops).
    P = N * C
    if Hn > H or Wn > W:
        # ceil_mode: clip the last windows by padding with -inf, which never wins.
        src = np.full((P, 1, max(H, Hn), max(W, Wn)), -np.inf, dtype=x.dtype)
        src[:, 0, :H, :W] = x.reshape(P, H, W)
    else:
        src = np.ascontiguousarray(x).reshape(P, 1, H, W)
    src_shape = src.shape
    if ph * pw > s * s:
        # Overlapping windows read each element several times: read unit-stride copies.
        src = _column_phases(src, s, pw)
    # else each element is read at most once: stride-s views beat making copies.
    out = np.empty((P, 1, Ho, Wo), dtype=x.dtype)

    def forward(lo: int, hi: int) -> None:
        views = _plane_views(src, lo, hi, ph, pw, s, Ho, Wo)
        o = out[lo:hi]
        np.copyto(o, views[0])
        for v in views[1:]:
            np.maximum(o, v, out=o)

    plane_bytes = src_shape[2] * src_shape[3] * x.itemsize
    parallel_split(_blocked(forward, plane_bytes), P, out.size * ph * pw)
    return out.reshape(N, C, Ho, Wo), (src, src_shape, x.shape, out, (ph, pw, s))


_BLOCK_BYTES = 1 << 20


def _blocked(fn: Callable[[int, int], None], plane_bytes: int) -> Callable[[int, int], None]:
    """``fn`` applied to blocks of planes of about ``_BLOCK_BYTES`` of input each.

    The pooling passes (several per window offset) then reread a block from
    the core's cache instead of streaming the whole input from memory each time.
    """
    step = max(1, _BLOCK_BYTES // max(1, plane_bytes))

    def run(lo: int, hi: int) -> None:
        for p0 in range(lo, hi, step):
            fn(p0, min(hi, p0 + step))

    return run


def _plane_views(
    src: np.ndarray | list[np.ndarray], lo: int, hi: int, ph: int, pw: int, s: int, Ho: int, Wo: int
) -> list[np.ndarray]:
    """The window-offset views of planes ``lo:hi`` of ``src`` (an array or its phases)."""
    if isinstance(src, list):
        return _phase_views([p[lo:hi] for p in src], ph, pw, s, Ho, Wo)
    return _views(src[lo:hi], ph, pw, s, Ho, Wo)


def max_pool_backward_fast(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_fast`.

    Inputs:
    - dout: upstream gradient of shape (N, C, H', W')
    - cache: from :func:`max_pool_forward_fast`

    Returns ``dx`` of shape (N, C, H, W) in the forward input's dtype: each
    window's ``dout`` goes to its first maximum in row-major order; input
    positions shared by overlapping windows receive the sum.
    """
    src, src_shape, x_shape, out, (ph, pw, s) = cache
    N, C = x_shape[:2]
    P, _, Ho, Wo = out.shape
    dout = np.asarray(dout)
    if dout.shape != (N, C, Ho, Wo):
        raise ValueError(
            f"dout must have the forward output's shape {(N, C, Ho, Wo)}, got {dout.shape}"
        )
    dout = np.ascontiguousarray(dout, dtype=out.dtype).reshape(out.shape)
    phased = isinstance(src, list)
    dsrc = np.zeros(src_shape, dtype=out.dtype)
    if phased:
        dphases = [dsrc] if s == 1 else [np.zeros_like(p) for p in src]
    disjoint = s >= ph and s >= pw  # each input position is in at most one window

    def backward(lo: int, hi: int) -> None:
        views = _plane_views(src, lo, hi, ph, pw, s, Ho, Wo)
        dviews = _plane_views(dphases if phased else dsrc, lo, hi, ph, pw, s, Ho, Wo)
        o, g = out[lo:hi], dout[lo:hi]
        # Scan the offsets in row-major order; `free` marks the windows whose first
        # maximum is still to be found. Boolean arithmetic, not masked assignment:
        # numpy's `where=`/boolean-index writes are several times slower here.
        hit = np.empty(o.shape, dtype=bool)
        free = np.ones(o.shape, dtype=bool)
        tmp = np.empty(o.shape, dtype=o.dtype)
        last = len(views) - 1
        for k, (v, dv) in enumerate(zip(views, dviews, strict=True)):
            np.equal(v, o, out=hit)
            if k:
                hit &= free
            if k < last:
                free ^= hit  # hit is a subset of free
            if disjoint:
                np.multiply(g, hit, out=dv)
            else:
                np.multiply(g, hit, out=tmp)
                dv += tmp
        if phased and s > 1:
            for b, dp in enumerate(dphases):
                dsrc[lo:hi, :, :, b::s] = dp[lo:hi]

    plane_bytes = src_shape[2] * src_shape[3] * out.itemsize
    parallel_split(_blocked(backward, plane_bytes), P, out.size * ph * pw)
    H, W = x_shape[2:]
    dsrc = dsrc.reshape(N, C, *src_shape[2:])
    if dsrc.shape != x_shape:
        return np.ascontiguousarray(dsrc[:, :, :H, :W])
    return dsrc
