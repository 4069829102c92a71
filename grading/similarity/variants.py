"""Independent implementations of a module, from the solution and the correct alternatives.

``grading/mutation/mutants/<module>/alt_*.py`` hold correct alternatives, each replacing
one or a few functions. Variant 0 is the solution; variant ``i`` applies, of
every group of alternatives that replace the same functions, the ``i``-th
one (where the group has that many). Two variants share the code of a
function only where that function has fewer alternatives: the sample class,
the tests and the benchmark use them as students who did not copy.
"""

from __future__ import annotations

import ast
import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path

from grading.mutation.mutant_files import Mutant, apply_mutant
from grading.similarity.disguise import disguise_folder


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
    release = _definition_texts(release_source)
    stubs = [name for name in release if "NotImplementedError" in release[name]]
    count = count or variant_count(mutants, module)
    while True:  # fewer variants when no function has that many implementations
        variants = [_definition_texts(variant_source(solution_source, mutants, module, i)) for i in range(count)]
        differing = [name for name in stubs if len({variant.get(name) for variant in variants}) == count]
        if differing or count <= 2:
            break
        count -= 1
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


def build_variant_class(source_dir: Path, release_dir: Path, dest: Path, mutants: Sequence[Mutant],
                        seed: int = 18) -> dict[str, str]:
    """A class for the similarity check: ``untouched`` (the release), ``variant_<i>`` (independent
    implementations, see :func:`independent_variants`; notebooks as released) and ``copied``, a
    disguised copy of ``variant_1``. Returns student id -> what they are."""
    modules = sorted(path.name for path in source_dir.glob("*.py"))
    per_module = {module: independent_variants((source_dir / module).read_text(encoding="utf-8"),
                                               (release_dir / module).read_text(encoding="utf-8"),
                                               mutants, module.removesuffix(".py"))
                  for module in modules}
    students = {"untouched": "the release, nothing written"}
    shutil.copytree(release_dir, dest / "untouched")
    for index in range(max(len(sources) for sources in per_module.values())):
        folder = dest / f"variant_{index}"
        shutil.copytree(release_dir, folder)
        for module, sources in per_module.items():
            if index < len(sources):
                (folder / module).write_text(sources[index], encoding="utf-8")
        students[folder.name] = ("the solution" if index == 0 else f"alternative implementations no. {index}") + \
            " of the functions that have that many"
    disguise_folder(dest / "variant_1", dest / "copied", seed=seed)
    students["copied"] = "variant_1 with renamed variables, reordered functions and reworded comments"
    return students
