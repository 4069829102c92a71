"""The real course through the real pipeline: `python -m grading autograde` on sample classes.

Every notebook for correct and untouched submissions (split over four students so that
both workers are busy), built from the solutions (what a correct student hands in) and the
committed release (what students get): the solution earns every automatic point of every
part, the untouched release none. Part 1 alone, with every kind of student, is graded by
the demo in `test_demo_class_claims.py`; a missing module by `test_adversarial.py` and
`test_grading_check.py`.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions" / "dl"
RELEASE = REPO / "assignments" / "dl"

pytestmark = pytest.mark.slow


def _autograde(submissions: Path, out: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "grading", "autograde", str(submissions), "--out", str(out),
            "--workers", "2"]
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=3000)


def _grades(out: Path) -> dict[str, dict[tuple[str, str], tuple[str, float, float]]]:
    with open(out / "grades.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["student_id", "notebook", "grade_id", "kind", "score", "max_score"]
        table: dict[str, dict] = defaultdict(dict)
        for row in reader:
            key = (row["notebook"], row["grade_id"])
            table[row["student_id"]][key] = (row["kind"], float(row["score"]), float(row["max_score"]))
    return table


def _auto(rows: dict, notebook: str | None = None) -> tuple[float, float]:
    picked = [v for (nb, _), v in rows.items() if v[0] == "auto" and notebook in (None, nb)]
    return sum(v[1] for v in picked), sum(v[2] for v in picked)


# autograde runs one job per student, its notebooks one after another: handed in by one
# student, the six solution notebooks took 447 s on one core while the other idled. Split
# over students (each with every module), the two workers share them: 3_cnn alone is the
# longest notebook (205 s), and the release's 5_transfer_learning still extracts features.
SPLIT = {
    "correct_cnn": ("correct", ["3_cnn"]),
    "correct_rest": ("correct", ["1_layers", "2_softmax_mlp", "4_captioning", "5_transfer_learning",
                                 "6_style_transfer"]),
    "untouched_transfer": ("untouched", ["5_transfer_learning"]),
    "untouched_rest": ("untouched", ["1_layers", "2_softmax_mlp", "3_cnn", "4_captioning", "6_style_transfer"]),
}


def test_whole_course_solution_full_marks_release_none(tmp_path):
    subs = tmp_path / "submissions"
    for student, (kind, notebooks) in SPLIT.items():
        source = SOLUTIONS if kind == "correct" else RELEASE
        folder = subs / student
        folder.mkdir(parents=True)
        for path in [*source.glob("*.py"), *(source / f"{nb}.ipynb" for nb in notebooks)]:
            shutil.copy(path, folder)
    out = tmp_path / "out"
    done = _autograde(subs, out)
    assert done.returncode == 0, done.stdout + done.stderr
    grades = _grades(out)
    notebooks = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
    for kind in ("correct", "untouched"):
        graded = [nb for student, (k, nbs) in SPLIT.items() if k == kind for nb in nbs]
        assert sorted(graded) == notebooks, kind  # every notebook once for each kind of student
    for student, (kind, handed_in) in SPLIT.items():
        for notebook in handed_in:
            earned, possible = _auto(grades[student], notebook)
            assert possible > 0, notebook
            if kind == "correct":
                assert earned == possible, (notebook, (out / "autograde.log").read_text())
            else:
                assert earned == 0.0, notebook
