"""docs/authoring.md, step by step, in a scratch copy of the repository.

Each kind of change the guide describes is made there the way an author makes it: on a
notebook's text twin (``solutions/dl_text/*.md``) followed by ``jupytext --sync``, or on the
notebook itself, saved through jupytext's Jupyter contents manager (what Jupyter runs when
jupytext is installed). Then ``python -m grading release --check`` must call the release
stale, ``python -m grading release`` must carry every change into ``assignments/dl/``, and
the gradebook nbgrader builds from the source (what autograde grades with) must have the new
points and hidden tests. No notebook is executed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("jupytext")
from nbgrader.api import Gradebook  # noqa: E402
from test_notebook_twins import twin_differences  # noqa: E402

from grading.gradebook.database import CourseGradebook, sqlite_url  # noqa: E402
from grading.gradebook.manual_grades import written_cells  # noqa: E402
from grading.layout import ASSIGNMENT_ID, IGNORED_NAMES  # noqa: E402
from grading.release.build import generate_assignment  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("solutions", "assignments", "grading", "starter", "jupytext.toml")

# (twin, text before, text after, how many times it occurs): the guide's examples.
PROSE = ("3_cnn.md", "# Part 3: A convolutional network on MNIST",
         "# Part 3: A convolutional network for handwritten digits", 1)
CHECK = ("1_layers.md", 'assert_close("out of relu_forward", out, correct_out, rtol=1e-7)\n',
         'assert_close("out of relu_forward", out, correct_out, rtol=1e-7)\n'
         'assert out.shape == x.shape, "relu_forward must keep the shape of its input"\n', 1)
HIDDEN_LINE = 'assert relu_forward(np.array([-2.0, 3.0]))[0].tolist() == [0.0, 3.0], "hidden test: a 1-d input"'
HIDDEN = ("1_layers.md", "### BEGIN HIDDEN TESTS\n_rng = np.random.default_rng(103)\n",
          f"### BEGIN HIDDEN TESTS\n{HIDDEN_LINE}\n_rng = np.random.default_rng(103)\n", 1)
POINTS = ("1_layers.md", "  grade_id: relu_test\n  locked: true\n  points: 1\n",
          "  grade_id: relu_test\n  locked: true\n  points: 2\n", 1)
POINTS_PROSE = ("1_layers.md", "Each test cell below (20 points in all)", "Each test cell below (21 points in all)", 1)
THRESHOLD = ("2_softmax_mlp.md", "0.91", "0.92", 5)  # the prose; the visible and the hidden check, each twice
QUESTION = ("3_cnn.md", "Give the number of weights (not biases)", "Give the number of weights (biases excluded)", 1)
QUESTION_POINTS = ("3_cnn.md", "## Written question (2 points): convolutions against fully connected layers",
                   "## Written question (3 points): convolutions against fully connected layers", 1)
ANSWER_POINTS = ("3_cnn.md", '"grade_id": "conv_vs_fc", "locked": false, "points": 2,',
                 '"grade_id": "conv_vs_fc", "locked": false, "points": 3,', 1)
RUBRIC_LINE = "- 1 pt: why fewer weights generalise better (less overfitting for the same data)."
RUBRIC = ("3_cnn.md", "  connected layer (0.5 pt each; the conv count with biases, 160, is fine).\n### END SOLUTION",
          f"  connected layer (0.5 pt each; the conv count with biases, 160, is fine).\n{RUBRIC_LINE}\n### END SOLUTION", 1)
TWIN_EDITS = (PROSE, CHECK, HIDDEN, POINTS, POINTS_PROSE, THRESHOLD, QUESTION, QUESTION_POINTS, ANSWER_POINTS, RUBRIC)
# Made on the notebook side, in Jupyter.
NOTEBOOK_EDIT = ("6_style_transfer", "intro", "Part 6", "Part 6 (revised)")


@dataclass
class Authored:
    repo: Path
    stale: subprocess.CompletedProcess
    gradebook: str

    def released(self, notebook: str) -> nbformat.NotebookNode:
        return nbformat.read(self.repo / "assignments" / "dl" / f"{notebook}.ipynb", as_version=4)

    def released_cell(self, notebook: str, grade_id: str):
        return next(c for c in self.released(notebook).cells if c.metadata["nbgrader"]["grade_id"] == grade_id)

    def max_scores(self) -> dict[tuple[str, str], float]:
        return {(c.notebook, c.grade_id): c.max_score for c in CourseGradebook(self.gradebook).graded_cells()}

    def grading_source(self, notebook: str, grade_id: str) -> str:
        """The cell as autograde restores it (hidden tests included), from nbgrader's gradebook."""
        with Gradebook(self.gradebook) as gb:
            return gb.find_source_cell(grade_id, notebook, ASSIGNMENT_ID).source


