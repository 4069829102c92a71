"""Fast convolution layers in pure numpy: im2col through stride tricks + GEMM.

Same contract as the naive layers students write in ``layers.py``
(cross-correlation as in PyTorch, zero padding,
``conv_param = {"stride": s, "pad": p}``, output size
``1 + (H + 2 p - HH) // s``), fast enough to train a small CNN on a 2-core
CPU. Import them through :mod:`starter.fast_layers`.

Why they are fast (``benchmarks/README.md`` has the measurements): OpenBLAS
runs the GEMMs near the machine's peak, so a numpy conv's time goes into the
copies around them. The layout makes those copies long contiguous runs, the
GEMMs large and free of transposed operands, and every buffer cache-sized:

* Columns are laid out ``(n, C*HH*WW, L)`` for a chunk of ``n`` samples
  (about 2 MB of columns), ``L`` columns per sample: a batched GEMM
  ``w (F, C*HH*WW) @ cols[k]`` writes the output already in NCHW order, right
  after the chunk's columns were written, so they are read back from cache.
  The chunk buffers are reused.
* Stride 1 uses "wide" columns: the padded input is flattened per channel to
  ``Hp*Wp`` and column ``q = ho*Wp + wo`` of row ``(c, i, j)`` is element
  ``q + i*Wp + j``. Each row is then one contiguous slice (a long memcpy
  instead of ``H'`` short ones); the ``WW-1`` extra columns per output row
  (``wo >= W'``) are dropped from the output and given a zero upstream
  gradient, so they never touch ``dw`` or ``dx``. col2im is likewise
  ``HH*WW`` adds of contiguous slices, one per kernel offset (never
  ``np.add.at``).
* Other strides use the classic 6-d ``as_strided`` window view.
* The cache keeps the padded input, not the columns (``C*HH*WW`` times
  larger): the backward rebuilds each chunk's columns, which costs less than
  reading stored ones back from memory.
* A 1x1 convolution with stride 1 and no padding is a plain batched GEMM on
  the input itself (no columns).
* numpy's copies run on one core while OpenBLAS uses all of them, so the
  copies and col2im adds are split between the caller and one worker thread
  (:func:`parallel_split`; numpy releases the GIL while copying).

Everything runs in the input's floating dtype: float32 stays float32 (speed),
float64 stays float64 (gradient checks); ``w`` and ``b`` are cast to it, and
the gradients come back in it. Integer or boolean input is treated as float64.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["conv_forward_fast", "conv_backward_fast"]


# ---------------------------------------------------------------------------
# Two-way parallel copies. OpenBLAS runs the GEMMs on every core, but numpy's
# copies, additions and comparisons run on one; they release the GIL, so
# splitting them between the caller and one worker thread uses both cores.


def _default_parallel() -> bool:
    """Two threads unless this process has one CPU or was told to use one thread.

    A parallel grader typically runs each worker with ``OPENBLAS_NUM_THREADS=1``
    (or ``OMP_NUM_THREADS=1``): then an extra copy thread would only oversubscribe.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    limits = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    return cpus >= 2 and not any(os.environ.get(k, "").strip() == "1" for k in limits)


PARALLEL = _default_parallel()  # module switch, e.g. for A/B benchmarks
_MIN_PARALLEL = 1 << 16  # elements: below this the hand-off costs more than it saves
_executor: ThreadPoolExecutor | None = None
_executor_pid = -1
_executor_lock = threading.Lock()


_in_worker = threading.local()


def _mark_worker() -> None:
    _in_worker.active = True


def _get_executor() -> ThreadPoolExecutor:
    """The one-worker pool, recreated after a fork (a child inherits no threads)."""
    global _executor, _executor_pid
    with _executor_lock:
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(
                1, thread_name_prefix="starter-fast-layers", initializer=_mark_worker
            )
            _executor_pid = os.getpid()
        return _executor


def _disable_threads() -> None:
    """Stop using worker threads in this process (after a failed thread start)."""
    global PARALLEL, _executor
    PARALLEL = False
    with _executor_lock:
        _executor = None


def parallel_split(fn: Callable[[int, int], None], n: int, work: int) -> None:
    """Run ``fn(lo, hi)`` over ``[0, n)``: two halves in parallel when ``work`` is large.

    ``fn`` must write disjoint outputs for disjoint ranges. ``work`` is the
    number of elements processed, to skip threading for small jobs. Falls
    back to one call when threads are off or cannot be started.
    """
    if not PARALLEL or n < 2 or work < _MIN_PARALLEL or getattr(_in_worker, "active", False):
        # (Inside the worker, waiting for the one worker would deadlock.)
        fn(0, n)
        return
    half = n // 2
    try:
        future = _get_executor().submit(fn, half, n)
    except RuntimeError:
        # A process limit forbids the worker thread. The pool may still hold the
        # queued job, so never use it again (a later worker would rerun the job).
        _disable_threads()
        fn(0, n)
        return
    try:
        fn(0, half)
    finally:
        future.result()


