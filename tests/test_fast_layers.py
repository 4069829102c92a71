"""Tests of starter.fast_layers: fast conv and max pool against independent references.

The references here are written from the definitions (loops over output
positions, ``np.argmax`` for pooling) and share no code with
``starter.fast_conv`` / ``starter.fast_pool``. PyTorch cross-checks are marked
``torch`` and skipped when it is absent; the comparison with the students'
naive layers in ``solutions/dl/layers.py`` is skipped while that file (or the
function) does not exist.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from starter import fast_conv
from starter.fast_layers import (
    conv_backward_fast,
    conv_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
)
from starter.gradient_check import (
    assert_close,
    assert_gradient_close,
    eval_numerical_gradient_array,
)

RTOL = 1e-6  # the contract with the naive layers

# ---------------------------------------------------------------------------
# independent references


def conv_ref(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """Cross-correlation by a loop over output positions: (N,C,H,W),(F,C,HH,WW) -> (N,F,H',W')."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    out = np.empty((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, w) + b
    return out


def conv_backward_ref(
    dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride: int, pad: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dw, db) of :func:`conv_ref` by the same loop, scattering into the padded input."""
    HH, WW = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            hs, ws = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
            g = dout[:, :, i, j]
            dxp[:, :, hs, ws] += np.einsum("nf,fchw->nchw", g, w)
            dw += np.einsum("nf,nchw->fchw", g, xp[:, :, hs, ws])
    dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def pool_ref(x: np.ndarray, ph: int, pw: int, s: int) -> tuple[np.ndarray, np.ndarray]:
    """(out, dx-for-dout) maker: max pool by loops, gradient to ``np.argmax``'s pick."""
    N, C, H, W = x.shape
    Ho, Wo = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.empty((N, C, Ho, Wo))
    argmax = np.empty((N, C, Ho, Wo, 2), dtype=int)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * s : i * s + ph, j * s : j * s + pw]
                    k = int(np.argmax(window))
                    out[n, c, i, j] = window.flat[k]
                    argmax[n, c, i, j] = (i * s + k // pw, j * s + k % pw)
    return out, argmax


def pool_backward_ref(dout: np.ndarray, x_shape: tuple, argmax: np.ndarray) -> np.ndarray:
    """Route each window's ``dout`` to its argmax; shared positions sum."""
    dx = np.zeros(x_shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        r, q = argmax[n, c, i, j]
        dx[n, c, r, q] += dout[n, c, i, j]
    return dx


# ---------------------------------------------------------------------------
# conv

# (N, C, H, W, F, HH, WW, stride, pad): every path (wide stride 1, strided, 1x1 GEMM),
# non-square kernels and images, windows that do not tile the input exactly, C=1, N=1.
CONV_CASES = [
    (2, 3, 7, 7, 4, 3, 3, 1, 1),
    (2, 3, 5, 5, 2, 3, 3, 1, 0),
    (2, 3, 7, 5, 2, 2, 4, 1, 2),
    (2, 3, 8, 8, 4, 3, 3, 2, 1),
    (2, 2, 9, 11, 3, 3, 2, 3, 2),
    (2, 2, 6, 7, 3, 5, 5, 2, 0),
    (1, 1, 5, 6, 2, 1, 1, 1, 0),
    (3, 4, 6, 5, 2, 1, 1, 2, 1),
    (2, 3, 4, 6, 2, 1, 1, 1, 1),
    (1, 1, 4, 4, 1, 4, 4, 1, 0),
    (1, 2, 3, 3, 2, 3, 3, 1, 3),
    (4, 1, 12, 12, 3, 5, 5, 1, 2),
]


def _conv_case(case: tuple, seed: int = 0) -> tuple:
    N, C, H, W, F, HH, WW, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    return x, w, b, {"stride": stride, "pad": pad}


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "x".join(map(str, c)))
def test_conv_matches_reference(case: tuple) -> None:
    x, w, b, cp = _conv_case(case)
    x0 = x.copy()
    out, cache = conv_forward_fast(x, w, b, cp)
    assert_close("conv out", out, conv_ref(x, w, b, cp["stride"], cp["pad"]), rtol=RTOL)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dx, dw, db = conv_backward_fast(dout, cache)
    rdx, rdw, rdb = conv_backward_ref(dout, x, w, cp["stride"], cp["pad"])
    assert_close("conv dx", dx, rdx, rtol=RTOL)
    assert_close("conv dw", dw, rdw, rtol=RTOL)
    assert_close("conv db", db, rdb, rtol=RTOL)
    np.testing.assert_array_equal(x, x0)  # the input is never written to
    # The cache survives a first backward: a second one gives the same gradients.
    for first, again in zip((dx, dw, db), conv_backward_fast(dout, cache), strict=True):
        np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize(
    "case",
    [(2, 2, 5, 5, 3, 3, 3, 1, 1), (2, 2, 7, 6, 2, 3, 2, 2, 1), (2, 3, 4, 4, 2, 1, 1, 1, 0)],
    ids=["wide", "strided", "1x1"],
)
def test_conv_numeric_gradients(case: tuple) -> None:
    x, w, b, cp = _conv_case(case, seed=3)
    out, cache = conv_forward_fast(x, w, b, cp)
    dout = np.random.default_rng(4).standard_normal(out.shape)
    dx, dw, db = conv_backward_fast(dout, cache)
    num_dx = eval_numerical_gradient_array(lambda v: conv_forward_fast(v, w, b, cp)[0], x, dout)
    num_dw = eval_numerical_gradient_array(lambda v: conv_forward_fast(x, v, b, cp)[0], w, dout)
    num_db = eval_numerical_gradient_array(lambda v: conv_forward_fast(x, w, v, cp)[0], b, dout)
    assert_gradient_close("dx", dx, num_dx, rtol=1e-6)
    assert_gradient_close("dw", dw, num_dw, rtol=1e-6)
    assert_gradient_close("db", db, num_db, rtol=1e-6)


@pytest.mark.parametrize("case", [CONV_CASES[0], CONV_CASES[3], CONV_CASES[6]], ids=str)
def test_conv_keeps_dtype(case: tuple) -> None:
    x, w, b, cp = _conv_case(case)
    ref_out, ref_cache = conv_forward_fast(x, w, b, cp)
    dout = np.random.default_rng(2).standard_normal(ref_out.shape)
    ref_grads = conv_backward_fast(dout, ref_cache)
    assert ref_out.dtype == np.float64
    assert all(g.dtype == np.float64 for g in ref_grads)
    # float32 input stays float32 all the way, even with float64 weights and upstream gradient.
    out, cache = conv_forward_fast(x.astype(np.float32), w, b.astype(np.float32), cp)
    grads = conv_backward_fast(dout, cache)
    assert out.dtype == np.float32
    assert [g.dtype for g in grads] == [np.float32] * 3
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-4)
    for g, r in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-3)


