"""Every behaviour a hidden test grades has a visible check in the same cell.

Hidden tests vary shapes, seeds and edge cases; they must not be the first to
exercise a behaviour (batch norm's test mode, dropout's backward pass), or a
student passes every visible check and loses points without warning. For each
graded cell of every notebook (read from its twin), the hidden region must not
call a student function that no visible code before it calls, nor use a
``"mode"`` that its own visible part does not.
"""

import ast
import re
from pathlib import Path

import jupytext
import pytest

REPO = Path(__file__).resolve().parent.parent
TWINS = sorted((REPO / "solutions" / "dl_text").glob("*.md"))
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
# A mode set in a dict literal ({"mode": "test"}) or by assignment (param["mode"] = "test").
MODE = re.compile(r"""["']mode["']\s*(?::|\]\s*=)\s*["'](\w+)["']""")


def _student_api() -> set[str]:
    """The functions, classes and methods students write or are given in their modules."""
    names = set()
    for module in (REPO / "solutions" / "dl").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                names.add(node.name)
    return names


STUDENT_API = _student_api()


def _parts(source: str) -> tuple[str, str]:
    hidden = "\n".join(HIDDEN.findall(source))
    visible = HIDDEN.sub("\n", source)
    return visible, hidden


def _called(source: str) -> set[str]:
    """Student functions and methods called in some code (IPython magics dropped)."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in STUDENT_API:
                names.add(name)
    return names


def _mentioned(source: str) -> set[str]:
    return set(re.findall(r"\b\w+\b", source))


def hidden_only_behaviours(source: str, seen_before: set[str] = frozenset()) -> set[str]:
    """What the hidden region of a test cell exercises that no visible code does.

    A student function must be called visibly in this cell or in a locked cell
    before it (``seen_before``); a mode must be used visibly in this very cell.
    """
    visible, hidden = _parts(source)
    if not hidden:
        return set()
    seen = _mentioned(visible) | set(seen_before)
    missing = {f"call {name}()" for name in _called(hidden) if name not in seen}
    missing |= {f'mode "{mode}"' for mode in MODE.findall(hidden) if mode not in set(MODE.findall(visible))}
    return missing


def _graded_cells():
    for twin in TWINS:
        called_so_far: set[str] = set()
        for cell in jupytext.read(twin).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("solution"):
                continue
            if meta.get("grade"):
                yield pytest.param(cell.source, frozenset(called_so_far), id=f"{twin.stem}:{meta['grade_id']}")
            called_so_far |= _called(_parts(cell.source)[0])


@pytest.mark.parametrize(("source", "seen_before"), list(_graded_cells()))
def test_hidden_tests_grade_only_behaviours_checked_visibly(source, seen_before):
    missing = hidden_only_behaviours(source, seen_before)
    assert not missing, (
        "the hidden tests of this cell exercise what no visible check does "
        f"(add a visible check for each): {sorted(missing)}"
    )


def test_the_check_can_fail():
    cell = (
        'out, _ = batchnorm_forward(x, g, b, {"mode": "train"})\n'
        "### BEGIN HIDDEN TESTS\n"
        '_p["mode"] = "test"\n'
        '_o, _ = batchnorm_forward(_x, _g, _b, _p)\n'
        "_dx = dropout_backward(_d, _c)\n"
        "### END HIDDEN TESTS\n"
    )
    assert hidden_only_behaviours(cell) == {'mode "test"', "call dropout_backward()"}
    assert hidden_only_behaviours(cell, {"dropout_backward"}) == {'mode "test"'}
