"""SqueezeNet 1.1 in numpy (starter.squeezenet) vs a hand-written PyTorch model, same weights.

Three workloads, each timed interleaved with PyTorch CPU (2 threads) in the same run
(medians; see ``benchmarks/README.md`` for the method):

1. ``forward 224``: forward to fire9, batch 8, 224 x 224 (torch under ``no_grad``).
2. ``style step``: a style-transfer step on one ~192 px image (192 x 288): forward to
   fire5 (the layers CS231n's style transfer uses: 1, 3, 4, 6, 7), gradients injected at
   those layers, backward to the image (no parameter gradients).
3. ``finetune epoch``: the transfer-learning notebook's training work per epoch: 244
   images of 144 x 144 (random crops of the 160 px dataset) in batches of 32, forward to
   fire9 and backward through fire9 only (its parameter gradients, no dx).

``--profile`` also prints numpy's forward and backward time per layer at 224 px, batch 8,
to show which layers (convolutions or pools of ``starter.fast_layers``) dominate.

Usage: ``python benchmarks/bench_squeezenet.py [--quick] [--rounds N] [--profile] [--threads N] [--cpu-time]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))  # the torch reference lives with its tests
sys.path.insert(0, str(HERE.parent))  # starter from this checkout, installed or not

from _timing import (  # noqa: E402
    add_common_arguments,
    clock_from_args,
    describe_environment,
    ensure_benchmark_env,
    interleaved,
    print_table,
    setup_threads,
)


def main() -> None:
    ensure_benchmark_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, rounds=7)
    parser.add_argument("--profile", action="store_true", help="numpy time per layer at 224 px")
    args = parser.parse_args()
    clock = clock_from_args(args)
    torch = setup_threads(args.threads)

    import numpy as np

    from starter.squeezenet import LAYER_NAMES, SqueezeNet

    print(describe_environment(torch))
    model = SqueezeNet.from_file()
    ref = None
    if torch is not None:
        from test_squeezenet import torch_reference

        ref = torch_reference()
        for p in ref.parameters():
            p.requires_grad_(False)
    rounds = 3 if args.quick else args.rounds
    rng = np.random.default_rng(0)
    rows = []

    def record(name: str, fns: dict, rounds: int = rounds, warmup: int = 1) -> None:
        med = interleaved(fns, rounds=rounds, warmup=warmup, clock=clock)
        np_ms = med["numpy"] * 1e3
        if "torch" in med:
            t_ms = med["torch"] * 1e3
            rows.append([name, f"{np_ms:.0f}", f"{t_ms:.0f}", f"{np_ms / t_ms:.2f}"])
        else:
            rows.append([name, f"{np_ms:.0f}", "-", "-"])
        print(f"  done: {name}", flush=True)

    # 1. forward at 224, batch 8 -----------------------------------------------------------
    x224 = (rng.standard_normal((8, 3, 224, 224)) * 60).astype(np.float32)
    fns = {"numpy": lambda: model.forward(x224)}
    if ref is not None:
        xt224 = torch.from_numpy(x224)

        def torch_forward():
            with torch.no_grad():
                return ref(xt224)

        fns["torch"] = torch_forward
    record("forward 224, N=8", fns)

    # 2. style-transfer step ---------------------------------------------------------------
    layers = [1, 3, 4, 6, 7]
    x_style = (rng.standard_normal((1, 3, 192, 288)) * 60).astype(np.float32)
    acts, _ = model.forward(x_style, upto=max(layers), return_activations=True)
    grads_np = {i: rng.standard_normal(acts[i].shape).astype(np.float32) for i in layers}

    def numpy_style():
        _, cache = model.forward(x_style, upto=max(layers))
        return model.backward(grads_np, cache, trainable=())

    fns = {"numpy": numpy_style}
    if ref is not None:
        grads_t = {i: torch.from_numpy(g) for i, g in grads_np.items()}

        def torch_style():
            xt = torch.from_numpy(x_style).requires_grad_(True)
            outs = ref(xt, upto=max(layers))
            sum((outs[i] * g).sum() for i, g in grads_t.items()).backward()
            return xt.grad

        fns["torch"] = torch_style
    record("style step 192x288 (fwd to fire5 + bwd to image)", fns)

    # 3. fine-tuning epoch -----------------------------------------------------------------
    x_ft = (rng.standard_normal((244, 3, 144, 144)) * 60).astype(np.float32)
    out_shape = model.output_shape((32, 3, 144, 144))
    g_ft = rng.standard_normal(out_shape).astype(np.float32)

    def numpy_epoch():
        for i in range(0, len(x_ft), 32):
            out, cache = model.forward(x_ft[i : i + 32])
            model.backward(g_ft[: len(out)], cache, trainable=["fire9"], need_dx=False)

    fns = {"numpy": numpy_epoch}
    if ref is not None:
        fire9 = [p for k, p in ref.convs.items() if k.startswith("fire9")]
        g_ft_t = torch.from_numpy(g_ft)

        def torch_epoch():
            for p in fire9:
                p.requires_grad_(True)
                p.grad = None
            for i in range(0, len(x_ft), 32):
                out = ref(torch.from_numpy(x_ft[i : i + 32]))[-1]
                (out * g_ft_t[: len(out)]).sum().backward()
            for p in fire9:
                p.requires_grad_(False)

        fns["torch"] = torch_epoch
    record("finetune epoch: 244 x 144px, fwd + bwd fire9", fns, rounds=max(3, rounds // 2))

    print()
    print_table(["workload", "numpy ms", "torch ms", "ratio"], rows)
    print("ratio = numpy / torch (above 1: numpy slower). Goal: <= 1.5.")

    if args.profile:
        print("\nnumpy per-layer time at 224 px, N=8 (median of 3):")
        prof = []
        _, cache = model.forward(x224)
        for i, name in enumerate(LAYER_NAMES):
            x_in = x224 if i == 0 else cache.activations[i - 1]
            f_times, b_times = [], []
            for _ in range(3):
                t0 = time.perf_counter()
                out, c = model.forward(x_in, start=name, upto=name)
                t1 = time.perf_counter()
                model.backward(np.ones_like(out), c, trainable=None)
                t2 = time.perf_counter()
                f_times.append(t1 - t0)
                b_times.append(t2 - t1)
            prof.append(
                [name, f"{sorted(f_times)[1] * 1e3:.1f}", f"{sorted(b_times)[1] * 1e3:.1f}"]
            )
        print_table(["layer", "fwd ms", "bwd ms"], prof)


if __name__ == "__main__":
    main()
