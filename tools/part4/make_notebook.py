"""Generate ``solutions/dl/4_captioning.ipynb`` (run from the repository root).

The expected values of the visible checks are computed here, offline, with
PyTorch in float64 from the definitions of the spec, independently of
``rnn_layers.py``/``captioning.py``, and written into the notebook as literals
(CS231n's deterministic ``np.linspace`` inputs; the two model losses are
CS231n's published values, which this script re-derives with torch as a check).
Run ``python tools/part4/make_notebook.py`` after editing a cell in
``tools/part4/cells.py``; the notebook is the committed artefact.
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
OUT = ROOT / "solutions" / "dl" / "4_captioning.ipynb"
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
    return torch.tensor(np.asarray(a))


def lstm_step(x, h, c, Wx, Wh, b):
    i, f, o, g = (x @ Wx + h @ Wh + b).chunk(4, dim=1)  # gate order i, f, o, g
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def rnn_seq(x, h, Wx, Wh, b):
    hs = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
    return torch.stack(hs, dim=1)


def lstm_seq(x, h, Wx, Wh, b):
    c, hs = torch.zeros_like(h), []
    for t in range(x.shape[1]):
        h, c = lstm_step(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
    return torch.stack(hs, dim=1)


# ---------------------------------------------------------------- expected values
E: dict[str, str] = {}
IN: dict[str, str] = {}

IN["RNN_STEP"] = """\
N, D, H = 3, 10, 4
x = np.linspace(-0.4, 0.7, num=N * D).reshape(N, D)
prev_h = np.linspace(-0.2, 0.5, num=N * H).reshape(N, H)
Wx = np.linspace(-0.1, 0.9, num=D * H).reshape(D, H)
Wh = np.linspace(-0.3, 0.7, num=H * H).reshape(H, H)
b = np.linspace(-0.2, 0.4, num=H)
"""
ns = inputs(IN["RNN_STEP"])
E["rnn_step_h"] = lit(
    torch.tanh(T(ns["x"]) @ T(ns["Wx"]) + T(ns["prev_h"]) @ T(ns["Wh"]) + T(ns["b"]))
)

IN["RNN"] = """\
N, T, D, H = 2, 3, 4, 5
x = np.linspace(-0.1, 0.3, num=N * T * D).reshape(N, T, D)
h0 = np.linspace(-0.3, 0.1, num=N * H).reshape(N, H)
Wx = np.linspace(-0.2, 0.4, num=D * H).reshape(D, H)
Wh = np.linspace(-0.4, 0.1, num=H * H).reshape(H, H)
b = np.linspace(-0.7, 0.1, num=H)
"""
ns = inputs(IN["RNN"])
E["rnn_h"] = lit(rnn_seq(*(T(ns[k]) for k in ("x", "h0", "Wx", "Wh", "b"))))

IN["EMBED"] = """\
V, D = 5, 3
x = np.array([[0, 3, 1, 2], [2, 1, 0, 3]])
W = np.linspace(0, 1, num=V * D).reshape(V, D)
"""
ns = inputs(IN["EMBED"])
E["embed_out"] = lit(F.embedding(T(ns["x"]), T(ns["W"])))

IN["TAFFINE"] = """\
N, T, D, M = 2, 3, 4, 5
x = np.linspace(-0.5, 0.8, num=N * T * D).reshape(N, T, D)
w = np.linspace(-0.3, 0.6, num=D * M).reshape(D, M)
b = np.linspace(-0.1, 0.2, num=M)
"""
ns = inputs(IN["TAFFINE"])
E["taffine_out"] = lit(F.linear(T(ns["x"]), T(ns["w"]).T, T(ns["b"])))

IN["TSOFTMAX"] = """\
N, T, V = 3, 4, 5
x = np.sin(np.linspace(-2.0, 3.0, num=N * T * V).reshape(N, T, V)) * 3
y = np.array([[1, 4, 0, 2], [3, 3, 1, 0], [0, 2, 4, 1]])
mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
"""
ns = inputs(IN["TSOFTMAX"])
xt = T(ns["x"]).requires_grad_()
nll = F.cross_entropy(xt.reshape(-1, 5), T(ns["y"]).reshape(-1), reduction="none")
loss = (nll * T(ns["mask"]).reshape(-1)).sum() / 3
loss.backward()
E["tsoftmax_loss"], E["tsoftmax_dx"] = lit(loss.item()), lit(xt.grad)

IN["LSTM_STEP"] = """\
N, D, H = 3, 4, 5
x = np.linspace(-0.4, 1.2, num=N * D).reshape(N, D)
prev_h = np.linspace(-0.3, 0.7, num=N * H).reshape(N, H)
prev_c = np.linspace(-0.4, 0.9, num=N * H).reshape(N, H)
Wx = np.linspace(-2.1, 1.3, num=4 * D * H).reshape(D, 4 * H)
Wh = np.linspace(-0.7, 2.2, num=4 * H * H).reshape(H, 4 * H)
b = np.linspace(0.3, 0.7, num=4 * H)
"""
ns = inputs(IN["LSTM_STEP"])
h1, c1 = lstm_step(*(T(ns[k]) for k in ("x", "prev_h", "prev_c", "Wx", "Wh", "b")))
E["lstm_step_h"], E["lstm_step_c"] = lit(h1), lit(c1)

IN["LSTM"] = """\
N, D, H, T = 2, 5, 4, 3
x = np.linspace(-0.4, 0.6, num=N * T * D).reshape(N, T, D)
h0 = np.linspace(-0.4, 0.8, num=N * H).reshape(N, H)
Wx = np.linspace(-0.2, 0.9, num=4 * D * H).reshape(D, 4 * H)
Wh = np.linspace(-0.3, 0.6, num=4 * H * H).reshape(H, 4 * H)
b = np.linspace(0.2, 0.7, num=4 * H)
"""
ns = inputs(IN["LSTM"])
E["lstm_h"] = lit(lstm_seq(*(T(ns[k]) for k in ("x", "h0", "Wx", "Wh", "b"))))


IN["SAMPLE"] = """\
word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "dog": 4, "runs": 5}
rng = np.random.default_rng(231)
shapes = {"W_proj": (4, 5), "b_proj": (5,), "W_embed": (6, 3), "W_vocab": (5, 6), "b_vocab": (6,)}
params = {cell: {k: rng.standard_normal(shape) for k, shape in
                 {**shapes, "Wx": (3, m * 5), "Wh": (5, m * 5), "b": (m * 5,)}.items()}
          for cell, m in [("rnn", 1), ("lstm", 4)]}
