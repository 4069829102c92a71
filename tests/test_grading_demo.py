"""The demo on the fixture course: everything under DIR, a summary and the report paths last."""

from pathlib import Path

import pytest

from grading.autograde import AutogradeSettings
from grading.course import CoursePaths
from grading.demo import run_demo

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.slow


def test_demo_writes_everything_under_dir_and_ends_with_the_report(tmp_path, capsys):
    out = tmp_path / "demo-out"
    course = CoursePaths(FIXTURES / "course" / "dl", tmp_path / "must-not-be-written" / "dl")
    # 12 s: short for the sample infinite loop, long enough for honest cells on a busy machine.
    settings = AutogradeSettings(workers=2, cell_timeout=12, submission_timeout=300)
    assert run_demo(out, course, mutants_dir=FIXTURES / "mutants", settings=settings) == 0

    assert not (tmp_path / "must-not-be-written").exists()
    assert sorted(p.name for p in out.iterdir()) == ["graded", "release", "submissions"]
    assert (out / "release" / "dl" / "mathops.py").is_file()
    assert (out / "graded" / "report" / "report.pdf").read_bytes().startswith(b"%PDF")

    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2] == f"report:   {out / 'graded' / 'report' / 'report.html'}"
    assert lines[-1] == f"report:   {out / 'graded' / 'report' / 'report.pdf'}"
    table = {line.split()[0]: line.split()[1:] for line in lines if line.split() and " / " not in line}
    # 2_loops' loop_bonus (1 point) is extra credit: not in the points possible
    assert table["correct"] == ["5/7", "2/2", "7/9"]
    assert table["corrupt_notebook"] == ["!0/7", "2/2", "2/9"]
    assert table["untouched"] == ["0/7", "0/2", "0/9"]
    assert table["bug_mathops_add_abs"][-1] == "6/9"
