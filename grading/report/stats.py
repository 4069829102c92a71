"""The numbers of the class report, computed from a graded OUT (grades.csv and results.json)."""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from grading.errors import GradingError
from grading.layout import OutLayout


class ReportError(GradingError, RuntimeError):
    pass


@dataclass(frozen=True)
class QuestionStats:
    notebook: str
    grade_id: str
    kind: str
    max_score: float
    scores: tuple[float, ...]
    extra_credit: bool = False  # its points are not in the notebook's points possible

    @property
    def mean_fraction(self) -> float:
        return statistics.fmean(self.scores) / self.max_score if self.scores and self.max_score else 0.0

    @property
    def full_marks(self) -> int:
        return sum(score >= self.max_score for score in self.scores)


@dataclass
class ClassStats:
    students: list[str]
    notebooks: list[str]
    # student -> notebook -> (score with extra credit, points possible without it)
    notebook_scores: dict[str, dict[str, tuple[float, float]]]
    questions: list[QuestionStats]
    # (student, notebook, status, reason) for every notebook not graded or graded with a remark
    problems: list[tuple[str, str, str, str]]
    status_counts: Counter
    seconds_per_student: dict[str, float]
    total_seconds: float
    workers: int
    extra: dict = field(default_factory=dict)
    # notebook -> seconds nbgrader took on it, one entry per student whose notebook ran
    notebook_seconds: dict[str, list[float]] = field(default_factory=dict)
    # (student, notebook) -> nbgrader's whole log, relative to OUT (logs/<student>/<notebook>.log)
    logs: dict[tuple[str, str], str] = field(default_factory=dict)
    # what the sandbox could not enforce ([]: everything was; None: an OUT graded before this was kept)
    not_enforced: list[str] | None = None

    def totals(self) -> dict[str, tuple[float, float]]:
        return {
            student: (sum(s for s, _ in scores.values()), sum(m for _, m in scores.values()))
            for student, scores in self.notebook_scores.items()
        }

    def reason_counts(self) -> list[tuple[str, str, int]]:
        """(status, reason, how many notebooks) for every reason a notebook lost points, most frequent first."""
        counts = Counter((status, reason) for _, _, status, reason in self.problems)
        return sorted(((s, r, n) for (s, r), n in counts.items()), key=lambda item: (-item[2], item[0], item[1]))

    def hardest(self, count: int = 10) -> list[QuestionStats]:
        auto = [q for q in self.questions if q.kind == "auto"]
        return sorted(auto, key=lambda q: (q.mean_fraction, q.notebook, q.grade_id))[:count]


def load_class_stats(out_dir: Path) -> ClassStats:
    """Read a graded OUT; raises ReportError saying what is missing."""
    grades_path, results_path = OutLayout(out_dir).grades_csv, OutLayout(out_dir).results
    for path in (grades_path, results_path):
        if not path.is_file():
            raise ReportError(
                f"{path} not found: OUT must be the --out folder of `python -m grading autograde`"
            )
    try:
        results = json.loads(results_path.read_text())
        students_results = results["students"]
    except (ValueError, KeyError) as error:
        raise ReportError(f"{results_path} is not a results file of the autograder ({error})") from error

    per_question: dict[tuple[str, str], list[float]] = defaultdict(list)
    question_info: dict[tuple[str, str], tuple[str, float]] = {}
    notebook_scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    extra = {(nb, grade_id) for nb, cells in results.get("extra_credit", {}).items() for grade_id in cells}
    with open(grades_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["notebook"], row["grade_id"])
            score, max_score = float(row["score"]), float(row["max_score"])
            per_question[key].append(score)
            question_info[key] = (row["kind"], max_score)
            totals = notebook_scores[row["student_id"]][row["notebook"]]
            totals[0] += score
            totals[1] += 0.0 if key in extra else max_score

    problems = []
    logs: dict[tuple[str, str], str] = {}
    status_counts: Counter = Counter()
    notebook_seconds: dict[str, list[float]] = defaultdict(list)
    for student, outcome in sorted(students_results.items()):
        for notebook, result in sorted(outcome["notebooks"].items()):
            status_counts[result["status"]] += 1
            if float(result.get("seconds", 0.0)) > 0:
                notebook_seconds[notebook].append(float(result["seconds"]))
            if result["status"] != "graded" or result["reason"]:
                problems.append((student, notebook, result["status"], result["reason"]))
                log = OutLayout(out_dir).notebook_log(student, notebook)
                if log.is_file():
                    logs[student, notebook] = log.relative_to(out_dir).as_posix()
            if student not in notebook_scores or notebook not in notebook_scores[student]:
                # Not in the gradebook (e.g. a student id nbgrader cannot hold): 0 of its maximum.
                notebook_scores[student][notebook] = [0.0, float(result.get("max_score", 0.0))]

    questions = [
        QuestionStats(notebook, grade_id, kind, max_score, tuple(per_question[(notebook, grade_id)]),
                      (notebook, grade_id) in extra)
        for (notebook, grade_id), (kind, max_score) in sorted(question_info.items())
    ]
    return ClassStats(
        students=sorted(students_results),
        notebooks=list(results.get("notebooks", sorted({q.notebook for q in questions}))),
        notebook_scores={s: {nb: (v[0], v[1]) for nb, v in nbs.items()} for s, nbs in notebook_scores.items()},
        questions=questions,
        problems=problems,
        status_counts=status_counts,
        seconds_per_student={s: float(o.get("seconds", 0.0)) for s, o in students_results.items()},
        total_seconds=float(results.get("seconds", 0.0)),
        not_enforced=results.get("isolation_not_enforced"),
        workers=int(results.get("workers", 1)),
        extra={"scheduler": results.get("scheduler"), "skipped": list(results.get("skipped", []))},
        notebook_seconds=dict(notebook_seconds),
        logs=logs,
    )
