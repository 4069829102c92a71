"""Strip solution regions from student `.py` modules, as nbgrader does for notebook cells.

Each ``### BEGIN SOLUTION`` / ``### END SOLUTION`` region becomes one line,
indented like the BEGIN marker::

    raise NotImplementedError("<function> in <module>.py: not implemented yet")

Everything outside the regions (the CS231n-style ``# TODO:`` comments before
them included) is kept byte for byte. Only source text is handled here: the
module is parsed with :mod:`ast`, never imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from grading.errors import GradingError

__all__ = [
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "MarkerError",
    "SolutionRegion",
    "find_solution_regions",
    "strip_solutions",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"


class MarkerError(GradingError, ValueError):
    """The solution markers of a module are unbalanced or misplaced."""


@dataclass(frozen=True)
class SolutionRegion:
    """A solution region: 1-based line numbers of its two markers, inclusive."""

    begin_line: int
    end_line: int
    indent: str
    function: str


def _function_spans(tree: ast.Module) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, outer before inner."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def _enclosing_function(spans: list[tuple[int, int, str]], line: int) -> str | None:
    inside = [(first, name) for first, last, name in spans if first <= line <= last]
    # The innermost function starts last.
    return max(inside)[1] if inside else None


def find_solution_regions(source: str, module_file: str) -> list[SolutionRegion]:
    """The solution regions of a module, in order.

    Raises MarkerError naming the file and line when a marker is unmatched or
    nested, or when a region is not inside a function body (a module-level
    ``raise`` would break ``import`` for the student).
    """
    try:
        tree = ast.parse(source, filename=module_file)
    except SyntaxError as error:
        raise MarkerError(
            f"{module_file} line {error.lineno}: not valid Python ({error.msg}); "
            "fix the solution module before releasing"
        ) from error
    spans = _function_spans(tree)
    regions: list[SolutionRegion] = []
    open_line: int | None = None
    open_indent = ""
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN_SOLUTION):
            if open_line is not None:
                raise MarkerError(
                    f"{module_file} line {number}: '{BEGIN_SOLUTION}' inside the region opened "
                    f"on line {open_line}; close that region with '{END_SOLUTION}' first"
                )
            open_line, open_indent = number, line[: len(line) - len(line.lstrip())]
        elif stripped.startswith(END_SOLUTION):
            if open_line is None:
                raise MarkerError(
                    f"{module_file} line {number}: '{END_SOLUTION}' without a matching "
                    f"'{BEGIN_SOLUTION}' before it"
                )
            function = _enclosing_function(spans, open_line)
            if function is None:
                raise MarkerError(
                    f"{module_file} line {open_line}: solution region outside any function; "
                    "solution regions must sit inside a function body"
                )
            regions.append(SolutionRegion(open_line, number, open_indent, function))
            open_line = None
    if open_line is not None:
        raise MarkerError(
            f"{module_file} line {open_line}: '{BEGIN_SOLUTION}' is never closed; "
            f"add '{END_SOLUTION}' at the end of the solution"
        )
    return regions


def strip_solutions(
    source: str, module_file: str, keep_functions: Iterable[str] = ()
) -> str:
    """The student version of a module: every solution region replaced by a stub.

    Regions inside the functions named in ``keep_functions`` keep their code
    (only their marker lines are dropped): this is how a partly done
    submission is built. ``module_file`` is the file name used in messages
    and stubs, e.g. ``layers.py``.
    """
    keep = set(keep_functions)
    regions = find_solution_regions(source, module_file)
    unknown = keep - {region.function for region in regions}
    if unknown:
        raise MarkerError(
            f"{module_file}: no solution region in {', '.join(sorted(unknown))}; "
            "keep_functions must name functions that have one"
        )
    lines = source.splitlines(keepends=True)
    module_name = module_file.removesuffix(".py")
    out: list[str] = []
    position = 0  # 0-based index of the next line to copy
    for region in regions:
        out.extend(lines[position : region.begin_line - 1])
        if region.function in keep:
            out.extend(lines[region.begin_line : region.end_line - 1])
        else:
            marker_line = lines[region.begin_line - 1]
            newline = marker_line[len(marker_line.rstrip("\r\n")) :] or "\n"
            message = f"{region.function} in {module_name}.py: not implemented yet"
            out.append(f'{region.indent}raise NotImplementedError("{message}"){newline}')
        position = region.end_line
    out.extend(lines[position:])
    return "".join(out)
