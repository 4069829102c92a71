"""Part 1 (``solutions/dl/1_layers.ipynb``): structure, a clean run, and the mutants.

The executed checks are the author-side version of autograding: a graded cell
fails when it raises or writes to stderr (nbgrader scores such a cell 0). The
mutant check runs the notebook once per mutant in a temporary copy of
``solutions/dl`` with the mutated module and asserts that every bug fails at
least one graded cell and that every alternative fails none.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest
from conftest import thorough
from notebook_cells import graded_code_cells, nbgrader_meta

from grading.mutation.mutant_files import Mutant, apply_mutant, load_mutants

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "dl"
NOTEBOOK = "1_layers.ipynb"
MODULES = ("layers.py", "optim.py")
CELL_TIMEOUT = 60
AUTOGRADED_POINTS = 20


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)


# ---------------------------------------------------------------- structure (fast)


def test_notebook_metadata_and_points(notebook):
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    ids = [nbgrader_meta(c).get("grade_id") for c in notebook.cells]
    assert None not in ids, "every cell carries nbgrader metadata with a grade_id"
    assert len(ids) == len(set(ids)), "grade_ids are unique"
    assert all(nbgrader_meta(c).get("schema_version") == 3 for c in notebook.cells)
    tests = graded_code_cells(notebook)
    assert sum(nbgrader_meta(c)["points"] for c in tests) == AUTOGRADED_POINTS
    assert 12 <= len(tests) <= 18
    for cell in tests:
        meta = nbgrader_meta(cell)
        assert meta["locked"] and not meta["solution"] and meta["points"] > 0, meta["grade_id"]


def test_every_test_cell_has_visible_then_hidden_tests(notebook):
    for cell in graded_code_cells(notebook):
        src = cell.source
        begin, end = src.find("### BEGIN HIDDEN TESTS"), src.find("### END HIDDEN TESTS")
        gid = nbgrader_meta(cell)["grade_id"]
        assert 0 < begin < end, f"{gid}: visible check first, then one hidden region"
        assert src.count("### BEGIN HIDDEN TESTS") == 1 and src.count("### END HIDDEN TESTS") == 1, gid
        assert re.search(r"assert", src[:begin]), f"{gid}: the visible part checks something"
        assert re.search(r"assert", src[begin:end]), f"{gid}: the hidden part checks something"


def test_extra_credit_written_answer(notebook):
    answers = [c for c in notebook.cells if nbgrader_meta(c).get("solution") and nbgrader_meta(c).get("grade")
               and c.metadata.get("course", {}).get("extra_credit")]  # written questions: test_written_questions.py
    assert len(answers) == 1
    cell = answers[0]
    meta = nbgrader_meta(cell)
    assert cell.cell_type == "markdown"
    assert meta["grade_id"] == "conv_backward_derivation" and meta["points"] == 6 and not meta["locked"]
    assert cell.metadata["course"] == {"extra_credit": True}
    src = cell.source.strip()
    assert src.startswith("### BEGIN SOLUTION") and src.endswith("### END SOLUTION")
    assert "Rubric (for graders)" in src  # stripped from the release with the solution


def test_first_code_cell_sets_up_autoreload_and_seed(notebook):
    first = next(c for c in notebook.cells if c.cell_type == "code")
    assert "%load_ext autoreload" in first.source and "%autoreload 2" in first.source
    assert "seed_everything(" in first.source


# ---------------------------------------------------------------- execution


def run_notebook(mutant: Mutant | None = None) -> dict:
    """Execute the notebook in a temporary copy of solutions/dl, optionally mutated.

    Returns ``{"failed": {grade_id: reason}, "graded": [grade_ids], "seconds": float}``.
    """
    from nbclient import NotebookClient

    # The kernel inherits the environment: let it use its inline backend rather
    # than the Agg backend the test session forces (plt.show() would warn).
    os.environ.pop("MPLBACKEND", None)
    with tempfile.TemporaryDirectory(prefix="part1-") as tmp:
        work = Path(tmp)
        for name in (NOTEBOOK, *MODULES):
            shutil.copy(SOLUTIONS / name, work / name)
        if mutant is not None:
            path = work / f"{mutant.module}.py"
            path.write_text(apply_mutant(path.read_text(), mutant))
        nb = nbformat.read(work / NOTEBOOK, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            nb, timeout=CELL_TIMEOUT, allow_errors=True, kernel_name="python3",
            resources={"metadata": {"path": str(work)}},
        ).execute()
        seconds = time.perf_counter() - start
    failed, where = {}, {}
    for cell in graded_code_cells(nb):
        gid = nbgrader_meta(cell)["grade_id"]
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o.output_type == "error"]
        stderr = [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
        # An exception is reported first: it fails the cell even where stderr is tolerated.
        if errors:
            failed[gid] = f"{errors[0].ename}: {errors[0].evalue}"[:300]
            where[gid] = _failing_part(cell.source, errors[0].traceback)
        elif stderr:
            failed[gid] = f"stderr: {stderr[0].text}"[:300]
            where[gid] = "stderr only"
    return {"failed": failed, "where": where, "seconds": seconds,
            "graded": [nbgrader_meta(c)["grade_id"] for c in graded_code_cells(nb)]}


def _failing_part(source: str, traceback: list[str]) -> str:
    """'visible' or 'hidden': which part of a test cell raised, from the traceback's cell line."""
    hidden_from = source[: source.find("### BEGIN HIDDEN TESTS")].count("\n") + 1
    for entry in traceback:
        match = re.search(r"Cell In\[\d+\], line (\d+)", re.sub(r"\x1b\[[0-9;]*m", "", entry))
        if match:
            return "hidden" if int(match.group(1)) >= hidden_from else "visible"
    return "unknown"


