"""Benchmark: LSTM forward + backward through time, numpy (solutions/dl/rnn_layers.py) vs PyTorch CPU.

Both sides run in the same process on the same float32 data:

- numpy: ``lstm_forward`` then ``lstm_backward`` of the solution module, with an
  upstream gradient on every hidden state;
- ``torch loop``: the same computation written with torch ops (one timestep per
  Python iteration, the input projection as one matmul) and autograd;
- ``torch nn.LSTM``: PyTorch's fused LSTM (one layer, same sizes, same data; its
  gate order and biases differ, which does not matter for speed).

Each measurement is the median of ``--repeats`` timed runs after warm-up runs,
interleaving the implementations so that machine load affects them alike. The
printed ratios are numpy time / torch time (above 1: numpy is slower). Before
timing, the numpy gradients are checked against torch autograd on the same
weights (relative error printed), so the benchmark cannot time a wrong result.

Usage: ``python benchmarks/bench_lstm.py [--N 64 --T 16 --D 512 --H 512] [--repeats 15] [--threads 2]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("N", 64), ("T", 16), ("D", 512), ("H", 512)):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    # Thread counts must be fixed before numpy / torch load their BLAS.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))
    import numpy as np

    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: pip install 'torch==2.13.0' (see pyproject extra 'torch')")
        return 1
    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(REPO / "solutions" / "dl"))
    from rnn_layers import lstm_backward, lstm_forward

    N, T, D, H = args.N, args.T, args.D, args.H
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D), dtype=np.float32)
    h0 = rng.standard_normal((N, H), dtype=np.float32)
    Wx = (rng.standard_normal((D, 4 * H), dtype=np.float32) / np.sqrt(D)).astype(np.float32)
    Wh = (rng.standard_normal((H, 4 * H), dtype=np.float32) / np.sqrt(H)).astype(np.float32)
    b = np.zeros(4 * H, dtype=np.float32)
    dh = rng.standard_normal((N, T, H), dtype=np.float32)

    def run_numpy():
        h, cache = lstm_forward(x, h0, Wx, Wh, b)
        return h, lstm_backward(dh, cache)

    tx, th0, tWx, tWh, tb = (torch.tensor(a, requires_grad=True) for a in (x, h0, Wx, Wh, b))
    tdh = torch.tensor(dh)

    def run_torch_loop():
        for p in (tx, th0, tWx, tWh, tb):
            p.grad = None
        ax = (tx.reshape(N * T, D) @ tWx + tb).reshape(N, T, 4 * H)
        h, c, hs = th0, torch.zeros(N, H), []
        for t in range(T):
            a = ax[:, t] + h @ tWh
            i, f, o = torch.sigmoid(a[:, : 3 * H]).split(H, dim=1)
            g = torch.tanh(a[:, 3 * H :])
            c = f * c + i * g
            h = o * torch.tanh(c)
            hs.append(h)
        out = torch.stack(hs, dim=1)
        out.backward(tdh)
        return out

    lstm = torch.nn.LSTM(D, H, batch_first=True)
    fx = torch.tensor(x, requires_grad=True)
    fh0 = torch.tensor(h0).unsqueeze(0)
    fc0 = torch.zeros(1, N, H)

    def run_torch_fused():
        lstm.zero_grad(set_to_none=True)
        fx.grad = None
        out, _ = lstm(fx, (fh0, fc0))
        out.backward(tdh)
        return out

    # Correctness first: the numpy result against torch autograd of the same model.
    h, grads = run_numpy()
    ref = run_torch_loop()
    errors = [float(np.max(np.abs(h - ref.detach().numpy())))]
    for g, p in zip(grads, (tx, th0, tWx, tWh, tb), strict=True):
        scale = float(p.grad.abs().max()) or 1.0
        errors.append(float(np.max(np.abs(g - p.grad.numpy()))) / scale)
    print(
        f"numpy vs torch autograd, max (relative) difference over h, dx, dh0, dWx, dWh, db: {max(errors):.2e}"
    )
    if max(errors) > 1e-3:
        print("numpy result disagrees with torch: not timing a wrong implementation")
        return 1

    runs = {"numpy": run_numpy, "torch loop": run_torch_loop, "torch nn.LSTM": run_torch_fused}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(3):  # warm-up
        for fn in runs.values():
            fn()
    for _ in range(args.repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"LSTM forward+backward, N={N} T={T} D={D} H={H}, float32, {args.threads} threads, "
          f"median of {args.repeats}:")  # fmt: skip
    for name, t in med.items():
        print(f"  {name:14s} {t * 1e3:8.2f} ms")
    print(f"ratio numpy / torch loop:    {med['numpy'] / med['torch loop']:.2f}")
    print(f"ratio numpy / torch nn.LSTM: {med['numpy'] / med['torch nn.LSTM']:.2f}  (goal: <= 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
