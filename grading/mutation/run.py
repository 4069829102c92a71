"""``python -m grading mutate``: how well the autograder tells wrong code from right code.

Every mutant (a realistic student bug or a correct alternative, see
:mod:`grading.mutation.mutant_files`) becomes a "student": the solution notebooks and modules
with that mutant applied to its module. Only the notebooks that can reach a
mutated function are handed in (found statically from the solutions: which
module functions, notebook names and graded cells refer to which, see
:class:`UsageMap`). Each part (student module) is graded in one run of the
normal pipeline, :func:`grading.autograde.run.autograde` (real nbgrader, gradebook
and sandbox), together with one unmutated ``solution`` student: its scores are
the baseline. A bug is *caught* when some notebook scores below the baseline (or
could not be graded); an alternative must score the baseline everywhere.

The report (``OUT/mutation_report.md`` and ``.json``, rewritten after every
part) gives per part: bugs caught, alternatives at full credit, the credit each
bug keeps, the graded cells that should have caught each surviving bug, and
the failing cells (with their error line) of every alternative that loses points.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import random
import re
import shlex
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grading.layout import ASSIGNMENT_ID, IGNORED_NAMES, CoursePaths, module_files, notebook_ids
from grading.mutation.mutant_files import BUNDLED_MUTANTS, Mutant, apply_mutant, load_mutant

__all__ = [
    "MutateError", "UsageMap", "MutantResult", "PartSummary", "select_mutants", "mutated_symbols",
    "summarise", "render_markdown", "run_mutate", "register",
]

BASELINE = "solution"
REPORT_MD = "mutation_report.md"
REPORT_JSON = "mutation_report.json"
EPS = 1e-9


class MutateError(ValueError):
    """The mutants or the options cannot be used; the message says what to fix."""


# ---------------------------------------------------------------- static usage map

Symbol = tuple[str, str, str]  # ("mod", module, name) or ("nb", notebook, name)


def _strip_magics(source: str) -> str:
    """Cell source with IPython magics and shell lines blanked (line numbers kept)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _names_in(node: ast.AST) -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """Names read, ``value.attr`` pairs of bare values, and string constants in ``node``."""
    names: set[str] = set()
    attrs: set[tuple[str, str]] = set()
    strings: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
            attrs.add((sub.value.id, sub.attr))
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.isidentifier():
            strings.add(sub.value)
    return names, attrs, strings