def test_conv_accepts_non_contiguous_and_integer_input() -> None:
    x, w, b, cp = _conv_case(CONV_CASES[0])
    xt = np.ascontiguousarray(x.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)  # F-ordered view
    assert not xt.flags.c_contiguous
    assert_close(
        "non-contiguous x", conv_forward_fast(xt, w, b, cp)[0], conv_forward_fast(x, w, b, cp)[0]
    )
    xi = np.arange(2 * 3 * 7 * 7).reshape(2, 3, 7, 7) % 5
    out = conv_forward_fast(xi, w, b, cp)[0]
    assert out.dtype == np.float64
    assert_close("integer x", out, conv_ref(xi.astype(float), w, b, 1, 1), rtol=RTOL)


@pytest.mark.parametrize(
    ("shapes", "conv_param", "message"),
    [
        (((3, 5, 5), (2, 3, 3, 3), (2,)), {"stride": 1, "pad": 0}, "x must have shape"),
        (((1, 3, 5, 5), (2, 3, 3), (2,)), {"stride": 1, "pad": 0}, "w must have shape"),
        (((1, 3, 5, 5), (2, 4, 3, 3), (2,)), {"stride": 1, "pad": 0}, "channel mismatch"),
        (((1, 3, 5, 5), (2, 3, 3, 3), (3,)), {"stride": 1, "pad": 0}, "b must have shape"),
        (((1, 3, 5, 5), (2, 3, 7, 3), (2,)), {"stride": 1, "pad": 0}, "does not fit"),
        (((1, 3, 5, 5), (2, 3, 8, 8), (2,)), {"stride": 1, "pad": 1}, "does not fit"),
        (((1, 3, 5, 5), (2, 3, 3, 3), (2,)), {"stride": 0, "pad": 0}, "stride"),
        (((1, 3, 5, 5), (2, 3, 3, 3), (2,)), {"stride": 1, "pad": -1}, "pad"),
        (((1, 3, 5, 5), (2, 3, 3, 3), (2,)), {"stride": 1.5, "pad": 0}, "stride"),
        (((1, 3, 5, 5), (2, 3, 3, 3), (2,)), {"pad": 0}, "missing the key 'stride'"),
    ],
)
def test_conv_rejects_bad_input(shapes: tuple, conv_param: dict, message: str) -> None:
    x, w, b = (np.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=message):
        conv_forward_fast(x, w, b, conv_param)


