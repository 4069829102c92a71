"""Independent implementations of a module, from the solution and the correct alternatives.

``tests/mutants/<module>/alt_*.py`` hold correct alternatives, each replacing
one or a few functions. Variant 0 is the solution; variant ``i`` applies, of
every group of alternatives that replace the same functions, the ``i``-th
one (where the group has that many). Two variants share the code of a
function only where that function has fewer alternatives: the sample class,
the tests and the benchmark use them as students who did not copy.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Sequence

from grading.mutants import Mutant, apply_mutant


def alternative_groups(mutants: Sequence[Mutant], module: str) -> list[list[Mutant]]:
    """The module's correct alternatives grouped by the functions they replace, sorted by name."""
    groups: dict[frozenset[str], list[Mutant]] = {}
    for mutant in sorted(mutants, key=lambda m: m.name):
        if mutant.kind == "alternative" and mutant.module == module:
            groups.setdefault(frozenset(mutant.functions), []).append(mutant)
    return list(groups.values())


def variant_count(mutants: Sequence[Mutant], module: str) -> int:
    """How many variants of the module differ in at least one function (the solution included)."""
    return 1 + max((len(group) for group in alternative_groups(mutants, module)), default=0)


def variant_source(solution_source: str, mutants: Sequence[Mutant], module: str, index: int) -> str:
    """Variant ``index`` of ``module``'s solution source; alternatives that do not fit are skipped."""
    source = solution_source
    if index == 0:
        return source
    for group in alternative_groups(mutants, module):
        if index <= len(group):
            try:
                source = apply_mutant(source, group[index - 1])
            except ValueError:
                continue
    return source


def _definition_texts(source: str) -> dict[str, str]:
    """Qualified name -> dedented source of every top-level function and method."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    texts: dict[str, str] = {}
    for node in tree.body:
        members = [(node.name + ".", child) for child in node.body] if isinstance(node, ast.ClassDef) else [("", node)]
        for prefix, child in members:
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                texts[prefix + child.name] = textwrap.dedent("".join(lines[start - 1 : child.end_lineno]))
    return texts


def independent_variants(solution_source: str, release_source: str, mutants: Sequence[Mutant],
                         module: str, count: int | None = None) -> list[str]:
    """``count`` (default: all) variants of the module in which the student wrote only the functions
    that every variant implements differently; the others keep the release's stub.

    No two of them share the code of any function they wrote: independent students.
    """
    count = count or variant_count(mutants, module)
    variants = [_definition_texts(variant_source(solution_source, mutants, module, i)) for i in range(count)]
    release = _definition_texts(release_source)
    stubs = [name for name in release if "NotImplementedError" in release[name]]
    differing = [name for name in stubs
                 if len({variant.get(name) for variant in variants}) == count]
    sources = []
    for variant in variants:
        source = release_source
        helpers = {name: text for name, text in variant.items() if name not in release and "." not in name}
        for name in differing:
            bare = name.rsplit(".", 1)[-1]
            fix = Mutant(name=f"variant_{bare}", module=module, kind="alternative",
                         description=f"{name} from a variant", functions={bare: variant[name]})
            source = apply_mutant(source, fix)
        if helpers and differing:
            source = apply_mutant(source, Mutant(name="helpers", module=module, kind="alternative",
                                                 description="helpers", functions=helpers))
        sources.append(source)
    return sources
