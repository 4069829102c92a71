"""``python -m grading export OUT --format canvas|generic [--out FILE] [--roster CANVAS.csv]``.

Grades as CSV in layouts learning-management systems import, read from the
course gradebook of a graded OUT (``OUT/gradebook.db``, or the ``--db`` URL in
``OUT/results.json``), so hand-graded scores entered after autograding count:

- ``generic``: one row per student: ``student_id``, one total per notebook, then
  ``auto`` (autograded cells), ``manual`` (hand-graded cells), ``extra_credit``
  (extra-credit cells), ``total`` (all three), ``max`` (points possible, without
  extra credit) and ``manual_pending`` (hand-graded cells without a score yet).
- ``canvas``: Canvas's gradebook import layout: ``Student, ID, SIS User ID,
  SIS Login ID, Section``, a ``Points Possible`` row (without extra credit, as
  Canvas expects: a score with extra credit may exceed it), and one column per
  notebook (``dl 1_layers``, ...; ``--total-only``: a single ``dl`` column).
  Canvas matches rows by its own ids: give ``--roster`` a gradebook CSV
  exported from the course in Canvas, and students are matched by SIS User ID,
  SIS Login ID or ID equal to the nbgrader student id; without a roster the
  student id fills SIS User ID and SIS Login ID.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grading.autograde.submissions import VALID_STUDENT_ID
from grading.errors import GradingError
from grading.gradebook import EXPORT_FORMATS
from grading.gradebook.database import CourseGradebook, GradeRow, format_points, gradebook_url
from grading.layout import ASSIGNMENT_ID, OutLayout

CANVAS_ID_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_MATCH_COLUMNS = ("SIS User ID", "SIS Login ID", "ID")


class ExportError(GradingError, RuntimeError):
    pass


@dataclass
class StudentTotals:
    student_id: str
    notebooks: dict[str, float] = field(default_factory=dict)
    auto: float = 0.0
    manual: float = 0.0
    extra_credit: float = 0.0  # extra-credit cells (auto or manual), counted in total, not in maximum
    maximum: float = 0.0
    manual_pending: int = 0

    @property
    def total(self) -> float:
        return self.auto + self.manual + self.extra_credit


def _results(out_dir: Path) -> dict:
    path = OutLayout(out_dir).results
    try:
        return json.loads(path.read_text())
    except OSError as error:
        raise ExportError(
            f"{path} not found: OUT must be the --out folder of `python -m grading autograde`"
        ) from error
    except ValueError as error:
        raise ExportError(f"{path} is not a results file of the autograder ({error})") from error


def class_totals(out_dir: Path) -> tuple[list[str], list[StudentTotals], dict[str, float]]:
    """(notebooks, one StudentTotals per student, points possible per notebook) from the course gradebook.

    Extra-credit cells (``extra_credit`` in results.json) count in the scores, not in the points possible.
    """
    results = _results(out_dir)
    notebooks = list(results["notebooks"])
    extra = {(nb, grade_id) for nb, cells in results.get("extra_credit", {}).items() for grade_id in cells}
    students = sorted(results["students"])
    gradebook = CourseGradebook(gradebook_url(out_dir))
    try:
        cells = [cell for cell in gradebook.graded_cells() if cell.notebook in notebooks]
        in_gradebook = [s for s in students if VALID_STUDENT_ID.match(s)]
        rows: list[GradeRow] = gradebook.rows(in_gradebook, notebooks)
    except Exception as error:  # SQLAlchemy / nbgrader errors: say which gradebook
        raise ExportError(
            f"cannot read the course gradebook {gradebook_url(out_dir)} ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:200]}); for PostgreSQL set PGPASSWORD or ~/.pgpass"
        ) from error
    maxima = {nb: sum(c.max_score for c in cells if c.notebook == nb and (nb, c.grade_id) not in extra)
              for nb in notebooks}
    totals = {s: StudentTotals(s, dict.fromkeys(notebooks, 0.0), maximum=sum(maxima.values()))
              for s in students}
    for row in rows:
        student = totals[row.student_id]
        student.notebooks[row.notebook] += row.score
        if row.kind == "manual":
            student.manual_pending += row.manual_score is None
        if (row.notebook, row.grade_id) in extra:
            student.extra_credit += row.score
        elif row.kind == "manual":
            student.manual += row.score
        else:
            student.auto += row.score
    for student_id in students:  # ids nbgrader cannot hold: every hand-graded cell still open
        if student_id not in in_gradebook:
            totals[student_id].manual_pending = sum(c.kind == "manual" for c in cells)
    return notebooks, [totals[s] for s in students], maxima


def write_generic(out_dir: Path, target: Path) -> int:
    notebooks, students, _ = class_totals(out_dir)
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["student_id", *notebooks, "auto", "manual", "extra_credit", "total", "max",
                         "manual_pending"])
        for s in students:
            writer.writerow([s.student_id, *(format_points(s.notebooks[nb]) for nb in notebooks),
                             format_points(s.auto), format_points(s.manual), format_points(s.extra_credit),
                             format_points(s.total),
                             format_points(s.maximum), s.manual_pending])
    return len(students)


def _read_roster(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise ExportError(f"cannot read the roster {path}: {error.strerror}") from error
    if not rows or not set(CANVAS_ID_COLUMNS) <= set(rows[0]):
        raise ExportError(
            f"{path} is not a Canvas gradebook export: its header needs {', '.join(CANVAS_ID_COLUMNS)} "
            "(Canvas: Grades > Export > Export Entire Gradebook)"
        )
    return [row for row in rows if "Points Possible" not in row["Student"]]


def write_canvas(out_dir: Path, target: Path, roster: Path | None = None, total_only: bool = False,
                 warn: Callable[[str], None] = print) -> int:
    notebooks, students, maxima = class_totals(out_dir)
    if total_only:
        columns = [ASSIGNMENT_ID]
        points = [format_points(sum(maxima.values()))]
    else:
        columns = [f"{ASSIGNMENT_ID} {nb}" for nb in notebooks]
        points = [format_points(maxima[nb]) for nb in notebooks]
    known = _read_roster(roster) if roster else None
    written = 0
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*CANVAS_ID_COLUMNS, *columns])
        writer.writerow(["    Points Possible", "", "", "", "", *points])
        for s in students:
            scores = [format_points(s.total)] if total_only else [format_points(s.notebooks[nb]) for nb in notebooks]
            if known is None:
                ids = [s.student_id, "", s.student_id, s.student_id, ""]
            else:
                match = [row for row in known if s.student_id in (row.get(c, "").strip() for c in CANVAS_MATCH_COLUMNS)]
                if len(match) != 1:
                    warn(f"export: {s.student_id}: {'not in' if not match else 'several rows of'} the roster "
                         f"{roster}; left out (match by SIS User ID, SIS Login ID or ID)")
                    continue
                ids = [match[0][c] for c in CANVAS_ID_COLUMNS]
            writer.writerow([*ids, *scores])
            written += 1
    return written


def export(out_dir: Path, layout: str, target: Path | None = None, roster: Path | None = None,
           total_only: bool = False, warn: Callable[[str], None] = print) -> Path:
    if layout not in EXPORT_FORMATS:
        raise ExportError(f"unknown format {layout!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    target = target or out_dir / f"grades-{layout}.csv"
    if layout == "generic":
        count = write_generic(out_dir, target)
    else:
        count = write_canvas(out_dir, target, roster, total_only, warn)
    warn(f"export: {count} students -> {target}")
    return target
