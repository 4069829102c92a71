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

import dataclasses
import json
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from grading.layout import IGNORED_NAMES, CoursePaths, OutLayout
from grading.mutation.mutant_files import Mutant
from grading.mutation.reach import Symbol, UsageMap, mutated_symbols
from grading.mutation.summary import (
    EPS,
    REPORT_JSON,
    REPORT_MD,
    MutantResult,
    PartSummary,
    render_markdown,
    summarise,
)

if TYPE_CHECKING:  # autograde is imported when a part runs (it pulls in nbgrader)
    from grading.autograde.run import AutogradeSettings

BASELINE = "solution"


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
    settings: AutogradeSettings, echo: Callable[[str], None], only: Sequence[str] | None = None,
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
    grades = _grades(OutLayout(run_dir).grades_csv)
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
            errors = _error_lines(OutLayout(run_dir).autograded(result.student) / f"{notebook}.ipynb")
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
    items: list[tuple[Mutant, str]], course: CoursePaths, out: Path, settings: AutogradeSettings,
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
