"""Static reach analysis: which notebooks and graded cells can reach a mutated function.

Found from the solutions' source only (module functions, notebook names and graded
cells that refer to which), never by importing or running them.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grading.layout import module_files, notebook_ids
from grading.mutation.mutant_files import Mutant

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