def test_conv_backward_rejects_wrong_dout_shape() -> None:
    x, w, b, cp = _conv_case(CONV_CASES[0])
    out, cache = conv_forward_fast(x, w, b, cp)
    with pytest.raises(ValueError, match="dout must have the forward output's shape"):
        conv_backward_fast(np.zeros(out.shape[:3]), cache)


# ---------------------------------------------------------------------------
# max pool

# (N, C, H, W, pool_height, pool_width, stride): non-overlapping (reshape path), overlapping
# (SqueezeNet's 3x3 stride 2), gaps between windows, inputs not tiled exactly, 1x1.
POOL_CASES = [
    (2, 3, 8, 8, 2, 2, 2),
    (2, 3, 7, 9, 2, 2, 2),
    (2, 2, 9, 9, 3, 3, 3),
    (2, 3, 9, 7, 3, 3, 2),
    (2, 2, 13, 13, 3, 3, 2),
    (2, 3, 8, 10, 2, 3, 1),
    (1, 2, 7, 9, 2, 2, 3),
    (1, 1, 4, 6, 4, 6, 1),
    (2, 2, 3, 3, 1, 1, 1),
]


def _pool_param(case: tuple) -> dict:
    return {"pool_height": case[4], "pool_width": case[5], "stride": case[6]}


@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: "x".join(map(str, c)))
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_pool_matches_reference(case: tuple, ties: bool) -> None:
    N, C, H, W, ph, pw, s = case
    rng = np.random.default_rng(5)
    # With values in {0, 1, 2} most windows hold several maxima: the first one must win.
    x = (
        rng.integers(0, 3, size=(N, C, H, W)).astype(float)
        if ties
        else rng.standard_normal((N, C, H, W))
    )
    out, cache = max_pool_forward_fast(x, _pool_param(case))
    ref_out, argmax = pool_ref(x, ph, pw, s)
    assert_close("pool out", out, ref_out, rtol=RTOL)
    dout = rng.standard_normal(out.shape)
    dx = max_pool_backward_fast(dout, cache)
    assert_close("pool dx", dx, pool_backward_ref(dout, x.shape, argmax), rtol=RTOL)


def test_pool_ties_go_to_first_maximum() -> None:
    # Every window constant: the whole gradient lands on the window's top-left element.
    x = np.ones((1, 1, 4, 4))
    out, cache = max_pool_forward_fast(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    dx = max_pool_backward_fast(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    expected = np.zeros((4, 4))
    expected[0, 0], expected[0, 2], expected[2, 0], expected[2, 2] = 1, 2, 3, 4
    np.testing.assert_array_equal(dx[0, 0], expected)
    # Overlapping 3x3 stride 2 windows: a maximum shared by two windows gets both gradients,
    # and the tie inside the second window goes to its first maximum (row-major).
    x = np.zeros((1, 1, 3, 5))
    x[0, 0, 1, 2] = 5.0  # in both windows
    x[0, 0, 2, 4] = 5.0  # after it in the second window's row-major order: loses the tie
    out, cache = max_pool_forward_fast(x, {"pool_height": 3, "pool_width": 3, "stride": 2})
    np.testing.assert_array_equal(out[0, 0], [[5.0, 5.0]])
    dx = max_pool_backward_fast(np.array([[[[1.0, 10.0]]]]), cache)
    expected = np.zeros((3, 5))
    expected[1, 2] = 11.0
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_pool_numeric_gradient() -> None:
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 2, 7, 7))
    pp = {"pool_height": 3, "pool_width": 3, "stride": 2}
    out, cache = max_pool_forward_fast(x, pp)
    dout = rng.standard_normal(out.shape)
    num = eval_numerical_gradient_array(lambda v: max_pool_forward_fast(v, pp)[0], x, dout)
    assert_gradient_close("dx", max_pool_backward_fast(dout, cache), num)


