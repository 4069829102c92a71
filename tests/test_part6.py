"""Part 6 (``solutions/dl/6_style_transfer.ipynb``, ``style_transfer.py``): structure, runs, mutants.

Fast tests run the notebook's graded loss checks (their cell sources, executed
in-process in a namespace built from the notebook's setup cell) against the
solution and every mutant of ``style_transfer.py``: every bug must fail a
graded check, every correct alternative must pass them all. The slow tests
execute the whole notebook with nbclient in a temporary copy of
``solutions/dl``, as the autograder does (a graded cell fails when it raises or
writes to stderr): the solution, and each correct alternative, whose style
transfer must also pass the graded run check.

The figures a run saves (``style_transfer_output/*.png`` beside the notebook)
are copied to ``$PART6_FIGURES`` (default ``/tmp/part6-figures``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from notebook_cells import (
    cell_timeout,
    graded_code_cells,
    nbgrader_meta,
    run_cells_in_process,
)

from grading.mutation.mutant_files import Mutant, apply_mutant, load_mutants

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "dl"
NOTEBOOK = "6_style_transfer.ipynb"
MODULE = "style_transfer"
DEFAULT_CELL_TIMEOUT = 60  # cells without their own "course": {"timeout": N}
AUTOGRADED_POINTS = 11
LOSS_CHECKS = ("content_loss_test", "gram_matrix_test", "gram_matrix_backward_test",
               "style_loss_test", "tv_loss_test")
RUN_CHECK = "style_transfer_test"
FIGURES = Path(os.environ.get("PART6_FIGURES", "/tmp/part6-figures"))


def _mutants() -> list[Mutant]:
    return [m for m in load_mutants(ROOT / "grading" / "mutation" / "mutants") if m.module == MODULE]


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)


# ---------------------------------------------------------------- structure (fast)


def test_notebook_metadata_and_points(notebook):
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    ids = [nbgrader_meta(c).get("grade_id") for c in notebook.cells]
    assert None not in ids and len(ids) == len(set(ids))
    assert all(nbgrader_meta(c).get("schema_version") == 3 for c in notebook.cells)
    tests = graded_code_cells(notebook)
    assert [nbgrader_meta(c)["grade_id"] for c in tests] == [*LOSS_CHECKS, RUN_CHECK]
    assert sum(nbgrader_meta(c)["points"] for c in tests) == AUTOGRADED_POINTS
    for cell in tests:
        meta, src = nbgrader_meta(cell), cell.source
        assert meta["locked"] and not meta["solution"] and meta["points"] > 0, meta["grade_id"]
        begin, end = src.find("### BEGIN HIDDEN TESTS"), src.find("### END HIDDEN TESTS")
        assert 0 < begin < end, f"{meta['grade_id']}: visible check first, then one hidden region"
        assert src.count("### BEGIN HIDDEN TESTS") == 1, meta["grade_id"]
        assert "assert" in src[:begin] and "assert" in src[begin:end], meta["grade_id"]
    assert not any(nbgrader_meta(c).get("solution") and c.cell_type == "code" for c in notebook.cells), \
        "no solution code cells (written answers are tested in test_written_questions.py)"
    first = next(c for c in notebook.cells if c.cell_type == "code")
    assert "%load_ext autoreload" in first.source and "%autoreload 2" in first.source
    assert "seed_everything(" in first.source


def test_style_transfer_cells_have_finite_timeouts(notebook):
    runs = [c for c in notebook.cells if re.search(r"style_transfer\(\s*model", c.source)]
    assert len(runs) == 3  # two paintings and the texture
    for cell in runs:
        assert 0 < cell.metadata["course"]["timeout"] <= 300, nbgrader_meta(cell)["grade_id"]


def test_module_has_solution_regions_with_todos():
    source = (SOLUTIONS / f"{MODULE}.py").read_text()
    assert source.count("### BEGIN SOLUTION") == source.count("### END SOLUTION") == 5
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "### BEGIN SOLUTION":
            assert lines[i - 1].strip().startswith("#") and "TODO" in "\n".join(lines[i - 4 : i])


# ---------------------------------------------------------------- loss checks in-process (fast)


def run_loss_checks(nb, module_dir: Path, workdir: Path) -> dict[str, str]:
    """Run the setup cell and the graded loss checks in-process; return ``{grade_id: reason}``.

    A check fails when it raises, writes to stderr or warns (nbgrader scores a
    cell that writes to stderr 0). ``workdir`` receives the setup's output folder.
    """
    return run_cells_in_process(nb, module_dir, (MODULE,), LOSS_CHECKS, workdir=workdir, stderr_fails=True)


def _mutated_copy(mutant: Mutant | None, dest: Path) -> Path:
    shutil.copy(SOLUTIONS / f"{MODULE}.py", dest / f"{MODULE}.py")
    if mutant is not None:
        path = dest / f"{MODULE}.py"
        path.write_text(apply_mutant(path.read_text(), mutant))
    return dest


def test_there_are_enough_mutants():
    mutants = _mutants()
    assert sum(m.is_bug for m in mutants) >= 6
    assert sum(not m.is_bug for m in mutants) >= 2


def test_loss_checks_pass_on_the_solution(notebook, tmp_path):
    assert run_loss_checks(notebook, _mutated_copy(None, tmp_path), tmp_path) == {}


@pytest.mark.parametrize("mutant", _mutants(), ids=lambda m: m.name)
def test_loss_checks_catch_bugs_and_accept_alternatives(notebook, mutant, tmp_path):
    failed = run_loss_checks(notebook, _mutated_copy(mutant, tmp_path), tmp_path)
    if mutant.is_bug:
        assert failed, f"no graded check catches the bug: {mutant.description}"
    else:
        assert not failed, f"a correct alternative loses points: {failed}"


# ---------------------------------------------------------------- execution (slow)


def _seconds(cell) -> float | None:
    timing = cell.metadata.get("execution", {})
    if "iopub.execute_input" not in timing or "shell.execute_reply" not in timing:
        return None
    t0, t1 = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
              for k in ("iopub.execute_input", "shell.execute_reply"))
    return (t1 - t0).total_seconds()


def run_notebook(mutant: Mutant | None = None, keep_figures: Path | None = None) -> dict:
    """Execute the notebook in a temporary copy of solutions/dl, optionally mutated.

    Returns ``{"failed": {grade_id: reason}, "seconds": total, "cells": {grade_id:
    seconds}, "outputs": {grade_id: stdout}}``; with ``keep_figures``, the PNGs the
    run saved are copied there.
    """
    from nbclient import NotebookClient

    os.environ.pop("MPLBACKEND", None)  # the kernel uses its inline backend
    with tempfile.TemporaryDirectory(prefix="part6-") as tmp:
        work = _mutated_copy(mutant, Path(tmp))
        shutil.copy(SOLUTIONS / NOTEBOOK, work / NOTEBOOK)
        nb = nbformat.read(work / NOTEBOOK, as_version=4)
        client = NotebookClient(
            nb, timeout_func=lambda cell: cell_timeout(cell, DEFAULT_CELL_TIMEOUT), allow_errors=True, kernel_name="python3",
            interrupt_on_timeout=True, record_timing=True,
            resources={"metadata": {"path": str(work)}},
        )
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
        if keep_figures is not None:
            keep_figures.mkdir(parents=True, exist_ok=True)
            for png in sorted((work / "style_transfer_output").glob("*.png")):
                shutil.copy(png, keep_figures / png.name)
    failed, cells, outputs = {}, {}, {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        gid = nbgrader_meta(cell)["grade_id"]
        cells[gid] = _seconds(cell)
        outputs[gid] = "".join(o.get("text", "") for o in cell.get("outputs", [])
                               if o.output_type == "stream" and o.name == "stdout")
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        stderr = [o for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stderr"]
        if errors:
            failed[gid] = f"{errors[0].ename}: {errors[0].evalue}"[:300]
        elif stderr and nbgrader_meta(cell).get("grade"):
            failed[gid] = f"stderr: {stderr[0].text}"[:300]
    return {"failed": failed, "seconds": seconds, "cells": cells, "outputs": outputs}


@pytest.mark.slow
@pytest.mark.thorough  # CI: tests/test_course_autograde.py grades this notebook end to end
def test_solution_notebook_runs_clean():
    result = run_notebook(keep_figures=FIGURES)
    runs = {g: s for g, s in result["cells"].items() if g.startswith(("style_transfer_", "texture"))}
    print(f"\n{NOTEBOOK} with the solution: {result['seconds']:.1f} s (load average "
          f"{os.getloadavg()[0]:.1f}); style-transfer cells {runs}")
    print(result["outputs"][RUN_CHECK])
    print(f"figures: {sorted(str(p) for p in FIGURES.glob('*.png'))}")
    assert result["failed"] == {}
    assert {p.name for p in FIGURES.glob("*.png")} >= {
        "coffee_starry_night.png", "coffee_composition_vii.png", "texture_starry_night.png"}


@pytest.mark.slow
@pytest.mark.thorough  # CI: the fast path checks every alternative against the graded checks
@pytest.mark.parametrize("mutant", [m for m in _mutants() if not m.is_bug], ids=lambda m: m.name)
def test_alternatives_get_full_credit_in_a_full_run(mutant):
    result = run_notebook(mutant)
    print(f"\n{mutant.name}: {result['seconds']:.1f} s; {result['outputs'][RUN_CHECK]}")
    assert result["failed"] == {}, f"a correct alternative loses points: {result['failed']}"