def _run(*command: str, cwd: Path) -> subprocess.CompletedProcess:
    """python COMMAND in the scratch repository, which provides grading and starter (kernels too)."""
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run([sys.executable, *command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def _save_in_jupyter(repo: Path, notebook: str, grade_id: str, old: str, new: str) -> None:
    """Edit a cell and save the notebook through jupytext's contents manager, as Jupyter does."""
    from jupytext import TextFileContentsManager

    manager = TextFileContentsManager(root_dir=str(repo))
    path = f"solutions/dl/{notebook}.ipynb"
    model = manager.get(path)
    cell = next(c for c in model["content"].cells if c.metadata["nbgrader"]["grade_id"] == grade_id)
    assert old in cell.source
    cell.source = cell.source.replace(old, new, 1)
    manager.save(model, path)


@pytest.fixture(scope="module")
def authored(tmp_path_factory) -> Authored:
    repo = tmp_path_factory.mktemp("course-repo")
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, repo / name, ignore=IGNORED_NAMES)
        else:
            shutil.copy(ROOT / name, repo / name)
    twins = repo / "solutions" / "dl_text"
    for twin, old, new, count in TWIN_EDITS:
        text = (twins / twin).read_text(encoding="utf-8")
        assert text.count(old) == count, (twin, old)
        (twins / twin).write_text(text.replace(old, new), encoding="utf-8")
    edited = sorted({f"solutions/dl_text/{twin}" for twin, *_ in TWIN_EDITS})
    synced = _run("-m", "jupytext", "--sync", *edited, cwd=repo)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    _save_in_jupyter(repo, *NOTEBOOK_EDIT)

    stale = _run("-m", "grading", "release", "--check", cwd=repo)
    released = _run("-m", "grading", "release", cwd=repo)
    assert released.returncode == 0, released.stdout + released.stderr
    template = generate_assignment(repo / "solutions" / "dl", tmp_path_factory.mktemp("gradebook"))
    return Authored(repo, stale, sqlite_url(template.gradebook))


def test_release_check_calls_the_release_stale_before_the_release(authored):
    assert authored.stale.returncode == 1, authored.stale.stdout + authored.stale.stderr
    output = authored.stale.stdout + authored.stale.stderr
    for notebook in ("1_layers", "2_softmax_mlp", "3_cnn", "6_style_transfer"):
        assert f"{notebook}.ipynb: differs from a fresh release" in output, output
    for notebook in ("4_captioning", "5_transfer_learning"):
        assert f"{notebook}.ipynb" not in output


def test_twins_and_notebooks_agree_after_the_edits(authored):
    for notebook in sorted((authored.repo / "solutions" / "dl").glob("*.ipynb")):
        assert twin_differences(notebook) == [], notebook.name


def test_prose(authored):
    assert authored.released_cell("3_cnn", "intro").source.startswith(PROSE[2])


def test_a_visible_check(authored):
    assert CHECK[2] in authored.released_cell("1_layers", "relu_test").source


def test_a_hidden_test_reaches_the_grader_not_the_students(authored):
    assert HIDDEN_LINE not in nbformat.writes(authored.released("1_layers"))
    assert HIDDEN_LINE in authored.grading_source("1_layers", "relu_test")


def test_a_point_value(authored):
    assert authored.released_cell("1_layers", "relu_test").metadata["nbgrader"]["points"] == 2
    scores = authored.max_scores()
    assert scores[("1_layers", "relu_test")] == 2
    assert sum(points for (notebook, grade_id), points in scores.items()
               if notebook == "1_layers" and grade_id.endswith("_test")) == 21
    assert POINTS_PROSE[2] in authored.released_cell("1_layers", "intro").source


def test_a_threshold_in_the_prose_the_visible_check_and_the_hidden_test(authored):
    visible = authored.released_cell("2_softmax_mlp", "softmax_regression_accuracy_test").source
    assert "val_acc >= 0.92" in visible and "0.91" not in visible
    assert "softmax regression at least **0.92**" in authored.released_cell("2_softmax_mlp", "intro").source
    assert '>= 0.92, "hidden test: softmax regression below 0.92' in authored.grading_source(
        "2_softmax_mlp", "softmax_regression_accuracy_test")


def test_a_written_question_its_rubric_and_its_points(authored):
    prompt = authored.released_cell("3_cnn", "conv_vs_fc_prompt").source
    assert QUESTION[2] in prompt and QUESTION_POINTS[2] in prompt
    answer = authored.released_cell("3_cnn", "conv_vs_fc")
    assert answer.source == "YOUR ANSWER HERE" and answer.metadata["nbgrader"]["points"] == 3
    assert RUBRIC_LINE not in nbformat.writes(authored.released("3_cnn"))
    written = written_cells(authored.repo / "solutions" / "dl")[("3_cnn", "conv_vs_fc")]
    assert RUBRIC_LINE in written.rubric and QUESTION[2] in written.prompt  # what manual-grades shows
    assert authored.max_scores()[("3_cnn", "conv_vs_fc")] == 3


def test_an_edit_saved_in_jupyter_reaches_the_twin_and_the_release(authored):
    notebook, grade_id, _, new = NOTEBOOK_EDIT
    twin = (authored.repo / "solutions" / "dl_text" / f"{notebook}.md").read_text(encoding="utf-8")
    assert new in twin
    assert new in authored.released_cell(notebook, grade_id).source


LEAKY_RELU = '''"""relu_forward lets a tenth of every negative input through (a leaky ReLU)."""

import numpy as np

KIND = "bug"


def relu_forward(x):
    out = np.where(x > 0, x, 0.1 * x)
    cache = x
    return out, cache
'''


@pytest.mark.thorough
def test_the_edited_part_still_catches_a_bug_of_the_authors(authored, tmp_path):
    """The guide's last step, `python -m grading mutate` with a mutant of the author's own on the
    changed part (80 s here: exhaustive runs only; CI runs test_grading_mutate's sample)."""
    import json

    mutant = tmp_path / "leaky_relu.py"
    mutant.write_text(LEAKY_RELU, encoding="utf-8")
    out = tmp_path / "mutate-out"
    done = _run("-m", "grading", "mutate", "--mutant", str(mutant), "--module", "layers",
                "--notebook", "1_layers", "--out", str(out), cwd=authored.repo)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [result] = json.loads((out / "mutation_report.json").read_text())["mutants"]
    assert result["verdict"] == "caught" and result["score"] < result["baseline"] == 21, result
