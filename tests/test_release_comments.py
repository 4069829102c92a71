"""The comments a student reads in the released modules make sense without the solution.

The release keeps every comment outside the solution regions byte for byte, so
a TODO written beside the solution ("the solution below computes ...") reaches
students, who have no solution below. These tests read the committed release
(`assignments/dl/*.py`, kept in sync with `solutions/` by test_release_in_sync).
"""

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

import starter

REPO = Path(__file__).resolve().parent.parent
RELEASE_MODULES = sorted((REPO / "assignments" / "dl").glob("*.py"))

# Words that only make sense where the solution is present.
SOLUTION_ONLY = re.compile(r"\b(solution|solutions|the code below|as below|reference implementation)\b", re.I)
# snake_case names with an underscore: functions, keys and variables a comment may point to.
SNAKE_NAME = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Names used as words in a comment, not as references to code ("shape (fan_in, fan_out)").
PROSE_NAMES = {"fan_out"}


def _comments(source: str) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]


def _names_in_release(source: str) -> set[str]:
    """Every name the released module itself defines, uses, or spells in a string."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[-1])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(SNAKE_NAME.findall(node.value))
    return names


def _starter_names() -> set[str]:
    names = set(dir(starter))
    for path in Path(starter.__file__).parent.glob("*.py"):
        names.add(path.stem)
        names |= _names_in_release(path.read_text())
    return names


def test_release_modules_exist():
    assert len(RELEASE_MODULES) == 8, [path.name for path in RELEASE_MODULES]


@pytest.mark.parametrize("module", RELEASE_MODULES, ids=lambda path: path.name)
def test_no_comment_refers_to_the_solution(module):
    leaks = [
        f"{module.name}:{line}: {text}"
        for line, text in _comments(module.read_text())
        if SOLUTION_ONLY.search(text)
    ]
    assert not leaks, "release comments that only make sense beside the solution:\n" + "\n".join(leaks)


@pytest.mark.parametrize("module", RELEASE_MODULES, ids=lambda path: path.name)
def test_every_name_a_comment_mentions_exists_for_the_student(module):
    """A TODO naming a helper, key or variable names one the student can see.

    The names a release comment mentions must occur in the released module
    itself (code, docstrings, strings) or in the starter package; a name that
    only the stripped solution defined fails here.
    """
    source = module.read_text()
    known = _names_in_release(source) | _starter_names() | set(dir(__import__("numpy"))) | PROSE_NAMES
    for path in RELEASE_MODULES:  # sibling modules a TODO may point to (e.g. layers from cnn)
        known |= {node.name for node in ast.walk(ast.parse(path.read_text()))
                  if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    unknown = [
        f"{module.name}:{line}: {name!r} in {text.strip()}"
        for line, text in _comments(source)
        for name in SNAKE_NAME.findall(text)
        if name not in known
    ]
    assert not unknown, "release comments name what the release does not contain:\n" + "\n".join(unknown)


def test_the_checks_can_fail():
    assert SOLUTION_ONLY.search("# the solution below computes x @ Wx at once")
    assert "hidden_helper" not in _names_in_release("def f(x):\n    return x\n")
    assert SNAKE_NAME.findall("# call hidden_helper first") == ["hidden_helper"]
