"""Benchmark: starter.fast_layers conv forward+backward vs PyTorch CPU, same run.

Run from the repository root:  python benchmarks/bench_conv.py [--rounds N] [--quick]
(see benchmarks/README.md). Prints, per shape, the median time of numpy and
torch (timed round-robin), their ratio (numpy / torch; above 1 numpy is
slower) and numpy's throughput as a percentage of the float32 GEMM peak
measured at the start of the same run.
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
    gemm_peak,
    interleaved,
    print_table,
    setup_threads,
)

from starter.fast_layers import conv_backward_fast, conv_forward_fast  # noqa: E402

# (label, N, C, H, W, F, k, stride, pad)
SHAPES = [
    ("mnist conv1 5x5", 100, 1, 28, 28, 16, 5, 1, 2),
    ("mnist conv2 3x3", 100, 16, 14, 14, 32, 3, 1, 1),
    # The Part 3 solution's ConvNet (filters 8 and 32) as it trains: batches of 32.
    ("part3 conv1 3x3", 32, 1, 28, 28, 8, 3, 1, 1),
    ("part3 conv2 3x3", 32, 8, 14, 14, 32, 3, 1, 1),
    ("squeeze 3x3 C64", 8, 64, 56, 56, 64, 3, 1, 1),
    ("fire expand3x3", 8, 16, 56, 56, 64, 3, 1, 1),
    ("fire squeeze 1x1", 8, 128, 56, 56, 16, 1, 1, 0),
    ("fire expand1x1", 8, 16, 56, 56, 64, 1, 1, 0),
    ("squeeze conv1 s2", 8, 3, 224, 224, 64, 3, 2, 0),
    ("fire 3x3 at 14x14", 8, 64, 14, 14, 256, 3, 1, 1),
]


def make_fns(torch, x, w, b, cp: dict, dout) -> dict:
    """Callables for numpy/torch forward+backward ("np_fb", "t_fb") and forward ("np_f", "t_f")."""

    def np_fb():
        _, cache = conv_forward_fast(x, w, b, cp)
        conv_backward_fast(dout, cache)

    def np_f():
        conv_forward_fast(x, w, b, cp)

    fns = {"np_fb": np_fb, "np_f": np_f}
    if torch is None:
        return fns
    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    td = torch.from_numpy(dout)
    conv2d = torch.nn.functional.conv2d
    s, p = cp["stride"], cp["pad"]

    def t_fb():
        tx.grad = tw.grad = tb.grad = None
        conv2d(tx, tw, tb, stride=s, padding=p).backward(td)

    def t_f():
        with torch.no_grad():
            conv2d(tx, tw, tb, stride=s, padding=p)

    return {**fns, "t_fb": t_fb, "t_f": t_f}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--only", default="", help="run only shapes whose label contains this")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds

    clock = clock_from_args(args)
    torch = setup_threads(args.threads)
    print(describe_environment(torch))
    peak = gemm_peak(torch, clock=clock)
    print(
        "float32 GEMM 2048^3: numpy {:.0f} GFLOP/s".format(peak["numpy"])
        + (", torch {:.0f} GFLOP/s".format(peak["torch"]) if "torch" in peak else "")
    )
    print()

    rng = np.random.default_rng(0)
    rows = []
    for label, N, C, H, W, F, k, s, p in SHAPES:
        if args.only not in label:
            continue
        x = rng.standard_normal((N, C, H, W), dtype=np.float32)
        w = (rng.standard_normal((F, C, k, k), dtype=np.float32) * 0.1).astype(np.float32)
        b = rng.standard_normal(F, dtype=np.float32)
        cp = {"stride": s, "pad": p}
        out, cache = conv_forward_fast(x, w, b, cp)
        dout = rng.standard_normal(out.shape, dtype=np.float32)

        fns = make_fns(torch, x, w, b, cp, dout)
        med = interleaved(fns, rounds=rounds, clock=clock)
        flops = 2.0 * N * F * C * k * k * out.shape[2] * out.shape[3]  # one pass
        shape = f"{N}x{C}x{H}x{W} F={F} {k}x{k} s{s} p{p}"
        row = [label, shape, f"{med['np_fb'] * 1e3:.2f}"]
        if torch is not None:
            row += [f"{med['t_fb'] * 1e3:.2f}", f"{med['np_fb'] / med['t_fb']:.2f}"]
            row += [f"{med['np_f'] / med['t_f']:.2f}"]
        else:
            row += ["-", "-", "-"]
        row.append(f"{100 * 3 * flops / med['np_fb'] / 1e9 / peak['numpy']:.0f}%")
        rows.append(row)
    print_table(
        ["layer", "shape", "np f+b ms", "torch f+b ms", "f+b ratio", "fwd ratio", "np % peak"],
        rows,
    )
    print(
        "\nratio = numpy / torch (above 1: numpy slower); goal: f+b ratio <= 1.3."
        "\n% peak = numpy f+b GFLOP/s (3 GEMM-equivalents) / numpy GEMM peak above."
    )


if __name__ == "__main__":
    main()
