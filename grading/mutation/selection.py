"""Choosing and checking mutants: the collection or --mutant files, per module, sampled."""

from __future__ import annotations

import ast
import dataclasses
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from grading.errors import GradingError
from grading.layout import module_files
from grading.mutation.mutant_files import Mutant, apply_mutant, load_mutant


class MutateError(GradingError, ValueError):
    """The mutants or the options cannot be used; the message says what to fix."""


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
