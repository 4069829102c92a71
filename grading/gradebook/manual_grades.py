"""``python -m grading manual-grades OUT``: hand grading of the written questions.

After ``python -m grading autograde``, every hand-graded cell (an nbgrader
markdown answer cell, ``grade`` and ``solution`` both true) scores 0 in
``grades.csv`` until someone grades it. This verb lets an instructor do so
without nbgrader's web formgrader:

* ``--template FILE.csv`` writes one row per student and hand-graded cell the
  student answered (``student_id, notebook, grade_id, max_score, score, comment``,
  then the grader's ``rubric`` and the student's ``answer`` to read), and a Markdown
  companion ``FILE.md`` grouping the answers by question with the rubric and
  model answer from the source notebooks. Scores already recorded are filled in.
  Cells left as released ("YOUR ANSWER HERE") and cells of notebooks never handed
  in are not asked for: ``FILE.md`` lists them once, with the reason ("no answer",
  "notebook missing"), and the import records them 0 with that reason as comment
  (unless a score for them is in the file or already in the gradebook).
* ``--import FILE.csv`` validates the whole file (known student and cell, a
  number from 0 to the cell's points, no duplicate), and only if every line is
  valid records the scores as nbgrader's own ``manual_score`` (and comments as
  ``manual_comment``) in the course gradebook, in one transaction, then rewrites
  ``OUT/grades.csv`` (and the scores in ``OUT/results.json``) with the final
  grades: a cell's score is its manual score when there is one, else its
  automatic score. A blank score leaves the cell as it is.

The gradebook is the one autograde wrote: ``gradebook_url`` in
``OUT/results.json`` (``--db``) or ``OUT/gradebook.db``. nbgrader's formgrader
opened on the same database shows the same scores.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from grading.errors import GradingError
from grading.gradebook.database import (
    GRADES_HEADER,
    CourseGradebook,
    GradeRow,
    format_points,
    gradebook_url,
    public_url,
    write_grades_csv,
)
from grading.layout import ASSIGNMENT_ID, OutLayout

TEMPLATE_HEADER = ("student_id", "notebook", "grade_id", "max_score", "score", "comment", "rubric", "answer")
REQUIRED_COLUMNS = ("student_id", "notebook", "grade_id", "score")
_RUBRIC_HEADING = re.compile(r"^\s*#+\s*Rubric\b.*$", re.IGNORECASE)
MAX_ERRORS_SHOWN = 20


class ManualGradesError(GradingError, RuntimeError):
    """The manual grades cannot be exported or imported; nothing was written."""


@dataclass(frozen=True)
class WrittenCell:
    """A hand-graded cell of the source notebooks: its prompt, model answer and rubric."""

    notebook: str
    grade_id: str
    prompt: str
    model_answer: str
    rubric: str
    given: tuple[str, ...] = ()  # the cell's text outside its solution region (kept in the release)


@dataclass(frozen=True)
class ManualScore:
    """One valid line of an import file."""

    line: int
    student_id: str
    notebook: str
    grade_id: str
    score: float
    comment: str | None


# ---------------------------------------------------------------- reading the source and OUT


def _solution_region(source: str) -> str:
    lines = source.splitlines()
    try:
        begin = next(i for i, line in enumerate(lines) if "### BEGIN SOLUTION" in line)
        end = next(i for i, line in enumerate(lines) if "### END SOLUTION" in line and i > begin)
    except StopIteration:
        return ""
    return "\n".join(lines[begin + 1 : end])


def split_answer_and_rubric(source: str) -> tuple[str, str]:
    """(model answer, rubric) of a hand-graded cell's source: the rubric is the part of the
    solution region after a ``#### Rubric ...`` heading (stripped from the release with it)."""
    region = _solution_region(source)
    lines = region.splitlines()
    heading = next((i for i, line in enumerate(lines) if _RUBRIC_HEADING.match(line)), None)
    if heading is None:
        return region.strip(), ""
    return "\n".join(lines[:heading]).strip(), "\n".join(lines[heading + 1 :]).strip()


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def written_cells(source_dir: Path) -> dict[tuple[str, str], WrittenCell]:
    """Every hand-graded answer cell of the source notebooks, by (notebook, grade_id).

    The prompt is the markdown cell just before the answer (where the questions are asked).
    """
    cells: dict[tuple[str, str], WrittenCell] = {}
    for path in sorted(source_dir.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        previous = ""
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
                answer, rubric = split_answer_and_rubric(cell.source)
                outside = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", cell.source, flags=re.S).strip()
                prompt = "\n\n".join(text for text in (previous, outside) if text)
                given = tuple(part.strip() for part in re.split(r"### BEGIN SOLUTION.*?### END SOLUTION",
                                                                 cell.source, flags=re.S) if part.strip())
                cells[(path.stem, meta["grade_id"])] = WrittenCell(path.stem, meta["grade_id"], prompt, answer,
                                                                   rubric, given)
            previous = cell.source.strip() if cell.cell_type == "markdown" else ""
    return cells


def student_answer(out_dir: Path, student_id: str, notebook: str, grade_id: str) -> str | None:
    """The student's text in that cell of their autograded notebook; None if it was not graded."""
    path = OutLayout(out_dir).autograded(student_id) / f"{notebook}.ipynb"
    if not path.is_file():
        return None
    try:
        graded = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - a notebook nbgrader wrote but we cannot read: no answer shown
        return None
    for cell in graded.cells:
        if _grade_id(cell) == grade_id:
            return cell.source
    return ""


NO_ANSWER = "no answer"
NOTEBOOK_MISSING = "notebook missing"
RELEASED_ANSWER = "YOUR ANSWER HERE"  # nbgrader's text in place of a written answer


def is_unanswered(answer: str, cell: WrittenCell | None) -> bool:
    """Whether the student left the cell as released: only the given text and "YOUR ANSWER HERE"."""
    for given in (cell.given if cell else ()):
        answer = answer.replace(given, "")
    return not answer.replace(RELEASED_ANSWER, "").strip()


def not_written(out_dir: Path, students: Iterable[str], cells: Iterable, written: dict) -> dict[tuple[str, str, str], str]:
    """(student, notebook, grade_id) -> why there is nothing to grade: "notebook missing" (never
    handed in) or "no answer" (the cell as released). Notebooks not graded for another reason
    (unreadable, failed) are left to the grader."""
    try:
        results = json.loads(OutLayout(out_dir).results.read_text())["students"]
    except (OSError, ValueError, KeyError):
        results = {}
    cells = list(cells)
    reasons: dict[tuple[str, str, str], str] = {}
    for student in students:
        for cell in cells:
            status = results.get(student, {}).get("notebooks", {}).get(cell.notebook, {}).get("status")
            answer = student_answer(out_dir, student, cell.notebook, cell.grade_id)
            if answer is None and status == "missing":
                reasons[(student, cell.notebook, cell.grade_id)] = NOTEBOOK_MISSING
            elif answer is not None and is_unanswered(answer, written.get((cell.notebook, cell.grade_id))):
                reasons[(student, cell.notebook, cell.grade_id)] = NO_ANSWER
    return reasons


def _read_grades_csv(out_dir: Path) -> list[dict[str, str]]:
    path = OutLayout(out_dir).grades_csv
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != GRADES_HEADER:
                raise ManualGradesError(f"{path} does not have the header {','.join(GRADES_HEADER)}")
            return list(reader)
    except OSError as error:
        raise ManualGradesError(
            f"cannot read {path} ({error.strerror}): OUT must be the --out folder of "
            "`python -m grading autograde`"
        ) from error


class _OutGradebook:
    """The course gradebook of OUT with what this verb needs from it."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.url = gradebook_url(out_dir)
        prefix = "sqlite:///"
        if self.url.startswith(prefix) and not Path(self.url[len(prefix):]).is_file():
            raise ManualGradesError(
                f"no gradebook at {self.url[len(prefix):]}: run `python -m grading autograde ... --out {out_dir}` first"
            )
        self.course = CourseGradebook(self.url)
        try:
            self.cells = {(c.notebook, c.grade_id): c for c in self.course.graded_cells()}
            with Gradebook(self.url) as gb:
                self.students = sorted(s.id for s in gb.students)
        except Exception as error:  # the database cannot be opened or holds no assignment
            raise ManualGradesError(f"cannot read the gradebook {public_url(self.url)}: {error}") from error

    def manual_cells(self, notebooks: Iterable[str]) -> list:
        wanted = set(notebooks)
        return [c for key, c in sorted(self.cells.items()) if c.kind == "manual" and c.notebook in wanted]


# ---------------------------------------------------------------- --template


def write_template(out_dir: Path, csv_path: Path, source_dir: Path, force: bool = False) -> tuple[int, Path]:
    """Write the CSV to fill in (and its Markdown companion); returns (rows, markdown path)."""
    markdown_path = csv_path.with_suffix(".md")
    if csv_path.exists() and not force:
        raise ManualGradesError(
            f"{csv_path} exists (maybe with scores not imported yet); give another file name or --force"
        )
    rows = _read_grades_csv(out_dir)
    gradebook = _OutGradebook(out_dir)
    notebooks = sorted({row["notebook"] for row in rows})
    students = [s for s in sorted({row["student_id"] for row in rows}) if s in gradebook.students]
    cells = gradebook.manual_cells(notebooks)
    written = written_cells(source_dir)
    recorded: dict[tuple[str, str, str], tuple[float | None, str | None]] = {}
    with Gradebook(gradebook.url) as gb:
        for student in students:
            for cell in cells:
                grade = gb.find_grade(cell.grade_id, cell.notebook, ASSIGNMENT_ID, student)
                try:
                    comment = gb.find_comment(cell.grade_id, cell.notebook, ASSIGNMENT_ID, student).manual_comment
                except MissingEntry:
                    comment = None
                recorded[(student, cell.notebook, cell.grade_id)] = (grade.manual_score, comment)

    skipped = not_written(out_dir, students, cells, written)
    lines = []
    for cell in cells:
        info = written.get((cell.notebook, cell.grade_id))
        rubric = info.rubric if info else ""
        for student in students:
            if (student, cell.notebook, cell.grade_id) in skipped:
                continue
            answer = student_answer(out_dir, student, cell.notebook, cell.grade_id)
            score, comment = recorded[(student, cell.notebook, cell.grade_id)]
            lines.append((student, cell.notebook, cell.grade_id, format_points(cell.max_score),
                          "" if score is None else format_points(score), comment or "", rubric,
                          "(not graded: no autograded notebook)" if answer is None else answer))
    lines.sort(key=lambda line: (line[0], line[1], line[2]))
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TEMPLATE_HEADER)
        writer.writerows(lines)
    markdown_path.write_text(_markdown(cells, written, students, out_dir, csv_path, skipped), encoding="utf-8")
    return len(lines), markdown_path


def _markdown(cells, written, students, out_dir: Path, csv_path: Path,
              skipped: dict[tuple[str, str, str], str]) -> str:
    parts = [f"# Hand grading: {len(cells)} written question(s), {len(students)} student(s)\n",
             f"Fill the `score` (and optionally `comment`) column of `{csv_path.name}`, then run\n"
             f"`python -m grading manual-grades {out_dir} --import {csv_path}`.\n"]
    if skipped:
        parts.append(f"\n## Scored 0 without grading ({len(skipped)})\n\nNot in `{csv_path.name}`: nothing to "
                     "read. The import records each 0 with its reason as comment, unless the file or the "
                     "gradebook already gives a score (add a row to override).\n\n")
        parts.extend(f"- {student}, {notebook} / {grade_id}: {reason}\n"
                     for (student, notebook, grade_id), reason in sorted(skipped.items()))
    for cell in cells:
        info = written.get((cell.notebook, cell.grade_id))
        parts.append(f"\n## {cell.notebook} / {cell.grade_id} ({format_points(cell.max_score)} points)\n")
        if info:
            prompt = re.sub(r"^#+\s*(.+)$", r"**\1**", info.prompt, flags=re.M)  # headings below ours
            parts.append(f"\n### Question\n\n{prompt}\n")
            parts.append(f"\n### Rubric\n\n{info.rubric or '(none in the source notebook)'}\n")
            parts.append(f"\n### Model answer\n\n{info.model_answer}\n")
        for student in students:
            if (student, cell.notebook, cell.grade_id) in skipped:
                continue
            answer = student_answer(out_dir, student, cell.notebook, cell.grade_id)
            text = "(not graded: no autograded notebook)" if answer is None else (answer.strip() or "(empty)")
            quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
            parts.append(f"\n### {student}\n\n{quoted}\n")
    return "".join(parts)


# ---------------------------------------------------------------- --import


def _parse_score(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_import_file(csv_path: Path, gradebook: _OutGradebook, notebooks: Iterable[str]) -> list[ManualScore]:
    """Every filled-in line of the file, validated; ManualGradesError lists every bad line.

    ``notebooks``: those graded in OUT (grades.csv); cells of other notebooks are refused.
    """
    graded_notebooks = set(notebooks)
    try:
        handle = open(csv_path, newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ManualGradesError(f"cannot read {csv_path} ({error.strerror})") from error
    scores: list[ManualScore] = []
    errors: list[str] = []
    seen: dict[tuple[str, str, str], int] = {}
    with handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader, [])]
        except csv.Error as error:
            raise ManualGradesError(f"{csv_path}: line 1: not valid CSV ({error})") from error
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ManualGradesError(
                f"{csv_path}: line 1: missing column(s) {', '.join(missing)}; the header needs at least "
                f"{','.join(REQUIRED_COLUMNS)} (write one with --template)"
            )
        last_end = reader.line_num  # the header's last line
        try:
            for index, fields in enumerate(reader, start=2):
                # Answers and rubrics span several lines: name the line where the record starts,
                # and its row in a spreadsheet when that differs.
                line, last_end = last_end + 1, reader.line_num
                row = f" (row {index})" if line != index else ""
                record = dict(zip(header, fields, strict=False))
                student = (record.get("student_id") or "").strip()
                notebook = (record.get("notebook") or "").strip()
                grade_id = (record.get("grade_id") or "").strip()
                raw = (record.get("score") or "").strip()
                where = f"{csv_path}: line {line}{row}"
                if not (student or notebook or grade_id or raw):
                    continue  # an empty line
                if not raw:
                    continue  # not graded yet: left as it is
                if student not in gradebook.students:
                    errors.append(f"{where}: student {student!r} is not in the gradebook "
                                  f"(students: {', '.join(gradebook.students) or 'none'})")
                    continue
                cell = gradebook.cells.get((notebook, grade_id)) if notebook in graded_notebooks else None
                if cell is None:
                    known = sorted(graded_notebooks)
                    errors.append(f"{where}: no graded cell {grade_id!r} in notebook {notebook!r} "
                                  f"(notebooks: {', '.join(known)})")
                    continue
                if cell.kind != "manual":
                    errors.append(f"{where}: {notebook}/{grade_id} is graded automatically; "
                                  "only hand-graded (written) cells take manual scores")
                    continue
                try:
                    score = _parse_score(raw)
                except ValueError:
                    errors.append(f"{where}: score {raw!r} is not a number (write e.g. 1.5, or leave it "
                                  "blank to keep the cell as it is)")
                    continue
                if not 0 <= score <= cell.max_score:
                    errors.append(f"{where}: score {raw} for {notebook}/{grade_id} is outside "
                                  f"0..{format_points(cell.max_score)}")
                    continue
                key = (student, notebook, grade_id)
                if key in seen:
                    errors.append(f"{where}: {student} {notebook}/{grade_id} is already scored on line {seen[key]}")
                    continue
                seen[key] = line
                comment = record.get("comment")
                scores.append(ManualScore(line, student, notebook, grade_id, score,
                                          comment.strip() if comment and comment.strip() else None))
        except csv.Error as error:
            errors.append(f"{csv_path}: line {reader.line_num}: not valid CSV ({error})")
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n  ... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        raise ManualGradesError(
            f"{len(errors)} bad line(s) in {csv_path}; nothing was imported:\n  " + "\n  ".join(shown) + more
        )
    return scores


def record_manual_scores(db_url: str, scores: Iterable[ManualScore]) -> None:
    """Set nbgrader's manual_score (and manual_comment) of each cell, all in one transaction,
    as nbgrader's formgrader does when a grader types a score."""
    with Gradebook(db_url) as gb:
        try:
            for item in scores:
                grade = gb.find_grade(item.grade_id, item.notebook, ASSIGNMENT_ID, item.student_id)
                grade.manual_score = item.score
                grade.needs_manual_grade = False
                if item.comment is not None:
                    try:
                        comment = gb.find_comment(item.grade_id, item.notebook, ASSIGNMENT_ID, item.student_id)
                    except MissingEntry:
                        comment = None
                    if comment is not None:
                        comment.manual_comment = item.comment
            gb.db.commit()
        except Exception:
            gb.db.rollback()
            raise


def rewrite_grades(out_dir: Path, gradebook: _OutGradebook) -> list[dict[str, str]]:
    """grades.csv (and results.json's per-cell scores) from the gradebook's final scores:
    the manual score of a cell where there is one, else its automatic score."""
    old_rows = _read_grades_csv(out_dir)
    notebooks = sorted({row["notebook"] for row in old_rows})
    in_gradebook = sorted({row["student_id"] for row in old_rows} & set(gradebook.students))
    final = {(r.student_id, r.notebook, r.grade_id): r for r in gradebook.course.rows(in_gradebook, notebooks)}
    rows: list[GradeRow] = []
    for row in old_rows:
        key = (row["student_id"], row["notebook"], row["grade_id"])
        rows.append(final.get(key) or GradeRow(
            row["student_id"], row["notebook"], row["grade_id"], row["kind"],
            float(row["score"]), float(row["max_score"]), None, None,
        ))
    rows.sort(key=lambda r: (r.student_id, r.notebook, r.grade_id))
    write_grades_csv(rows, OutLayout(out_dir).grades_csv)
    _update_results(out_dir, rows)
    return [dict(zip(GRADES_HEADER, (r.student_id, r.notebook, r.grade_id, r.kind, r.score, r.max_score), strict=True))
            for r in rows]


def _update_results(out_dir: Path, rows: list[GradeRow]) -> None:
    path = OutLayout(out_dir).results
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    cells: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for row in rows:
        cells[(row.student_id, row.notebook)][row.grade_id] = row.score
    for student, outcome in results.get("students", {}).items():
        for notebook, result in outcome.get("notebooks", {}).items():
            if (student, notebook) in cells and "cells" in result and result["cells"]:
                result["cells"] = {gid: cells[(student, notebook)].get(gid, score)
                                   for gid, score in result["cells"].items()}
                result["score"] = sum(result["cells"].values())
    path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


def totals(rows: list[dict[str, str]], extra_credit: Iterable[tuple[str, str]] = ()) -> dict[str, dict[str, float]]:
    """student -> {"auto", "manual", "extra", "total", "max"} from grades.csv rows; cells in
    ``extra_credit`` ((notebook, grade_id)) count as "extra", in the total but not in "max"."""
    extra = set(extra_credit)
    table: dict[str, dict[str, float]] = defaultdict(
        lambda: {"auto": 0.0, "manual": 0.0, "extra": 0.0, "total": 0.0, "max": 0.0})
    for row in rows:
        entry = table[row["student_id"]]
        is_extra = (row["notebook"], row["grade_id"]) in extra
        entry["extra" if is_extra else row["kind"]] += float(row["score"])
        entry["total"] += float(row["score"])
        entry["max"] += 0.0 if is_extra else float(row["max_score"])
    return dict(table)


def _zeros_without_answer(out_dir: Path, gradebook: _OutGradebook, notebooks: Iterable[str], source_dir: Path,
                          scores: list[ManualScore]) -> list[ManualScore]:
    """0 for each cell with nothing written (see :func:`not_written`), unless it is scored already."""
    in_file = {(item.student_id, item.notebook, item.grade_id) for item in scores}
    reasons = not_written(out_dir, gradebook.students, gradebook.manual_cells(notebooks), written_cells(source_dir))
    zeros = []
    with Gradebook(gradebook.url) as gb:
        for (student, notebook, grade_id), reason in sorted(reasons.items()):
            if (student, notebook, grade_id) in in_file:
                continue
            if gb.find_grade(grade_id, notebook, ASSIGNMENT_ID, student).manual_score is None:
                zeros.append(ManualScore(0, student, notebook, grade_id, 0.0, reason))
    return zeros


def import_scores(out_dir: Path, csv_path: Path, source_dir: Path | None = None,
                  ) -> tuple[int, dict[str, dict[str, float]], int]:
    """Validate, record (with the zeros of cells with nothing written, when ``source_dir`` is given),
    rewrite grades.csv; returns (scores recorded from the file, totals per student, zeros recorded)."""
    notebooks = {row["notebook"] for row in _read_grades_csv(out_dir)}  # a graded OUT, before any write
    gradebook = _OutGradebook(out_dir)
    scores = read_import_file(csv_path, gradebook, notebooks)
    zeros = _zeros_without_answer(out_dir, gradebook, notebooks, source_dir, scores) if source_dir else []
    record_manual_scores(gradebook.url, scores + zeros)
    rows = rewrite_grades(out_dir, gradebook)
    try:
        extra = json.loads(OutLayout(out_dir).results.read_text()).get("extra_credit", {})
    except (OSError, ValueError):
        extra = {}
    return len(scores), totals(rows, [(nb, gid) for nb, cells in extra.items() for gid in cells]), len(zeros)
