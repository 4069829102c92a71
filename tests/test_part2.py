"""Part 2 (``solutions/dl/2_softmax_mlp.ipynb``, ``fc_net.py``): contracts, a clean run, mutants.

Fast tests check ``FullyConnectedNet``'s parameter and ``loss`` contract directly
and run the notebook's graded gradient checks (their cell sources, executed in a
namespace built from the notebook's setup cell) against every mutant of
``fc_net.py``. The slow tests execute the whole notebook with nbclient in a
temporary copy of ``solutions/dl``, as the autograder does: a graded cell fails
when it raises or writes to stderr.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
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
NOTEBOOK = "2_softmax_mlp.ipynb"
MODULES = ("layers.py", "optim.py", "fc_net.py")
DEFAULT_CELL_TIMEOUT = 60  # cells without their own "course": {"timeout": N}
AUTOGRADED_POINTS = 24
MANUAL_POINTS = 4  # two written questions, graded by hand
# Graded cells that need no training: the fast mutant check runs these.
FAST_CHECKS = ("binary_classifier_loss_test", "binary_classifier_gradient_test",
               "fc_net_init_test", "fc_net_loss_test", "fc_net_gradient_test",
               "fc_net_bn_dropout_gradient_test")


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
    for cell in tests:
        meta = nbgrader_meta(cell)
        assert meta["locked"] and not meta["solution"] and meta["points"] > 0, meta["grade_id"]
        begin, end = cell.source.find("### BEGIN HIDDEN TESTS"), cell.source.find("### END HIDDEN TESTS")
        assert 0 < begin < end, f"{meta['grade_id']}: visible check, then hidden tests"
        checks = ("assert", "check_model_gradients(")
        assert any(c in cell.source[:begin] for c in checks), meta["grade_id"]
        assert any(c in cell.source[begin:end] for c in checks), meta["grade_id"]
    first = next(c for c in notebook.cells if c.cell_type == "code")
    assert "%autoreload 2" in first.source and "seed_everything(" in first.source


def test_training_cells_have_finite_timeouts(notebook):
    trains = [c for c in notebook.cells if c.cell_type == "code" and "Solver(" in c.source
              and not nbgrader_meta(c).get("grade")]
    assert trains, "the notebook trains somewhere"
    for cell in trains:
        assert 0 < cell.metadata["course"]["timeout"] <= 300, nbgrader_meta(cell)["grade_id"]
    solutions = [c for c in notebook.cells if nbgrader_meta(c).get("solution")]
    code = {nbgrader_meta(c)["grade_id"] for c in solutions if c.cell_type == "code"}
    written = [c for c in solutions if c.cell_type == "markdown"]
    assert code == {"overfit", "train"}
    assert {nbgrader_meta(c)["grade_id"] for c in written} == {"binary_question", "exploding_loss"}
    assert sum(nbgrader_meta(c)["points"] for c in written) == MANUAL_POINTS
    for cell in solutions:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


# ---------------------------------------------------------------- model contract (fast)


@pytest.fixture()
def fc_net(monkeypatch):
    monkeypatch.syspath_prepend(str(SOLUTIONS))
    for name in ("layers", "fc_net"):
        sys.modules.pop(name, None)
    module = importlib.import_module("fc_net")
    yield module
    for name in ("layers", "fc_net"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize("hidden", [[], [7], [5, 6, 4]])
@pytest.mark.parametrize("normalization", [None, "batchnorm"])
def test_params_contract(fc_net, hidden, normalization):
    np.random.seed(0)
    model = fc_net.FullyConnectedNet(hidden, input_dim=12, num_classes=3, weight_scale=0.1,
                                     normalization=normalization, dtype=np.float64)
    dims = [12, *hidden, 3]
    expected = {}
    for i in range(1, len(dims)):
        expected[f"W{i}"], expected[f"b{i}"] = (dims[i - 1], dims[i]), (dims[i],)
        if normalization and i < len(dims) - 1:
            expected[f"gamma{i}"] = expected[f"beta{i}"] = (dims[i],)
    assert {k: v.shape for k, v in model.params.items()} == expected
    assert all(v.dtype == np.float64 for v in model.params.values())
    assert len(model.bn_params) == (len(hidden) if normalization else 0)
    X = np.random.randn(4, 3, 4)
    scores = model.loss(X)
    assert scores.shape == (4, 3) and scores.dtype == np.float64
    loss, grads = model.loss(X, np.array([0, 1, 2, 0]))
    assert np.ndim(loss) == 0 and set(grads) == set(model.params)
    assert all(grads[k].shape == model.params[k].shape for k in grads)


def test_default_dtype_is_float32_and_seed_reaches_dropout(fc_net):
    model = fc_net.FullyConnectedNet([10], dropout_keep_ratio=0.5, seed=4)
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert model.params["W1"].shape == (784, 10)
    X = np.random.rand(6, 784).astype(np.float32)
    y = np.arange(6) % 10
    loss_a, _ = model.loss(X, y)
    loss_b, _ = model.loss(X, y)
    assert loss_a == loss_b, "with a seed the dropout mask, hence the loss, is deterministic"
    np.testing.assert_array_equal(model.loss(X), model.loss(X))  # test mode: no dropout


def test_regularization_adds_half_reg_sum_of_squared_weights(fc_net):
    np.random.seed(1)
    model = fc_net.FullyConnectedNet([6, 5], input_dim=4, num_classes=3, normalization="batchnorm",
                                     weight_scale=0.3, dtype=np.float64)
    X, y = np.random.randn(5, 4), np.array([0, 1, 2, 1, 0])
    base, grads0 = model.loss(X, y)
    model.reg = 0.7
    loss, grads = model.loss(X, y)
    l2 = sum(np.sum(model.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    assert loss == pytest.approx(base + 0.35 * l2, rel=1e-12)
    for k in model.params:
        extra = 0.7 * model.params[k] if k.startswith("W") else 0
        np.testing.assert_allclose(grads[k], grads0[k] + extra, rtol=1e-10, atol=1e-12)


def test_invalid_arguments_are_refused(fc_net):
    with pytest.raises(ValueError):
        fc_net.FullyConnectedNet([5], normalization="layernorm")
    with pytest.raises(ValueError):
        fc_net.FullyConnectedNet([5], dropout_keep_ratio=0.0)


# ---------------------------------------------------------------- graded checks against mutants (fast)


def run_fast_checks(nb, module_dir: Path, checks=FAST_CHECKS, data_kwargs=None) -> dict[str, str]:
    """Run the setup cell and the training-free graded cells ``checks`` in-process.

    ``module_dir`` holds (possibly mutated) student modules; ``data`` is a small
    MNIST subset (``load_mnist(**data_kwargs)``). Returns ``{grade_id: failure}``.
    """
    from starter import load_mnist

    def small_data(namespace: dict) -> None:
        namespace["data"] = load_mnist(**(data_kwargs or dict(num_train=100, num_val=10, num_test=10)))

    return run_cells_in_process(nb, module_dir, ("layers", "optim", "fc_net", "cnn"), checks, prepare=small_data)


def _mutants() -> list[Mutant]:
    return [m for m in load_mutants(ROOT / "grading" / "mutation" / "mutants") if m.module == "fc_net"]


def test_there_are_enough_mutants():
    mutants = _mutants()
    assert sum(m.is_bug for m in mutants) >= 6
    assert sum(not m.is_bug for m in mutants) >= 2


def test_fast_checks_pass_on_the_solution(notebook, capsys):
    assert run_fast_checks(notebook, SOLUTIONS) == {}


@pytest.mark.parametrize("mutant", _mutants(), ids=lambda m: m.name)
def test_fast_checks_catch_bugs_and_accept_alternatives(notebook, mutant, tmp_path):
    for name in MODULES:
        shutil.copy(SOLUTIONS / name, tmp_path / name)
    path = tmp_path / "fc_net.py"
    path.write_text(apply_mutant(path.read_text(), mutant))
    failed = run_fast_checks(notebook, tmp_path)
    if mutant.is_bug:
        assert failed, f"no graded check catches the bug: {mutant.description}"
    else:
        assert not failed, f"a correct alternative loses points: {failed}"


# ---------------------------------------------------------------- execution (slow)


def run_notebook(mutant: Mutant | None = None, notebook: str = NOTEBOOK,
                 modules=MODULES) -> dict:
    """Execute a notebook in a temporary copy of solutions/dl, optionally mutated.

    Per-cell limits come from ``cell.metadata.course.timeout`` (nbclient's
    ``timeout_func``), as in the autograder. Returns ``{"failed": {grade_id:
    reason}, "errors": {grade_id: error in any cell, timeouts included}, "seconds": total,
    "cells": {grade_id: seconds}, "outputs": {grade_id: text}}``.
    """
    from nbclient import NotebookClient

    os.environ.pop("MPLBACKEND", None)  # the kernel uses its inline backend
    with tempfile.TemporaryDirectory(prefix="part-nb-") as tmp:
        work = Path(tmp)
        for name in (notebook, *modules):
            shutil.copy(SOLUTIONS / name, work / name)
        if mutant is not None:
            path = work / f"{mutant.module}.py"
            path.write_text(apply_mutant(path.read_text(), mutant))
        nb = nbformat.read(work / notebook, as_version=4)
        client = NotebookClient(
            nb, timeout_func=lambda cell: cell_timeout(cell, DEFAULT_CELL_TIMEOUT), allow_errors=True, kernel_name="python3",
            interrupt_on_timeout=True, record_timing=True,
            resources={"metadata": {"path": str(work)}},
        )
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    failed, cells, outputs, errors = {}, {}, {}, {}
    for index, cell in enumerate(nb.cells):
        gid = nbgrader_meta(cell).get("grade_id")
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            from datetime import datetime

            t0 = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            t1 = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            cells[gid] = (t1 - t0).total_seconds()
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
        outputs[gid] = text
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                errors[gid or f"cell {index}"] = f"{out.ename}: {out.evalue}"[:300]
        if not nbgrader_meta(cell).get("grade"):
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                failed[gid] = f"{out.ename}: {out.evalue}"[:300]
                break
            if out.output_type == "stream" and out.name == "stderr":
                failed[gid] = f"stderr: {out.text}"[:300]
                break
    return {"failed": failed, "errors": errors, "seconds": seconds, "cells": cells,
            "outputs": outputs}


@pytest.mark.slow
@pytest.mark.thorough  # CI: tests/test_course_autograde.py grades this notebook end to end
def test_solution_notebook_runs_clean():
    result = run_notebook()
    slowest = sorted(result["cells"].items(), key=lambda kv: -kv[1])[:4]
    print(f"\n{NOTEBOOK} with the solution: {result['seconds']:.1f} s; slowest cells {slowest}")
    print(result["outputs"].get("val_accuracy_test"), result["outputs"].get("test_accuracy_test"))
    assert result["failed"] == {}
    assert result["errors"] == {}, "no cell may fail or time out, graded or not"


@pytest.mark.slow
@pytest.mark.thorough  # CI: the fast checks catch both, and `grading mutate`'s CI sample grades bugs end to end
@pytest.mark.parametrize("name", ["no_relu_between_layers", "bn_backward_before_relu_backward"])
def test_training_bugs_fail_in_a_full_run(name):
    """Bugs that a full run must also catch (the fast checks catch them earlier)."""
    mutant = next(m for m in _mutants() if m.name == name)
    result = run_notebook(mutant)
    # Failing because the kernel cannot import the course would prove nothing about the bug.
    broken = {where: error for where, error in result["errors"].items()
              if error.startswith(("ModuleNotFoundError", "ImportError"))}
    assert not broken, f"the notebook could not import its code: {broken}"
    assert result["failed"], f"a full run gives {mutant.description!r} full marks"
