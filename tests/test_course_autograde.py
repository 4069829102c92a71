"""The real course through the real pipeline: `python -m grading autograde` on sample classes.

Two classes, built from the committed release (what students get) and the
solutions (what a correct student hands in):

* part 1 alone (`--notebook 1_layers`): correct, untouched, buggy, a correct
  alternative, a corrupt notebook and a missing module, checked row by row;
* every notebook for correct and untouched submissions (split over four students so
  that both workers are busy): the solution earns every automatic point of every part,
  the untouched release none.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from grading.mutation.mutant_files import apply_mutant, load_mutant

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions" / "dl"
RELEASE = REPO / "assignments" / "dl"
MUTANTS = Path(__file__).resolve().parents[1] / "grading" / "mutation" / "mutants"

pytestmark = pytest.mark.slow


def _correct(dest: Path) -> Path:
    """A student who did everything right: the solution notebooks (their own cells filled
    in; nbgrader restores every locked test cell from the gradebook) and modules."""
    dest.mkdir(parents=True)
    for path in [*SOLUTIONS.glob("*.ipynb"), *SOLUTIONS.glob("*.py")]:
        shutil.copy(path, dest)
    return dest


def _mutated(dest: Path, mutant: str) -> Path:
    _correct(dest)
    m = load_mutant(MUTANTS / f"{mutant}.py")
    target = dest / f"{m.module}.py"
    target.write_text(apply_mutant(target.read_text(), m))
    return dest


def _autograde(submissions: Path, out: Path, *notebooks: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "grading", "autograde", str(submissions), "--out", str(out),
            "--workers", "2"]
    for notebook in notebooks:
        argv += ["--notebook", notebook]
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


@pytest.fixture(scope="module")
def part1_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("part1")
    subs = root / "submissions"
    _correct(subs / "correct")
    shutil.copytree(RELEASE, subs / "untouched")
    _mutated(subs / "bug_relu_ge", "layers/relu_backward_ge")
    _mutated(subs / "bug_momentum_sign", "optim/momentum_sign")
    _mutated(subs / "alt_conv_einsum", "layers/alt_conv_einsum")
    (_correct(subs / "corrupt") / "1_layers.ipynb").write_text('{"cells": [')
    (_correct(subs / "no_layers_module") / "layers.py").unlink()
    out = root / "out"
    done = _autograde(subs, out, "1_layers")
    assert done.returncode == 0, done.stdout + done.stderr
    return out, _grades(out)


def test_part1_every_student_has_every_graded_cell(part1_class):
    _, grades = part1_class
    expected_cells = set(grades["correct"])
    assert len(expected_cells) == 20  # 17 autograded cells, the derivation and two written questions
    assert set(grades) == {"correct", "untouched", "bug_relu_ge", "bug_momentum_sign",
                           "alt_conv_einsum", "corrupt", "no_layers_module"}
    for student, rows in grades.items():
        assert set(rows) == expected_cells, student


def test_part1_correct_and_alternative_get_20_of_20(part1_class):
    _, grades = part1_class
    for student in ("correct", "alt_conv_einsum"):
        assert _auto(grades[student]) == (20.0, 20.0), student
        kind, score, max_score = grades[student][("1_layers", "conv_backward_derivation")]
        assert (kind, score, max_score) == ("manual", 0.0, 6.0)


def test_part1_untouched_release_scores_nothing(part1_class):
    _, grades = part1_class
    assert _auto(grades["untouched"]) == (0.0, 20.0)


def test_part1_each_bug_loses_exactly_its_cell(part1_class):
    _, grades = part1_class
    for student, cell in (("bug_relu_ge", "relu_test"), ("bug_momentum_sign", "sgd_momentum_test")):
        rows = grades[student]
        assert rows[("1_layers", cell)][1] == 0.0, student
        others = {k: v for k, v in rows.items() if k[1] != cell}
        assert all(v[1] == v[2] for v in others.values() if v[0] == "auto"), student


def test_part1_broken_submissions_are_graded_zero_with_the_reason(part1_class):
    out, grades = part1_class
    assert _auto(grades["corrupt"]) == (0.0, 20.0)
    assert _auto(grades["no_layers_module"]) == (0.0, 20.0)
    log = (out / "autograde.log").read_text()
    corrupt_lines = [line for line in log.splitlines() if "corrupt" in line and "1_layers" in line]
    assert corrupt_lines and any("JSON" in line or "valid" in line for line in corrupt_lines), log


def test_part1_feedback_for_every_student(part1_class):
    out, grades = part1_class
    for student in grades:
        page = out / "feedback" / student / "1_layers.html"
        assert page.is_file(), student
        assert "BEGIN HIDDEN TESTS" not in page.read_text()


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
