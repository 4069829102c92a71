"""Hand grading end to end: `python -m grading autograde` on a small class of the fixture
course, then `python -m grading manual-grades` (template, import, re-import, refused files),
checked in grades.csv, results.json and nbgrader's own gradebook."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grading.gradebook.manual_grades import split_answer_and_rubric
from grading.release.build import build_release

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "course" / "dl"

pytestmark = pytest.mark.slow

# The fixture course: 1_basics has 5 automatic points and why_square (2, hand-graded);
# 2_loops has 2 automatic points and loop_bonus (1, hand-graded, extra credit).
AUTO = {"correct": 7.0, "untouched": 0.0}


def _run(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "grading", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def _manual(capsys, course: Path, *argv: str) -> tuple[int, str, str]:
    """``python -m grading manual-grades ...`` in this process (the autograde above runs as a
    real command; here the same entry point without a second interpreter start per call)."""
    from grading.cli import main

    capsys.readouterr()
    cwd = Path.cwd()
    os.chdir(course)  # the default --source is solutions/dl of the current folder
    try:
        code = main(["manual-grades", *argv])
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _grades(out: Path) -> dict[tuple[str, str, str], tuple[str, float, float]]:
    with open(out / "grades.csv", newline="") as handle:
        return {(r["student_id"], r["notebook"], r["grade_id"]): (r["kind"], float(r["score"]), float(r["max_score"]))
                for r in csv.DictReader(handle)}


def _total(grades: dict, student: str, kind: str | None = None) -> float:
    return sum(score for (s, _, _), (k, score, _) in grades.items() if s == student and kind in (None, k))


def _write(path: Path, rows: list[list[str]], header=("student_id", "notebook", "grade_id", "max_score",
                                                        "score", "comment")) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A course folder (solutions/dl = the fixture course, assignments/dl its release) and a
    class of two graded through the command line."""
    root = tmp_path_factory.mktemp("manual")
    course = root / "course"
    shutil.copytree(FIXTURE, course / "solutions" / "dl")
    build_release(course / "solutions" / "dl", course / "assignments" / "dl")
    subs = root / "submissions"
    shutil.copytree(FIXTURE, subs / "correct")  # the source notebooks: model answers filled in
    shutil.copytree(course / "assignments" / "dl", subs / "untouched")
    (subs / "untouched" / "1_basics.ipynb").write_text(
        (subs / "untouched" / "1_basics.ipynb").read_text().replace(
            "YOUR ANSWER HERE", "Because squares of negatives are positive."))
    shutil.copytree(FIXTURE, subs / "no_loops")  # never handed in 2_loops
    (subs / "no_loops" / "2_loops.ipynb").unlink()
    out = root / "out"
    done = _run(course, "autograde", str(subs), "--out", str(out), "--workers", "2", "--cell-timeout", "60")
    assert done.returncode == 0, done.stdout + done.stderr
    return course, out


def test_autograde_leaves_the_written_answers_at_zero_as_manual_rows(graded):
    _, out = graded
    grades = _grades(out)
    for student in ("correct", "untouched"):
        assert grades[(student, "1_basics", "why_square")] == ("manual", 0.0, 2.0)
        assert grades[(student, "2_loops", "loop_bonus")] == ("manual", 0.0, 1.0)
        assert _total(grades, student, "auto") == AUTO[student]


