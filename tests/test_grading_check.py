"""``python -m grading check FOLDER``: a student's pre-submission check, on real kernels in the sandbox.

CI runs ``1_layers`` only (three runs: the solution, the untouched release, and one
submission broken in several independent ways); DL_THOROUGH=1 checks the six solution
notebooks. Every run's output is searched for the hidden tests' source.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grading.check.files import CheckError, plan_folder
from grading.nbgrader.preprocessors.cells import BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions" / "dl"
RELEASE = REPO / "assignments" / "dl"
NOTEBOOK_IDS = sorted(path.stem for path in RELEASE.glob("*.ipynb"))


def run_check(folder: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grading", "check", str(folder), *options],
                          cwd=REPO, capture_output=True, text=True, timeout=3600, check=False)


def hidden_test_lines() -> list[str]:
    """Every substantial line of the hidden-test regions of the solution notebooks that the
    release does not also show (``dx_num = eval_numerical_gradient(`` is no secret)."""
    released = "\n".join(cell.source for path in sorted(RELEASE.glob("*.ipynb"))
                         for cell in nbformat.read(path, as_version=4).cells)
    lines = []
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            hidden = False
            for line in cell.source.splitlines():
                if BEGIN_HIDDEN_TESTS in line:
                    hidden = True
                elif END_HIDDEN_TESTS in line:
                    hidden = False
                elif hidden and len(line.strip()) >= 20 and line.strip() not in released:
                    lines.append(line.strip())
    assert len(lines) > 50, "the solution notebooks should hold hidden tests"
    return lines


def assert_no_hidden_source(output: str) -> None:
    leaked = [line for line in hidden_test_lines() if line in output]
    assert not leaked, f"hidden-test source in the check's output: {leaked[:3]}"


def check_lines(output: str, notebook: str) -> dict[str, str]:
    """grade_id -> its check line ('pass ...' or 'FAIL ...') in the notebook's section."""
    section = output.split(f"\n{notebook}.ipynb", 1)[1].split("\n\n", 1)[0]
    result = {}
    for line in section.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in {"pass", "FAIL"}:
            result[words[1]] = line.strip()
    return result


def release_test_ids(notebook: str) -> list[str]:
    cells = nbformat.read(RELEASE / f"{notebook}.ipynb", as_version=4).cells
    return [cell.metadata["nbgrader"]["grade_id"] for cell in cells
            if cell.metadata.get("nbgrader", {}).get("grade") and not cell.metadata["nbgrader"].get("solution")]


def edit_notebook(path: Path, change) -> None:
    notebook = nbformat.read(path, as_version=4)
    change(notebook)
    nbformat.write(notebook, path)


def cell_index(notebook, grade_id: str) -> int:
    return next(i for i, cell in enumerate(notebook.cells)
                if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(scope="module")
def solution_check(tmp_path_factory):
    folder = tmp_path_factory.mktemp("solution") / "dl"
    shutil.copytree(SOLUTIONS, folder)
    return run_check(folder, "--notebook", "1_layers")


@pytest.fixture(scope="module")
def release_check(tmp_path_factory):
    folder = tmp_path_factory.mktemp("release") / "dl"
    shutil.copytree(RELEASE, folder)
    return run_check(folder, "--notebook", "1_layers")


TRAINING_CELL = """\
# a training loop far too long for its time limit
rng = np.random.default_rng(0)
W = rng.standard_normal((3072, 10)) * 1e-3
X, y = rng.standard_normal((256, 3072)), rng.integers(10, size=256)
for step in range(10**6):
    scores, cache = affine_forward(X, W, np.zeros(10))
    loss, dscores = softmax_loss(scores, y)
    W -= 1e-3 * affine_backward(dscores, cache)[1]
"""


@pytest.fixture(scope="module")
def broken_check(tmp_path_factory):
    """A correct 1_layers with: relu_test edited, adam_test deleted, a training cell over its
    10 s limit, optim.py missing, a syntax error in cnn.py, 2_softmax_mlp renamed."""
    folder = tmp_path_factory.mktemp("broken") / "dl"
    shutil.copytree(SOLUTIONS, folder)

    def change(notebook):
        notebook.cells[cell_index(notebook, "relu_test")].source = (
            'raise AssertionError("the edited test cell ran")')
        del notebook.cells[cell_index(notebook, "adam_test")]
        training = nbformat.v4.new_code_cell(TRAINING_CELL)
        notebook.cells.insert(cell_index(notebook, "affine_backward_test") + 1, training)

    edit_notebook(folder / "1_layers.ipynb", change)
    (folder / "optim.py").unlink()
    cnn = folder / "cnn.py"
    cnn.write_text(cnn.read_text().replace("def ", "def def ", 1))
    (folder / "2_softmax_mlp.ipynb").rename(folder / "2_softmax_mlp-Copy1.ipynb")
    return run_check(folder, "--notebook", "1_layers", "--notebook", "2_softmax_mlp", "--cell-timeout", "10")


@pytest.mark.slow
def test_solution_passes_every_visible_check(solution_check):
    assert solution_check.returncode == 0, solution_check.stdout + solution_check.stderr
    lines = check_lines(solution_check.stdout, "1_layers")
    assert sorted(lines) == sorted(release_test_ids("1_layers"))
    assert all(line.startswith("pass") for line in lines.values()), lines
    assert "Hidden tests run only at grading time" in solution_check.stdout
    assert "READY" in solution_check.stdout.splitlines()[-1]
    # A copy of the solutions holds hidden tests: they are compared without them, never run.
    assert "EDITED" not in solution_check.stdout
    assert_no_hidden_source(solution_check.stdout + solution_check.stderr)


@pytest.mark.slow
def test_untouched_release_fails_every_check_as_not_implemented(release_check):
    assert release_check.returncode == 1
    lines = check_lines(release_check.stdout, "1_layers")
    assert sorted(lines) == sorted(release_test_ids("1_layers"))
    for line in lines.values():
        assert line.startswith("FAIL") and "NotImplementedError" in line and "not implemented yet" in line, line
    assert release_check.stdout.splitlines()[-1].startswith("NOT READY")
    assert_no_hidden_source(release_check.stdout + release_check.stderr)


@pytest.mark.slow
def test_edited_and_deleted_test_cells_are_reported_and_run_as_released(broken_check):
    out = broken_check.stdout
    assert "EDITED   relu_test" in out and "DELETED  adam_test" in out
    lines = check_lines(out, "1_layers")
    # The release's relu_test ran, not the student's edit; the deleted adam_test is back.
    assert lines["relu_test"].startswith("pass") and "the edited test cell ran" not in out
    assert "adam_test" in lines
    assert_no_hidden_source(out + broken_check.stderr)


@pytest.mark.slow
def test_missing_module_is_reported_and_costs_points(broken_check):
    out = broken_check.stdout
    assert "MISSING  optim.py" in out
    lines = check_lines(out, "1_layers")
    for grade_id in ("sgd_momentum_test", "rmsprop_test", "adam_test"):
        assert lines[grade_id].startswith("FAIL"), lines[grade_id]
    assert broken_check.returncode == 1
    assert "missing optim.py" in out.splitlines()[-1]


@pytest.mark.slow
def test_module_with_syntax_error_does_not_import(broken_check):
    line = next(line for line in broken_check.stdout.splitlines() if "cnn.py" in line and "FAIL" in line)
    assert "does not import: SyntaxError" in line and "line" in line
    assert "cnn.py does not import" in broken_check.stdout.splitlines()[-1]


@pytest.mark.slow
def test_training_cell_over_its_limit_is_reported(broken_check):
    timeouts = [line for line in broken_check.stdout.splitlines() if line.strip().startswith("TIMEOUT")]
    assert len(timeouts) == 1 and "over its 10 s limit" in timeouts[0], broken_check.stdout
    assert "(# a training loop far too long" in timeouts[0]
    assert "over its time limit" in broken_check.stdout.splitlines()[-1]


@pytest.mark.slow
def test_renamed_notebook_is_named(broken_check):
    assert ("MISSING  no 2_softmax_mlp.ipynb (found 2_softmax_mlp-Copy1.ipynb: rename it back"
            in broken_check.stdout)


def test_folder_that_does_not_exist_is_a_clear_error(tmp_path):
    done = run_check(tmp_path / "nowhere")
    assert done.returncode == 2 and "does not exist" in done.stderr and not done.stdout


def test_folder_without_assignment_files_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    done = run_check(tmp_path)
    assert done.returncode == 2 and "holds none of the assignment's files" in done.stderr


def test_unknown_notebook_is_a_clear_error(tmp_path):
    shutil.copytree(RELEASE, tmp_path / "dl")
    done = run_check(tmp_path / "dl", "--notebook", "7_gans")
    assert done.returncode == 2 and "no notebook 7_gans" in done.stderr and "1_layers" in done.stderr


def test_corrupt_notebook_is_reported_without_running_it(tmp_path):
    folder = tmp_path / "dl"
    shutil.copytree(RELEASE, folder)
    (folder / "1_layers.ipynb").write_text('{"cells": [')
    plan = plan_folder(folder, RELEASE, ["1_layers", "3_cnn"])
    corrupt, fine = plan.notebooks
    assert corrupt.problem.startswith("corrupt: notebook is not valid JSON") and corrupt.to_run is None
    assert fine.problem is None and fine.to_run is not None


def test_plan_rejects_a_file(tmp_path):
    (tmp_path / "layers.py").write_text("")
    with pytest.raises(CheckError, match="not a folder"):
        plan_folder(tmp_path / "layers.py", RELEASE, ["1_layers"])


@pytest.mark.slow
@pytest.mark.thorough
def test_full_solution_passes_every_visible_check(tmp_path):
    folder = tmp_path / "dl"
    shutil.copytree(SOLUTIONS, folder)
    done = run_check(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    for notebook in NOTEBOOK_IDS:
        lines = check_lines(done.stdout, notebook)
        assert sorted(lines) == sorted(release_test_ids(notebook)), notebook
        assert all(line.startswith("pass") for line in lines.values()), lines
    assert "TIMEOUT" not in done.stdout
    assert_no_hidden_source(done.stdout + done.stderr)


def test_edit_is_found_by_checksum_when_the_folder_is_the_release(tmp_path):
    """A student checking the release folder they work in: nbgrader's checksum still shows the edit."""
    folder = tmp_path / "dl"
    shutil.copytree(RELEASE, folder)
    edit_notebook(folder / "1_layers.ipynb", lambda notebook: notebook.cells[
        cell_index(notebook, "relu_test")].__setitem__("source", "assert True"))
    plan = plan_folder(folder, folder, ["1_layers"])
    assert plan.is_release and plan.notebooks[0].edited_tests == ["relu_test"]
    assert plan_folder(RELEASE, RELEASE, ["1_layers"]).notebooks[0].edited_tests == []


def test_notebooks_run_from_a_copy_of_the_solutions_hold_no_hidden_test():
    """The release's test cells replace the student's: hidden tests are never even loaded."""
    plan = plan_folder(SOLUTIONS, RELEASE, NOTEBOOK_IDS)
    hidden = hidden_test_lines()
    for notebook in plan.notebooks:
        text = "\n".join(cell.source for cell in notebook.to_run.cells)
        assert BEGIN_HIDDEN_TESTS not in text, notebook.name
        assert not [line for line in hidden if line in text], notebook.name


def test_what_the_sandbox_could_not_enforce_is_said_in_one_line_and_costs_nothing(solution_check):
    """On a student's machine (macOS, a container) the check runs anyway and says what it lacked."""
    from grading.check.files import plan_folder
    from grading.check.report import render
    from grading.check.run import CheckOutcome

    assert "sandbox: not enforced" not in solution_check.stdout  # this machine enforces everything
    plan = plan_folder(SOLUTIONS, RELEASE, ["1_layers"])
    enforced = render(CheckOutcome(SOLUTIONS, plan))
    lacking = render(CheckOutcome(SOLUTIONS, plan, not_enforced=["network namespace (not Linux)"]))
    extra = [line for line in lacking[0].splitlines() if line not in enforced[0].splitlines()]
    assert extra == ["sandbox: not enforced on this machine (your code runs as you): network namespace (not Linux)"]
    assert lacking[1] == enforced[1]
