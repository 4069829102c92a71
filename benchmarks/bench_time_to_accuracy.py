"""Benchmark: time to a fixed validation accuracy on MNIST, numpy solution vs PyTorch CPU, same run.

Run from the repository root:  python benchmarks/bench_time_to_accuracy.py [--only mlp|cnn]
(see benchmarks/README.md). Trains the course's own models (``fc_net.FullyConnectedNet``
and ``cnn.ConvNet`` from ``solutions/dl``, updated with the solution's ``optim.adam``)
and the same architectures written in PyTorch, from the *same initial weights*, on the
*same sequence of minibatches*, with the same Adam settings. Every ``--eval-every``
steps both evaluate the same fixed validation subset; the clock stops at the first
evaluation that reaches the target accuracy. Evaluation time counts for both (same
work). Prints, per model, the time and steps to the target for each library and the
ratio numpy / torch (above 1: numpy is slower), plus the ratio of the time per
training step.

The runs alternate (numpy, torch, numpy, torch, ...) and the median of ``--repeats``
runs is reported, so that a change of machine load hits both alike; on a loaded
machine prefer ``--threads 1 --cpu-time``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import ensure_benchmark_env  # noqa: E402

if __name__ == "__main__":  # (tests import the model builders without re-executing)
    ensure_benchmark_env()

import numpy as np  # noqa: E402
from _timing import (  # noqa: E402
    add_common_arguments,
    clock_from_args,
    describe_environment,
    print_table,
    setup_threads,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "solutions" / "dl"))

from cnn import ConvNet  # noqa: E402
from fc_net import FullyConnectedNet  # noqa: E402
from optim import adam  # noqa: E402

from starter import load_mnist  # noqa: E402

# name: (target validation accuracy, learning rate, batch size, step cap)
MODELS = {
    "mlp": (0.96, 1e-3, 100, 5000),
    "cnn": (0.98, 3e-3, 100, 2000),
}
MLP_HIDDEN = (256,)
CNN_FILTERS, CNN_HIDDEN = (8, 32), 256


def numpy_model(name: str):
    np.random.seed(0)
    if name == "mlp":
        return FullyConnectedNet(list(MLP_HIDDEN), weight_scale=np.sqrt(2 / 784))
    return ConvNet(num_filters=CNN_FILTERS, hidden_dim=CNN_HIDDEN)


def torch_model(torch, name: str, params: dict[str, np.ndarray]):
    """The same architecture in PyTorch, initialised with the numpy model's ``params``."""
    nn = torch.nn
    if name == "mlp":
        dims = [784, *MLP_HIDDEN, 10]
        layers: list = []
        for i in range(len(dims) - 1):
            layers.append(nn.Linear(dims[i], dims[i + 1]))
            if i < len(dims) - 2:
                layers.append(nn.ReLU())
        model = nn.Sequential(*layers)
        linears = [m for m in model if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for i, lin in enumerate(linears, start=1):
                lin.weight.copy_(torch.from_numpy(params[f"W{i}"].T.copy()))
                lin.bias.copy_(torch.from_numpy(params[f"b{i}"]))
        return model
    layers, c = [], 1
    for f in CNN_FILTERS:
        # BatchNorm2d's momentum 0.1 is the course's running-average momentum 0.9.
        layers += [nn.Conv2d(c, f, 3, padding=1), nn.BatchNorm2d(f, eps=1e-5, momentum=0.1),
                   nn.ReLU(), nn.MaxPool2d(2)]
        c = f
    k = len(CNN_FILTERS)
    layers += [nn.Flatten(), nn.Linear(c * 7 * 7, CNN_HIDDEN), nn.ReLU(), nn.Linear(CNN_HIDDEN, 10)]
    model = nn.Sequential(*layers)
    convs = [m for m in model if isinstance(m, nn.Conv2d)]
    bns = [m for m in model if isinstance(m, nn.BatchNorm2d)]
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for i, (conv, bn) in enumerate(zip(convs, bns, strict=True), start=1):
            conv.weight.copy_(torch.from_numpy(params[f"W{i}"]))
            conv.bias.copy_(torch.from_numpy(params[f"b{i}"]))
            bn.weight.copy_(torch.from_numpy(params[f"gamma{i}"]))
            bn.bias.copy_(torch.from_numpy(params[f"beta{i}"]))
        for j, lin in enumerate(linears, start=k + 1):
            lin.weight.copy_(torch.from_numpy(params[f"W{j}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(params[f"b{j}"]))
    return model


def run_numpy(name, data, batches, lr, target, eval_every, clock) -> tuple[float, int, float]:
    """Train until the target accuracy; return (seconds, steps, final accuracy)."""
    model = numpy_model(name)
    configs = {p: {"learning_rate": lr} for p in model.params}
    Xv, yv = data["X_val"], data["y_val"]

    def accuracy() -> float:
        pred = np.concatenate([model.loss(Xv[i:i + 500]).argmax(axis=1)
                               for i in range(0, len(Xv), 500)])
        return float(np.mean(pred == yv))

    start, acc = clock(), 0.0
    for t, idx in enumerate(batches, start=1):
        _, grads = model.loss(data["X_train"][idx], data["y_train"][idx])
        for p, w in model.params.items():
            model.params[p], configs[p] = adam(w, grads[p], configs[p])
        if t % eval_every == 0:
            acc = accuracy()
            if acc >= target:
                return clock() - start, t, acc
    return float("nan"), len(batches), acc


def run_torch(torch, name, data, batches, lr, target, eval_every, clock, init) -> tuple[float, int, float]:
    """The same training in PyTorch; same return value as :func:`run_numpy`."""
    model = torch_model(torch, name, init)
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    lossf = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(data["X_train"]), torch.from_numpy(data["y_train"])
    Xv, yv = torch.from_numpy(data["X_val"]), torch.from_numpy(data["y_val"])
    tbatches = [torch.from_numpy(idx) for idx in batches]

    def accuracy() -> float:
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(Xv[i:i + 500]).argmax(dim=1) for i in range(0, len(Xv), 500)])
        model.train()
        return float((pred == yv).float().mean())

    start, acc = clock(), 0.0
    model.train()
    for t, idx in enumerate(tbatches, start=1):
        opt.zero_grad(set_to_none=True)
        lossf(model(Xt[idx]), yt[idx]).backward()
        opt.step()
        if t % eval_every == 0:
            acc = accuracy()
            if acc >= target:
                return clock() - start, t, acc
    return float("nan"), len(batches), acc


def median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--only", default="", help="run only the model whose name contains this")
    parser.add_argument("--repeats", type=int, default=3, help="runs per library (median)")
    parser.add_argument("--eval-every", type=int, default=50, help="steps between evaluations")
    parser.add_argument("--num-val", type=int, default=2000, help="validation images evaluated")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    clock: Callable[[], float] = clock_from_args(args)
    torch = setup_threads(args.threads)
    print(describe_environment(torch))
    if torch is None:
        print("(without PyTorch only the numpy times are printed)")

    rows = []
    for name, (target, lr, batch, cap) in MODELS.items():
        if args.only not in name:
            continue
        layout = "flat" if name == "mlp" else "image"
        data = load_mnist(num_val=args.num_val, num_test=1, layout=layout)
        rng = np.random.default_rng(0)
        batches = [rng.choice(len(data["X_train"]), batch) for _ in range(cap)]
        init = numpy_model(name).params
        results: dict[str, list[tuple[float, int, float]]] = {"numpy": [], "torch": []}
        for _ in range(repeats):
            results["numpy"].append(run_numpy(name, data, batches, lr, target, args.eval_every, clock))
            if torch is not None:
                torch.manual_seed(0)
                results["torch"].append(
                    run_torch(torch, name, data, batches, lr, target, args.eval_every, clock, init))
        sec = {k: median([r[0] for r in v]) for k, v in results.items() if v}
        steps = {k: v[0][1] for k, v in results.items() if v}
        row = [name, f"{target:.3f}", f"{sec['numpy']:.1f}", str(steps["numpy"])]
        if torch is not None:
            per_step = (sec["numpy"] / steps["numpy"]) / (sec["torch"] / steps["torch"])
            row += [f"{sec['torch']:.1f}", str(steps["torch"]), f"{sec['numpy'] / sec['torch']:.2f}",
                    f"{per_step:.2f}"]
        else:
            row += ["-", "-", "-", "-"]
        rows.append(row)
    print()
    print_table(["model", "target", "numpy s", "numpy steps", "torch s", "torch steps",
                 "time ratio", "per-step ratio"], rows)
    print(f"\nbatch {MODELS['mlp'][2]}, Adam; MLP {list(MLP_HIDDEN)} hidden, CNN filters "
          f"{CNN_FILTERS} + BN, hidden {CNN_HIDDEN}; validation on the first {args.num_val} "
          f"images every {args.eval_every} steps; median of {repeats} run(s) per library."
          "\ntime ratio = numpy / torch time to the target (above 1: numpy slower); "
          "per-step ratio = the same per training step (steps differ slightly: float rounding).")


if __name__ == "__main__":
    main()