def test_pool_ceil_mode() -> None:
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    pp = {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, cache = max_pool_forward_fast(x, {**pp, "ceil_mode": True})
    # The last row and column of windows are clipped to the input: 3x3, not 2x2.
    np.testing.assert_array_equal(out[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    dx = max_pool_backward_fast(np.ones_like(out), cache)
    assert dx.shape == x.shape
    np.testing.assert_array_equal(
        np.argwhere(dx[0, 0]),
        [[1, 1], [1, 3], [1, 4], [3, 1], [3, 3], [3, 4], [4, 1], [4, 3], [4, 4]],
    )
    assert max_pool_forward_fast(x, pp)[0].shape == (1, 1, 2, 2)
    # A window that would start past the input is dropped (PyTorch's rule): 1 + ceil(4/3) - 1.
    assert max_pool_forward_fast(
        x, {"pool_height": 1, "pool_width": 1, "stride": 3, "ceil_mode": True}
    )[0].shape == (1, 1, 2, 2)
    # Where the windows tile the input, ceil_mode changes nothing.
    x8 = np.random.default_rng(7).standard_normal((2, 2, 8, 8))
    np.testing.assert_array_equal(
        max_pool_forward_fast(x8, {**pp, "ceil_mode": True})[0], max_pool_forward_fast(x8, pp)[0]
    )


def test_pool_accepts_non_contiguous_input() -> None:
    x = np.random.default_rng(20).standard_normal((2, 3, 9, 7))
    xt = np.ascontiguousarray(x.transpose(1, 0, 3, 2)).transpose(1, 0, 3, 2)  # same values
    assert not xt.flags.c_contiguous
    pp = {"pool_height": 3, "pool_width": 3, "stride": 2}
    out, cache = max_pool_forward_fast(xt, pp)
    ref_out, argmax = pool_ref(x, 3, 3, 2)
    assert_close("out", out, ref_out, rtol=RTOL)
    dout = np.random.default_rng(21).standard_normal(out.shape)
    dout_t = np.ascontiguousarray(dout.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)
    dx = max_pool_backward_fast(dout_t, cache)
    assert_close("dx", dx, pool_backward_ref(dout, x.shape, argmax), rtol=RTOL)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pool_keeps_dtype(dtype: type) -> None:
    x = np.random.default_rng(8).standard_normal((2, 3, 6, 6)).astype(dtype)
    out, cache = max_pool_forward_fast(x, {"pool_height": 3, "pool_width": 3, "stride": 2})
    dx = max_pool_backward_fast(np.ones(out.shape), cache)
    assert out.dtype == dtype and dx.dtype == dtype


@pytest.mark.parametrize(
    ("shape", "pool_param", "message"),
    [
        ((3, 4, 4), {"pool_height": 2, "pool_width": 2, "stride": 2}, "x must have shape"),
        ((1, 1, 4, 4), {"pool_height": 5, "pool_width": 2, "stride": 2}, "does not fit"),
        ((1, 1, 4, 4), {"pool_height": 2, "pool_width": 2, "stride": 0}, "stride"),
        ((1, 1, 4, 4), {"pool_height": 2, "stride": 2}, "missing the key 'pool_width'"),
        (
            (1, 1, 4, 4),
            {"pool_height": 2, "pool_width": 2, "stride": 2, "ceil_mode": "yes"},
            "ceil_mode",
        ),
    ],
)
def test_pool_rejects_bad_input(shape: tuple, pool_param: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        max_pool_forward_fast(np.zeros(shape), pool_param)


def test_pool_backward_rejects_wrong_dout_shape() -> None:
    out, cache = max_pool_forward_fast(
        np.zeros((1, 1, 4, 4)), {"pool_height": 2, "pool_width": 2, "stride": 2}
    )
    with pytest.raises(ValueError, match="dout must have the forward output's shape"):
        max_pool_backward_fast(np.zeros((1, 1, 2)), cache)


# ---------------------------------------------------------------------------
# the two-thread split of copies (normally only for large inputs)


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "threads"])
def test_parallel_split_gives_the_same_results(monkeypatch, parallel: bool) -> None:
    monkeypatch.setattr(fast_conv, "PARALLEL", parallel)
    monkeypatch.setattr(fast_conv, "_MIN_PARALLEL", 0)  # split even these small inputs
    monkeypatch.setattr(fast_conv, "_CHUNK_BYTES", 1)  # and one sample per chunk
    for case in (CONV_CASES[0], CONV_CASES[3], CONV_CASES[4]):
        x, w, b, cp = _conv_case(case, seed=16)
        out, cache = conv_forward_fast(x, w, b, cp)
        assert_close("out", out, conv_ref(x, w, b, cp["stride"], cp["pad"]), rtol=RTOL)
        dout = np.random.default_rng(17).standard_normal(out.shape)
        ref = conv_backward_ref(dout, x, w, cp["stride"], cp["pad"])
        for name, got, want in zip(
            "dx dw db".split(), conv_backward_fast(dout, cache), ref, strict=True
        ):
            assert_close(name, got, want, rtol=RTOL)
    for case in (POOL_CASES[0], POOL_CASES[4]):
        x = np.random.default_rng(18).integers(0, 3, size=case[:4]).astype(float)
        out, cache = max_pool_forward_fast(x, _pool_param(case))
        ref_out, argmax = pool_ref(x, *case[4:])
        assert_close("pool out", out, ref_out, rtol=RTOL)
        dout = np.random.default_rng(19).standard_normal(out.shape)
        assert_close(
            "pool dx", max_pool_backward_fast(dout, cache), pool_backward_ref(dout, x.shape, argmax)
        )


def test_parallel_split_covers_the_range_once_and_propagates_errors(monkeypatch) -> None:
    monkeypatch.setattr(fast_conv, "PARALLEL", True)
    seen = np.zeros(10, dtype=int)

    def mark(lo: int, hi: int) -> None:
        seen[lo:hi] += 1

    fast_conv.parallel_split(mark, 10, work=1 << 30)
    np.testing.assert_array_equal(seen, 1)

    def fail(lo: int, hi: int) -> None:
        if lo > 0:
            raise ZeroDivisionError("in the worker")

    with pytest.raises(ZeroDivisionError, match="in the worker"):
        fast_conv.parallel_split(fail, 10, work=1 << 30)


@pytest.mark.parametrize("var", ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
def test_one_thread_requested_turns_the_copy_thread_off(monkeypatch, var: str) -> None:
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(fast_conv.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert fast_conv._default_parallel() is True
    monkeypatch.setenv(var, "1")
    assert fast_conv._default_parallel() is False


def test_parallel_split_nested_in_the_worker_does_not_deadlock(monkeypatch) -> None:
    monkeypatch.setattr(fast_conv, "PARALLEL", True)
    seen = np.zeros(8, dtype=int)

    def inner(lo: int, hi: int) -> None:
        seen[lo:hi] += 1

    def outer(lo: int, hi: int) -> None:
        fast_conv.parallel_split(lambda a, b: inner(lo + a, lo + b), hi - lo, work=1 << 30)

    fast_conv.parallel_split(outer, 8, work=1 << 30)
    np.testing.assert_array_equal(seen, 1)


def test_parallel_split_falls_back_when_no_thread_can_start(monkeypatch) -> None:
    class NoThreads:
        def submit(self, *args, **kwargs):
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(fast_conv, "PARALLEL", True)
    monkeypatch.setattr(fast_conv, "_get_executor", lambda: NoThreads())
    seen = np.zeros(10, dtype=int)

    def mark(lo: int, hi: int) -> None:
        seen[lo:hi] += 1

    fast_conv.parallel_split(mark, 10, work=1 << 30)
    np.testing.assert_array_equal(seen, 1)  # done once, in the caller
    assert fast_conv.PARALLEL is False  # and threads stay off afterwards


# ---------------------------------------------------------------------------
# PyTorch cross-checks (development only)


@pytest.mark.torch
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "x".join(map(str, c)))
def test_conv_matches_torch(case: tuple) -> None:
    torch = pytest.importorskip("torch")
    x, w, b, cp = _conv_case(case, seed=9)
    out, cache = conv_forward_fast(x, w, b, cp)
    dout = np.random.default_rng(10).standard_normal(out.shape)
    dx, dw, db = conv_backward_fast(dout, cache)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=cp["stride"], padding=cp["pad"])
    tout.backward(torch.tensor(dout))
    assert_close("out vs torch", out, tout.detach().numpy(), rtol=RTOL)
    assert_close("dx vs torch", dx, tx.grad.numpy(), rtol=RTOL)
    assert_close("dw vs torch", dw, tw.grad.numpy(), rtol=RTOL)
    assert_close("db vs torch", db, tb.grad.numpy(), rtol=RTOL)


@pytest.mark.torch
@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: "x".join(map(str, c)))
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_matches_torch(case: tuple, ceil_mode: bool) -> None:
    torch = pytest.importorskip("torch")
    N, C, H, W, ph, pw, s = case
    rng = np.random.default_rng(11)
    x = rng.standard_normal((N, C, H, W))
    out, cache = max_pool_forward_fast(x, {**_pool_param(case), "ceil_mode": ceil_mode})
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, (ph, pw), stride=s, ceil_mode=ceil_mode)
    assert out.shape == tuple(tout.shape)
    dout = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(dout))
    assert_close("out vs torch", out, tout.detach().numpy(), rtol=RTOL)
    assert_close("dx vs torch", max_pool_backward_fast(dout, cache), tx.grad.numpy(), rtol=RTOL)