def test_template_lists_every_answer_with_rubric_and_text(graded, capsys, tmp_path):
    course, out = graded
    template = tmp_path / "scores.csv"
    code, stdout, stderr = _manual(capsys, course, str(out), "--template", str(template))
    assert code == 0, stderr
    assert "4 answer(s) to grade" in stdout
    with open(template, newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["student_id", "notebook", "grade_id", "max_score", "score", "comment",
                                     "rubric", "answer"]
        rows = {(r["student_id"], r["grade_id"]): r for r in reader}
    # Only answers a student wrote: untouched left loop_bonus as released, no_loops has no 2_loops.
    assert sorted(rows) == [("correct", "loop_bonus"), ("correct", "why_square"),
                            ("no_loops", "why_square"), ("untouched", "why_square")]
    assert rows[("correct", "why_square")]["max_score"] == "2" and rows[("correct", "why_square")]["score"] == ""
    assert "multiplies two numbers of the same sign" in rows[("correct", "why_square")]["answer"]
    # The whole answer cell as the student left it (the fixture asks in the same cell).
    assert rows[("untouched", "why_square")]["answer"].endswith("\n\nBecause squares of negatives are positive.")
    markdown = template.with_suffix(".md").read_text()
    listed = markdown.split("## Scored 0 without grading (2)\n", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^- .*$", listed, flags=re.M) == [
        "- no_loops, 2_loops / loop_bonus: notebook missing", "- untouched, 2_loops / loop_bonus: no answer"]
    assert "### untouched\n\n> YOUR ANSWER HERE" not in markdown and "\n### no_loops\n\n> (not graded" not in markdown
    assert "## 1_basics / why_square (2 points)" in markdown and "Why is `square(x)` never negative" in markdown
    assert "> Because squares of negatives are positive." in markdown
    # An existing file is not overwritten without --force.
    code, stdout, stderr = _manual(capsys, course, str(out), "--template", str(template))
    assert code == 2 and "exists" in stderr


def test_the_template_itself_imports_and_errors_name_the_line_where_a_record_starts(graded, capsys, tmp_path):
    course, out = graded
    template = tmp_path / "filled.csv"
    assert _manual(capsys, course, str(out), "--template", str(template))[0] == 0
    with open(template, newline="") as handle:
        header, *body = list(csv.reader(handle))
    target = next(i for i, row in enumerate(body) if row[0] == "untouched" and row[2] == "why_square")
    body[target][header.index("score")] = "7"
    _write(template, body, header=header)
    lines = template.read_text().split("\n")
    start = 1 + next(i for i, line in enumerate(lines) if line.startswith("untouched,1_basics,why_square,"))
    assert start != target + 2  # multi-line answers above it
    code, _, stderr = _manual(capsys, course, str(out), "--import", str(template))
    assert code == 2 and f"line {start} (row {target + 2}): score 7 for 1_basics/why_square" in stderr, stderr
    body[target][header.index("score")] = ""
    _write(template, body, header=header)
    before = (out / "grades.csv").read_bytes()
    code, stdout, stderr = _manual(capsys, course, str(out), "--import", str(template))
    assert code == 0 and "recorded 0 manual score(s)" in stdout, stderr
    # The answers with nothing written are scored 0 on import, their reason as the grader's comment.
    assert "recorded 0 for 2 written answer(s) with nothing written" in stdout
    assert (out / "grades.csv").read_bytes() == before  # they were 0 already
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        for student, notebook, reason in (("untouched", "2_loops", "no answer"),
                                          ("no_loops", "2_loops", "notebook missing")):
            assert gb.find_grade("loop_bonus", notebook, "dl", student).manual_score == 0
            assert gb.find_comment("loop_bonus", notebook, "dl", student).manual_comment == reason


def _gradebook_scores(out: Path) -> dict[tuple[str, str], tuple[float | None, bool, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        result = {}
        for student in ("correct", "untouched"):
            for notebook, grade_id in (("1_basics", "why_square"), ("2_loops", "loop_bonus")):
                grade = gb.find_grade(grade_id, notebook, "dl", student)
                result[(student, grade_id)] = (grade.manual_score, grade.needs_manual_grade, grade.score)
        result[("correct", "submission")] = (None, False, gb.find_submission("dl", "correct").score)
        return result


def test_import_records_manual_scores_and_final_totals_then_reimport_overwrites(graded, capsys, tmp_path):
    course, out = graded
    first = _write(tmp_path / "first.csv", [
        ["correct", "1_basics", "why_square", "2", "1.5", "right idea, no sign argument"],
        ["correct", "2_loops", "loop_bonus", "1", "1", ""],
        ["untouched", "1_basics", "why_square", "2", "0.5", ""],
        ["untouched", "2_loops", "loop_bonus", "1", "", ""],  # blank: left as it is (0: no answer)
    ])
    code, stdout, stderr = _manual(capsys, course, str(out), "--import", str(first))
    assert code == 0, stderr
    assert "recorded 3 manual score(s)" in stdout
    grades = _grades(out)
    assert grades[("correct", "1_basics", "why_square")] == ("manual", 1.5, 2.0)
    assert grades[("correct", "2_loops", "loop_bonus")] == ("manual", 1.0, 1.0)
    assert grades[("untouched", "1_basics", "why_square")] == ("manual", 0.5, 2.0)
    assert _total(grades, "correct") == 7 + 1.5 + 1 and _total(grades, "untouched") == 0.5
    assert _total(grades, "correct", "auto") == AUTO["correct"]  # automatic scores untouched
    line = next(line for line in stdout.splitlines() if line.startswith("correct "))
    assert line.split() == ["correct", "7", "1.5", "1", "9.5", "9"]  # loop_bonus is extra credit
    results = json.loads((out / "results.json").read_text())
    basics = results["students"]["correct"]["notebooks"]["1_basics"]
    assert basics["cells"]["why_square"] == 1.5 and basics["score"] == 6.5
    # nbgrader's own view (what its formgrader shows).
    scores = _gradebook_scores(out)
    assert scores[("correct", "why_square")] == (1.5, False, 1.5)
    assert scores[("untouched", "loop_bonus")][0] == 0  # no answer, recorded by the import before
    assert scores[("correct", "submission")][2] == 9.5
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        comment = gb.find_comment("why_square", "1_basics", "dl", "correct")
        assert comment.manual_comment == "right idea, no sign argument"

    # The template now shows what was recorded.
    template = tmp_path / "again.csv"
    assert _manual(capsys, course, str(out), "--template", str(template))[0] == 0
    with open(template, newline="") as handle:
        rows = {(r["student_id"], r["grade_id"]): r for r in csv.DictReader(handle)}
    assert rows[("correct", "why_square")]["score"] == "1.5"
    assert rows[("correct", "why_square")]["comment"] == "right idea, no sign argument"
    assert ("untouched", "loop_bonus") not in rows

    # A second import overwrites what it names and keeps the rest.
    second = _write(tmp_path / "second.csv", [["correct", "1_basics", "why_square", "2", "2", "full marks on review"]])
    code, stdout, stderr = _manual(capsys, course, str(out), "--import", str(second))
    assert code == 0, stderr
    grades = _grades(out)
    assert grades[("correct", "1_basics", "why_square")] == ("manual", 2.0, 2.0)
    assert grades[("untouched", "1_basics", "why_square")] == ("manual", 0.5, 2.0)
    assert _total(grades, "correct") == 10.0
    assert _gradebook_scores(out)[("correct", "submission")][2] == 10.0


BAD_FILES = {
    "unknown student": ([["mallory", "1_basics", "why_square", "2", "1", ""]], r"line 3: student 'mallory' is not in the gradebook"),
    "unknown cell": ([["correct", "1_basics", "why_cube", "2", "1", ""]], r"line 3: no graded cell 'why_cube' in notebook '1_basics'"),
    "autograded cell": ([["correct", "1_basics", "square_test", "2", "1", ""]], r"line 3: 1_basics/square_test is graded automatically"),
    "above max": ([["correct", "1_basics", "why_square", "2", "3", ""]], r"line 3: score 3 for 1_basics/why_square is outside 0..2"),
    "negative": ([["correct", "2_loops", "loop_bonus", "1", "-0.5", ""]], r"line 3: score -0.5 for 2_loops/loop_bonus is outside 0..1"),
    "not a number": ([["correct", "1_basics", "why_square", "2", "two", ""]], r"line 3: score 'two' is not a number"),
    "nan": ([["correct", "1_basics", "why_square", "2", "nan", ""]], r"line 3: score 'nan' is not a number"),
    "duplicate": ([["correct", "1_basics", "why_square", "2", "1", ""]] * 2, r"line 4: correct 1_basics/why_square is already scored on line 3"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_naming_the_line_and_nothing_is_written(graded, capsys, tmp_path, case):
    course, out = graded
    rows, message = BAD_FILES[case]
    # A valid first line: it must not be imported either.
    path = _write(tmp_path / "bad.csv", [["untouched", "2_loops", "loop_bonus", "1", "1", ""], *rows])
    before_csv, before_db = (out / "grades.csv").read_bytes(), _gradebook_scores(out)
    before_results = (out / "results.json").read_bytes()
    code, stdout, stderr = _manual(capsys, course, str(out), "--import", str(path))
    assert code == 2, stdout
    assert "nothing was imported" in stderr
    assert re.search(message, stderr), stderr
    assert (out / "grades.csv").read_bytes() == before_csv
    assert (out / "results.json").read_bytes() == before_results
    assert _gradebook_scores(out) == before_db


def test_missing_columns_and_missing_out_are_clear_errors(graded, capsys, tmp_path):
    course, out = graded
    path = _write(tmp_path / "cols.csv", [["correct", "why_square", "1"]], header=("student", "grade_id", "points"))
    code, stdout, stderr = _manual(capsys, course, str(out), "--import", str(path))
    assert code == 2 and "line 1: missing column(s) student_id, notebook, score" in stderr
    code, stdout, stderr = _manual(capsys, course, str(tmp_path / "nowhere"), "--template", str(tmp_path / "t.csv"))
    assert code == 2 and "OUT must be the --out folder" in stderr


def test_rubric_and_model_answer_come_from_the_solution_region():
    source = ("Question text\n### BEGIN SOLUTION\nThe answer.\n\nMore.\n\n#### Rubric (for graders)\n"
              "- 1 pt: this\n- 1 pt: that\n### END SOLUTION")
    assert split_answer_and_rubric(source) == ("The answer.\n\nMore.", "- 1 pt: this\n- 1 pt: that")
    assert split_answer_and_rubric("### BEGIN SOLUTION\nOnly an answer.\n### END SOLUTION") == ("Only an answer.", "")
    assert split_answer_and_rubric("no region") == ("", "")


def test_scores_given_in_nbgrader_formgrader_reach_grades_csv_with_any_import(graded, capsys, tmp_path):
    """The formgrader path: its API handler sets manual_score and needs_manual_grade like this
    (nbgrader/server_extensions/formgrader/apihandlers.py, GradeHandler.put); an import of a
    file with every score blank then rewrites grades.csv from the gradebook."""
    from nbgrader.api import Gradebook

    course, out = graded
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        grade = gb.find_grade("loop_bonus", "2_loops", "dl", "untouched")
        grade.manual_score = 0.5
        grade.needs_manual_grade = False
        gb.db.commit()
    blank = _write(tmp_path / "blank.csv", [["untouched", "2_loops", "loop_bonus", "1", "", ""]])
    code, stdout, stderr = _manual(capsys, course, str(out), "--import", str(blank))
    assert code == 0, stderr
    assert "recorded 0 manual score(s)" in stdout
    assert _grades(out)[("untouched", "2_loops", "loop_bonus")] == ("manual", 0.5, 1.0)