def _as_float(x: Any, name: str) -> np.ndarray:
    """``x`` as an ndarray of floating dtype (integer/bool input becomes float64)."""
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
            raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
    return arr


def _int_param(params: Any, key: str, owner: str, minimum: int) -> int:
    """``params[key]`` as an int ``>= minimum``, or a ValueError naming it."""
    if not isinstance(params, dict):
        raise ValueError(f"{owner} must be a dict, got {type(params).__name__}")
    if key not in params:
        raise ValueError(f"{owner} is missing the key {key!r} (it has {sorted(params)})")
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner}[{key!r}] must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_conv_inputs(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: Any
) -> tuple[int, int, int, int]:
    """Validate shapes and parameters; return ``(stride, pad, H', W')``."""
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got ndim {x.ndim} (shape {x.shape})")
    if w.ndim != 4:
        raise ValueError(f"w must have shape (F, C, HH, WW), got ndim {w.ndim} (shape {w.shape})")
    N, C, H, W = x.shape
    F, Cw, HH, WW = w.shape
    if Cw != C:
        raise ValueError(
            f"channel mismatch: x has C={C} channels (shape {x.shape}) "
            f"but w expects {Cw} (shape {w.shape})"
        )
    if b.shape != (F,):
        raise ValueError(f"b must have shape (F,) = ({F},) for w of shape {w.shape}, got {b.shape}")
    if min(N, C, H, W, F, HH, WW) == 0:
        raise ValueError(f"empty input: x shape {x.shape}, w shape {w.shape}")
    stride = _int_param(conv_param, "stride", "conv_param", 1)
    pad = _int_param(conv_param, "pad", "conv_param", 0)
    Hp, Wp = H + 2 * pad, W + 2 * pad
    if HH > Hp or WW > Wp:
        raise ValueError(
            f"a {HH}x{WW} filter does not fit in the {H}x{W} input with pad {pad} "
            f"(padded size {Hp}x{Wp})"
        )
    return stride, pad, 1 + (Hp - HH) // stride, 1 + (Wp - WW) // stride


def _padded_flat(x: np.ndarray, pad: int, slack: int) -> np.ndarray:
    """Zero-padded ``x`` (N, C, H, W) flattened to (N, C, Hp*Wp + slack).

    ``slack`` trailing zeros let the last wide column rows run past ``Hp*Wp``.
    Preallocating and assigning is several times faster than ``np.pad``.
    """
    N, C, H, W = x.shape
    Hp, Wp = H + 2 * pad, W + 2 * pad
    buf = np.zeros((N, C, Hp * Wp + slack), dtype=x.dtype)
    inner = buf[:, :, : Hp * Wp].reshape(N, C, Hp, Wp)[:, :, pad : pad + H, pad : pad + W]

    def copy(lo: int, hi: int) -> None:
        inner[:, lo:hi] = x[:, lo:hi]

    parallel_split(copy, C, x.size)
    return buf


def _pad(x: np.ndarray, pad: int) -> np.ndarray:
    """Zero-pad the spatial axes of ``x`` (N, C, H, W) -> (N, C, H+2p, W+2p)."""
    return (
        x
        if pad == 0
        else _padded_flat(x, pad, 0).reshape(
            x.shape[0], x.shape[1], x.shape[2] + 2 * pad, x.shape[3] + 2 * pad
        )
    )


def _unpad(xp: np.ndarray, pad: int) -> np.ndarray:
    """Contiguous interior of ``xp`` (N, C, Hp, Wp) -> (N, C, Hp-2p, Wp-2p)."""
    if pad == 0:
        return xp
    N, C, Hp, Wp = xp.shape
    out = np.empty((N, C, Hp - 2 * pad, Wp - 2 * pad), dtype=xp.dtype)

    def copy(lo: int, hi: int) -> None:
        out[:, lo:hi] = xp[:, lo:hi, pad:-pad, pad:-pad]

    parallel_split(copy, C, out.size)
    return out


# ---------------------------------------------------------------------------
# im2col / col2im, a chunk of samples at a time

# Columns are built, multiplied and (in the backward) scattered back one chunk
# of samples at a time, so that a chunk's columns are still in cache for the
# GEMM that reads them, and the backward never holds the whole (K, N*L) dcols.
_CHUNK_BYTES = 2 << 20


