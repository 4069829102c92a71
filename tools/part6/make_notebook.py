"""Generate ``solutions/dl/6_style_transfer.ipynb`` (run from the repository root).

The expected values of the visible checks are computed here, offline, with
PyTorch in float64 from the definitions of the spec (CS231n's losses),
independently of ``style_transfer.py``, and written into the notebook as
literals. Hidden tests compare with independent numpy references written in
the hidden region (einsum, explicit loops) and with numeric gradients of those
references. Run ``python tools/part6/make_notebook.py`` after editing a cell in
``tools/part6/cells.py``; the notebook is the committed artefact.

Cells that run style transfer carry ``"course": {"timeout": seconds}`` in their
metadata (the convention of part 2): nbclient has no per-cell timeout of its
own, only ``timeout`` for every cell or a ``timeout_func(cell)``, through which
the tests read this key.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "solutions" / "dl" / "6_style_transfer.ipynb"
torch.set_default_dtype(torch.float64)


def lit(a) -> str:
    """A numpy array (or scalar) as Python source with 14 significant digits."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return f"{float(a):.14g}"

    def rec(v, depth):
        if v.ndim == 1:
            return "[" + ", ".join(f"{float(e):.14g}" for e in v) + "]"
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


def gram(f, normalize=True):
    c = f.shape[0]
    flat = f.reshape(c, -1)
    g = torch.mm(flat, flat.t())
    return g / f.numel() if normalize else g


# ---------------------------------------------------------------- expected values
E: dict[str, str] = {}
IN: dict[str, str] = {}

IN["CONTENT"] = """\
content_weight = 0.06
content_current = np.linspace(-0.4, 0.6, num=2 * 3 * 4).reshape(2, 3, 4)
content_original = np.cos(np.linspace(0.0, 3.0, num=2 * 3 * 4)).reshape(2, 3, 4)
"""
ns = inputs(IN["CONTENT"])
E["content_loss"] = lit(
    ns["content_weight"] * ((T(ns["content_current"]) - T(ns["content_original"])) ** 2).sum()
)

IN["GRAM"] = """\
features = np.sin(np.linspace(0.0, 5.0, num=3 * 4 * 5)).reshape(3, 4, 5)
"""
ns = inputs(IN["GRAM"])
E["gram"] = lit(gram(T(ns["features"])))
E["gram_unnormalized"] = lit(gram(T(ns["features"]), normalize=False))

IN["STYLE"] = """\
# Features of the current image at two layers (here called 1 and 4) and the
# normalised Gram matrices of the style image at those layers (symmetric).
feats = {1: np.sin(np.linspace(0.0, 4.0, num=2 * 3 * 4)).reshape(2, 3, 4),
         4: np.linspace(-1.0, 1.0, num=3 * 2 * 2).reshape(3, 2, 2) ** 3}
m1 = np.linspace(-0.5, 0.7, num=2 * 3).reshape(2, 3)
m4 = np.cos(np.linspace(0.0, 2.0, num=3 * 5)).reshape(3, 5)
style_layers = [1, 4]
style_targets = [m1 @ m1.T / 6, m4 @ m4.T / 5]
style_weights = [2.0, 0.5]
"""
ns = inputs(IN["STYLE"])
E["style_loss"] = lit(
    sum(
        w * ((gram(T(ns["feats"][layer])) - T(t)) ** 2).sum()
        for layer, t, w in zip(ns["style_layers"], ns["style_targets"], ns["style_weights"], strict=True)
    )
)

IN["TV"] = """\
tv_weight = 0.3
img = np.sin(np.linspace(0.0, 9.0, num=3 * 4 * 5) ** 1.5).reshape(3, 4, 5)
"""
ns = inputs(IN["TV"])
x = T(ns["img"])
E["tv_loss"] = lit(
    ns["tv_weight"] * ((torch.diff(x, dim=1) ** 2).sum() + (torch.diff(x, dim=2) ** 2).sum())
)

for key, value in list(IN.items()):
    E[f"IN_{key}"] = value.rstrip("\n")

# ---------------------------------------------------------------- cells
CELLS: list[tuple[str, str, dict]] = []  # (cell_type, source, metadata)


def md(source: str, grade_id: str) -> None:
    CELLS.append(("markdown", source, {"grade_id": grade_id}))


def code(source: str, grade_id: str, timeout: int | None = None) -> None:
    CELLS.append(("code", source, {"grade_id": grade_id, "timeout": timeout}))


def test(source: str, grade_id: str, points: int, timeout: int | None = None) -> None:
    CELLS.append(("code", source, {"grade_id": grade_id, "points": points, "grade": True,
                                   "timeout": timeout}))


sys.path.insert(0, str(Path(__file__).parent))
from cells import build  # noqa: E402

build(md, code, test)


def nbgrader_meta(meta: dict) -> dict:
    base = {"schema_version": 3, "grade_id": meta["grade_id"], "locked": True,
            "solution": False, "grade": False}
    if meta.get("grade"):
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
    cell.metadata["nbgrader"] = nbgrader_meta(meta)
    if meta.get("timeout"):
        cell.metadata["course"] = {"timeout": meta["timeout"]}
    cell.id = meta["grade_id"].replace("_", "-")[:64]
    nb.cells.append(cell)
ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
assert len(ids) == len(set(ids)), "duplicate grade_id"
nbformat.validate(nb)
# Written questions (tools/written_questions.py), inserted after their anchor cells.
sys.path.insert(0, str(ROOT / "tools"))
from written_questions import insert_written_questions  # noqa: E402

insert_written_questions(nb, OUT.stem)
nbformat.validate(nb)
nbformat.write(nb, OUT)
graded = [(m["grade_id"], m["points"]) for _, _, m in CELLS if m.get("grade")]
print(f"wrote {OUT.relative_to(ROOT)}: {len(nb.cells)} cells, {sum(p for _, p in graded)} points")
for grade_id, points in graded:
    print(f"  {grade_id}: {points}")
