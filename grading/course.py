"""Where the course lives: the assignment id, its source and release folders, its notebooks.

Every command runs from the repository root; the paths are parameters of the
functions that use them so that tests can point them at a fixture course.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ASSIGNMENT_ID = "dl"
# Never copied into a release or a scratch course.
IGNORED_NAMES = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")


class CourseError(RuntimeError):
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
        return cls(source, root / "assignments" / ASSIGNMENT_ID, datasets if datasets.is_dir() else None)


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
