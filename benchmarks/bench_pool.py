"""Benchmark: starter.fast_layers max pool forward+backward vs PyTorch CPU, same run.

Run from the repository root:  python benchmarks/bench_pool.py [--rounds N] [--quick]
(see benchmarks/README.md). Prints median times (round-robin), the ratio
numpy / torch (above 1 numpy is slower) for forward+backward and forward
alone, and for reference the textbook reshape-and-reduce forward
(``x.reshape(...).max(axis=(3, 5))``) where the windows tile the input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import ensure_benchmark_env  # noqa: E402

ensure_benchmark_env()

import numpy as np  # noqa: E402
from _timing import (  # noqa: E402
    add_common_arguments,
    clock_from_args,
    describe_environment,
    interleaved,
    print_table,
    setup_threads,
)

from starter.fast_layers import max_pool_backward_fast, max_pool_forward_fast  # noqa: E402

# (label, N, C, H, W, pool, stride, ceil_mode)
SHAPES = [
    ("mnist pool1 2x2", 100, 16, 28, 28, 2, 2, False),
    ("mnist pool2 2x2", 100, 32, 14, 14, 2, 2, False),
    ("squeeze pool1 3x3 s2", 8, 64, 111, 111, 3, 2, True),
    ("squeeze pool2 3x3 s2", 8, 128, 55, 55, 3, 2, True),
    ("2x2 large", 8, 64, 112, 112, 2, 2, False),
]


def make_fns(torch, x, pp: dict, dout) -> dict:
    """Callables: numpy/torch forward+backward ("np_fb", "t_fb"), forward ("np_f", "t_f")."""

    def np_fb():
        _, cache = max_pool_forward_fast(x, pp)
        max_pool_backward_fast(dout, cache)

    def np_f():
        max_pool_forward_fast(x, pp)

    fns = {"np_fb": np_fb, "np_f": np_f}
    k, s, H, W = pp["pool_height"], pp["stride"], x.shape[2], x.shape[3]
    if k == s and H % k == 0 and W % k == 0:
        N, C = x.shape[:2]

        def reshape_f():
            x.reshape(N, C, H // k, k, W // k, k).max(axis=(3, 5))

        fns["reshape_f"] = reshape_f
    if torch is None:
        return fns
    tx = torch.from_numpy(x).requires_grad_()
    td = torch.from_numpy(dout)
    pool = torch.nn.functional.max_pool2d
    ceil = pp["ceil_mode"]

    def t_fb():
        tx.grad = None
        pool(tx, k, stride=s, ceil_mode=ceil).backward(td)

    def t_f():
        with torch.no_grad():
            pool(tx, k, stride=s, ceil_mode=ceil)

    return {**fns, "t_fb": t_fb, "t_f": t_f}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds

    clock = clock_from_args(args)
    torch = setup_threads(args.threads)
    print(describe_environment(torch))
    print()
    rng = np.random.default_rng(0)
    rows = []
    for label, N, C, H, W, k, s, ceil in SHAPES:
        x = rng.standard_normal((N, C, H, W), dtype=np.float32)
        pp = {"pool_height": k, "pool_width": k, "stride": s, "ceil_mode": ceil}
        out, _ = max_pool_forward_fast(x, pp)
        dout = rng.standard_normal(out.shape, dtype=np.float32)
        med = interleaved(make_fns(torch, x, pp, dout), rounds=rounds, clock=clock)
        shape = f"{N}x{C}x{H}x{W} {k}x{k} s{s}" + (" ceil" if ceil else "")
        row = [label, shape, f"{med['np_fb'] * 1e3:.2f}"]
        if torch is not None:
            row += [
                f"{med['t_fb'] * 1e3:.2f}",
                f"{med['np_fb'] / med['t_fb']:.2f}",
                f"{med['np_f'] / med['t_f']:.2f}",
                f"{med['reshape_f'] / med['t_f']:.2f}" if "reshape_f" in med else "-",
            ]
        else:
            row += ["-", "-", "-", "-"]
        rows.append(row)
    print_table(
        ["layer", "shape", "np f+b ms", "torch f+b ms", "f+b ratio", "fwd ratio", "reshape fwd"],
        rows,
    )
    print(
        "\nratio = numpy / torch (above 1: numpy slower); 'reshape fwd' = the textbook"
        "\nreshape-and-reduce forward / torch forward, for comparison."
    )


if __name__ == "__main__":
    main()
