"""Mutants: realistic student bugs and correct alternatives, applied to module source text.

A mutant file ``grading/mutation/mutants/<module>/<name>.py`` has a module docstring whose
first line describes the change, ``KIND = "bug"`` or ``KIND = "alternative"``,
optional imports, and top-level functions that replace the functions of the
same name in ``<module>.py``. Private helpers (names starting with ``_``) that
the target module does not define are appended to it instead.

This module only manipulates source text with :mod:`ast`; it never imports
course code, so the grading pipeline can use it to build fake submissions.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["KINDS", "Mutant", "load_mutant", "load_mutants", "apply_mutant"]

# The collection `demo` and `mutate` use by default: package data (pyproject.toml).
BUNDLED_MUTANTS = Path(__file__).resolve().parent / "mutants"
KINDS = ("bug", "alternative")


@dataclass(frozen=True)
class Mutant:
    """One mutated implementation of some functions of a student module.

    ``functions`` maps each function name to its full source (decorators
    included); ``imports`` holds the mutant's own top-level import statements.
    """

    name: str
    module: str
    kind: str
    description: str
    functions: dict[str, str]
    imports: tuple[str, ...] = field(default=())

    @property
    def is_bug(self) -> bool:
        return self.kind == "bug"

    @property
    def id(self) -> str:
        """``<module>/<name>``, unique within a collection."""
        return f"{self.module}/{self.name}"


def _segment(source: str, lines: list[str], node: ast.stmt) -> str:
    """Source of a top-level statement, from its first decorator to its last line."""
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "".join(lines[start - 1 : node.end_lineno])


def load_mutant(path: str | Path) -> Mutant:
    """Read one mutant file; ``module`` is the name of the folder it sits in.

    Raises ValueError (naming the file) when the file does not follow the format.
    """
    path = Path(path)
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise ValueError(f"{path}: not valid Python: {exc}") from exc
    lines = source.splitlines(keepends=True)

    docstring = ast.get_docstring(tree)
    if not docstring or not docstring.strip():
        raise ValueError(f"{path}: a mutant needs a module docstring describing the change")
    description = docstring.strip().splitlines()[0].strip()

    kind: str | None = None
    functions: dict[str, str] = {}
    imports: list[str] = []
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(_segment(source, lines, node).rstrip("\n"))
        elif isinstance(node, ast.Assign) and [
            t.id for t in node.targets if isinstance(t, ast.Name)
        ] == ["KIND"]:
            if not (isinstance(node.value, ast.Constant) and node.value.value in KINDS):
                raise ValueError(f"{path}: KIND must be one of {KINDS}")
            kind = node.value.value
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name in functions:
                raise ValueError(f"{path}: function {node.name!r} is defined twice")
            functions[node.name] = _segment(source, lines, node).rstrip("\n") + "\n"
        else:
            raise ValueError(
                f"{path}, line {node.lineno}: only a docstring, imports, KIND and "
                "function definitions are allowed in a mutant"
            )
    if kind is None:
        raise ValueError(f'{path}: missing KIND = "bug" or KIND = "alternative"')
    if not functions:
        raise ValueError(f"{path}: a mutant must define at least one function")
    return Mutant(
        name=path.stem,
        module=path.parent.name,
        kind=kind,
        description=description,
        functions=functions,
        imports=tuple(imports),
    )


def load_mutants(root: str | Path) -> list[Mutant]:
    """Every mutant under ``root/<module>/*.py``, sorted by module then name."""
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root}: no such mutant directory")
    paths = sorted(p for p in root.glob("*/*.py") if not p.name.startswith("_"))
    return [load_mutant(p) for p in paths]


def _top_level_functions(tree: ast.Module) -> dict[str, ast.stmt]:
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _class_methods(tree: ast.Module) -> dict[str, list[tuple[str, ast.stmt]]]:
    """Method name -> the (class name, definition) pairs of the module's top-level classes."""
    methods: dict[str, list[tuple[str, ast.stmt]]] = {}
    for cls in tree.body:
        if isinstance(cls, ast.ClassDef):
            for node in cls.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    methods.setdefault(node.name, []).append((cls.name, node))
    return methods


def _pick_method(mutant: Mutant, name: str, candidates: list[tuple[str, ast.stmt]]) -> ast.stmt:
    """The one class method a mutant function replaces; ``Class.method`` in the description
    decides when several classes define ``name``."""
    if len(candidates) == 1:
        return candidates[0][1]
    named = re.match(r"\s*(\w+)\.(\w+)", mutant.description)
    for cls_name, node in candidates:
        if named and named.group(1) == cls_name:
            return node
    classes = ", ".join(c for c, _ in candidates)
    raise ValueError(
        f"mutant {mutant.id}: method {name!r} is defined in several classes ({classes}); "
        f"start the description with 'Class.{name}' to say which"
    )


def _import_insertion_line(tree: ast.Module) -> int:
    """0-based line index after the module docstring and any ``from __future__`` imports."""
    line = 0
    for i, node in enumerate(tree.body):
        is_doc = i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        is_future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if not (is_doc or is_future):
            break
        line = node.end_lineno
    return line


def apply_mutant(module_source: str, mutant: Mutant) -> str:
    """Return ``module_source`` with the mutant's functions swapped in.

    Each named top-level function is replaced by the mutant's definition
    (decorators included). A name that is no top-level function but a method
    of one of the module's classes (written at the top level of the mutant
    file, ``self`` kept) replaces that method, re-indented into the class;
    ``Class.method`` at the start of the description picks the class when
    several define it. The mutant's imports go near the top, after the module
    docstring and ``from __future__`` imports. Raises ValueError when a public
    function of the mutant is defined nowhere in the module.
    """
    tree = ast.parse(module_source)
    lines = module_source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    existing = _top_level_functions(tree)
    methods = _class_methods(tree)
    targets: dict[str, ast.stmt] = {}
    for name in mutant.functions:
        if name in existing:
            targets[name] = existing[name]
        elif name in methods:
            targets[name] = _pick_method(mutant, name, methods[name])
    missing = [n for n in mutant.functions if n not in targets and not n.startswith("_")]
    if missing:
        raise ValueError(
            f"mutant {mutant.id}: function(s) {', '.join(missing)} defined neither at the top "
            f"level nor as a method in module {mutant.module!r}"
        )

    # Replace from the bottom up so earlier line numbers stay valid.
    spans = []
    for name, node in targets.items():
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        new_source = textwrap.indent(mutant.functions[name], " " * node.col_offset)
        spans.append((start - 1, node.end_lineno, new_source))
    for start, end, new_source in sorted(spans, reverse=True):
        lines[start:end] = [new_source]

    helpers = [src for n, src in mutant.functions.items() if n not in targets]
    if helpers:
        lines.append("\n\n" + "\n\n".join(helpers))

    future = [s for s in mutant.imports if s.lstrip().startswith("from __future__")]
    others = [s for s in mutant.imports if s not in future]
    at = _import_insertion_line(tree)
    if future:
        # __future__ imports must follow the docstring directly.
        doc_end = tree.body[0].end_lineno if _has_docstring(tree) else 0
        lines[doc_end:doc_end] = ["\n".join(future) + "\n"]
        at += 1
    if others:
        lines[at:at] = ["".join(s + "\n" for s in others)]
    return "".join(lines)


def _has_docstring(tree: ast.Module) -> bool:
    return bool(
        tree.body
        and isinstance(tree.body[0], ast.Expr)
        and isinstance(tree.body[0].value, ast.Constant)
        and isinstance(tree.body[0].value.value, str)
    )
