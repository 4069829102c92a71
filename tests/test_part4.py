"""Part 4 (``solutions/dl/4_captioning.ipynb``): structure, the graded checks, mutants, a clean run.

Two ways to run the graded checks:

- in-process (fast): the code of the graded cells is executed against a temporary
  copy of ``solutions/dl`` (optionally mutated), with warnings turned into errors
  (in the notebook a warning goes to stderr, which nbgrader scores as a failure).
  The assertion helpers are wrapped to record how close each passing comparison
  came to its tolerance, so that the solution is shown to pass with a margin.
- the real notebook, executed with nbclient (``slow``): every graded cell must run
  without an error or any stderr output.

Captioning mutants replace methods of ``CaptioningRNN`` (``loss``, ``sample``):
``grading.mutation.mutant_files.apply_mutant`` only replaces top-level functions, so methods
are swapped in here with the same ast approach, inside the class body.
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading.mutation.mutant_files import Mutant, apply_mutant, load_mutants

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "dl"
NOTEBOOK = "4_captioning.ipynb"
MODULES = ("rnn_layers", "captioning", "optim")
STUDENT_MODULES = ("rnn_layers", "captioning")
AUTOGRADED_POINTS = 27
TRAINING_CELLS = ("overfit_rnn", "overfit_lstm")  # ungraded cells the overfit checks need
CELL_TIMEOUT = 120


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)


def _graded(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and _meta(c).get("grade")]


# ---------------------------------------------------------------- structure


def test_notebook_metadata_and_points(notebook):
    nbformat.validate(notebook)
    ids = [_meta(c).get("grade_id") for c in notebook.cells]
    assert None not in ids and len(ids) == len(set(ids))
    assert all(_meta(c).get("schema_version") == 3 for c in notebook.cells)
    tests = _graded(notebook)
    assert sum(_meta(c)["points"] for c in tests) == AUTOGRADED_POINTS
    for cell in tests:
        meta = _meta(cell)
        assert meta["locked"] and not meta["solution"] and meta["points"] > 0, meta["grade_id"]
    graded_ids = {_meta(c)["grade_id"] for c in tests}
    for needed in ("rnn_step_forward_test", "rnn_backward_test", "word_embedding_test",
                   "temporal_affine_test", "temporal_softmax_loss_test", "lstm_step_forward_test",
                   "lstm_backward_test", "model_loss_test", "model_gradient_test",
                   "overfit_rnn_test", "overfit_lstm_test"):  # fmt: skip
        assert needed in graded_ids
    # no solution cells in the notebook: student code lives in the modules
    assert not [c for c in notebook.cells if _meta(c).get("solution") and c.cell_type == "code"]


def test_test_cells_have_visible_then_hidden_checks(notebook):
    for cell in _graded(notebook):
        src, gid = cell.source, _meta(cell)["grade_id"]
        if gid.startswith("overfit"):
            assert "< 0.1" in src, gid  # the target itself is visible, nothing to hide
            continue
        begin, end = src.find("### BEGIN HIDDEN TESTS"), src.find("### END HIDDEN TESTS")
        assert 0 < begin < end, f"{gid}: a visible check, then one hidden region"
        assert src.count("### BEGIN HIDDEN TESTS") == 1, gid
        assert "assert" in src[:begin] and "assert" in src[begin:end], gid


def test_first_code_cell_sets_up_autoreload_and_seed(notebook):
    first = next(c for c in notebook.cells if c.cell_type == "code")
    assert "%load_ext autoreload" in first.source and "%autoreload 2" in first.source
    assert "seed_everything(" in first.source


def test_student_modules_mark_every_solution_region():
    for name in STUDENT_MODULES:
        src = (SOLUTIONS / f"{name}.py").read_text()
        assert src.count("### BEGIN SOLUTION") == src.count("### END SOLUTION") > 0
        imports = {
            n.names[0].name.split(".")[0] if isinstance(n, ast.Import) else n.module.split(".")[0]
            for n in ast.walk(ast.parse(src))
            if isinstance(n, (ast.Import, ast.ImportFrom))
        }
        assert imports <= {"numpy", "starter", "rnn_layers", "layers"}, imports


# ---------------------------------------------------------------- in-process checks


def _mutated_copy(work: Path, mutant: Mutant | None) -> None:
    for name in MODULES:
        shutil.copy(SOLUTIONS / f"{name}.py", work / f"{name}.py")
    if mutant is not None:
        path = work / f"{mutant.module}.py"
        src = path.read_text()
        new = apply_mutant(src, mutant)
        path.write_text(new)


class _Recorder:
    """Wraps the assertion helpers to record, for each passing comparison, error / tolerance."""

    def __init__(self):
        from starter import gradient_check

        self.gc = gradient_check
        self.ratios: list[tuple[float, str]] = []

    def _ratio(self, actual, expected, rtol):
        a = np.asarray(actual, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
        if a.shape != e.shape or a.size == 0:
            return 0.0
        err = np.abs(a - e) / np.maximum(1e-8, np.abs(a) + np.abs(e))
        return float(err.max()) / rtol

    def assert_close(self, name, actual, expected, rtol=1e-7):
        self.gc.assert_close(name, actual, expected, rtol)
        self.ratios.append((self._ratio(actual, expected, rtol), name))

    def assert_gradient_close(self, name, analytic, numeric, rtol=1e-6):
        self.gc.assert_gradient_close(name, analytic, numeric, rtol)
        self.ratios.append((self._ratio(analytic, numeric, rtol), name))


def _setup_source(nb) -> str:
    first = next(c for c in nb.cells if c.cell_type == "code")
    return "\n".join(line for line in first.source.splitlines() if not line.startswith("%"))


def run_checks(mutant: Mutant | None = None, with_training: bool = True) -> dict:
    """Execute the graded cells in-process; returns failures, recorded ratios, timing."""
    nb = nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)
    recorder = _Recorder()
    failed: dict[str, str] = {}
    start = time.perf_counter()
    saved_modules = {k: sys.modules.pop(k) for k in MODULES if k in sys.modules}
    with tempfile.TemporaryDirectory(prefix="part4-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would be stderr output in the notebook
        old_err = np.seterr(all="warn", under="ignore")
        _mutated_copy(Path(tmp), mutant)
        sys.path.insert(0, tmp)
        try:
            import matplotlib

            matplotlib.use("Agg")
            ns: dict = {}
            exec(compile(_setup_source(nb), "setup", "exec"), ns)
            ns["assert_close"] = recorder.assert_close
            ns["assert_gradient_close"] = recorder.assert_gradient_close
            ns["data"] = ns["load_captions"](thumbnails=False)
            ns["plt"].show = lambda *a, **k: None
            for cell in nb.cells:
                gid = _meta(cell).get("grade_id")
                graded = _meta(cell).get("grade") and cell.cell_type == "code"  # not written answers
                if not (graded or gid in TRAINING_CELLS):
                    continue
                if gid.startswith("overfit") and not with_training:
                    continue
                if gid.startswith("overfit") and any(k.startswith("overfit") for k in failed):
                    continue  # the model did not train: its check fails as well
                try:
                    with contextlib.redirect_stdout(None):
                        exec(compile(cell.source, gid, "exec"), ns)
                except Exception as exc:  # noqa: BLE001 - any exception fails the cell
                    failed[gid] = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            sys.path.remove(tmp)
            np.seterr(**old_err)
            for k in MODULES:
                sys.modules.pop(k, None)
            sys.modules.update(saved_modules)
            import matplotlib.pyplot as plt

            plt.close("all")
    return {"failed": failed, "ratios": recorder.ratios, "seconds": time.perf_counter() - start}


def test_solution_passes_every_graded_check_with_a_margin():
    result = run_checks(with_training=False)
    assert result["failed"] == {}
    worst = sorted(result["ratios"], reverse=True)[:5]
    print("\nclosest comparisons (error / tolerance):", [(f"{r:.2g}", n) for r, n in worst])
    # every comparison passes by a factor of 20 at least: no threshold is borderline
    assert worst[0][0] < 0.05, worst


MUTANTS = [m for m in load_mutants(ROOT / "grading" / "mutation" / "mutants") if m.module in STUDENT_MODULES]


def test_enough_mutants():
    bugs = [m for m in MUTANTS if m.is_bug]
    assert len(bugs) >= 8 and len(MUTANTS) - len(bugs) >= 2
    assert {m.module for m in bugs} == set(STUDENT_MODULES)


@pytest.mark.slow
@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_graded_checks_catch_bugs_and_accept_alternatives(mutant):
    # bugs: the cheap checks first, training only when they all pass
    result = run_checks(mutant, with_training=not mutant.is_bug)
    if mutant.is_bug and not result["failed"]:
        result = run_checks(mutant, with_training=True)
    print(f"\n{mutant.id}: {result['failed'] or 'no failure'} ({result['seconds']:.1f} s)")
    if mutant.is_bug:
        assert result["failed"], f"no graded check catches {mutant.id}: {mutant.description}"
    else:
        assert result["failed"] == {}, f"a correct alternative loses points: {result['failed']}"


# ---------------------------------------------------------------- the real notebook


@pytest.mark.slow
@pytest.mark.thorough  # CI: tests/test_course_autograde.py grades this notebook end to end
def test_solution_notebook_runs_clean():
    from nbclient import NotebookClient

    os.environ.pop("MPLBACKEND", None)  # the kernel uses its inline backend
    with tempfile.TemporaryDirectory(prefix="part4-nb-") as tmp:
        work = Path(tmp)
        _mutated_copy(work, None)
        shutil.copy(SOLUTIONS / NOTEBOOK, work / NOTEBOOK)
        nb = nbformat.read(work / NOTEBOOK, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=CELL_TIMEOUT, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute()  # fmt: skip
        seconds = time.perf_counter() - start
    problems = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error" or (out.output_type == "stream" and out.name == "stderr"):
                problems[_meta(cell)["grade_id"]] = out.get("evalue", out.get("text", ""))[:300]
    print(f"\n{NOTEBOOK}: {seconds:.1f} s")
    assert problems == {}
    text = "".join(
        o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.output_type == "stream"
    )
    bleu = re.findall(r"(rnn|lstm)\s+val\s*: BLEU-1 ([\d.]+), BLEU-4 ([\d.]+)", text)
    assert len(bleu) == 2, "BLEU is reported on the validation split for both models"
    for _, b1, b4 in bleu:
        assert float(b1) > 0.3 and float(b4) > 0.03, bleu  # far above chance, honestly modest
