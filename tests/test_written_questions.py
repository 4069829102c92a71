"""The hand-graded written questions of every part: nbgrader metadata, a prompt, a model answer
and a rubric in the source, nothing of them in the release, and `manual` cells in the gradebook."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from grading.gradebook.manual_grades import split_answer_and_rubric, written_cells

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "dl"
RELEASE = ROOT / "assignments" / "dl"
NOTEBOOKS = sorted(path.stem for path in SOLUTIONS.glob("*.ipynb"))


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _written(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "markdown" and _meta(c).get("grade") and _meta(c).get("solution")]


def test_readme_states_the_number_of_written_questions():
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "two short written questions (2 points each" in readme


def test_all_six_parts_are_here():
    assert NOTEBOOKS == ["1_layers", "2_softmax_mlp", "3_cnn", "4_captioning", "5_transfer_learning",
                         "6_style_transfer"]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_two_written_questions_with_prompt_answer_and_rubric(notebook):
    """Two questions of 2 points per part, as the README tells students."""
    nb = nbformat.read(SOLUTIONS / f"{notebook}.ipynb", as_version=4)
    written = _written(nb)
    questions = [c for c in written if not c.metadata.get("course", {}).get("extra_credit")]
    assert len(questions) == 2, notebook
    assert all(_meta(c)["points"] == 2 for c in questions), notebook
    for cell in written:
        meta = _meta(cell)
        gid = meta["grade_id"]
        assert meta["points"] > 0 and not meta["locked"] and meta["schema_version"] == 3, gid
        source = cell.source.strip()
        assert source.startswith("### BEGIN SOLUTION") and source.endswith("### END SOLUTION"), gid
        answer, rubric = split_answer_and_rubric(source)
        assert len(answer) > 200 and "pt" in rubric, gid
        prompt = nb.cells[nb.cells.index(cell) - 1]
        assert prompt.cell_type == "markdown" and _meta(prompt).get("locked"), gid
        heading = re.search(r"Written question \((?:extra credit, )?(\d+) points?\)", prompt.source)
        assert heading and int(heading.group(1)) == meta["points"], (gid, prompt.source[:80])
    for cell in questions:  # rubric points add up to the cell's points
        _, rubric = split_answer_and_rubric(cell.source)
        listed = [float(x) for x in re.findall(r"^- (\d+(?:\.\d+)?) pts?:", rubric, flags=re.M)]
        assert sum(listed) == _meta(cell)["points"], (_meta(cell)["grade_id"], listed)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_release_shows_the_question_but_no_answer_or_rubric(notebook):
    source = nbformat.read(SOLUTIONS / f"{notebook}.ipynb", as_version=4)
    release = nbformat.read(RELEASE / f"{notebook}.ipynb", as_version=4)
    released = {_meta(c)["grade_id"]: c for c in _written(release)}
    text = nbformat.writes(release)
    for cell in _written(source):
        gid = _meta(cell)["grade_id"]
        assert released[gid].source == "YOUR ANSWER HERE", gid
        assert _meta(released[gid])["points"] == _meta(cell)["points"]
        answer, rubric = split_answer_and_rubric(cell.source)
        for line in [*answer.splitlines(), *rubric.splitlines()]:
            if len(line.strip()) >= 20:
                assert line.strip() not in text, (gid, line)
    assert "Rubric (for graders)" not in text


def test_manual_grades_finds_every_question_with_its_prompt_and_rubric():
    cells = written_cells(SOLUTIONS)
    for notebook in NOTEBOOKS:
        nb = nbformat.read(SOLUTIONS / f"{notebook}.ipynb", as_version=4)
        for cell in _written(nb):
            info = cells[(notebook, _meta(cell)["grade_id"])]
            assert "Written question" in info.prompt and info.rubric and info.model_answer


@pytest.mark.slow
def test_written_questions_are_the_manual_cells_of_the_gradebook(tmp_path):
    """What autograde's gradebook template (nbgrader generate_assignment) makes of them:
    exactly these cells are `manual` rows of grades.csv."""
    from grading.gradebook.database import CourseGradebook, sqlite_url
    from grading.release.build import generate_assignment

    template = generate_assignment(SOLUTIONS, tmp_path)
    cells = CourseGradebook(sqlite_url(template.gradebook)).graded_cells()
    manual = {(c.notebook, c.grade_id): c.max_score for c in cells if c.kind == "manual"}
    expected = {}
    for notebook in NOTEBOOKS:
        nb = nbformat.read(SOLUTIONS / f"{notebook}.ipynb", as_version=4)
        expected |= {(notebook, _meta(c)["grade_id"]): float(_meta(c)["points"]) for c in _written(nb)}
    assert manual == expected
