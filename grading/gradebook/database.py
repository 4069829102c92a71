"""The course gradebook: nbgrader's own database, given by a URL (SQLite by default, or PostgreSQL).

Each submission is graded in a scratch gradebook of its own (nbgrader's
SQLite file does not like concurrent writers); the parent process merges
them, one at a time, into the course gradebook with nbgrader's API, and
exports ``grades.csv`` from it.
"""

from __future__ import annotations

import csv
import json
import shutil
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SAWarning

from grading.errors import GradingError
from grading.extras import GRADER_INSTALL
from grading.layout import ASSIGNMENT_ID, OutLayout

GRADES_HEADER = ("student_id", "notebook", "grade_id", "kind", "score", "max_score")


DEFAULT_GRADEBOOK = OutLayout.GRADEBOOK  # OUT/gradebook.db unless autograde --db names another
GRADEBOOK_URL_KEY = "gradebook_url"  # in OUT/results.json when --db was given


class GradebookUrlError(GradingError, ValueError):
    """A --db URL that cannot name a gradebook."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def check_db_url(url: str) -> str:
    """The URL as SQLAlchemy should use it for a gradebook; a clear error if it cannot."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise GradebookUrlError(
            f"--db {url!r} is not a database URL; give one like "
            "postgresql://USER@HOST:5432/DBNAME (password from PGPASSWORD or ~/.pgpass) "
            "or sqlite:////absolute/path/gradebook.db"
        ) from error
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise GradebookUrlError(
            f"--db {public_url(url)!r}: the gradebook must be PostgreSQL (postgresql://...) or SQLite "
            f"(sqlite:///...), not {parsed.get_backend_name()}"
        )
    if parsed.drivername == "postgresql":
        # No driver named: SQLAlchemy 2.0 means psycopg2, 2.1 psycopg (3). Name one that is installed.
        for module, driver in (("psycopg2", "postgresql+psycopg2"), ("psycopg", "postgresql+psycopg")):
            try:
                __import__(module)
            except ImportError:
                continue
            return parsed.set(drivername=driver).render_as_string(hide_password=False)
        raise GradebookUrlError(
            f"--db postgresql://... needs a PostgreSQL driver, part of the grader's install extra: {GRADER_INSTALL}"
        )
    return url


def public_url(url: str) -> str:
    """The URL without its password: what may be written to results.json and the log.

    Readers of a URL stored without password connect with libpq's own sources
    (the PGPASSWORD environment variable or ~/.pgpass), as nbgrader does.
    """
    return make_url(url)._replace(password=None).render_as_string(hide_password=False)


def gradebook_url(out_dir: Path) -> str:
    """The course gradebook of a graded OUT: results.json's gradebook_url, else OUT/gradebook.db."""
    try:
        stored = json.loads(OutLayout(out_dir).results.read_text()).get(GRADEBOOK_URL_KEY)
    except (OSError, ValueError, AttributeError):
        stored = None
    return stored or sqlite_url(OutLayout(out_dir).gradebook)


@dataclass(frozen=True)
class GradedCell:
    """A graded cell of the assignment: ``auto`` (test cell) or ``manual`` (hand-graded)."""

    notebook: str
    grade_id: str
    kind: str
    max_score: float


@dataclass(frozen=True)
class GradeRow:
    student_id: str
    notebook: str
    grade_id: str
    kind: str
    score: float
    max_score: float
    auto_score: float | None
    manual_score: float | None


def _kind(notebook) -> dict[str, str]:
    """grade_id -> kind: hand-graded cells are also solution cells, or tasks."""
    manual = {cell.name for cell in notebook.solution_cells} | {cell.name for cell in notebook.task_cells}
    return {cell.name: ("manual" if cell.name in manual else "auto") for cell in notebook.grade_cells} | {
        cell.name: "manual" for cell in notebook.task_cells
    }


def _score(auto: float | None, manual: float | None) -> float:
    if manual is not None:
        return float(manual)
    return float(auto) if auto is not None else 0.0


