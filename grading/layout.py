"""Every path the pipeline uses, in one place: the course, an nbgrader course directory, OUT.

* :class:`CoursePaths`: the assignment id, its source and release folders, its notebooks.
  Every command runs from the repository root; the paths are parameters of the
  functions that use them so that tests can point them at a fixture course.
* :class:`CourseDirectory`: a temporary nbgrader course directory (release, gradebook
  template, one per graded submission, feedback) and what the grading job writes there.
* :class:`OutLayout`: the ``--out`` folder of ``autograde`` (``results.json``, ``grades.csv``,
  ``gradebook.db``, ``autograde.log``, ``resume.json``, ``autograded/``, ``feedback/``, ``report/``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grading.errors import GradingError

ASSIGNMENT_ID = "dl"
# Never copied into a release or a scratch course.
IGNORED_NAMES = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")


class CourseError(GradingError, RuntimeError):
    """The course folders are not where or what they should be."""


@dataclass(frozen=True)
class CoursePaths:
    """The instructor source (``solutions/dl``) and the student release (``assignments/dl``)."""

    source_dir: Path
    release_dir: Path
    datasets_dir: Path | None = None

    @classmethod
    def from_repo(cls, repo_root: Path | None = None) -> CoursePaths:
        root = (repo_root or Path.cwd()).resolve()
        source = root / "solutions" / ASSIGNMENT_ID
        if not source.is_dir():
            raise CourseError(
                f"no instructor source at {source}; run `python -m grading ...` from the "
                "repository root (the folder that holds solutions/ and assignments/)"
            )
        datasets = root / "datasets"
        return cls(source, release_dir_of(root), datasets if datasets.is_dir() else None)


def release_dir_of(root: Path) -> Path:
    """Where the student release lives under a course repository or an unzipped student bundle."""
    return root / "assignments" / ASSIGNMENT_ID


def notebook_ids(source_dir: Path) -> list[str]:
    """nbgrader notebook ids of the assignment (file names without ``.ipynb``), sorted."""
    ids = sorted(path.stem for path in source_dir.glob("*.ipynb"))
    if not ids:
        raise CourseError(f"no notebooks (*.ipynb) in {source_dir}: nothing to release or grade")
    return ids


def module_files(source_dir: Path) -> list[str]:
    """Names of the student modules (``*.py`` beside the notebooks), sorted."""
    return sorted(path.name for path in source_dir.glob("*.py"))


def extra_credit_cells(source_dir: Path, notebooks: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    """notebook -> {grade_id: points} of its extra-credit cells (cell metadata
    ``"course": {"extra_credit": true}``): they can raise a score, never the points possible."""
    found: dict[str, dict[str, float]] = {}
    for notebook in notebooks if notebooks is not None else notebook_ids(source_dir):
        cells = json.loads((source_dir / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            grading = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("metadata", {}).get("course", {}).get("extra_credit") and grading.get("grade"):
                found.setdefault(notebook, {})[grading["grade_id"]] = float(grading.get("points", 0))
    return found


@dataclass(frozen=True)
class CourseDirectory:
    """An nbgrader course directory the pipeline builds in a temporary folder."""

    root: Path

    JOB_REPORT = "job.json"  # the grading job's report: attempts and isolation
    EVENTS_DIR = "events"  # <notebook>.json: what the guards repaired or noticed
    SOURCE_ORDER_DIR = "source-order"  # <notebook>.json: the source's locked cells, in order
    LOGS_DIR = "logs"  # <notebook>.log: nbgrader's whole log of each graded notebook

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def source(self) -> Path:
        return self.root / "source" / ASSIGNMENT_ID

    @property
    def release(self) -> Path:
        return self.root / "release" / ASSIGNMENT_ID

    def submitted(self, student: str) -> Path:
        return self.root / "submitted" / student / ASSIGNMENT_ID

    def autograded(self, student: str) -> Path:
        return self.root / "autograded" / student / ASSIGNMENT_ID

    def feedback(self, student: str) -> Path:
        return self.root / "feedback" / student / ASSIGNMENT_ID

    @property
    def job_report(self) -> Path:
        return self.root / self.JOB_REPORT

    @property
    def events(self) -> Path:
        return self.root / self.EVENTS_DIR

    @property
    def source_order(self) -> Path:
        return self.root / self.SOURCE_ORDER_DIR

    def nbgrader_log(self, notebook: str) -> Path:
        return self.root / self.LOGS_DIR / f"{notebook}.log"


@dataclass(frozen=True)
class OutLayout:
    """The ``--out`` folder of ``autograde``, which ``feedback``, ``report``, ``export`` ... read."""

    root: Path

    GRADEBOOK = "gradebook.db"  # SQLite unless autograde --db names another gradebook
    LOGS_DIR = "logs"  # <student>/<notebook>.log: nbgrader's whole log, kept from the scratch folder

    @property
    def results(self) -> Path:
        return self.root / "results.json"

    @property
    def grades_csv(self) -> Path:
        return self.root / "grades.csv"

    @property
    def gradebook(self) -> Path:
        return self.root / self.GRADEBOOK

    @property
    def log(self) -> Path:
        return self.root / "autograde.log"

    @property
    def resume(self) -> Path:
        return self.root / "resume.json"

    @property
    def autograded_root(self) -> Path:
        return self.root / "autograded"

    def logs(self, student: str) -> Path:
        """nbgrader's whole log of each of the student's graded notebooks, ``<notebook>.log``."""
        return self.root / self.LOGS_DIR / student

    def notebook_log(self, student: str, notebook: str) -> Path:
        """nbgrader's whole log of one graded notebook."""
        return self.logs(student) / f"{notebook}.log"

    def autograded(self, student: str) -> Path:
        """The student's autograded notebooks, ``<notebook>.ipynb``."""
        return self.autograded_root / student / ASSIGNMENT_ID

    @property
    def feedback_root(self) -> Path:
        return self.root / "feedback"

    def feedback(self, student: str) -> Path:
        """The student's feedback pages, ``<notebook>.html``."""
        return self.feedback_root / student

    @property
    def report_dir(self) -> Path:
        return self.root / "report"

    @property
    def report_html(self) -> Path:
        return self.report_dir / "report.html"

    @property
    def report_pdf(self) -> Path:
        return self.report_dir / "report.pdf"