def _bound_names(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds (defs, classes, assignment/for/with targets)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    bound: set[str] = set()
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                bound.add(sub.id)
    # Names assigned anywhere inside compound statements (loops, ifs, try) at notebook level.
    if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                bound.add(sub.id)
            elif isinstance(sub, (ast.FunctionDef, ast.ClassDef)):
                bound.add(sub.name)
    return bound


@dataclass
class _Scope:
    """Top-level names of a module or notebook and what each refers to."""

    defined: set[str] = field(default_factory=set)
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (module, name)
    module_aliases: dict[str, str] = field(default_factory=dict)  # local -> module


def _read_imports(tree: ast.Module, modules: set[str], scope: _Scope) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in modules and node.level == 0:
            for alias in node.names:
                scope.imported[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    scope.module_aliases[alias.asname or alias.name] = alias.name


class UsageMap:
    """Which module functions, notebook names and graded cells can reach which student function.

    Built from source text only: a module's top-level function or class refers
    to the names used in its body (its own module's top-level names, names it
    imports from other student modules, ``module.name`` attributes, and string
    constants naming a function, for ``getattr``). Notebook cells are read in
    order: a notebook name stands for what the latest statement binding it used,
    so a graded cell that checks ``solver`` reaches ``adam`` through the training
    cell that built it, while ``out`` rebound by later cells does not drag every
    earlier function along. Module level statements count for every name of
    their module. Within that, the analysis is conservative: anything named may be called.
    """

    def __init__(self, source_dir: Path) -> None:
        self.source_dir = source_dir
        self.modules = [name[:-3] for name in module_files(source_dir)]
        self.notebooks = notebook_ids(source_dir)
        self.module_trees: dict[str, ast.Module] = {}
        for module in self.modules:
            path = source_dir / f"{module}.py"
            self.module_trees[module] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.refs: dict[Symbol, set[Symbol]] = defaultdict(set)
        # notebook -> [(grade_id, points, references through notebook names, direct references)]
        self.graded_cells: dict[str, list[tuple[str, float, set[Symbol], set[Symbol]]]] = {}
        # notebook -> references of every code cell (whether the notebook reaches a symbol)
        self.notebook_refs: dict[str, set[Symbol]] = {}
        module_set = set(self.modules)
        for module, tree in self.module_trees.items():
            self._add_module(module, tree, module_set)
        for notebook in self.notebooks:
            self._add_notebook(notebook, module_set)

    # -- building

    @staticmethod
    def _resolve(scope: _Scope, own: tuple[str, str], names: set[str], attrs: set[tuple[str, str]],
                 strings: set[str], everything: dict[str, set[str]]) -> set[Symbol]:
        kind, where = own
        out: set[Symbol] = set()
        for name in names:
            if name in scope.defined:
                out.add((kind, where, name))
            if name in scope.imported:
                out.add(("mod", *scope.imported[name]))
        for value, attr in attrs:
            if value in scope.module_aliases:
                out.add(("mod", scope.module_aliases[value], attr))
        for text in strings:  # getattr(optim, "adam"), update_rule names
            for module, defined in everything.items():
                if text in defined:
                    out.add(("mod", module, text))
        return out

    def _module_names(self) -> dict[str, set[str]]:
        return {
            module: {n.name for n in tree.body
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
            for module, tree in self.module_trees.items()
        }

    def _add_module(self, module: str, tree: ast.Module, module_set: set[str]) -> None:
        scope = _Scope()
        for node in tree.body:
            scope.defined |= _bound_names(node)
        _read_imports(tree, module_set, scope)
        everything = self._module_names()
        level_refs: set[Symbol] = set()
        symbols: list[Symbol] = []
        for node in tree.body:
            refs = self._resolve(scope, ("mod", module), *_names_in(node), everything)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                symbol = ("mod", module, node.name)
                symbols.append(symbol)
                self.refs[symbol] |= refs - {symbol}
            elif not isinstance(node, (ast.Import, ast.ImportFrom)):
                for name in _bound_names(node):
                    self.refs[("mod", module, name)] |= refs
                level_refs |= refs
        for symbol in symbols:
            self.refs[symbol] |= level_refs - {symbol}

    def _add_notebook(self, notebook: str, module_set: set[str]) -> None:
        """Cells in order; a notebook name stands for the module symbols its latest binding used."""
        nb = nbformat.read(self.source_dir / f"{notebook}.ipynb", as_version=4)
        scope = _Scope()  # imports only: notebook names are followed in order below
        everything = self._module_names()
        current: dict[str, set[Symbol]] = {}
        cells: list[tuple[str, float, set[Symbol], set[Symbol]]] = []
        all_refs: set[Symbol] = set()
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(_strip_magics(cell.source))
            except SyntaxError:
                continue
            _read_imports(tree, module_set, scope)
            cell_refs: set[Symbol] = set()
            direct: set[Symbol] = set()
            for node in tree.body:
                names, attrs, strings = _names_in(node)
                refs = self._resolve(scope, ("nb", notebook), names, attrs, strings, everything)
                direct |= refs
                for name in names:
                    refs |= current.get(name, set())
                for name in _bound_names(node):
                    current[name] = set(refs)
                cell_refs |= refs
            all_refs |= cell_refs
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                cells.append((meta.get("grade_id", ""), float(meta.get("points", 0)), cell_refs, direct))
        self.graded_cells[notebook] = cells
        self.notebook_refs[notebook] = all_refs

    # -- queries

    def reaching(self, targets: Iterable[Symbol]) -> set[Symbol]:
        """Every symbol that refers, directly or through others, to one of ``targets`` (included)."""
        reverse: dict[Symbol, set[Symbol]] = defaultdict(set)
        for symbol, refs in self.refs.items():
            for ref in refs:
                reverse[ref].add(symbol)
        seen = set(targets)
        todo = list(seen)
        while todo:
            for user in reverse.get(todo.pop(), ()):
                if user not in seen:
                    seen.add(user)
                    todo.append(user)
        return seen

    def notebooks_using(self, targets: Iterable[Symbol]) -> list[str]:
        """Notebooks whose code cells can reach one of ``targets``, in course order."""
        reach = self.reaching(targets)
        return [nb for nb in self.notebooks if self.notebook_refs[nb] & reach]

    def cells_using(self, targets: Iterable[Symbol], notebooks: Iterable[str] | None = None,
                    direct: bool = False) -> list[tuple[str, str]]:
        """(notebook, grade_id) of the graded cells that can reach one of ``targets``.

        ``direct``: only cells that call a function reaching the targets themselves, not
        through a notebook variable an earlier cell computed.
        """
        reach = self.reaching(targets)
        wanted = self.notebooks if notebooks is None else list(notebooks)
        return [(nb, grade_id) for nb in wanted for grade_id, _, refs, own in self.graded_cells[nb]
                if (own if direct else refs) & reach]

    def cells_to_catch(self, targets: Iterable[Symbol], notebooks: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """The graded cells that exercise ``targets`` themselves, else every cell that can reach them."""
        targets = set(targets)
        return self.cells_using(targets, notebooks, direct=True) or self.cells_using(targets, notebooks)


def mutated_symbols(mutant: Mutant, module_source: str) -> set[Symbol]:
    """The module symbols a mutant changes: its functions, or the classes of the methods it replaces.

    Private helpers the module does not define are not symbols of their own (only the
    mutant's functions call them).
    """
    tree = ast.parse(module_source)
    top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    owners: dict[str, list[str]] = defaultdict(list)
    for cls in tree.body:
        if isinstance(cls, ast.ClassDef):
            for node in cls.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    owners[node.name].append(cls.name)
    named = re.match(r"\s*(\w+)\.(\w+)", mutant.description)
    symbols: set[Symbol] = set()
    for name in mutant.functions:
        if name in top:
            symbols.add(("mod", mutant.module, name))
        elif name in owners:
            classes = owners[name]
            if len(classes) > 1 and named and named.group(1) in classes:
                classes = [named.group(1)]
            symbols |= {("mod", mutant.module, cls) for cls in classes}
    return symbols


# ---------------------------------------------------------------- choosing and checking mutants

def _check(mutant: Mutant, source_dir: Path, modules: list[str], origin: str) -> str:
    """The mutated module source, or MutateError saying why the mutant cannot be used."""
    if mutant.module not in modules:
        raise MutateError(
            f"{origin}: module {mutant.module!r} is not a student module; put the file in a folder "
            f"named after the module or pass --module, one of: {', '.join(modules)}"
        )
    source = (source_dir / f"{mutant.module}.py").read_text(encoding="utf-8")
    try:
        mutated = apply_mutant(source, mutant)
    except ValueError as error:
        raise MutateError(f"{origin}: {error}; a mutant replaces functions that {mutant.module}.py defines") from error
    except SyntaxError as error:
        raise MutateError(f"{origin}: {mutant.module}.py does not parse: {error}") from error
    try:
        ast.parse(mutated)
    except SyntaxError as error:
        raise MutateError(f"{origin}: {mutant.module}.py with the mutant applied is not valid Python: {error}") from error
    return mutated


def _sample(chosen: list[tuple[Mutant, str]], size: int, seed: int) -> list[tuple[Mutant, str]]:
    """A seeded sample spread over the modules (round robin over each module's shuffled
    mutants), with an alternative in it when there is one and ``size`` >= 2."""
    rng = random.Random(seed)
    by_module: dict[str, list[tuple[Mutant, str]]] = defaultdict(list)
    for item in chosen:
        by_module[item[0].module].append(item)
    queues = [rng.sample(items, len(items)) for _, items in sorted(by_module.items())]
    picked: list[tuple[Mutant, str]] = []
    while len(picked) < size:
        for queue in queues:
            if queue and len(picked) < size:
                picked.append(queue.pop(0))
    if size >= 2 and all(m.is_bug for m, _ in picked):
        alternative = next((c for queue in queues for c in queue if not c[0].is_bug), None)
        if alternative is not None:
            last_of_module = max(i for i, (m, _) in enumerate(picked) if m.module == alternative[0].module)
            picked[last_of_module] = alternative
    return sorted(picked, key=lambda c: c[0].id)


def select_mutants(
    source_dir: Path, mutants_dir: Path | None, mutant_files: Sequence[Path], modules: Sequence[str],
    sample: int | None = None, seed: int = 0, keep: Callable[[Mutant], bool] | None = None,
) -> list[tuple[Mutant, str]]:
    """The mutants to run with their mutated module sources.

    ``mutant_files`` (an instructor's own files) take the module from ``modules`` when one is
    given, else from their folder name; otherwise every mutant of ``mutants_dir``, restricted
    to ``modules`` when given. Every one is checked (MutateError on a malformed mutant);
    then only those ``keep`` accepts remain, and ``sample`` keeps a seeded random subset of
    them (at least one alternative when there is one).
    """
    known = [name[:-3] for name in module_files(source_dir)]
    unknown = sorted(set(modules) - set(known))
    if unknown:
        raise MutateError(f"unknown module {', '.join(unknown)}; --module takes one of: {', '.join(known)}")
    chosen: list[tuple[Mutant, str]] = []
    if mutant_files:
        if len(modules) > 1:
            raise MutateError("--mutant files take at most one --module (the module they mutate)")
        for path in mutant_files:
            if not path.is_file():
                raise MutateError(f"{path}: no such mutant file")
            try:
                mutant = load_mutant(path)
            except ValueError as error:
                raise MutateError(str(error)) from error
            if modules:
                mutant = dataclasses.replace(mutant, module=modules[0])
            chosen.append((mutant, str(path)))
    else:
        directory = mutants_dir
        if directory is None or not directory.is_dir():
            raise MutateError(f"{directory}: no mutant directory; pass --mutants-dir DIR or --mutant FILE")
        for module_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
            if modules and module_dir.name not in modules:
                continue
            for path in sorted(module_dir.glob("*.py")):
                if path.name.startswith("_"):
                    continue
                try:
                    chosen.append((load_mutant(path), str(path)))
                except ValueError as error:
                    raise MutateError(str(error)) from error
    seen: dict[str, str] = {}
    for mutant, origin in chosen:
        if mutant.id in seen:
            raise MutateError(f"{origin} and {seen[mutant.id]} are both mutant {mutant.id}; rename one")
        seen[mutant.id] = origin
    if not chosen:
        raise MutateError("no mutants selected (check --mutants-dir and --module)")
    checked = {mutant.id: _check(mutant, source_dir, known, origin) for mutant, origin in chosen}
    if keep is not None:
        chosen = [(mutant, origin) for mutant, origin in chosen if keep(mutant)]
        if not chosen:
            raise MutateError("none of the selected mutants reaches the selected notebooks")
    if sample is not None and sample < len(chosen):
        chosen = _sample(chosen, sample, seed)
    return [(mutant, checked[mutant.id]) for mutant, _ in chosen]


# ---------------------------------------------------------------- results

@dataclass
class MutantResult:
    id: str
    module: str
    kind: str
    description: str
    student: str
    notebooks: list[str]
    score: float = 0.0  # over the notebooks it was graded on
    max_score: float = 0.0
    baseline: float = 0.0
    statuses: dict[str, str] = field(default_factory=dict)  # notebook -> graded/failed/timeout...
    lost: dict[str, float] = field(default_factory=dict)  # "notebook/grade_id" -> points below baseline
    errors: dict[str, str] = field(default_factory=dict)  # "notebook/grade_id" -> error line
    should_catch: list[str] = field(default_factory=list)  # "notebook/grade_id" reaching the mutant

    @property
    def below_baseline(self) -> bool:
        return self.score < self.baseline - EPS or any(s != "graded" for s in self.statuses.values())

    @property
    def verdict(self) -> str:
        if not self.notebooks:
            return "not graded"
        if self.kind == "bug":
            return "caught" if self.below_baseline else "SURVIVED"
        return "REJECTED" if self.below_baseline else "full credit"


@dataclass
class PartSummary:
    module: str
    bugs: int = 0
    caught: int = 0
    alternatives: int = 0
    full_credit: int = 0
    kept: list[float] = field(default_factory=list)  # fraction of points each bug keeps
    seconds: float = 0.0
    not_graded: int = 0  # mutants no graded notebook reaches (or none of those selected)

    @property
    def caught_fraction(self) -> float | None:
        return self.caught / self.bugs if self.bugs else None


def _student_id(mutant: Mutant) -> str:
    return re.sub(r"[^A-Za-z0-9_.@-]", "-", f"m.{mutant.module}.{mutant.name}")


def _error_lines(autograded: Path) -> dict[str, str]:
    """grade_id -> the first line of the error a graded cell raised, from an autograded notebook."""
    if not autograded.is_file():
        return {}
    notebook = nbformat.read(autograded, as_version=4)
    errors = {}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []):
            if grade_id and output.get("output_type") == "error":
                value = str(output.get("evalue", "")).strip().splitlines()
                errors[grade_id] = (f"{output.get('ename', 'Error')}: {value[0] if value else ''}")[:300]
                break
    return errors


def _grades(grades_csv: Path) -> dict[tuple[str, str], dict[str, tuple[float, float, str]]]:
    """(student, notebook) -> grade_id -> (score, max_score, kind)."""
    import csv

    table: dict[tuple[str, str], dict[str, tuple[float, float, str]]] = defaultdict(dict)
    with open(grades_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            table[(row["student_id"], row["notebook"])][row["grade_id"]] = (
                float(row["score"] or 0), float(row["max_score"] or 0), row["kind"])
    return table


def summarise(results: Sequence[MutantResult], seconds: dict[str, float] | None = None) -> dict[str, PartSummary]:
    parts: dict[str, PartSummary] = {}
    for result in results:
        part = parts.setdefault(result.module, PartSummary(result.module))
        if not result.notebooks:
            part.not_graded += 1
            continue
        if result.kind == "bug":
            part.bugs += 1
            part.caught += result.below_baseline
            part.kept.append(result.score / result.max_score if result.max_score else 0.0)
        else:
            part.alternatives += 1
            part.full_credit += not result.below_baseline
    for module, value in (seconds or {}).items():
        if module in parts:
            parts[module].seconds = value
    return parts


def thresholds_met(parts: dict[str, PartSummary], min_caught: float | None, require_alternatives: bool) -> list[str]:
    """Why the thresholds are not met (empty when they are)."""
    problems = []
    for part in parts.values():
        if min_caught is not None and part.bugs and (part.caught_fraction or 0.0) < min_caught - EPS:
            problems.append(f"{part.module}: {part.caught}/{part.bugs} bugs caught "
                            f"({part.caught_fraction:.0%} < {min_caught:.0%})")
        if require_alternatives and part.full_credit < part.alternatives:
            problems.append(f"{part.module}: {part.alternatives - part.full_credit} of "
                            f"{part.alternatives} correct alternatives lose points")
    return problems


def _fmt_fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def summary_table(parts: dict[str, PartSummary]) -> list[str]:
    lines = ["| part (module) | bugs caught | alternatives at full credit | credit kept by bugs "
             "(mean / min / max) | bugs scoring 0 | run time |",
             "|---|---|---|---|---|---|"]
    for part in parts.values():
        kept = (f"{sum(part.kept) / len(part.kept):.0%} / {min(part.kept):.0%} / {max(part.kept):.0%}"
                if part.kept else "-")
        zero = sum(1 for k in part.kept if k <= EPS)
        lines.append(
            f"| {part.module} | {part.caught}/{part.bugs} ({_fmt_fraction(part.caught_fraction)}) | "
            f"{part.full_credit}/{part.alternatives} | {kept} | {zero} | {part.seconds:.0f} s |")
    return lines


def render_markdown(results: Sequence[MutantResult], parts: dict[str, PartSummary], meta: dict) -> str:
    lines = ["# Mutation analysis of the autograder", "",
             f"`{meta.get('command', 'python -m grading mutate')}`", "",
             f"{meta.get('finished', '')} on {meta.get('host', 'this machine')}; "
             f"{meta.get('workers', '?')} worker(s), cell limit {meta.get('cell_timeout', '?')} s; "
             f"total {meta.get('seconds', 0):.0f} s wall time. {meta.get('note', '')}".rstrip(), "",
             "A bug is *caught* when a notebook it reaches scores below the unmutated solution "
             "(or cannot be graded); an alternative must score what the solution scores. "
             "*Credit kept* is the buggy submission's points over the maximum of the notebooks it reaches.", ""]
    lines += summary_table(parts)
    if meta.get("only_notebooks"):
        lines += ["", f"Only these notebooks were graded: {', '.join(meta['only_notebooks'])}."]
    if any(part.not_graded for part in parts.values()):
        lines += ["", "Not graded (no graded notebook reaches them): " + ", ".join(
            r.id for r in results if not r.notebooks) + "."]
    if meta.get("not_run"):
        lines += ["", f"Parts not run: {', '.join(meta['not_run'])}."]
    lines += ["", "## Every mutant", "",
              "| mutant | kind | verdict | notebooks | score / baseline (max) | cells losing points |",
              "|---|---|---|---|---|---|"]
    for r in results:
        cells = ", ".join(f"{c} (-{p:g})" for c, p in r.lost.items()) or "-"
        status = "; ".join(f"{nb}: {s}" for nb, s in r.statuses.items() if s != "graded")
        lines.append(f"| {r.id} | {r.kind} | {r.verdict} | {', '.join(r.notebooks)} | "
                     f"{r.score:g} / {r.baseline:g} ({r.max_score:g}){' ' + status if status else ''} | {cells} |")
    survivors = [r for r in results if r.kind == "bug" and not r.below_baseline]
    lines += ["", "## Surviving bugs and the graded cells that should catch them", ""]
    if not survivors:
        lines.append("None.")
    for r in survivors:
        lines.append(f"- **{r.id}** ({r.description}): "
                     f"{', '.join(r.should_catch) or 'no graded cell reaches the mutated function'}")
    rejected = [r for r in results if r.kind == "alternative" and r.below_baseline]
    lines += ["", "## Correct alternatives that lose points", ""]
    if not rejected:
        lines.append("None.")
    for r in rejected:
        lines.append(f"- **{r.id}** ({r.description}):")
        for notebook, status in r.statuses.items():
            if status != "graded":
                lines.append(f"  - {notebook}: {status}")
        for cell, points in r.lost.items():
            lines.append(f"  - {cell} (-{points:g}): {r.errors.get(cell, 'no error output')}")
    return "\n".join(lines) + "\n"


def rerender(out: Path) -> str:
    """``OUT/mutation_report.md`` written again from ``OUT/mutation_report.json`` (e.g. after the
    report's layout changed); returns the page."""
    data = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(MutantResult)}
    results = [MutantResult(**{k: v for k, v in item.items() if k in names}) for item in data["mutants"]]
    seconds = {module: part.get("seconds", 0.0) for module, part in data["parts"].items()}
    page = render_markdown(results, summarise(results, seconds), data["meta"])
    (out / REPORT_MD).write_text(page, encoding="utf-8")
    return page


# ---------------------------------------------------------------- running

def _write_student(source_dir: Path, dest: Path, notebooks: Sequence[str], mutant: Mutant | None,
                   mutated: str | None) -> None:
    shutil.copytree(source_dir, dest, ignore=IGNORED_NAMES)
    for path in dest.glob("*.ipynb"):
        if path.stem not in notebooks:
            path.unlink()
    if mutant is not None and mutated is not None:
        (dest / f"{mutant.module}.py").write_text(mutated, encoding="utf-8")


def _grade_part(
    module: str, items: list[tuple[Mutant, str]], usage: UsageMap, course: CoursePaths, out: Path,
    settings, echo: Callable[[str], None], only: Sequence[str] | None = None,
) -> list[MutantResult]:
    from grading.autograde.run import autograde

    plans: list[tuple[Mutant, str, list[str], set[Symbol]]] = []
    module_source = (course.source_dir / f"{module}.py").read_text(encoding="utf-8")
    for mutant, mutated in items:
        symbols = mutated_symbols(mutant, module_source)
        reached = usage.notebooks_using(symbols)
        plans.append((mutant, mutated, [nb for nb in reached if not only or nb in only], symbols))
    needed = sorted({nb for _, _, notebooks, _ in plans for nb in notebooks})
    results = [MutantResult(m.id, m.module, m.kind, m.description, _student_id(m), notebooks)
               for m, _, notebooks, _ in plans]
    if not needed:
        echo(f"{module}: no graded notebook reaches the mutated functions; nothing to grade")
        return results
    submissions = out / "submissions" / module
    run_dir = out / "runs" / module
    for folder in (submissions, run_dir):
        if folder.exists():
            shutil.rmtree(folder)
    submissions.mkdir(parents=True)
    _write_student(course.source_dir, submissions / BASELINE, needed, None, None)
    for (mutant, mutated, notebooks, _), result in zip(plans, results, strict=True):
        if notebooks:
            _write_student(course.source_dir, submissions / result.student, notebooks, mutant, mutated)
    part_settings = dataclasses.replace(settings, notebooks=needed)
    summary = autograde(submissions, run_dir, course, part_settings, echo=lambda line: echo(f"  {line}"))
    grades = _grades(run_dir / "grades.csv")
    for (_, _, notebooks, symbols), result in zip(plans, results, strict=True):
        result.should_catch = [f"{nb}/{cell}" for nb, cell in usage.cells_to_catch(symbols, notebooks)]
        outcome = summary.outcomes.get(result.student)
        for notebook in notebooks:
            base = grades.get((BASELINE, notebook), {})
            mine = grades.get((result.student, notebook), {})
            auto = {cell: v for cell, v in base.items() if v[2] == "auto"}
            result.baseline += sum(v[0] for v in auto.values())
            result.max_score += sum(v[1] for v in auto.values())
            result.score += sum(mine.get(cell, (0.0, 0.0, "auto"))[0] for cell in auto)
            nb_outcome = outcome.notebooks.get(notebook) if outcome else None
            result.statuses[notebook] = nb_outcome.status if nb_outcome else "failed"
            if nb_outcome and nb_outcome.status != "graded" and nb_outcome.reason:
                result.statuses[notebook] += f" ({nb_outcome.reason[:200]})"
            errors = _error_lines(run_dir / "autograded" / result.student / ASSIGNMENT_ID / f"{notebook}.ipynb")
            for cell, (points, _, _) in auto.items():
                got = mine.get(cell, (0.0, 0.0, "auto"))[0]
                if got < points - EPS:
                    key = f"{notebook}/{cell}"
                    result.lost[key] = round(points - got, 6)
                    if cell in errors:
                        result.errors[key] = errors[cell]
        result.statuses = {nb: ("graded" if s == "graded" else s) for nb, s in result.statuses.items()}
    baseline_outcome = summary.outcomes.get(BASELINE)
    for notebook in needed:
        auto = [v for v in grades.get((BASELINE, notebook), {}).values() if v[2] == "auto"]
        score, most = sum(v[0] for v in auto), sum(v[1] for v in auto)
        nb = baseline_outcome.notebooks.get(notebook) if baseline_outcome else None
        status = nb.status if nb else "failed"
        if status != "graded" or score < most - EPS:
            echo(f"warning: the unmutated solution scores {score:g}/{most:g} autograded points on {notebook} "
                 f"({status}); mutants are compared with that baseline")
    return results


def run_mutate(
    items: list[tuple[Mutant, str]], course: CoursePaths, out: Path, settings,
    echo: Callable[[str], None] = print, command: str = "", note: str = "",
    order: Sequence[str] = (), only: Sequence[str] | None = None,
) -> tuple[list[MutantResult], dict[str, PartSummary]]:
    """Grade every mutant, part by part (``order`` first, then course order); the report in
    ``out`` is rewritten after each part, so a long run that is stopped keeps what it finished."""
    out.mkdir(parents=True, exist_ok=True)
    usage = UsageMap(course.source_dir)
    by_module: dict[str, list[tuple[Mutant, str]]] = defaultdict(list)
    for mutant, mutated in items:
        by_module[mutant.module].append((mutant, mutated))
    # Parts in course order: the module's first notebook decides.
    names = usage._module_names()
    course_order = sorted(by_module, key=lambda m: (min(
        (usage.notebooks.index(nb) for nb in usage.notebooks_using({("mod", m, n) for n in names[m]})),
        default=len(usage.notebooks)), m))
    order = [m for m in order if m in by_module] + [m for m in course_order if m not in order]
    started = time.monotonic()
    results: list[MutantResult] = []
    seconds: dict[str, float] = {}
    for index, module in enumerate(order):
        part_started = time.monotonic()
        echo(f"part {module}: {len(by_module[module])} mutant(s)")
        results += _grade_part(module, by_module[module], usage, course, out, settings, echo, only)
        seconds[module] = time.monotonic() - part_started
        parts = summarise(results, seconds)
        meta = {
            "command": command, "workers": settings.workers, "cell_timeout": settings.cell_timeout,
            "seconds": time.monotonic() - started, "host": "this machine",
            "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "note": note,
            "not_run": order[index + 1:], "only_notebooks": list(only or []),
        }
        (out / REPORT_MD).write_text(render_markdown(results, parts, meta), encoding="utf-8")
        (out / REPORT_JSON).write_text(json.dumps({
            "meta": meta,
            "parts": {m: dataclasses.asdict(p) | {"caught_fraction": p.caught_fraction} for m, p in parts.items()},
            "mutants": [dataclasses.asdict(r) | {"verdict": r.verdict} for r in results],
        }, indent=1) + "\n", encoding="utf-8")
    return results, summarise(results, seconds)


# ---------------------------------------------------------------- command line

def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a fraction between 0 and 1, got {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(verbs) -> None:
    parser = verbs.add_parser(
        "mutate", help="grade the solutions with each bug/alternative applied; report what the tests catch",
        description="Apply each mutant (grading/mutation/mutants/<module>/*.py, or --mutant FILE) to the solution, "
        "autograde the notebooks that reach it with the normal pipeline, and report per part the bugs "
        "caught, the alternatives at full credit and the cells that should catch the survivors.")
    parser.add_argument("--module", action="append", default=[], metavar="NAME", dest="modules",
                        help="only this student module, e.g. layers (repeatable; parts run in this order); "
                        "with --mutant: the module it mutates")
    parser.add_argument("--mutant", action="append", default=[], type=Path, metavar="PATH", dest="mutant_files",
                        help="a mutant file of your own (repeatable); replaces the collection")
    parser.add_argument("--mutants-dir", type=Path, default=BUNDLED_MUTANTS, metavar="DIR",
                        help="the collection, DIR/<module>/*.py (default grading/mutation/mutants)")
    parser.add_argument("--workers", type=_positive, default=2, metavar="N",
                        help="submissions graded at the same time (default 2)")
    parser.add_argument("--notebook", action="append", default=[], metavar="NAME", dest="notebooks",
                        help="grade only this notebook id, e.g. 1_layers (repeatable); mutants reaching "
                        "none of them are left out (default: every notebook a mutant reaches)")
    parser.add_argument("--sample", type=_positive, default=None, metavar="K",
                        help="grade a seeded random sample of K mutants (at least one alternative)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of --sample (default 0)")
    parser.add_argument("--out", type=Path, default=Path("mutate-out"), metavar="DIR",
                        help="where the runs and mutation_report.md/.json go (default mutate-out/)")
    parser.add_argument("--cell-timeout", type=_positive, default=300, metavar="S",
                        help="per-cell limit; cells declaring a longer course.timeout keep theirs (default 300)")
    parser.add_argument("--min-caught", type=_fraction, default=None, metavar="F",
                        help="exit 1 unless every part catches at least this fraction of its bugs, e.g. 0.95")
    parser.add_argument("--require-alternatives", action="store_true",
                        help="exit 1 unless every correct alternative gets full credit")
    parser.add_argument("--note", default="", help="a sentence for the report (e.g. machine load)")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from grading.autograde.run import AutogradeSettings

    course = CoursePaths.from_repo()
    try:
        usage = UsageMap(course.source_dir)
        unknown = sorted(set(args.notebooks) - set(usage.notebooks))
        if unknown:
            raise MutateError(f"unknown notebook {', '.join(unknown)}; --notebook takes one of: "
                              f"{', '.join(usage.notebooks)}")
        keep = None
        if args.notebooks:
            sources = {m: (course.source_dir / f"{m}.py").read_text(encoding="utf-8") for m in usage.modules}

            def keep(mutant: Mutant) -> bool:
                symbols = mutated_symbols(mutant, sources[mutant.module])
                return bool(set(usage.notebooks_using(symbols)) & set(args.notebooks))
        items = select_mutants(course.source_dir, args.mutants_dir, args.mutant_files, args.modules,
                               args.sample, args.seed, keep)
    except MutateError as error:
        print(f"python -m grading mutate: error: {error}", file=sys.stderr)
        return 2
    settings = AutogradeSettings(workers=args.workers, cell_timeout=args.cell_timeout)
    command = "python -m grading mutate " + shlex.join(sys.argv[2:] if sys.argv[1:2] == ["mutate"] else sys.argv[1:])
    print(f"{len(items)} mutant(s): {sum(m.is_bug for m, _ in items)} bug(s), "
          f"{sum(not m.is_bug for m, _ in items)} alternative(s)")
    results, parts = run_mutate(items, course, args.out, settings, command=command.strip(), note=args.note,
                                order=args.modules, only=args.notebooks or None)
    print("\n".join(summary_table(parts)))
    for result in results:
        if result.verdict in ("SURVIVED", "REJECTED"):
            where = ", ".join(result.should_catch if result.kind == "bug" else result.lost) or "-"
            print(f"{result.verdict}: {result.id} ({result.description}); cells: {where}")
    print(f"report: {args.out / REPORT_MD}")
    problems = thresholds_met(parts, args.min_caught, args.require_alternatives)
    for problem in problems:
        print(f"threshold not met: {problem}", file=sys.stderr)
    return 1 if problems else 0
