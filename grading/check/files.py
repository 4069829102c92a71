"""What a check can tell without running anything: missing or renamed files, corrupt notebooks,
edited or deleted test cells; and the notebooks to run, with the release's test cells in them.

The release's test cells carry no hidden tests (nbgrader removed them), so running and
printing them never shows hidden-test source, even when the folder is a copy of the solutions.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader import utils

from grading.autograde.submissions import notebook_problem
from grading.errors import GradingError
from grading.nbgrader.preprocessors.cells import BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS


class CheckError(GradingError, ValueError):
    """The folder to check (or the release to compare with) is not what it should be."""


def grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_test(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def _locked(cell: NotebookNode) -> bool:
    return utils.is_locked(cell) and not utils.is_solution(cell)


def visible_lines(source: str) -> list[str]:
    """A cell's lines outside hidden-test regions, stripped: what a student's copy should hold."""
    lines, hidden = [], False
    for line in source.splitlines():
        if BEGIN_HIDDEN_TESTS in line:
            hidden = True
        elif END_HIDDEN_TESTS in line:
            hidden = False
        elif not hidden and line.strip():
            lines.append(line.strip())
    return lines


@dataclass
class NotebookPlan:
    """One expected notebook: what was found statically, and the notebook to run (if any)."""

    name: str
    problem: str | None = None  # missing / renamed / corrupt: graded 0, nothing runs
    edited_tests: list[str] = field(default_factory=list)
    deleted_tests: list[str] = field(default_factory=list)
    to_run: NotebookNode | None = None


@dataclass
class FolderPlan:
    notebooks: list[NotebookPlan]
    missing_modules: list[str]  # "layers.py" or "layers.py (found layer.py: rename it?)"
    present_modules: list[str]
    is_release: bool = False  # FOLDER is the release it is compared with


def release_notebook_names(release: Path) -> list[str]:
    names = sorted(path.stem for path in release.glob("*.ipynb"))
    if not names:
        raise CheckError(f"no notebooks in the release {release}: pass --release with the "
                         "folder you were given (assignments/dl of the course repository)")
    return names


def _renamed(expected: str, extras: list[Path], release_ids: set[str]) -> str | None:
    """An extra file that looks like the expected one (same test cells, or a close name)."""
    for path in extras:
        if path.suffix == ".ipynb" and release_ids and notebook_problem(path) is None:
            ids = {grade_id(cell) for cell in nbformat.read(path, as_version=4).cells}
            if release_ids <= ids | {None} or len(release_ids & ids) > len(release_ids) // 2:
                return path.name
    close = difflib.get_close_matches(expected, [path.name for path in extras], n=1, cutoff=0.6)
    return close[0] if close else None


def _edited(student_cell: NotebookNode, release_cell: NotebookNode) -> bool:
    """Its visible lines differ from the release's, or from its own checksum (nbgrader's, as
    ``nbgrader validate`` checks it: catches an edit even when FOLDER is the release itself)."""
    if visible_lines(student_cell.source) != visible_lines(release_cell.source):
        return True
    checksum = student_cell.get("metadata", {}).get("nbgrader", {}).get("checksum")
    return bool(checksum) and BEGIN_HIDDEN_TESTS not in student_cell.source and (
        utils.compute_checksum(student_cell) != checksum)


def _fresh(cell: NotebookNode) -> NotebookNode:
    """A copy of a release cell, without outputs if it is code."""
    fresh = nbformat.from_dict(dict(cell))
    if fresh.cell_type == "code":
        fresh.outputs, fresh.execution_count = [], None
    return fresh


def merge_release_cells(student: NotebookNode, release: NotebookNode) -> tuple[NotebookNode, list[str], list[str]]:
    """The student's notebook with every locked cell of the release in its release version.

    Grading restores locked cells the same way (OverwriteCells, RestoreLockedCells): edited
    ones get the source's code, deleted ones come back after the release cell before them.
    Returns (notebook to run, edited test ids, deleted test ids).
    """
    locked = {grade_id(cell): cell for cell in release.cells if grade_id(cell) and _locked(cell)}
    edited, seen, cells = [], set(), []
    for cell in student.cells:
        key = grade_id(cell)
        if key in locked:
            seen.add(key)
            if is_test(locked[key]) and _edited(cell, locked[key]):
                edited.append(key)
            cells.append(_fresh(locked[key]))
        else:
            cells.append(cell)
    deleted = []
    for index, cell in enumerate(release.cells):
        key = grade_id(cell)
        if key not in locked or key in seen:
            continue
        if is_test(cell):
            deleted.append(key)
        before = [grade_id(c) for c in release.cells[:index] if grade_id(c)]
        position = 0
        for previous in reversed(before):
            found = [i for i, c in enumerate(cells) if grade_id(c) == previous]
            if found:
                position = found[0] + 1
                break
        cells.insert(position, _fresh(cell))
    merged = nbformat.from_dict(dict(student, cells=cells))
    return merged, edited, deleted


def plan_folder(folder: Path, release: Path, notebooks: list[str]) -> FolderPlan:
    """Compare ``folder`` with ``release``; raise CheckError if it is not an assignment folder."""
    if not folder.exists():
        raise CheckError(f"{folder} does not exist: pass the folder that holds your notebooks "
                         "and modules (your copy of assignments/dl)")
    if not folder.is_dir():
        raise CheckError(f"{folder} is not a folder: pass the folder that holds your notebooks "
                         "and modules, not a single file")
    expected_notebooks = release_notebook_names(release)
    expected_modules = sorted(path.name for path in release.glob("*.py"))
    expected = {f"{name}.ipynb" for name in expected_notebooks} | set(expected_modules)
    present = {path.name for path in folder.iterdir() if path.is_file()}
    if not expected & present:
        raise CheckError(f"{folder} holds none of the assignment's files ({', '.join(sorted(expected))}): "
                         "pass the folder that holds your copy of assignments/dl")
    extras = sorted(path for path in folder.iterdir()
                    if path.is_file() and path.suffix in {".ipynb", ".py"} and path.name not in expected)

    missing_modules = []
    for module in expected_modules:
        if module not in present:
            renamed = _renamed(module, [p for p in extras if p.suffix == ".py"], set())
            missing_modules.append(module + (f" (found {renamed}: rename it back?)" if renamed else ""))

    plans = []
    for name in notebooks:
        plan = NotebookPlan(name)
        plans.append(plan)
        release_nb = nbformat.read(release / f"{name}.ipynb", as_version=4)
        path = folder / f"{name}.ipynb"
        if not path.is_file():
            ids = {grade_id(cell) for cell in release_nb.cells if is_test(cell)}
            renamed = _renamed(path.name, [p for p in extras if p.suffix == ".ipynb"], ids)
            plan.problem = f"missing: no {path.name}" + (
                f" (found {renamed}: rename it back to {path.name})" if renamed else "")
            continue
        problem = notebook_problem(path)
        if problem:
            plan.problem = f"corrupt: {problem}; the grader scores it 0 (restore it from a backup or the release)"
            continue
        student_nb = nbformat.read(path, as_version=4)
        plan.to_run, plan.edited_tests, plan.deleted_tests = merge_release_cells(student_nb, release_nb)
    return FolderPlan(plans, missing_modules, [m for m in expected_modules if m in present],
                      is_release=folder.resolve() == release.resolve())
