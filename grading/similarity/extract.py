"""What a student wrote in one file of the assignment: the code the similarity check compares.

Modules: the release replaces every solution region with a stub
``raise NotImplementedError("<function> in <module>.py: not implemented yet")``,
so the student's code is in the functions that have a stub in the release;
their whole definitions are taken (the given signature, docstring and lines
around the stub are then excluded as boilerplate, see
:mod:`grading.similarity.fingerprints`), plus any top-level function or class
the student added. A module that does not parse is taken whole (noted).

Notebooks: the code cells that nbgrader marks as solution cells, plus code
cells without nbgrader metadata (cells the student added; given cells without
metadata are boilerplate too). Test cells, locked cells and markdown (the
written answers are prose, which a code tokenizer does not compare) are left out.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from grading.autograde.submissions import notebook_problem

MAX_CODE_CHARS = 1_000_000  # about 30 times the solution's written code
STUB = re.compile(r'raise NotImplementedError\("([\w.]+) in [\w.]+\.py: not implemented yet"\)')


class SkippedFile(Exception):
    """This student's file cannot be compared; the message says why (listed in skipped.csv)."""


@dataclass
class WrittenCode:
    """The student-written pieces of one file: (label, code), e.g. ("affine_forward", "def ...")."""

    pieces: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""

    @property
    def texts(self) -> list[str]:
        """Each piece with a comment line naming it (comments do not count in the comparison)."""
        return [f"# ---- {label}\n{code.rstrip()}\n" for label, code in self.pieces]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def stub_functions(release_module: str) -> list[str]:
    """Qualified names (``Class.method``) of the functions the release left for the student."""
    return list(dict.fromkeys(STUB.findall(release_module)))


def _definitions(tree: ast.Module) -> dict[str, ast.stmt]:
    """Qualified name -> definition, for every function and class (nested ones included)."""
    found: dict[str, ast.stmt] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.setdefault(prefix + child.name, child)
                visit(child, prefix + child.name + ".")

    visit(tree, "")
    return found


def _docstring_lines(node: ast.AST, lines: list[str]) -> set[int]:
    """0-based lines that hold only docstrings (of ``node`` and the definitions inside it)."""
    found: set[int] = set()
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if not (isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and body):
            continue
        first = body[0]
        if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str) and first.end_lineno is not None
                and not lines[first.lineno - 1][: first.col_offset].strip()
                and len(body) > 1 and body[1].lineno > first.end_lineno):
            found.update(range(first.lineno - 1, first.end_lineno))
    return found


def _segment(lines: list[str], node: ast.stmt) -> str:
    """The definition's source without its docstrings: the release gives them, and copydetect reduces a
    whole string to one token, so a shared fragment next to one would mark all of it on the pages."""
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    skip = _docstring_lines(node, lines)
    return "".join(line for number, line in enumerate(lines[start - 1 : node.end_lineno], start=start - 1)
                   if number not in skip)


def read_text(path: Path) -> str:
    """The file's text; SkippedFile when it is missing, unreadable or not UTF-8."""
    if not path.exists():
        raise SkippedFile(f"no {path.name} in the submission")
    if not path.is_file():
        raise SkippedFile(f"{path.name} is not a regular file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SkippedFile(f"{path.name} is not UTF-8 text (byte {error.start}); save it as UTF-8") from error
    except OSError as error:
        raise SkippedFile(f"{path.name} cannot be read ({error.strerror})") from error


def module_written_code(student_text: str, release_text: str, module: str) -> WrittenCode:
    """The student's versions of the release's stub functions, and the definitions they added."""
    try:
        tree = ast.parse(student_text)
    except SyntaxError as error:
        return WrittenCode([(f"{module} (whole file)", student_text)],
                           f"not valid Python (line {error.lineno}): the whole file is compared")
    try:
        release_names = set(_definitions(ast.parse(release_text)))
    except SyntaxError:
        release_names = set()
    definitions = _definitions(tree)
    lines = student_text.splitlines(keepends=True)
    wanted = stub_functions(release_text)
    wanted += [name for name in definitions if "." not in name and name not in release_names]
    pieces, missing = [], []
    covered: list[tuple[int, int]] = []
    for name in wanted:
        node = definitions.get(name)
        if node is None:
            missing.append(name)
            continue
        if any(first <= node.lineno <= last for first, last in covered):
            continue  # inside a piece already taken
        covered.append((node.lineno, node.end_lineno or node.lineno))
        pieces.append((name, textwrap.dedent(_segment(lines, node))))
    return WrittenCode(pieces, f"not found: {', '.join(missing)}" if missing else "")


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_code_cells(notebook_text: str, written_only: bool) -> list[tuple[int, str]]:
    """(cell number, source) of the code cells; ``written_only``: solution cells and added cells."""
    cells = []
    for number, cell in enumerate(json.loads(notebook_text).get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if written_only and not (nbgrader.get("solution") or not (nbgrader.get("grade") or nbgrader.get("locked"))):
            continue
        cells.append((number, _cell_source(cell)))
    return cells


def notebook_written_code(path: Path) -> WrittenCode:
    """The solution cells and added code cells of a student's notebook; SkippedFile if it is corrupt."""
    text = read_text(path)
    problem = notebook_problem(path)
    if problem:
        raise SkippedFile(f"{path.name}: {problem}")
    cells = notebook_code_cells(text, written_only=True)
    return WrittenCode([(f"cell {number}", source) for number, source in cells])


def written_code(student_dir: Path, release_dir: Path, file: str) -> WrittenCode:
    """What the student wrote in ``file`` (a module or notebook name of the release)."""
    path = student_dir / file
    if file.endswith(".ipynb"):
        code = notebook_written_code(path)
    else:
        code = module_written_code(read_text(path), (release_dir / file).read_text(encoding="utf-8"), file)
    size = sum(len(text) for text in code.texts)
    if size > MAX_CODE_CHARS:
        raise SkippedFile(f"{size:,} characters of written code in {file}, more than the {MAX_CODE_CHARS:,} "
                          "compared (the tokenizer would take minutes); look at it by hand")
    return code


def without_docstrings(source: str) -> str:
    """The module without the docstrings of its definitions (as the pieces are taken); unchanged if it
    does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines(keepends=True)
    skip = _docstring_lines(tree, lines)
    return "".join(line for number, line in enumerate(lines) if number not in skip)


def given_code(folder: Path, file: str) -> list[str]:
    """The code of ``file`` in a release (or allowed) folder, the boilerplate: a module as it is and
    without docstrings, a notebook's code cells; nothing if the folder has no such file."""
    path = folder / file
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    if file.endswith(".ipynb"):
        return [source for _, source in notebook_code_cells(text, written_only=False)]
    return [text, without_docstrings(text)]
