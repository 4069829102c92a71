"""The demo's sample class of the real course says what grading gives each student: every claim checked.

`python -m grading demo` prints who each sample student is and, per notebook, what
grading gives them (:class:`grading.demo.sample_class.SampleStudent`). Here the default
demo runs as the README's command runs it (the real solutions and release, `1_layers`,
similarity, feedback, report); every claim on `1_layers` is checked against grades.csv and
results.json, and its output (every student's rows, feedback pages, report) as a whole. Grading the five other notebooks for 14 students takes
too long for a test, so claims on them are checked on the submission folders: "not
handed in" = no such notebook, "every automatic cell
keeps its points" = the notebook and every module are the solution's, "every automatic
cell scores 0" = they are the release's; that the solution earns every automatic
point of every notebook and the release none is what `test_course_autograde.py` checks.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from grading.autograde.run import AutogradeSettings
from grading.demo.run import build_demo_class, run_demo
from grading.demo.sample_class import (
    FULL,
    INVALID,
    LOSES,
    MISSING,
    ZERO,
    ZEROED,
)
from grading.demo.verbs import DEMO_CELL_TIMEOUT, DEMO_NOTEBOOKS
from grading.gradebook.manual_grades import write_template, written_cells
from grading.layout import CoursePaths, module_files
from grading.layout import notebook_ids as course_notebooks_of

REPO = Path(__file__).resolve().parent.parent
GRADED = "1_layers"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_class(tmp_path_factory):
    """`python -m grading demo` as the README runs it: its default class, graded on 1_layers with
    the demo verb's settings, then similarity, feedback and the report. The course's own release
    folder is one that must not be written (the demo releases into its DIR)."""
    root = tmp_path_factory.mktemp("demo")
    repo = CoursePaths.from_repo()
    course = CoursePaths(repo.source_dir, root / "must-not-be-written" / "dl", repo.datasets_dir)
    settings = AutogradeSettings(workers=2, notebooks=list(DEMO_NOTEBOOKS), cell_timeout=DEMO_CELL_TIMEOUT)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert run_demo(root / "demo-out", course, settings=settings) == 0
    demo = root / "demo-out"
    release = demo / "release" / "dl"
    # The descriptions the demo printed, built again from the same builder: deterministic.
    students = build_demo_class(repo, release, root / "rebuilt", DEMO_NOTEBOOKS)
    return repo, release, demo, students, printed.getvalue()


def _identical(folder: Path, reference: Path, notebook: str) -> bool:
    files = [f"{notebook}.ipynb", *module_files(reference)]
    return all((folder / name).is_file() and (folder / name).read_bytes() == (reference / name).read_bytes()
               for name in files)


def test_the_demo_class_has_the_fork_bomb_and_the_correct_student(demo_class):
    _, _, _, students, _ = demo_class
    assert "correct" in students and any("fork" in student for student in students)
    fork_bomb = students["adversarial_fork_bomb"].claims[GRADED]
    assert fork_bomb.kind == ZEROED and fork_bomb.cells == ("affine_forward_test", "affine_backward_test")


def test_every_claim_of_every_description_holds(demo_class):
    course, release, root, students, _ = demo_class
    results = json.loads((root / "graded" / "results.json").read_text())["students"]
    auto: dict[tuple[str, str], dict[str, tuple[float, float]]] = defaultdict(dict)
    with open(root / "graded" / "grades.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == "auto":
                auto[row["student_id"], row["notebook"]][row["grade_id"]] = (float(row["score"]),
                                                                             float(row["max_score"]))
    checked = 0
    for student, description in students.items():
        assert description.text().startswith(description.who)
        for notebook, claim in description.claims.items():
            where = f"{student}/{notebook}: {description.text()}"
            assert notebook == GRADED, f"the default demo grades {GRADED} only: {where}"
            status = results[student]["notebooks"][notebook]["status"]
            cells = auto[student, notebook]
            assert cells, where
            zero = {grade_id for grade_id, (score, _) in cells.items() if score == 0}
            full = {grade_id for grade_id, (score, top) in cells.items() if score == top}
            if claim.kind in (MISSING, INVALID):
                assert status == claim.kind and zero == set(cells), where
            elif claim.kind == FULL:
                assert status == "graded" and full == set(cells), where
            elif claim.kind == ZERO:
                assert zero == set(cells), where
            elif claim.kind == ZEROED:
                assert claim.cells and status == "graded", where
                assert zero == set(claim.cells) and full == set(cells) - set(claim.cells), (where, cells)
            elif claim.kind == LOSES:
                assert status == "graded" and full != set(cells), where
            else:
                pytest.fail(f"unknown claim {claim.kind!r}: {where}")
            checked += 1
    assert checked == len(students)


def test_the_full_demo_class_claims_on_files_hold(demo_class, tmp_path):
    """``demo --full``'s class: the claims that the files decide (not handed in, the solution's
    files, the release's files) hold for every notebook; the other kinds of claim come from the
    same builder as the default class, whose grading the test above checks."""
    course, release, _, _, _ = demo_class
    students = build_demo_class(course, release, tmp_path, None)
    checked = 0
    for student, description in students.items():
        folder = tmp_path / student
        for notebook, claim in description.claims.items():
            where = f"{student}/{notebook}: {description.text()}"
            if claim.kind == MISSING:
                assert not (folder / f"{notebook}.ipynb").exists(), where
            elif claim.kind == FULL and student == "correct":
                assert _identical(folder, course.source_dir, notebook), where
            elif claim.kind == FULL:  # correct alternatives and their disguised copy: their own code
                assert (folder / f"{notebook}.ipynb").is_file(), where
            elif claim.kind == ZERO and student == "untouched":
                assert _identical(folder, release, notebook), where
            else:
                continue
            checked += 1
    # correct and untouched on every notebook, the attackers' missing notebooks, ...
    assert checked >= 2 * len(course_notebooks_of(course.source_dir))


def test_the_hand_grading_template_of_the_demo_class_lists_only_written_answers(demo_class, tmp_path):
    course, release, root, students, _ = demo_class
    count, markdown = write_template(root / "graded", tmp_path / "scores.csv", course.source_dir)
    with open(tmp_path / "scores.csv", newline="") as handle:
        rows = {(row["student_id"], row["grade_id"]) for row in csv.DictReader(handle)}
    questions = [grade_id for notebook, grade_id in written_cells(course.source_dir) if notebook == GRADED]
    # Who handed in 1_layers as released: their written answers say "YOUR ANSWER HERE".
    handed_in = {student: root / "submissions" / student / f"{GRADED}.ipynb" for student in students}
    as_released = {student for student, path in handed_in.items()
                   if path.exists() and path.read_bytes() == (release / f"{GRADED}.ipynb").read_bytes()}
    # Who did not hand it in: nothing to grade, "notebook missing".
    missing = {student for student, path in handed_in.items() if not path.exists()}
    assert as_released == {"untouched", "partial"} and missing == {"missing_notebook"} and len(questions) == 3
    assert count == len(rows) and rows == {(s, q) for s in students for q in questions
                                           if s not in as_released | missing}
    listed = re.findall(r"^- (\S+), 1_layers / (\S+): (.+)$", markdown.read_text(), flags=re.M)
    assert sorted(listed) == sorted([(s, q, "no answer") for s in as_released for q in questions]
                                    + [(s, q, "notebook missing") for s in missing for q in questions])


def test_the_demo_prints_each_description_and_ends_with_the_report(demo_class):
    _, _, root, students, printed = demo_class
    assert not (root.parent / "must-not-be-written").exists()
    assert sorted(p.name for p in root.iterdir()) == ["graded", "release", "submissions"]
    lines = printed.strip().splitlines()
    for student, description in students.items():
        assert f"      {student}: {description.text()}" in lines, student
    assert lines[-2] == f"report:   {root / 'graded' / 'report' / 'report.html'}"
    assert lines[-1] == f"report:   {root / 'graded' / 'report' / 'report.pdf'}"
    assert (root / "graded" / "report" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (root / "graded" / "similarity" / "index.html").is_file()
    table = {line.split()[0]: line.split()[1:] for line in lines
             if line.split() and line.split()[0] in students and len(line.split()) == 3}
    # 1_layers: 20 automatic points and 4 of written answers; the 6-point derivation is extra credit
    assert table["correct"] == ["20/24", "20/24"]
    assert table["untouched"] == ["0/24", "0/24"]
    assert table["corrupt_notebook"] == ["!0/24", "0/24"]
    assert table["missing_notebook"] == ["!0/24", "0/24"]


def test_every_student_has_every_graded_cell_of_the_notebook(demo_class):
    """Nobody is dropped: every student, whatever happened, has a row for each of 1_layers' 20
    graded cells (17 automatic, the extra-credit derivation and two written questions)."""
    _, _, root, students, _ = demo_class
    rows: dict[str, dict[str, tuple[str, float, float]]] = defaultdict(dict)
    with open(root / "graded" / "grades.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            assert row["notebook"] == GRADED
            rows[row["student_id"]][row["grade_id"]] = (row["kind"], float(row["score"]), float(row["max_score"]))
    assert set(rows) == set(students)
    cells = set(rows["correct"])
    assert len(cells) == 20
    assert all(set(student_rows) == cells for student_rows in rows.values())
    for student in ("correct", "alternatives", "alternatives_2"):
        # the extra-credit derivation is hand-graded: 0 of its 6 points until then
        assert rows[student]["conv_backward_derivation"] == ("manual", 0.0, 6.0), student


def test_feedback_for_every_student_without_hidden_tests(demo_class):
    _, _, root, students, _ = demo_class
    for student in students:
        page = root / "graded" / "feedback" / student / f"{GRADED}.html"
        assert page.is_file(), student  # the missing and the corrupt notebook's pages say why
        assert "BEGIN HIDDEN TESTS" not in page.read_text(), student
