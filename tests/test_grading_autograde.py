"""End to end: a class of fixture submissions graded by the real nbgrader, two at a time."""

import csv
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grading.autograde.run import AutogradeSettings, autograde
from grading.demo.sample_class import build_sample_class
from grading.layout import CoursePaths
from grading.mutation.mutant_files import load_mutants
from grading.release.build import build_release
from grading.report.feedback import remote_resources

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = FIXTURES / "course" / "dl"
CELL_TIMEOUT = 12  # short for the infinite loop, long enough for honest cells on a busy machine

pytestmark = pytest.mark.slow

FULL = {
    ("1_basics", "square_test"): 2, ("1_basics", "add_test"): 1, ("1_basics", "hypotenuse_test"): 1,
    ("1_basics", "cube_test"): 1, ("1_basics", "why_square"): 0, ("2_loops", "total_test"): 2,
    ("2_loops", "loop_bonus"): 0,
}
ZERO = dict.fromkeys(FULL, 0)


def _with(base: dict, **changes: float) -> dict:
    scores = dict(base)
    for key, value in changes.items():
        notebook, grade_id = key.split("__")
        scores[(notebook, grade_id)] = value
    return scores


def _zero_notebook(base: dict, notebook: str) -> dict:
    return {key: (0 if key[0] == notebook else value) for key, value in base.items()}


EXPECTED = {
    "correct": FULL,
    "untouched": ZERO,
    # Release with square and total (every other function) filled in.
    "partial": _with(ZERO, **{"1_basics__square_test": 2, "2_loops__total_test": 2}),
    "bug_mathops_add_abs": _with(FULL, **{"1_basics__add_test": 0}),
    "corrupt_notebook": _zero_notebook(FULL, "1_basics"),
    "missing_notebook": _zero_notebook(FULL, "2_loops"),
    "not_a_notebook": _zero_notebook(FULL, "2_loops"),
    # The import fails; only the notebook's own cube survives.
    "syntax_error": _with(ZERO, **{"1_basics__cube_test": 1}),
    "infinite_loop": _with(FULL, **{"1_basics__hypotenuse_test": 0}),
    # square kills the kernel: its test and hypotenuse's (which calls it) score 0, the kernel is
    # restarted and the rest of the notebook keeps its points.
    "kernel_crash": _with(FULL, **{"1_basics__square_test": 0, "1_basics__hypotenuse_test": 0}),
    # A folder name nbgrader cannot take as a student id: graded 0, not dropped.
    "bad name": ZERO,
}

