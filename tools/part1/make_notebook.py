"""Generate ``solutions/dl/1_layers.ipynb`` (run from the repository root).

Expected values of the visible checks are computed here, offline, with
PyTorch or with plain formulas independent of ``layers.py``/``optim.py``, and
written into the notebook as literals. Run ``python tools/part1/make_notebook.py``
after editing a cell below; the notebook is the committed artefact.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "solutions" / "dl" / "1_layers.ipynb"
torch.set_default_dtype(torch.float64)


def lit(a) -> str:
    """A numpy array (or scalar) as Python source with 12 significant digits."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return f"{float(a):.12g}"

    def rec(v, depth):
        if v.ndim == 1:
            return "[" + ", ".join(f"{float(e):.12g}" for e in v) + "]"
        sep = ",\n" + " " * (depth + 1 + len("np.array("))
        return "[" + sep.join(rec(s, depth + 1) for s in v) + "]"

    return "np.array(" + rec(a, 0) + ")"


def inputs(snippet: str) -> dict:
    """Run the input-building part of a visible check to recover its arrays."""
    ns: dict = {"np": np}
    exec(snippet, ns)
    return ns


def T(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


# ---------------------------------------------------------------- expected values
E: dict[str, str] = {}

AFFINE_IN = """\
num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
D = int(np.prod(input_shape))
x = np.linspace(-0.1, 0.5, num=num_inputs * D).reshape(num_inputs, *input_shape)
w = np.linspace(-0.2, 0.3, num=D * output_dim).reshape(D, output_dim)
b = np.linspace(-0.3, 0.1, num=output_dim)
"""
ns = inputs(AFFINE_IN)
E["affine_out"] = lit(F.linear(T(ns["x"]).reshape(2, -1), T(ns["w"]).T, T(ns["b"])).numpy())

RELU_IN = """\
x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
"""
ns = inputs(RELU_IN)
E["relu_out"] = lit(F.relu(T(ns["x"])).numpy())

BN_IN = """\
x = np.linspace(-1.0, 2.0, num=12).reshape(4, 3) ** 2
gamma = np.array([1.0, 2.0, 0.5])
beta = np.array([0.0, -1.0, 3.0])
"""
ns = inputs(BN_IN)
rm, rv = torch.zeros(3), torch.ones(3)
E["bn_out"] = lit(
    F.batch_norm(T(ns["x"]), None, None, T(ns["gamma"]), T(ns["beta"]), training=True, eps=1e-5)
)
xt = T(ns["x"])
E["bn_running_mean"] = lit(0.1 * xt.mean(0))
E["bn_running_var"] = lit(0.1 * xt.var(0, unbiased=False))

CONV_IN = """\
x_shape, w_shape = (2, 3, 4, 4), (3, 3, 4, 4)
x = np.linspace(-0.1, 0.5, num=np.prod(x_shape)).reshape(x_shape)
w = np.linspace(-0.2, 0.3, num=np.prod(w_shape)).reshape(w_shape)
b = np.linspace(-0.1, 0.2, num=3)
conv_param = {"stride": 2, "pad": 1}
"""
ns = inputs(CONV_IN)
E["conv_out"] = lit(F.conv2d(T(ns["x"]), T(ns["w"]), T(ns["b"]), stride=2, padding=1))

POOL_IN = """\
x_shape = (2, 3, 4, 4)
x = np.linspace(-0.3, 0.4, num=np.prod(x_shape)).reshape(x_shape)
pool_param = {"pool_width": 2, "pool_height": 2, "stride": 2}
"""
ns = inputs(POOL_IN)
E["pool_out"] = lit(F.max_pool2d(T(ns["x"]), 2, 2))

SOFTMAX_IN = """\
x = np.array([[2.0, -1.0, 0.5], [0.0, 0.0, 0.0], [-3.0, 1.5, 1.0], [0.2, 0.1, -0.4]])
y = np.array([0, 2, 1, 2])
"""
ns = inputs(SOFTMAX_IN)
xt = T(ns["x"]).requires_grad_()
loss = F.cross_entropy(xt, torch.tensor(ns["y"]))
loss.backward()
E["softmax_loss"], E["softmax_dx"] = lit(loss.item()), lit(xt.grad)
xt = T(ns["x"]).requires_grad_()
# multi_margin_loss averages over classes too: undo that for the CS231n SVM loss.
loss = F.multi_margin_loss(xt, torch.tensor(ns["y"]), margin=1.0) * 3
loss.backward()
E["svm_loss"], E["svm_dx"] = lit(loss.item()), lit(xt.grad)

BINARY_IN = """\
x = np.array([2.0, -0.5, 0.3, -3.0, 0.8])
y = np.array([1, 1, 0, 0, 0])
"""
ns = inputs(BINARY_IN)
xt = T(ns["x"]).requires_grad_()
loss = F.binary_cross_entropy_with_logits(xt, T(ns["y"]))
loss.backward()
E["logistic_loss"], E["logistic_dx"] = lit(loss.item()), lit(xt.grad)
xt = T(ns["x"]).requires_grad_()
loss = torch.clamp(1 - (2 * T(ns["y"]) - 1) * xt, min=0).mean()
loss.backward()
E["hinge_loss"], E["hinge_dx"] = lit(loss.item()), lit(xt.grad)

OPTIM_IN = """\
N, D = 4, 5
w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
"""
ns = inputs(OPTIM_IN)


def torch_steps(opt_cls, steps, **kw):
    """Run a torch optimizer for a few steps with the fixed gradient dw."""
    wt = T(ns["w"]).requires_grad_()
    opt = opt_cls([wt], **kw)
    for _ in range(steps):
        wt.grad = T(ns["dw"])
        opt.step()
    return wt.detach(), opt.state[wt]


E["sgd_w"] = lit(torch_steps(torch.optim.SGD, 1, lr=0.1)[0])
w1, st = torch_steps(torch.optim.SGD, 1, lr=1e-3, momentum=0.9)
# torch keeps buf = momentum * buf + g and steps by -lr * buf; CS231n's velocity is -lr * buf.
E["momentum_w"], E["momentum_v"] = lit(w1), lit(-1e-3 * st["momentum_buffer"])
w1, st = torch_steps(torch.optim.RMSprop, 1, lr=1e-2, alpha=0.99, eps=1e-8)
E["rmsprop_w"], E["rmsprop_cache"] = lit(w1), lit(st["square_avg"])
w1, st = torch_steps(torch.optim.Adam, 3, lr=1e-2, betas=(0.9, 0.999), eps=1e-8)
E["adam_w"], E["adam_m"], E["adam_v"] = lit(w1), lit(st["exp_avg"]), lit(st["exp_avg_sq"])

# ---------------------------------------------------------------- cells
CELLS: list[tuple[str, str, dict]] = []  # (cell_type, source, nbgrader metadata)


def md(source: str, grade_id: str) -> None:
    CELLS.append(("markdown", source, {"grade_id": grade_id}))


def code(source: str, grade_id: str) -> None:
    CELLS.append(("code", source, {"grade_id": grade_id}))


def test(source: str, grade_id: str, points: int) -> None:
    CELLS.append(("code", source, {"grade_id": grade_id, "points": points, "grade": True}))


def answer(source: str, grade_id: str, points: int) -> None:
    CELLS.append(("answer", source, {"grade_id": grade_id, "points": points}))


sys.path.insert(0, str(Path(__file__).parent))
from cells import build  # noqa: E402

build(md, code, test, answer, E, dict(AFFINE_IN=AFFINE_IN, RELU_IN=RELU_IN, BN_IN=BN_IN,
      CONV_IN=CONV_IN, POOL_IN=POOL_IN, SOFTMAX_IN=SOFTMAX_IN, BINARY_IN=BINARY_IN,
      OPTIM_IN=OPTIM_IN))


def nbgrader_meta(kind: str, meta: dict) -> dict:
    base = {"schema_version": 3, "grade_id": meta["grade_id"], "locked": True,
            "solution": False, "grade": False}
    if kind == "answer":
        base.update(grade=True, solution=True, locked=False, points=meta["points"])
    elif meta.get("grade"):
        base.update(grade=True, points=meta["points"])
    return base


nb = nbformat.v4.new_notebook()
nb.metadata = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
for kind, source, meta in CELLS:
    unknown = set(re.findall(r"\{\{(\w+)\}\}", source)) - set(E)
    if unknown:
        raise SystemExit(f"unknown placeholders {unknown} in cell {meta['grade_id']}")
    source = re.sub(r"\{\{(\w+)\}\}", lambda m: E[m.group(1)], source).strip("\n")
    cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(source)
    cell.metadata["nbgrader"] = nbgrader_meta(kind, meta)
    if kind == "answer":
        cell.metadata["course"] = {"extra_credit": True}
    nb.cells.append(cell)
for cell in nb.cells:
    cell.id = f"{cell.metadata['nbgrader']['grade_id'].replace('_', '-')}"[:64]
ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
assert len(ids) == len(set(ids)), "duplicate grade_id"
nbformat.validate(nb)
# Written questions (tools/written_questions.py), inserted after their anchor cells.
sys.path.insert(0, str(ROOT / "tools"))
from written_questions import insert_written_questions  # noqa: E402

insert_written_questions(nb, OUT.stem)
nbformat.validate(nb)
nbformat.write(nb, OUT)
total = sum(m["points"] for k, _, m in CELLS if m.get("grade"))
print(f"wrote {OUT.relative_to(ROOT)}: {len(nb.cells)} cells, {total} autograded points")
