"""The demo on the fixture course: everything under DIR, a summary and the report paths last."""

from pathlib import Path

import pytest

from grading.autograde.run import AutogradeSettings
from grading.demo.run import run_demo
from grading.layout import CoursePaths

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




def test_the_default_demo_class_has_every_failure_mode_on_its_notebook(tmp_path):
    """The default demo grades 1_layers only: its failure modes must land on that notebook."""
    from grading.demo.sample_class import build_sample_class
    from grading.demo.verbs import DEMO_NOTEBOOKS
    from grading.mutation.mutant_files import BUNDLED_MUTANTS, load_mutants

    course = CoursePaths.from_repo(Path(__file__).resolve().parents[1])
    [notebook] = DEMO_NOTEBOOKS
    students = build_sample_class(course.source_dir, course.release_dir, tmp_path, load_mutants(BUNDLED_MUTANTS),
                                  max_mutants=2, adversarial=True, graded_notebooks=DEMO_NOTEBOOKS)
    assert not (tmp_path / "missing_notebook" / f"{notebook}.ipynb").exists()
    assert (tmp_path / "missing_notebook").is_dir()
    assert notebook in students["corrupt_notebook"].text()
    assert "correct" in students and "adversarial_fork_bomb" in students
    assert {"adversarial_allclose", "adversarial_network", "adversarial_memory_bomb"} <= set(students)
    assert {"syntax_error", "infinite_loop", "kernel_crash", "untouched"} <= set(students)
    assert sum(student.startswith("bug_") for student in students) == 2