class CourseGradebook:
    """The assignment's grades in an nbgrader database."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url

    def graded_cells(self) -> list[GradedCell]:
        with Gradebook(self.db_url) as gb:
            assignment = gb.find_assignment(ASSIGNMENT_ID)
            cells = []
            for notebook in assignment.notebooks:
                kinds = _kind(notebook)
                for cell in [*notebook.grade_cells, *notebook.task_cells]:
                    cells.append(GradedCell(notebook.name, cell.name, kinds[cell.name], float(cell.max_score)))
        return sorted(cells, key=lambda cell: (cell.notebook, cell.grade_id))

    def start_from_template(self, template_db: Path) -> None:
        """Give this gradebook the template's assignment, keeping any grades it already holds.

        A new SQLite gradebook is a plain copy of the template file (one write
        instead of one commit per cell); otherwise the cells are copied through
        nbgrader's API.
        """
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix) and not Path(self.db_url[len(prefix):]).exists():
            shutil.copyfile(template_db, self.db_url[len(prefix):])
        else:
            self.copy_assignment_from(sqlite_url(template_db))

    def copy_assignment_from(self, template_url: str) -> None:
        """Create (or update) the assignment, its notebooks and cells as in the template gradebook."""
        with Gradebook(template_url) as template, Gradebook(self.db_url) as gb:
            source = template.find_assignment(ASSIGNMENT_ID)
            gb.update_or_create_assignment(ASSIGNMENT_ID)
            for notebook in source.notebooks:
                gb.update_or_create_notebook(notebook.name, ASSIGNMENT_ID)
                for cell in notebook.grade_cells:
                    gb.update_or_create_grade_cell(
                        cell.name, notebook.name, ASSIGNMENT_ID,
                        max_score=cell.max_score, cell_type=cell.cell_type,
                    )
                for cell in notebook.solution_cells:
                    gb.update_or_create_solution_cell(cell.name, notebook.name, ASSIGNMENT_ID)
                for cell in notebook.task_cells:
                    gb.update_or_create_task_cell(
                        cell.name, notebook.name, ASSIGNMENT_ID,
                        max_score=cell.max_score, cell_type=cell.cell_type,
                    )
                for cell in notebook.source_cells:
                    gb.update_or_create_source_cell(
                        cell.name, notebook.name, ASSIGNMENT_ID, cell_type=cell.cell_type,
                        locked=cell.locked, source=cell.source, checksum=cell.checksum,
                    )

    def _submission(self, gb: Gradebook, student_id: str):
        gb.update_or_create_student(student_id)
        try:
            return gb.find_submission(ASSIGNMENT_ID, student_id)
        except MissingEntry:
            # nbgrader's add_submission builds its objects in an order SQLAlchemy 2 warns
            # about; the rows are written all the same (nbgrader's own autograde does this).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SAWarning)
                return gb.add_submission(ASSIGNMENT_ID, student_id)

    def merge_graded(self, scratch_url: str, student_id: str, notebooks: Iterable[str]) -> None:
        """Copy the autograder's results for these notebooks from a scratch gradebook.

        Manual scores already in the course gradebook are kept, as nbgrader
        keeps them when it re-grades.
        """
        with Gradebook(scratch_url) as scratch, Gradebook(self.db_url) as gb:
            self._submission(gb, student_id)
            for notebook in notebooks:
                graded = scratch.find_submission_notebook(notebook, ASSIGNMENT_ID, student_id)
                for grade in graded.grades:
                    target = gb.find_grade(grade.name, notebook, ASSIGNMENT_ID, student_id)
                    target.auto_score = grade.auto_score
                    target.needs_manual_grade = grade.needs_manual_grade or target.manual_score is not None
                for comment in graded.comments:
                    target = gb.find_comment(comment.name, notebook, ASSIGNMENT_ID, student_id)
                    target.auto_comment = comment.auto_comment
            gb.db.commit()

    def record_zero(self, student_id: str, notebooks: Iterable[str]) -> None:
        """Score 0 on every graded cell of notebooks that could not be graded."""
        with Gradebook(self.db_url) as gb:
            self._submission(gb, student_id)
            for notebook in notebooks:
                for grade in gb.find_submission_notebook(notebook, ASSIGNMENT_ID, student_id).grades:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
            gb.db.commit()

    def rows(self, students: Iterable[str], notebooks: Iterable[str]) -> list[GradeRow]:
        """One row per student and graded cell of ``notebooks``, sorted."""
        wanted = set(notebooks)
        kinds = {(cell.notebook, cell.grade_id): cell.kind for cell in self.graded_cells()}
        rows = []
        with Gradebook(self.db_url) as gb:
            for student_id in students:
                for notebook in sorted(wanted):
                    graded = gb.find_submission_notebook(notebook, ASSIGNMENT_ID, student_id)
                    for grade in graded.grades:
                        rows.append(GradeRow(
                            student_id, notebook, grade.name, kinds[(notebook, grade.name)],
                            _score(grade.auto_score, grade.manual_score), float(grade.max_score),
                            grade.auto_score, grade.manual_score,
                        ))
        return sorted(rows, key=lambda row: (row.student_id, row.notebook, row.grade_id))


def format_points(value: float) -> str:
    """2.0 -> "2", 0.5 -> "0.5": plain numbers in the CSV."""
    return f"{value:g}"


def write_grades_csv(rows: Iterable[GradeRow], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(GRADES_HEADER)
        for row in rows:
            writer.writerow([
                row.student_id, row.notebook, row.grade_id, row.kind,
                format_points(row.score), format_points(row.max_score),
            ])