EXPECTED_LOG = {
    "corrupt_notebook/1_basics": r"invalid: notebook is not valid JSON \(line \d+",
    "missing_notebook/2_loops": r"missing: no 2_loops.ipynb in the submission: graded 0",
    "not_a_notebook/2_loops": r"invalid: not a valid Jupyter notebook",
    "kernel_crash/1_basics": r"graded 2/7 \(square_test: the kernel died while running this cell",
    "bad name/1_basics": r"invalid: student id 'bad name' has characters nbgrader cannot use",
    "infinite_loop/1_basics": rf"graded 4/7 \(hypotenuse_test stopped by the {CELL_TIMEOUT} s limit per cell\)",
    "correct/1_basics": r"graded 5/7 \[",
    "bug_mathops_add_abs/1_basics": r"graded 4/7 \[",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("autograde")
    release = work / "release" / "dl"
    build_release(SOURCE, release)
    submissions = work / "submissions"
    build_sample_class(SOURCE, release, submissions, load_mutants(FIXTURES / "mutants"))
    # Valid JSON, but not a notebook.
    not_a_notebook = shutil.copytree(SOURCE, submissions / "not_a_notebook")
    (not_a_notebook / "2_loops.ipynb").write_text('{"cells": "none"}')
    shutil.copytree(SOURCE, submissions / "bad name")
    (submissions / "README.txt").write_text("not a student")
    out = work / "out"
    settings = AutogradeSettings(workers=2, cell_timeout=CELL_TIMEOUT, submission_timeout=300)
    summary = autograde(submissions, out, CoursePaths(SOURCE, release), settings, echo=lambda line: None)
    return out, summary


def test_every_student_notebook_and_cell_is_in_grades_csv_with_the_right_score(graded):
    out, _ = graded
    with open(out / "grades.csv", newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["student_id", "notebook", "grade_id", "kind", "score", "max_score"]
        rows = list(reader)
    assert rows == sorted(rows, key=lambda row: (row[0], row[1], row[2]))
    expected_rows = []
    max_scores = {("1_basics", "why_square"): 2, ("2_loops", "loop_bonus"): 1} | {
        key: value for key, value in FULL.items() if value}
    for student in sorted(EXPECTED):
        for (notebook, grade_id), score in sorted(EXPECTED[student].items()):
            kind = "manual" if grade_id in ("why_square", "loop_bonus") else "auto"
            expected_rows.append([student, notebook, grade_id, kind, f"{score:g}",
                                  f"{max_scores[(notebook, grade_id)]:g}"])
    assert rows == expected_rows


def test_log_gives_a_reason_for_every_zeroed_notebook(graded):
    out, summary = graded
    log = (out / "autograde.log").read_text()
    for prefix, pattern in EXPECTED_LOG.items():
        lines = [line for line in log.splitlines() if line.startswith(prefix + ":")]
        assert len(lines) == 1 and re.search(pattern, lines[0]), (prefix, lines)
    assert "README.txt: not a student folder" in log
    assert not summary.graded_everyone


def test_results_json_has_status_reason_seconds_and_scores(graded):
    out, _ = graded
    results = json.loads((out / "results.json").read_text())
    assert sorted(results["students"]) == sorted(EXPECTED)
    kernel = results["students"]["kernel_crash"]
    assert kernel["notebooks"]["1_basics"]["status"] == "graded"
    assert "square_test: the kernel died" in kernel["notebooks"]["1_basics"]["reason"]
    loops = kernel["notebooks"]["2_loops"]
    assert loops.pop("seconds") > 0
    # loop_bonus (1 point) is extra credit: in the score when earned, never in the points possible
    assert loops == {"status": "graded", "reason": "", "score": 2.0, "max_score": 2.0, "extra_credit": 0.0,
                     "cells": {"loop_bonus": 0.0, "total_test": 2.0}}
    assert results["extra_credit"] == {"2_loops": {"loop_bonus": 1.0}}
    assert all(student["seconds"] > 0 for name, student in results["students"].items() if name != "bad name")
    # Notebooks rejected before grading never ran.
    assert results["students"]["corrupt_notebook"]["notebooks"]["1_basics"]["seconds"] == 0


def test_gradebook_is_a_real_nbgrader_gradebook(graded):
    from nbgrader.api import Gradebook

    out, _ = graded
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert sorted(s.id for s in gb.students) == sorted(set(EXPECTED) - {"bad name"})
        assert gb.find_submission("dl", "correct").score == 7
        assert gb.find_submission_notebook("1_basics", "dl", "correct").needs_manual_grade


def test_feedback_shows_scores_and_no_hidden_test_or_remote_resource(graded):
    out, _ = graded
    pages = sorted((out / "feedback").rglob("*.html"))
    assert [p.relative_to(out / "feedback").as_posix() for p in pages] == sorted(
        f"{student}/{notebook}.html" for student in EXPECTED for notebook in ("1_basics", "2_loops"))
    for page in pages:
        text = page.read_text()
        for secret in ("HIDDEN TESTS", "secret_expected_sum", "square(-4)", "total([])"):
            assert secret not in text, (page, secret)
        assert remote_resources(text) == [], page
    correct = (out / "feedback" / "correct" / "1_basics.html").read_text()
    assert "(Score: 5.0 / 7.0)" in correct and "hidden tests (2 lines) ran here" in correct
    loops = (out / "feedback" / "correct" / "2_loops.html").read_text()
    assert "(Score: 2.0 / 2; extra credit 0 of 1, included in the score)" in loops
    assert 'href="#loop_bonus">Written response, extra credit</a>' in loops
    bug = (out / "feedback" / "bug_mathops_add_abs" / "1_basics.html").read_text()
    assert "AssertionError: add(-1, 1) is wrong" in bug  # the message, not the failing hidden line
    corrupt = (out / "feedback" / "corrupt_notebook" / "1_basics.html").read_text()
    assert "not valid JSON" in corrupt and "square_test" in corrupt


def test_cli_fails_clearly_when_grading_itself_cannot_run(tmp_path):
    done = subprocess.run([sys.executable, "-m", "grading", "autograde", str(tmp_path / "nope"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent, check=False)
    assert done.returncode == 2
    assert "is not a folder; SUBMISSIONS must hold one folder per student" in done.stderr


def test_a_submission_past_its_wall_clock_limit_is_killed_and_graded_zero(tmp_path):
    submissions = tmp_path / "submissions"
    stubborn = shutil.copytree(SOURCE, submissions / "stubborn")
    module = stubborn / "mathops.py"
    # Ignores the interrupt the per-cell limit sends: only the submission limit stops it.
    module.write_text(module.read_text().replace(
        "    result = 0\n",
        "    import signal\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass\n", 1))
    out = tmp_path / "out"
    settings = AutogradeSettings(workers=1, notebooks=["2_loops"], cell_timeout=60, submission_timeout=15)
    summary = autograde(submissions, out, CoursePaths(SOURCE, SOURCE), settings, echo=lambda line: None)
    result = summary.outcomes["stubborn"].notebooks["2_loops"]
    assert (result.status, result.score) == ("timeout", 0)
    assert "stopped after the 15 s wall-clock limit" in result.reason
    assert (out / "grades.csv").read_text().splitlines()[1:] == [
        "stubborn,2_loops,loop_bonus,manual,0,1", "stubborn,2_loops,total_test,auto,0,2"]


def test_when_nbgrader_fails_its_log_is_kept_and_the_real_exception_is_the_reason(tmp_path, monkeypatch):
    """A kernel that cannot start (a 40 MB memory cap) makes nbgrader itself fail on the notebook."""
    from grading.report.class_report import build_report

    shutil.copytree(SOURCE, tmp_path / "submissions" / "alice")
    monkeypatch.setenv("DL_GRADING_KERNEL_MEMORY", "40M")
    out = tmp_path / "out"
    settings = AutogradeSettings(workers=1, notebooks=["1_basics"], cell_timeout=CELL_TIMEOUT)
    summary = autograde(tmp_path / "submissions", out, CoursePaths(SOURCE, SOURCE), settings, echo=lambda line: None)
    result = summary.outcomes["alice"].notebooks["1_basics"]
    log = (out / "logs" / "alice" / "1_basics.log").read_text()
    assert "Traceback (most recent call last)" in log and "Please see the the above traceback" in log
    real = "RuntimeError: Kernel died before replying to kernel_info"
    assert result.status == "failed" and real in result.reason and "above traceback" not in result.reason
    line = next(line for line in (out / "autograde.log").read_text().splitlines()
                if line.startswith("alice/1_basics: failed"))
    assert real in line and "above traceback" not in line
    page = build_report(out)[0].read_text()
    assert html.escape(real) in page and 'href="../logs/alice/1_basics.log"' in page
