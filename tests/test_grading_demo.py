"""The default demo class has every failure mode on its notebook. The demo itself runs, as the
README runs it, in ``test_demo_class_claims.py``, which checks its output."""

from pathlib import Path

import pytest

from grading.layout import CoursePaths

pytestmark = pytest.mark.slow


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
