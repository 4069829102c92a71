"""The expected values written into the visible checks are PyTorch's, not the solution's.

Many visible checks compare a student's result with a literal (`correct_out = np.array(...)`,
`assert_close("loss ...", loss, 1.0611...)`). Those literals were computed with PyTorch in
float64 from the spec's definitions. This test recomputes every one of them from the check's
own inputs, read from the committed notebook: it runs the visible part of the check cell,
from its first line to the last one that holds or uses a literal, with the PyTorch versions of
the student API (``torch_reference.py``) in place of the student's modules, and an
``assert_close`` that compares each literal with PyTorch's value to 1e-9 (relative to the
largest entry). Editing an input of a check, or a literal, without the other fails here.

``REFERENCES`` maps each such check (notebook, grade_id) to what PyTorch computes for it;
``test_every_check_with_a_literal_has_a_reference`` keeps the map complete.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

pytestmark = pytest.mark.torch
pytest.importorskip("torch")
import torch_reference  # noqa: E402  (PyTorch versions of the student API, beside this file)

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "dl"
HIDDEN = "### BEGIN HIDDEN TESTS"
# Literals carry 12 or more significant digits; PyTorch agrees with them to about 1e-15.
REFERENCE_RTOL = 1e-9

REFERENCES: dict[str, dict[str, str]] = {
    "1_layers": {
        "affine_forward_test": "F.linear on the flattened input",
        "relu_test": "F.relu",
        "batchnorm_forward_test": "F.batch_norm (train) and the running averages of mean and biased variance",
        "conv_forward_test": "F.conv2d with stride and padding",
        "max_pool_forward_test": "F.max_pool2d",
        "softmax_loss_test": "F.cross_entropy and its autograd gradient",
        "svm_loss_test": "F.multi_margin_loss times the number of classes, autograd gradient",
        "binary_losses_test": "F.binary_cross_entropy_with_logits; mean(clamp(1 - s x, 0)); autograd gradients",
        "sgd_momentum_test": "torch.optim.SGD without and with momentum (velocity = -lr * momentum_buffer)",
        "rmsprop_test": "torch.optim.RMSprop (cache = square_avg)",
        "adam_test": "three steps of torch.optim.Adam (m, v = exp_avg, exp_avg_sq)",
    },
    "2_softmax_mlp": {
        "binary_classifier_loss_test": "scores and logistic / hinge losses of one affine layer or two with ReLU, L2",
        "fc_net_loss_test": "scores and softmax loss of affine-ReLU-affine-ReLU-affine, L2",
    },
    "3_cnn": {
        "convnet_loss_test": "conv2d - batch_norm - relu - max_pool2d twice, affine - relu - affine, cross-entropy, L2",
    },
    "4_captioning": {
        "rnn_step_forward_test": "tanh(x Wx + h Wh + b)",
        "rnn_forward_test": "the tanh step over the sequence",
        "word_embedding_test": "F.embedding",
        "temporal_affine_test": "F.linear on (N, T, D)",
        "temporal_softmax_loss_test": "masked F.cross_entropy summed over time, mean over the batch; autograd gradient",
        "lstm_step_forward_test": "the LSTM step with gates i, f, o, g",
        "lstm_forward_test": "the LSTM step over the sequence",
        "model_loss_test": "CaptioningRNN loss, rnn and lstm (equal to CS231n's published values)",
        "sample_test": "greedy decoding with the rnn and the lstm step",
    },
    "5_transfer_learning": {
        "global_avg_pool_test": "F.adaptive_avg_pool2d(x, 1)",
        "classifier_loss_test": "scores and cross-entropy of global average pool - affine, L2",
    },
    "6_style_transfer": {
        "content_loss_test": "content_weight * sum((F - P) ** 2)",
        "gram_matrix_test": "torch.mm of the flattened features, normalised and not",
        "style_loss_test": "sum of weight * squared distance of normalised Gram matrices",
        "tv_loss_test": "tv_weight * sum of squared torch.diff along H and W",
    },
}


# ------------------------------------------------------------------ reading a check
def _significant_digits(value: float) -> int:
    mantissa = repr(abs(value)).split("e")[0].replace(".", "")
    return len(mantissa.strip("0"))


def _is_literal_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, float) and _significant_digits(node.value) >= 8


def _is_caption_table(node: ast.AST) -> bool:
    """A literal dict of token-id lists of lists (the expected captions of a sampling check)."""
    if not isinstance(node, ast.Dict):
        return False
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return False
    return all(isinstance(rows, list) and rows and all(isinstance(r, list) for r in rows) for rows in value.values())


def _is_number_display(node: ast.AST) -> bool:
    """A number, or np.array of a (nested) list of numbers, written out in the source."""
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "np.array" and len(node.args) == 1:
        node = node.args[0]
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return False
    return isinstance(value, (int, float, list)) and not isinstance(value, bool) and np.asarray(value).dtype.kind in "if"


def _expected_argument(call: ast.Call) -> ast.AST | None:
    if len(call.args) > 2:
        return call.args[2]
    return next((k.value for k in call.keywords if k.arg == "expected"), None)


def _is_assert_close(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "assert_close"


def _holds_literal(node: ast.AST) -> bool:
    """A long float, a caption table, or a number written out as the expected value of assert_close."""
    if isinstance(node, ast.Assign) and _is_caption_table(node.value):
        return True
    return any(
        _is_literal_constant(n) or (_is_assert_close(n) and _is_number_display(_expected_argument(n)))
        for n in ast.walk(node)
    )


def _loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _stores(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _literal_names(statements: list[ast.stmt]) -> set[str]:
    """Names bound to a literal, directly or through other such names (loop targets included)."""
    names: set[str] = set()
    changed = True
    while changed:
        changed = False
        for node in (n for s in statements for n in ast.walk(s)):
            if isinstance(node, ast.Assign):
                source, targets = node.value, node.targets
            elif isinstance(node, (ast.For, ast.comprehension)):
                source, targets = node.iter, [node.target]
            else:
                continue
            if _holds_literal(source) or _is_caption_table(source) or _loads(source) & names:
                new = set().union(*(_stores(t) for t in targets)) - names
                if new:
                    names |= new
                    changed = True
    return names


class _FlagLiteralComparisons(ast.NodeTransformer):
    """assert_close(name, actual, expected, ...) gets `literal=True` when expected is a literal."""

    def __init__(self, literal_names: set[str]):
        self.literal_names = literal_names

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        if _is_assert_close(node):
            expected = _expected_argument(node)
            literal = (_holds_literal(expected) or _is_number_display(expected)
                       or bool(_loads(expected) & self.literal_names))
            node.keywords.append(ast.keyword(arg="literal", value=ast.Constant(literal)))
        return node


def check_program(source: str, label: str):
    """The visible part of a check cell, up to its last statement that holds or uses a literal,
    compiled with every assert_close call flagged; None if the cell has no literal."""
    visible = source.split(HIDDEN)[0]
    statements = ast.parse(visible).body
    literal_names = _literal_names(statements)
    last = max((i for i, s in enumerate(statements) if _holds_literal(s) or _loads(s) & literal_names), default=None)
    if last is None:
        return None
    module = _FlagLiteralComparisons(literal_names).visit(ast.Module(body=statements[: last + 1], type_ignores=[]))
    return compile(ast.fix_missing_locations(module), label, "exec")


class Comparisons:
    """The assert_close of the check: literals against PyTorch to REFERENCE_RTOL, the rest as the cell says."""

    def __init__(self):
        self.literals = 0

    def __call__(self, name, actual, expected, rtol=1e-7, literal=False):
        actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
        assert actual.shape == expected.shape, f"{name}: PyTorch gives shape {actual.shape}, the literal has {expected.shape}"
        error = np.abs(actual - expected)
        scale = np.max(np.abs(expected), initial=0.0) if literal else np.abs(expected)
        tolerance = (REFERENCE_RTOL if literal else rtol) * np.maximum(scale, 1e-300)
        if np.any(error > tolerance):
            worst = tuple(int(i) for i in np.unravel_index(np.argmax(error - tolerance), error.shape))
            what = "the literal" if literal else "the expected value"
            raise AssertionError(f"{name}: {what} is {float(expected[worst])!r} at index {worst}, "
                                 f"PyTorch gives {float(actual[worst])!r}")
        self.literals += literal


def check_against_pytorch(notebook_path: Path, grade_id: str) -> int:
    """Run the check `grade_id` of a notebook with PyTorch's API; the number of literals compared
    by assert_close (AssertionError when one differs from PyTorch's value)."""
    notebook = nbformat.read(notebook_path, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    program = check_program(cell.source, f"{notebook_path.stem}:{grade_id}")
    assert program is not None, f"{grade_id} of {notebook_path.name} has no literal any more: drop it from REFERENCES"
    from starter import rel_error
    from starter.seeding import seed_everything

    compare = Comparisons()
    namespace = {"np": np, "assert_close": compare, "rel_error": rel_error, "seed_everything": seed_everything}
    namespace |= {f.__name__: f for f in torch_reference.STAND_INS[notebook_path.stem]}
    exec(program, namespace)
    return compare.literals


def _checks_with_literals(notebook_path: Path) -> set[str]:
    notebook = nbformat.read(notebook_path, as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"] for c in notebook.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
        and check_program(c.source, "scan") is not None
    }


# ------------------------------------------------------------------ tests
@pytest.mark.parametrize("notebook", sorted(REFERENCES))
def test_every_check_with_a_literal_has_a_reference(notebook):
    assert _checks_with_literals(SOLUTIONS / f"{notebook}.ipynb") == set(REFERENCES[notebook])


@pytest.mark.parametrize(("notebook", "grade_id"),
                         [(nb, gid) for nb, checks in REFERENCES.items() for gid in checks])
def test_literal_is_what_pytorch_computes(notebook, grade_id):
    compared = check_against_pytorch(SOLUTIONS / f"{notebook}.ipynb", grade_id)
    # The sampling check compares its caption table with its own asserts, not assert_close.
    assert compared > 0 or grade_id == "sample_test"


def _edited_copy(tmp_path: Path, notebook: str, grade_id: str, edit) -> Path:
    nb = nbformat.read(SOLUTIONS / f"{notebook}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    edited = edit(cell.source)
    assert edited != cell.source
    cell.source = edited
    path = tmp_path / f"{notebook}.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_changed_literal_is_reported(tmp_path):
    """One digit of one literal (the 6th significant digit of the first entry) changed."""
    def change_first_literal(source):
        return re.sub(r"(correct_out = np\.array\(\[\[)(-?\d\.\d{4})(\d)",
                      lambda m: m[1] + m[2] + str((int(m[3]) + 1) % 10), source, count=1)

    path = _edited_copy(tmp_path, "1_layers", "affine_forward_test", change_first_literal)
    with pytest.raises(AssertionError, match="out of affine_forward: the literal"):
        check_against_pytorch(path, "affine_forward_test")


def _first_literal(node: ast.AST) -> ast.Constant:
    """The first number of the first literal in a check (a long float, a caption, an expected value)."""
    for n in ast.walk(node):
        if _is_literal_constant(n):
            return n
        if (isinstance(n, ast.Assign) and _is_caption_table(n.value)) or (
                _is_assert_close(n) and _is_number_display(_expected_argument(n))):
            part = n.value if isinstance(n, ast.Assign) else _expected_argument(n)
            return next(c for c in ast.walk(part) if isinstance(c, ast.Constant) and not isinstance(c.value, str))
    raise LookupError("no literal")


def _perturb_first_literal(source: str) -> str:
    visible = ast.parse(source.split(HIDDEN)[0])
    node = _first_literal(next(s for s in visible.body if _holds_literal(s)))
    value = node.value
    new = repr(value + 1) if isinstance(value, int) else repr(value * 1.0001 if value else 0.5)
    lines = source.splitlines(keepends=True)
    line = lines[node.lineno - 1]
    lines[node.lineno - 1] = line[: node.col_offset] + new + line[node.end_col_offset:]
    return "".join(lines)


@pytest.mark.parametrize(("notebook", "grade_id"),
                         [(nb, gid) for nb, checks in REFERENCES.items() for gid in checks])
def test_every_check_reports_its_first_literal_changed(tmp_path, notebook, grade_id):
    """So no check passes whatever its literal says (one relative change of 1e-4, or +1 on a token id)."""
    path = _edited_copy(tmp_path, notebook, grade_id, _perturb_first_literal)
    with pytest.raises(AssertionError):
        check_against_pytorch(path, grade_id)


def test_a_changed_input_is_reported(tmp_path):
    """An input changed, its expected value not: the loss literal no longer matches."""
    path = _edited_copy(tmp_path, "6_style_transfer", "tv_loss_test",
                        lambda s: s.replace("tv_weight = 0.3", "tv_weight = 0.31", 1))
    with pytest.raises(AssertionError, match="loss of tv_loss: the literal"):
        check_against_pytorch(path, "tv_loss_test")