@pytest.mark.slow
def test_solution_notebook_runs_clean():
    result = run_notebook()
    print(f"\n1_layers.ipynb with the solution: {result['seconds']:.1f} s")
    assert result["failed"] == {}


def _run_one(mutant: Mutant) -> tuple[Mutant, dict]:
    return mutant, run_notebook(mutant)


@pytest.mark.slow
def test_notebook_catches_every_bug_and_accepts_every_alternative():
    mutants = [m for m in load_mutants(ROOT / "grading" / "mutation" / "mutants") if f"{m.module}.py" in MODULES]
    if not thorough():
        # CI's time budget: every other mutant (a fixed half, alternatives and bugs alike);
        # DL_THOROUGH=1 runs all of them.
        mutants = sorted(mutants, key=lambda m: m.id)[::2]
    start = time.perf_counter()
    # Two workers: each run is one kernel, and the machine has two cores.
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_run_one, mutants))
    wall = time.perf_counter() - start

    caught, visible, total = Counter(), Counter(), Counter()
    missed, rejected, lines = [], [], []
    for mutant, result in results:
        verdict = ", ".join(f"{gid} ({result['where'][gid]})" for gid in result["failed"]) or "-"
        lines.append(f"{mutant.kind:11} {mutant.id:55} {verdict}")
        if mutant.is_bug:
            total[mutant.module] += 1
            if result["failed"]:
                caught[mutant.module] += 1
                # Caught before the hidden tests: a student sees the failure in the release.
                visible[mutant.module] += any(w in ("visible", "stderr only") for w in result["where"].values())
            else:
                missed.append(mutant.id)
        elif result["failed"]:
            rejected.append(f"{mutant.id}: {result['failed']}")
    alternatives = [m for m, _ in results if not m.is_bug]
    lines += [f"{module}: {caught[module]}/{total[module]} bugs caught "
              f"({visible[module]} by the visible checks or stderr)" for module in sorted(total)]
    lines.append(f"alternatives with full credit: {len(alternatives) - len(rejected)}/{len(alternatives)}")
    lines.append(f"{len(mutants)} notebook runs in {wall:.0f} s wall time "
                 f"(median run {sorted(r['seconds'] for _, r in results)[len(results) // 2]:.1f} s)")
    print("\n" + "\n".join(lines))
    assert not missed, f"bugs no graded cell catches: {missed}"
    assert not rejected, f"correct alternatives that lose points: {rejected}"
