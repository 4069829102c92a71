"""Shared helpers for the benchmarks: a clean BLAS environment, interleaved timing, GEMM peak.

Not a test module: nothing here asserts. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

# Set on some machines so that old OpenBLAS builds pick a safe kernel; they make a
# current numpy run a slower GEMM kernel, which would understate numpy here.
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
KEEP_FLAG = "--keep-openblas-env"
THREADS = 2


def ensure_benchmark_env() -> None:
    """Re-run this script without the OpenBLAS overrides, unless ``--keep-openblas-env``.

    Call it first thing in a benchmark script: the variables are read when
    OpenBLAS loads, so they must be gone from the environment of the process
    itself. Only this benchmark process is affected, never tests or CI.
    """
    if KEEP_FLAG in sys.argv:
        sys.argv.remove(KEEP_FLAG)
        return
    found = [k for k in OPENBLAS_OVERRIDES if k in os.environ]
    if not found:
        return
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_OVERRIDES}
    print(f"[bench] re-running without {', '.join(found)} (pass {KEEP_FLAG} to keep them)")
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def setup_threads(threads: int = THREADS):
    """Limit numpy's BLAS, starter's copy threads and torch to ``threads``; return torch or None."""
    import starter.fast_conv

    starter.fast_conv.PARALLEL = threads > 1
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads, user_api="blas")
    except ImportError:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))  # effective only pre-load
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def describe_environment(torch) -> str:
    """One paragraph: BLAS library, kernel and threads; torch version and threads; load."""
    import numpy as np

    lines = [f"numpy {np.__version__}"]
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                lines.append(
                    f"  BLAS {info.get('internal_api')} {info.get('version')}, "
                    f"kernel {info.get('architecture')}, {info.get('num_threads')} threads"
                )
    except ImportError:
        lines.append("  (install threadpoolctl to see which BLAS kernel runs)")
    for k in OPENBLAS_OVERRIDES:
        if k in os.environ:
            lines.append(f"  WARNING: {k}={os.environ[k]} is set: numpy's GEMM may be slowed")
    if torch is None:
        lines.append("torch: not installed (numpy timings only)")
    else:
        lines.append(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    lines.append(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    return "\n".join(lines)


def interleaved(
    fns: dict[str, Callable[[], object]],
    rounds: int = 9,
    warmup: int = 2,
    pause: float = 0.01,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Median time in seconds of each function, timed round-robin.

    Every round runs each function once, so a change of machine load (other
    processes on a shared box) hits all of them alike. ``pause`` seconds of
    sleep before each timed call let the other library's worker threads stop
    spinning, so that they do not steal a core from the one being timed.
    ``clock`` is wall time by default; ``time.process_time`` (CPU time of the
    process) is steadier on a loaded machine but only meaningful single-threaded.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            if pause:
                time.sleep(pause)
            t0 = clock()
            fn()
            times[name].append(clock() - t0)
    return {name: sorted(ts)[len(ts) // 2] for name, ts in times.items()}


def gemm_peak(
    torch, n: int = 2048, rounds: int = 5, clock: Callable[[], float] = time.perf_counter
) -> dict[str, float]:
    """float32 GEMM n^3 throughput in GFLOP/s: ``{"numpy": ..., "torch": ...}``."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty_like(a)
    fns: dict[str, Callable[[], object]] = {"numpy": lambda: np.matmul(a, b, out=c)}
    if torch is not None:
        ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c.copy())
        fns["torch"] = lambda: torch.mm(ta, tb, out=tc)
    med = interleaved(fns, rounds=rounds, warmup=1, clock=clock)
    return {name: 2 * n**3 / t / 1e9 for name, t in med.items()}


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A plain aligned text table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print(fmt.format(*header))
    print(fmt.format(*["-" * w for w in widths]))
    for r in rows:
        print(fmt.format(*r))


def add_common_arguments(parser, rounds: int = 9) -> None:
    """--rounds (default ``rounds``), --quick, --threads and --cpu-time, shared by the scripts."""
    parser.add_argument("--rounds", type=int, default=rounds, help="timed rounds per shape (median)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, for a smoke run")
    parser.add_argument(
        "--threads", type=int, default=THREADS, help=f"threads for both libraries ({THREADS})"
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time CPU seconds instead of wall time (needs --threads 1; steadier under load)",
    )


def clock_from_args(args) -> Callable[[], float]:
    """The clock the arguments ask for; refuses CPU time with several threads."""
    if args.cpu_time and args.threads != 1:
        raise SystemExit("--cpu-time is only meaningful with --threads 1")
    return time.process_time if args.cpu_time else time.perf_counter
