"""Find the students of a SUBMISSIONS folder and lay out each one's scratch course directory.

``SUBMISSIONS/<student_id>/`` holds the student's copy of the assignment
folder's contents. Notebooks that are missing or unreadable are found here,
before nbgrader runs, so that they are graded 0 with a precise reason and do
not take the student's other notebooks down with them.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grading.errors import GradingError
from grading.layout import CourseDirectory
from grading.nbgrader.preprocessors import SOURCE_ORDER_DIR, source_order

# nbgrader uses student ids in paths and globs.
VALID_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
# Larger files are left out of the scratch copy (nbgrader's own limit is 100 MB).
MAX_FILE_BYTES = 50 * 1024 * 1024


class SubmissionsError(GradingError, RuntimeError):
    """The SUBMISSIONS folder cannot be graded at all."""


@dataclass
class PreparedSubmission:
    """A student's scratch course directory and what was found before grading."""

    student_id: str
    course_root: Path
    gradable: list[str] = field(default_factory=list)  # notebooks placed for nbgrader
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)  # notebook -> (status, reason)
    notes: list[str] = field(default_factory=list)  # files left out, and why


def find_students(submissions_dir: Path) -> tuple[list[str], list[str]]:
    """(student ids, warnings about entries that are not student folders)."""
    if not submissions_dir.is_dir():
        raise SubmissionsError(
            f"{submissions_dir} is not a folder; SUBMISSIONS must hold one folder per student "
            "(SUBMISSIONS/<student_id>/1_layers.ipynb, ...)"
        )
    students, warnings = [], []
    for entry in sorted(submissions_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            warnings.append(f"{entry.name}: not a student folder (a file at the top of SUBMISSIONS); ignored")
            continue
        students.append(entry.name)
    if not students:
        raise SubmissionsError(
            f"no student folders in {submissions_dir}; expected SUBMISSIONS/<student_id>/<files>"
        )
    return students, warnings


def notebook_problem(path: Path) -> str | None:
    """Why nbgrader could not grade this notebook file, or None if it can try."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return f"notebook is not UTF-8 text (byte {error.start})"
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return f"notebook is not valid JSON (line {error.lineno}: {error.msg})"
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several unrelated types
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"not a valid Jupyter notebook ({first_line[:200]})"
    return None


def _copy_student_files(source: Path, dest: Path, notes: list[str]) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part in {"__pycache__", ".ipynb_checkpoints"} for part in relative.parts):
            continue
        if path.is_symlink():
            notes.append(f"{relative}: symbolic link left out")
            continue
        if path.is_dir():
            continue
        if not path.is_file():
            notes.append(f"{relative}: not a regular file, left out")
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            notes.append(f"{relative}: larger than {MAX_FILE_BYTES // 2**20} MB, left out")
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _write_source_order(source_dir: Path, course_root: Path, notebooks: list[str]) -> None:
    """Where each locked cell sits in the source, for RestoreLockedCells (deleted or moved tests)."""
    folder = course_root / SOURCE_ORDER_DIR
    folder.mkdir(exist_ok=True)
    for notebook in notebooks:
        path = source_dir / f"{notebook}.ipynb"
        if path.is_file():
            order = source_order(nbformat.read(path, as_version=4))
            (folder / f"{notebook}.json").write_text(json.dumps(order, indent=1))


def prepare_submission(
    student_dir: Path, course_root: Path, template_gradebook: Path, notebooks: list[str]
) -> PreparedSubmission:
    """Lay out ``course_root`` for grading ``notebooks`` of the student in ``student_dir``.

    The scratch directory gets the template gradebook and the student's files
    under ``submitted/<student>/dl/``, but no ``source/`` folder: nbgrader
    would otherwise copy the instructor's modules over the student's.
    """
    student_id = student_dir.name
    prepared = PreparedSubmission(student_id, course_root)
    submitted = CourseDirectory(course_root).submitted(student_id)
    submitted.mkdir(parents=True)
    shutil.copyfile(template_gradebook, CourseDirectory(course_root).gradebook)
    _write_source_order(CourseDirectory(template_gradebook.parent).source, course_root, notebooks)
    _copy_student_files(student_dir, submitted, prepared.notes)
    for notebook in notebooks:
        path = submitted / f"{notebook}.ipynb"
        if not path.is_file():
            prepared.problems[notebook] = ("missing", f"no {notebook}.ipynb in the submission")
            continue
        problem = notebook_problem(path)
        if problem:
            prepared.problems[notebook] = ("invalid", problem)
            path.unlink()  # graded 0 by us; nbgrader must not trip over it
            continue
        prepared.gradable.append(notebook)
    # Notebooks not being graded this run stay out of nbgrader's way.
    for path in submitted.glob("*.ipynb"):
        if path.stem not in notebooks:
            path.unlink()
    return prepared