def _chunks(N: int, per_sample_bytes: int) -> list[tuple[int, int]]:
    """Sample ranges ``[(n0, n1), ...]`` of about ``_CHUNK_BYTES`` of columns each."""
    step = max(1, min(N, _CHUNK_BYTES // max(1, per_sample_bytes)))
    return [(n0, min(N, n0 + step)) for n0 in range(0, N, step)]


def _column_source(
    x: np.ndarray, HH: int, WW: int, stride: int, pad: int, Ho: int, Wo: int, wide: bool
) -> np.ndarray:
    """Read-only view of the padded ``x`` indexed like the columns.

    wide (stride 1): shape (N, C, HH, WW, H'*Wp), element ``[n, c, i, j, q]`` =
    ``xpad[n, c].flat[q + i*Wp + j]`` (a row is one contiguous slice);
    otherwise: shape (N, C, HH, WW, H', W'), element ``[n, c, i, j, ho, wo]`` =
    ``xpad[n, c, ho*stride + i, wo*stride + j]``.
    """
    N, C, H, W = x.shape
    Wp = W + 2 * pad
    if wide:
        buf = _padded_flat(x, pad, WW - 1)
        sN, sC, it = buf.strides
        return as_strided(
            buf, shape=(N, C, HH, WW, Ho * Wp), strides=(sN, sC, Wp * it, it, it), writeable=False
        )
    xp = _pad(x, pad)
    sN, sC, sH, sW = xp.strides
    return as_strided(
        xp,
        shape=(N, C, HH, WW, Ho, Wo),
        strides=(sN, sC, sH, sW, stride * sH, stride * sW),
        writeable=False,
    )


# ---------------------------------------------------------------------------
# layers


def conv_forward_fast(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict
) -> tuple[np.ndarray, tuple]:
    """Forward pass of a convolutional layer (cross-correlation, zero padding).

    Inputs:
    - x: input of shape (N, C, H, W)
    - w: filters of shape (F, C, HH, WW)
    - b: biases of shape (F,)
    - conv_param: ``{"stride": int >= 1, "pad": int >= 0}``

    Returns ``(out, cache)``: ``out`` of shape (N, F, H', W') with
    ``H' = 1 + (H + 2 pad - HH) // stride`` (likewise W'), in ``x``'s
    floating dtype; ``cache`` is for :func:`conv_backward_fast` (it holds the
    columns, about ``C*HH*WW * N*H'*W'`` elements, or ``x`` itself for a 1x1
    convolution with stride 1 and no padding).

    Raises ValueError for a wrong ndim, a channel mismatch, a bias of the
    wrong shape, a bad ``conv_param`` or a filter larger than the padded input.
    """
    x = _as_float(x, "x")
    w = _as_float(w, "w").astype(x.dtype, copy=False)
    b = _as_float(b, "b").astype(x.dtype, copy=False)
    stride, pad, Ho, Wo = _check_conv_inputs(x, w, b, conv_param)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    K = C * HH * WW
    w2 = w.reshape(F, K)
    out = np.empty((N, F, Ho, Wo), dtype=x.dtype)
    bias = b[None, :, None, None]

    if HH == 1 and WW == 1 and stride == 1 and pad == 0:
        # The input is its own column matrix: one GEMM per sample, output already NCHW.
        x3 = np.ascontiguousarray(x).reshape(N, C, H * W)
        np.matmul(w2, x3, out=out.reshape(N, F, H * W))
        out += bias
        return out, ("1x1", x.shape, w, x3, stride, pad)

    wide = stride == 1
    row = W + 2 * pad if wide else Wo  # output row length in the columns (wide: Wp)
    L = Ho * row  # columns per sample
    src = _column_source(x, HH, WW, stride, pad, Ho, Wo, wide)
    chunks = _chunks(N, K * L * x.itemsize)
    buf = np.empty(K * L * max(n1 - n0 for n0, n1 in chunks), dtype=x.dtype)
    res_buf = np.empty(F * L * max(n1 - n0 for n0, n1 in chunks), dtype=x.dtype)
    for n0, n1 in chunks:
        cols = _im2col_chunk(src, n0, n1, buf)  # (m, K, L)
        res = np.matmul(w2, cols, out=res_buf[: F * L * (n1 - n0)].reshape(n1 - n0, F, L))
        res = res.reshape(n1 - n0, F, Ho, row)

        def finish(lo: int, hi: int, res=res, n0=n0, n1=n1) -> None:
            # Drop the filler columns (wide), bias fused in.
            np.add(res[:, lo:hi, :, :Wo], bias[:, lo:hi], out=out[n0:n1, lo:hi])

        parallel_split(finish, F, res.size)
    # The backward rebuilds the columns from `src` (the padded input): cheaper than
    # keeping C*HH*WW times the input alive, and the chunk buffer stays in cache.
    return out, ("wide" if wide else "strided", x.shape, w, src, stride, pad)


def _im2col_chunk(src: np.ndarray, n0: int, n1: int, buf: np.ndarray) -> np.ndarray:
    """Columns of samples ``n0:n1`` from a :func:`_column_source` view, built in ``buf``.

    Returns a (n1-n0, C*HH*WW, L) view of the start of ``buf``.
    """
    C, HH, WW = src.shape[1:4]
    shape = (n1 - n0, *src.shape[1:])
    cols = buf[: int(np.prod(shape))].reshape(shape)

    def copy(lo: int, hi: int) -> None:
        cols[:, lo:hi] = src[n0:n1, lo:hi]

    parallel_split(copy, C, cols.size)
    return cols.reshape(n1 - n0, C * HH * WW, -1)


def conv_backward_fast(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`conv_forward_fast`.

    Inputs:
    - dout: upstream gradient of shape (N, F, H', W')
    - cache: from :func:`conv_forward_fast`

    Returns ``(dx, dw, db)`` of shapes (N, C, H, W), (F, C, HH, WW) and (F,),
    in the forward input's dtype.
    """
    mode, x_shape, w, src, stride, pad = cache
    N, C, H, W = x_shape
    F, _, HH, WW = w.shape
    K = C * HH * WW
    Hp, Wp = H + 2 * pad, W + 2 * pad
    Ho, Wo = 1 + (Hp - HH) // stride, 1 + (Wp - WW) // stride
    dout = np.asarray(dout)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(
            f"dout must have the forward output's shape {(N, F, Ho, Wo)}, got {dout.shape}"
        )
    dout = dout.astype(w.dtype, copy=False)
    db = dout.sum(axis=(0, 2, 3))
    w2 = w.reshape(F, K)

    if mode == "1x1":
        d3 = np.ascontiguousarray(dout).reshape(N, F, H * W)
        dx = np.matmul(w2.T, d3).reshape(x_shape)
        # sum_n dout[n] (F, HW) @ x[n].T (HW, C): N small GEMMs, then a cheap sum.
        dw = np.matmul(d3, src.transpose(0, 2, 1)).sum(axis=0)
        return dx, dw.reshape(w.shape), db

    wide = mode == "wide"
    row = Wp if wide else Wo
    L = Ho * row
    # Upstream gradient in the column order (N, F, H', row), zero on the filler columns.
    if row == Wo:
        dcol = np.ascontiguousarray(dout)
    else:
        dcol = np.empty((N, F, Ho, row), dtype=w.dtype)

        def to_cols(lo: int, hi: int) -> None:
            dcol[:, lo:hi, :, Wo:] = 0
            dcol[:, lo:hi, :, :Wo] = dout[:, lo:hi]

        parallel_split(to_cols, F, dcol.size)
    dcol3 = dcol.reshape(N, F, L)

    # Per chunk: rebuild the columns; dw += sum_n cols[n] @ dcol[n].T, accumulated
    # as (K, F) (measured faster than dcol @ cols.T); dcols = w.T @ dcol; col2im as
    # HH*WW vectorised adds of strided slices.
    if wide:
        dbuf = np.zeros((N, C, Hp * Wp + WW - 1), dtype=w.dtype)
    else:
        dbuf = np.zeros((N, C, Hp, Wp), dtype=w.dtype)
    hspan, wspan = stride * (Ho - 1) + 1, stride * (Wo - 1) + 1
    chunks = _chunks(N, K * L * w.itemsize)
    most = max(n1 - n0 for n0, n1 in chunks)
    buf, dc_buf = np.empty(K * L * most, dtype=w.dtype), np.empty(K * L * most, dtype=w.dtype)
    part_buf = np.empty(K * F * most, dtype=w.dtype)
    dwt = np.zeros((K, F), dtype=w.dtype)
    for n0, n1 in chunks:
        m = n1 - n0
        dslice = dcol3[n0:n1]
        cols = _im2col_chunk(src, n0, n1, buf)
        part = np.matmul(
            cols, dslice.transpose(0, 2, 1), out=part_buf[: m * K * F].reshape(m, K, F)
        )
        dwt += part.sum(axis=0) if m > 1 else part[0]
        dc = np.matmul(w2.T, dslice, out=dc_buf[: m * K * L].reshape(m, K, L))
        dc = dc.reshape(m, C, HH, WW, L)

        def col2im(lo: int, hi: int, dc=dc, target=dbuf[n0:n1], m=m) -> None:
            for i in range(HH):
                for j in range(WW):
                    d = dc[:, lo:hi, i, j]  # (m, channels, L)
                    if wide:
                        off = i * Wp + j
                        target[:, lo:hi, off : off + L] += d
                    else:
                        target[:, lo:hi, i : i + hspan : stride, j : j + wspan : stride] += (
                            d.reshape(m, hi - lo, Ho, Wo)
                        )

        parallel_split(col2im, C, dc.size)
    dw = np.ascontiguousarray(dwt.T).reshape(w.shape)
    if wide:
        dbuf = dbuf[:, :, : Hp * Wp].reshape(N, C, Hp, Wp)
    return _unpad(dbuf, pad), dw, db