for p in params.values():
    p["b_vocab"][:2] -= 10  # a trained model never predicts <NULL> or <START>
    p["b_vocab"][2] -= 2  # and <END> rarely: longer captions test the recurrence
    p["W_embed"] *= 3  # the previous word matters: the caption varies along the way
features = rng.standard_normal((3, 4))
expected = {{sample_expected}}
"""
ns = inputs(IN["SAMPLE"].replace("{{sample_expected}}", "None"))


def greedy(cell_type: str, p: dict, features, max_length: int = 6) -> list[list[int]]:
    P = {k: T(v) for k, v in p.items()}
    h = T(features) @ P["W_proj"] + P["b_proj"]
    c = torch.zeros_like(h)
    words = torch.full((features.shape[0],), 1)
    rows = []
    for _ in range(max_length):
        x = P["W_embed"][words]
        if cell_type == "rnn":
            h = torch.tanh(x @ P["Wx"] + h @ P["Wh"] + P["b"])
        else:
            h, c = lstm_step(x, h, c, P["Wx"], P["Wh"], P["b"])
        scores = h @ P["W_vocab"] + P["b_vocab"]
        top2 = scores.topk(2, dim=1).values
        assert torch.all(top2[:, 0] - top2[:, 1] > 1e-6), "a near-tie would make the check fragile"
        words = scores.argmax(dim=1)
        rows.append(words)
    return torch.stack(rows, dim=1).tolist()


E["sample_expected"] = repr(
    {c: greedy(c, ns["params"][c], ns["features"]) for c in ("rnn", "lstm")}
)
print("sample expected:", E["sample_expected"])


def model_loss(cell_type: str, feature_range: tuple[float, float]) -> float:
    """CS231n's fixed-parameter CaptioningRNN check, recomputed with torch."""
    N, D, W, H, V, Tn = 10, 20, 30, 40, 3, 13
    k = 4 if cell_type == "lstm" else 1

    def p(*shape):
        return torch.linspace(-1.4, 1.3, int(np.prod(shape)), dtype=torch.float64).reshape(shape)

    features = torch.linspace(*feature_range, N * D, dtype=torch.float64).reshape(N, D)
    captions = torch.arange(N * Tn).remainder(V).reshape(N, Tn)
    h0 = features @ p(D, H) + p(H)
    x = F.embedding(captions[:, :-1], p(V, W))
    seq = lstm_seq if cell_type == "lstm" else rnn_seq
    h = seq(x, h0, p(W, k * H), p(H, k * H), p(k * H))
    scores = h @ p(H, V) + p(V)
    target = captions[:, 1:]
    nll = F.cross_entropy(scores.reshape(-1, V), target.reshape(-1), reduction="none")
    return float((nll * (target.reshape(-1) != 0)).sum() / N)


for cell, rng_, published in (
    ("rnn", (-1.5, 0.3), 9.83235591003),
    ("lstm", (-0.5, 1.7), 9.82445935443),
):
    value = model_loss(cell, rng_)
    assert abs(value - published) < 1e-9, (cell, value, published)
    E[f"{cell}_model_loss"] = f"{published!r}"

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

build(md, code, test, answer, IN)


def nbgrader_meta(kind: str, meta: dict) -> dict:
    base = {
        "schema_version": 3,
        "grade_id": meta["grade_id"],
        "locked": True,
        "solution": False,
        "grade": False,
    }
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
    nb.cells.append(cell)
for cell in nb.cells:
    cell.id = cell.metadata["nbgrader"]["grade_id"].replace("_", "-")[:64]
ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
assert len(ids) == len(set(ids)), "duplicate grade_id"
nbformat.validate(nb)
# Written questions (tools/written_questions.py), inserted after their anchor cells.
sys.path.insert(0, str(ROOT / "tools"))
from written_questions import insert_written_questions  # noqa: E402

insert_written_questions(nb, OUT.stem)
nbformat.validate(nb)
nbformat.write(nb, OUT)
graded = [(m["grade_id"], m["points"]) for k, _, m in CELLS if m.get("grade") or k == "answer"]
print(f"wrote {OUT.relative_to(ROOT)}: {len(nb.cells)} cells, {sum(p for _, p in graded)} points")
for grade_id, points in graded:
    print(f"  {grade_id}: {points}")
