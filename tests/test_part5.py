"""Part 5 (``solutions/dl/5_transfer_learning.ipynb``, ``transfer_learning.py``): contracts, mutants, a clean run.

Fast tests check the models' ``params`` / ``loss`` contracts directly and run the
notebook's training-free graded cells (their sources, executed in a namespace built
from the notebook's setup cell) against every mutant of ``transfer_learning.py``.
Mutants of ``LinearClassifier`` / ``FineTuneModel`` methods name their class in the
first line of their docstring (``FineTuneModel.loss ...``): ``grading.mutation.mutant_files``
only replaces top-level functions, so methods are swapped in here, inside the class
body, with the same ast approach. The slow test executes the whole notebook with
nbclient in a temporary copy of ``solutions/dl``, as the autograder does: a graded
cell fails when it raises or writes to stderr.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
import numpy as np
import pytest
from notebook_cells import (
    cell_by_id,
    cell_timeout,
    graded_code_cells,
    nbgrader_meta,
    run_cells_in_process,
)

from grading.mutation.mutant_files import Mutant, apply_mutant, load_mutants

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "dl"
NOTEBOOK = "5_transfer_learning.ipynb"
MODULES = ("layers.py", "optim.py", "transfer_learning.py")
STUDENT_MODULES = ("layers", "optim", "transfer_learning")
DEFAULT_CELL_TIMEOUT = 60  # cells without their own "course": {"timeout": N}
AUTOGRADER_CELL_TIMEOUT = 120  # grading's --cell-timeout default: no cell may need more
AUTOGRADED_POINTS = 10
FAST_CHECKS = ("global_avg_pool_test", "classifier_loss_test", "finetune_gradient_test")


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)


# ---------------------------------------------------------------- notebook structure (fast)


def test_notebook_metadata_and_points(notebook):
    nbformat.validate(notebook)
    ids = [nbgrader_meta(c).get("grade_id") for c in notebook.cells]
    assert None not in ids and len(ids) == len(set(ids))
    tests = graded_code_cells(notebook)
    assert sum(nbgrader_meta(c)["points"] for c in tests) == AUTOGRADED_POINTS
    assert {nbgrader_meta(c)["grade_id"] for c in tests} == {
        *FAST_CHECKS, "frozen_accuracy_test", "finetune_accuracy_test"}
    for cell in tests:
        meta = nbgrader_meta(cell)
        assert meta["locked"] and not meta["solution"] and meta["points"] > 0, meta["grade_id"]
        begin, end = cell.source.find("### BEGIN HIDDEN TESTS"), cell.source.find("### END HIDDEN TESTS")
        assert 0 < begin < end, f"{meta['grade_id']}: visible check, then hidden tests"
        assert "assert" in cell.source[:begin] and "assert" in cell.source[begin:end]
    first = next(c for c in notebook.cells if c.cell_type == "code")
    assert "%autoreload 2" in first.source and "seed_everything(" in first.source


def test_long_cells_have_finite_timeouts_within_the_autograders(notebook):
    long = [c for c in notebook.cells
            if any(s in c.source for s in ("Solver(", "extract_activations(", "augmented_activations("))
            and c.cell_type == "code" and nbgrader_meta(c).get("grade_id") != "setup"]
    assert {nbgrader_meta(c)["grade_id"] for c in long} >= {"features", "train_frozen", "train_finetune"}
    for cell in long:
        assert 0 < cell.metadata["course"]["timeout"] <= AUTOGRADER_CELL_TIMEOUT, nbgrader_meta(cell)["grade_id"]
    solutions = [c for c in notebook.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code"]
    assert {nbgrader_meta(c)["grade_id"] for c in solutions} == {"train_frozen", "train_finetune"}


def test_accuracy_thresholds_are_the_documented_ones(notebook):
    frozen = cell_by_id(notebook, "frozen_accuracy_test").source
    finetune = cell_by_id(notebook, "finetune_accuracy_test").source
    assert re.search(r"frozen_acc >= 0\.88\b", frozen) and re.search(r"_acc >= 0\.88\b", frozen)
    assert re.search(r"finetune_acc >= 0\.9\b", finetune) and re.search(r"_acc >= 0\.9\b", finetune)


# ---------------------------------------------------------------- model contracts (fast)


@pytest.fixture()
def tl(monkeypatch):
    monkeypatch.syspath_prepend(str(SOLUTIONS))
    for name in STUDENT_MODULES:
        sys.modules.pop(name, None)
    module = importlib.import_module("transfer_learning")
    yield module
    for name in STUDENT_MODULES:
        sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def net():
    from starter.squeezenet import SqueezeNet

    return SqueezeNet.from_file()


def test_global_avg_pool_matches_numpy(tl):
    x = np.random.default_rng(0).standard_normal((3, 4, 5, 2))
    out, cache = tl.global_avg_pool_forward(x)
    np.testing.assert_allclose(out, x.mean(axis=(2, 3)), rtol=1e-12)
    dout = np.random.default_rng(1).standard_normal((3, 4))
    # Each of the H * W positions gets an equal share of its channel's gradient.
    expected = np.repeat(np.repeat(dout[:, :, None, None] / 10, 5, axis=2), 2, axis=3)
    np.testing.assert_allclose(tl.global_avg_pool_backward(dout, cache), expected, rtol=1e-12)


def test_linear_classifier_contract(tl):
    model = tl.LinearClassifier(input_dim=6, num_classes=3, weight_scale=0.1, seed=0)
    assert {k: v.shape for k, v in model.params.items()} == {"W": (6, 3), "b": (3,)}
    assert all(v.dtype == np.float32 for v in model.params.values())
    again = tl.LinearClassifier(input_dim=6, num_classes=3, weight_scale=0.1, seed=0)
    np.testing.assert_array_equal(model.params["W"], again.params["W"])
    X = np.random.default_rng(0).standard_normal((4, 6, 3, 3)).astype(np.float32)
    scores = model.loss(X)
    assert scores.shape == (4, 3)
    loss, grads = model.loss(X, np.array([0, 1, 2, 0]))
    assert np.ndim(loss) == 0 and set(grads) == {"W", "b"}


def test_finetune_model_contract_and_private_network(tl, net):
    head = {"W": np.zeros((512, 2)), "b": np.zeros(2)}
    before = {k: v.copy() for k, v in net.params.items()}
    model = tl.FineTuneModel(net, head, trainable=("fire8", "fire9"), reg=1e-3)
    assert set(model.params) == {"W", "b"} | {k for k in net.params if k.startswith(("fire8/", "fire9/"))}
    assert model.start == "fire8" and model.input_layer == "fire7"
    X = np.abs(np.random.default_rng(0).standard_normal((2, 384, 3, 3))).astype(np.float32)
    loss, grads = model.loss(X, np.array([0, 1]))
    assert set(grads) == set(model.params)
    assert all(grads[k].shape == model.params[k].shape for k in grads)
    model.params["fire9/expand3x3/b"] = model.params["fire9/expand3x3/b"] + 1.0
    model.loss(X)
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)  # the pretrained network is left alone
    with pytest.raises(ValueError):
        tl.FineTuneModel(net, head, trainable=("fire8",))


def test_augmented_activations_layout(tl, net):
    images = np.random.default_rng(0).integers(0, 256, (3, 48, 48, 3), dtype=np.uint8)
    X, y = tl.augmented_activations(net, images, np.array([0, 1, 1]), "fire5", num_copies=2,
                                    crop_size=40, seed=0)
    assert X.shape[0] == 6 and X.dtype == np.float32
    np.testing.assert_array_equal(y, [0, 1, 1, 0, 1, 1])


# ---------------------------------------------------------------- graded checks against mutants (fast)


def run_fast_checks(nb, module_dir: Path, net) -> dict[str, str]:
    """Run the setup cell and the training-free graded cells in-process; return failures."""
    return run_cells_in_process(nb, module_dir, STUDENT_MODULES, FAST_CHECKS,
                                prepare=lambda namespace: namespace.__setitem__("net", net.copy()))


def _mutants() -> list[Mutant]:
    return [m for m in load_mutants(ROOT / "grading" / "mutation" / "mutants") if m.module == "transfer_learning"]


def test_there_are_enough_mutants():
    mutants = _mutants()
    assert sum(m.is_bug for m in mutants) >= 6
    assert sum(not m.is_bug for m in mutants) >= 2


def test_fast_checks_pass_on_the_solution(notebook, net, capsys):
    assert run_fast_checks(notebook, SOLUTIONS, net) == {}
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("mutant", _mutants(), ids=lambda m: m.name)
def test_fast_checks_catch_bugs_and_accept_alternatives(notebook, net, mutant, tmp_path):
    for name in MODULES:
        shutil.copy(SOLUTIONS / name, tmp_path / name)
    path = tmp_path / "transfer_learning.py"
    path.write_text(apply_mutant(path.read_text(), mutant))
    failed = run_fast_checks(notebook, tmp_path, net)
    if mutant.is_bug:
        assert failed, f"no graded check catches the bug: {mutant.description}"
    else:
        assert not failed, f"a correct alternative loses points: {failed}"


# ---------------------------------------------------------------- execution (slow)


def run_notebook(mutant: Mutant | None = None) -> dict:
    """Execute the notebook in a temporary copy of solutions/dl, optionally mutated.

    Returns ``{"failed": {grade_id: reason}, "seconds": total, "cells": {grade_id:
    seconds}, "outputs": {grade_id: stdout}}``.
    """
    from nbclient import NotebookClient

    os.environ.pop("MPLBACKEND", None)  # the kernel uses its inline backend
    with tempfile.TemporaryDirectory(prefix="part5-") as tmp:
        work = Path(tmp)
        for name in (NOTEBOOK, *MODULES):
            shutil.copy(SOLUTIONS / name, work / name)
        if mutant is not None:
            path = work / f"{mutant.module}.py"
            path.write_text(apply_mutant(path.read_text(), mutant))
        nb = nbformat.read(work / NOTEBOOK, as_version=4)
        client = NotebookClient(
            nb, timeout_func=lambda cell: cell_timeout(cell, DEFAULT_CELL_TIMEOUT), allow_errors=True, kernel_name="python3",
            interrupt_on_timeout=True, record_timing=True,
            resources={"metadata": {"path": str(work)}},
        )
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    failed, cells, outputs = {}, {}, {}
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            t0 = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            t1 = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            cells[gid] = (t1 - t0).total_seconds()
        outputs[gid] = "".join(o.get("text", "") for o in cell.get("outputs", [])
                               if o.output_type == "stream" and o.name == "stdout")
        if not nbgrader_meta(cell).get("grade"):
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                failed[gid] = f"{out.ename}: {out.evalue}"[:300]
                break
            if out.output_type == "stream" and out.name == "stderr":
                failed[gid] = f"stderr: {out.text}"[:300]
                break
    return {"failed": failed, "seconds": seconds, "cells": cells, "outputs": outputs}


@pytest.mark.slow
@pytest.mark.thorough  # CI: tests/test_course_autograde.py grades this notebook end to end
def test_solution_notebook_runs_clean():
    result = run_notebook()
    slowest = sorted(result["cells"].items(), key=lambda kv: -kv[1])[:4]
    print(f"\n{NOTEBOOK} with the solution: {result['seconds']:.1f} s; slowest cells {slowest}")
    for gid in ("features", "train_frozen", "frozen_accuracy_test", "train_finetune",
                "finetune_accuracy_test"):
        print(gid, result["outputs"].get(gid, "").strip())
    assert result["failed"] == {}
