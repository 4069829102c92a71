"""LMS export from a real nbgrader gradebook: autograded scores, hand-graded scores when present."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grading.gradebook.database import CourseGradebook, sqlite_url
from grading.gradebook.export import ExportError, export
from grading.layout import extra_credit_cells
from grading.release.build import generate_assignment

SOURCE = Path(__file__).parent / "fixtures" / "course" / "dl"
REPO = Path(__file__).parent.parent
NOTEBOOKS = ["1_basics", "2_loops"]
# Autograded scores given to each student; the fixture's cells and their points:
# 1_basics: square_test 2, add_test 1, hypotenuse_test 1, cube_test 1 (auto), why_square 2 (manual)
# 2_loops: total_test 2 (auto), loop_bonus 1 (manual, extra credit)
AUTO = {
    "ann": {"square_test": 2, "add_test": 1, "hypotenuse_test": 1, "cube_test": 1, "total_test": 2},
    "ben": {"square_test": 2, "add_test": 0, "hypotenuse_test": 0, "cube_test": 0, "total_test": 0},
}


@pytest.fixture(scope="module")
def graded_out(tmp_path_factory):
    """OUT with a gradebook as autograde leaves it, then a hand grade entered in nbgrader's gradebook."""
    work = tmp_path_factory.mktemp("export")
    template = generate_assignment(SOURCE, work / "template")
    out = work / "out"
    out.mkdir()
    gradebook = CourseGradebook(sqlite_url(out / "gradebook.db"))
    gradebook.start_from_template(template.gradebook)
    for student in AUTO:
        gradebook.record_zero(student, NOTEBOOKS)
    with Gradebook(gradebook.db_url) as gb:
        for student, scores in AUTO.items():
            for notebook in NOTEBOOKS:
                for grade in gb.find_submission_notebook(notebook, "dl", student).grades:
                    if grade.name in scores:
                        grade.auto_score = scores[grade.name]
        gb.find_grade("why_square", "1_basics", "dl", "ann").manual_score = 1.5  # hand-graded
        gb.find_grade("add_test", "1_basics", "dl", "ben").manual_score = 0.5  # an instructor override
        gb.find_grade("loop_bonus", "2_loops", "dl", "ann").manual_score = 1  # extra credit earned
        gb.db.commit()
    students = {s: {"notebooks": {}} for s in [*AUTO, "bad name"]}
    (out / "results.json").write_text(json.dumps({"notebooks": NOTEBOOKS, "students": students,
                                                  "extra_credit": extra_credit_cells(SOURCE)}))
    return out


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_generic_layout_has_notebook_totals_auto_manual_total_max(graded_out):
    path = export(graded_out, "generic", warn=lambda line: None)
    assert path == graded_out / "grades-generic.csv"
    assert _rows(path) == [
        ["student_id", "1_basics", "2_loops", "auto", "manual", "extra_credit", "total", "max", "manual_pending"],
        # loop_bonus (extra credit) counts in the scores, not in the maximum: 2_loops 3 of 2 points
        ["ann", "6.5", "3", "7", "1.5", "1", "9.5", "9", "0"],
        ["bad name", "0", "0", "0", "0", "0", "0", "9", "2"],  # an id nbgrader cannot hold: in, at 0
        ["ben", "2.5", "0", "2.5", "0", "0", "2.5", "9", "2"],  # the override counts instead of 0
    ]


def test_canvas_layout_without_roster(graded_out, tmp_path):
    path = export(graded_out, "canvas", tmp_path / "canvas.csv", warn=lambda line: None)
    assert _rows(path) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "dl 1_basics", "dl 2_loops"],
        ["    Points Possible", "", "", "", "", "7", "2"],  # without the extra credit
        ["ann", "", "ann", "ann", "", "6.5", "3"],  # with it: more than possible
        ["bad name", "", "bad name", "bad name", "", "0", "0"],
        ["ben", "", "ben", "ben", "", "2.5", "0"],
    ]


def test_canvas_layout_takes_canvas_ids_from_a_roster(graded_out, tmp_path):
    roster = tmp_path / "canvas-export.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Homework 0 (1234)\n"
        "    Points Possible,,,,,10\n"
        '"Doe, Ann",101,S-1,ann,Section A,9\n'
        '"Roe, Ben",102,ben,ben@example.edu,Section B,7\n'
    )
    warnings: list[str] = []
    path = export(graded_out, "canvas", tmp_path / "canvas.csv", roster=roster, total_only=True,
                  warn=warnings.append)
    assert _rows(path) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "dl"],
        ["    Points Possible", "", "", "", "", "9"],
        ["Doe, Ann", "101", "S-1", "ann", "Section A", "9.5"],
        ["Roe, Ben", "102", "ben", "ben@example.edu", "Section B", "2.5"],
    ]
    assert any("bad name: not in the roster" in line for line in warnings)


def test_bad_input_is_a_clear_error(graded_out, tmp_path):
    with pytest.raises(ExportError, match="results.json not found: OUT must be the --out folder"):
        export(tmp_path, "generic")
    not_canvas = tmp_path / "roster.csv"
    not_canvas.write_text("name,score\nann,1\n")
    with pytest.raises(ExportError, match="is not a Canvas gradebook export: its header needs Student"):
        export(graded_out, "canvas", tmp_path / "x.csv", roster=not_canvas)


def test_cli_export(graded_out, tmp_path):
    target = tmp_path / "grades.csv"
    done = subprocess.run([sys.executable, "-m", "grading", "export", str(graded_out), "--format", "canvas",
                           "--out", str(target)], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    assert f"export: 3 students -> {target}" in done.stderr
    assert _rows(target)[2] == ["ann", "", "ann", "ann", "", "6.5", "3"]
    done = subprocess.run([sys.executable, "-m", "grading", "export", str(tmp_path / "nothing")],
                          capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 2 and "results.json not found" in done.stderr


def test_canvas_points_possible_of_the_real_course_leave_out_extra_credit(tmp_path):
    """1_layers: 20 automatic points, 4 written ones and a 6-point extra-credit derivation."""
    source = REPO / "solutions" / "dl"
    template = generate_assignment(source, tmp_path / "template")
    out = tmp_path / "out"
    out.mkdir()
    gradebook = CourseGradebook(sqlite_url(out / "gradebook.db"))
    gradebook.start_from_template(template.gradebook)
    gradebook.record_zero("eve", ["1_layers"])
    with Gradebook(gradebook.db_url) as gb:
        for grade in gb.find_submission_notebook("1_layers", "dl", "eve").grades:
            grade.manual_score = grade.max_score  # every point, the extra credit's too
        gb.db.commit()
    extra = extra_credit_cells(source)
    assert extra == {"1_layers": {"conv_backward_derivation": 6.0}}
    (out / "results.json").write_text(json.dumps({"notebooks": ["1_layers"], "students": {"eve": {}},
                                                  "extra_credit": extra}))
    rows = _rows(export(out, "canvas", warn=lambda line: None))
    assert rows[1][-1] == "24" and rows[2][-1] == "30"