# ---------------------------------------------------------------------------
# the students' naive layers (solution source), when they exist

LAYERS_PY = Path(__file__).resolve().parents[1] / "solutions" / "dl" / "layers.py"


def _naive(name: str):
    """``name`` from solutions/dl/layers.py, imported by path; skip if absent."""
    if not LAYERS_PY.exists():
        pytest.skip(f"{LAYERS_PY} does not exist yet")
    spec = importlib.util.spec_from_file_location("_solution_layers", LAYERS_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, name):
        pytest.skip(f"{LAYERS_PY.name} has no {name} yet")
    return getattr(module, name)


@pytest.mark.parametrize("case", CONV_CASES[:8], ids=lambda c: "x".join(map(str, c)))
def test_conv_matches_naive_layers(case: tuple) -> None:
    forward, backward = _naive("conv_forward_naive"), _naive("conv_backward_naive")
    x, w, b, cp = _conv_case(case, seed=12)
    out, cache = conv_forward_fast(x, w, b, cp)
    n_out, n_cache = forward(x, w, b, cp)
    assert_close("out vs naive", out, n_out, rtol=RTOL)
    dout = np.random.default_rng(13).standard_normal(out.shape)
    for name, fast, naive in zip(
        ("dx", "dw", "db"), conv_backward_fast(dout, cache), backward(dout, n_cache), strict=True
    ):
        assert_close(f"{name} vs naive", fast, naive, rtol=RTOL)


@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: "x".join(map(str, c)))
def test_pool_matches_naive_layers(case: tuple) -> None:
    forward, backward = _naive("max_pool_forward_naive"), _naive("max_pool_backward_naive")
    x = np.random.default_rng(14).integers(0, 3, size=case[:4]).astype(float)  # with ties
    out, cache = max_pool_forward_fast(x, _pool_param(case))
    n_out, n_cache = forward(x, _pool_param(case))
    assert_close("out vs naive", out, n_out, rtol=RTOL)
    dout = np.random.default_rng(15).standard_normal(out.shape)
    assert_close(
        "dx vs naive", max_pool_backward_fast(dout, cache), backward(dout, n_cache), rtol=RTOL
    )
