"""Part 3 (``solutions/dl/3_cnn.ipynb``, ``cnn.py``): contracts, a clean run, mutants.

Same approach as ``tests/test_part2.py`` (whose helpers this module reuses):
fast tests check ``ConvNet``'s contract and run the notebook's training-free
graded cells against every mutant of ``cnn.py``; the slow test executes the
whole notebook as the autograder does and reports its run time.
"""

from __future__ import annotations

import importlib
import shutil
import sys

import nbformat
import numpy as np
import pytest
from notebook_cells import graded_code_cells, nbgrader_meta
from test_part2 import ROOT, SOLUTIONS, run_fast_checks, run_notebook

from grading.mutation.mutant_files import Mutant, apply_mutant, load_mutants

NOTEBOOK = "3_cnn.ipynb"
MODULES = ("layers.py", "optim.py", "cnn.py")
AUTOGRADED_POINTS = 15
FAST_CHECKS = ("naive_vs_fast_test", "spatial_batchnorm_test", "conv_bn_relu_pool_test",
               "convnet_init_test", "convnet_loss_test", "convnet_gradient_test")


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)


def test_notebook_metadata_and_points(notebook):
    nbformat.validate(notebook)
    ids = [nbgrader_meta(c).get("grade_id") for c in notebook.cells]
    assert None not in ids and len(ids) == len(set(ids))
    tests = graded_code_cells(notebook)
    assert sum(nbgrader_meta(c)["points"] for c in tests) == AUTOGRADED_POINTS
    assert {nbgrader_meta(c)["grade_id"] for c in tests} >= set(FAST_CHECKS)
    for cell in tests:
        meta = nbgrader_meta(cell)
        assert meta["locked"] and not meta["solution"] and meta["points"] > 0, meta["grade_id"]
        begin, end = cell.source.find("### BEGIN HIDDEN TESTS"), cell.source.find("### END HIDDEN TESTS")
        assert 0 < begin < end, meta["grade_id"]
    train = next(c for c in notebook.cells if nbgrader_meta(c).get("grade_id") == "train")
    assert nbgrader_meta(train)["solution"] and 0 < train.metadata["course"]["timeout"] <= 300


# ---------------------------------------------------------------- model contract (fast)


@pytest.fixture()
def cnn(monkeypatch):
    monkeypatch.syspath_prepend(str(SOLUTIONS))
    for name in ("layers", "cnn"):
        sys.modules.pop(name, None)
    yield importlib.import_module("cnn")
    for name in ("layers", "cnn"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize("kw", [
    dict(),
    dict(num_filters=(4,), hidden_dim=None, normalization=None),
    dict(input_dim=(3, 10, 9), num_filters=(2, 3, 4), filter_size=5, hidden_dim=8),
])
def test_params_and_loss_contract(cnn, kw):
    np.random.seed(0)
    model = cnn.ConvNet(num_classes=6, dtype=np.float64, **kw)
    C, H, W = kw.get("input_dim", (1, 28, 28))
    filters = kw.get("num_filters", (16, 32))
    assert all(v.dtype == np.float64 for v in model.params.values())
    K = len(filters)
    for i, F in enumerate(filters, start=1):
        assert model.params[f"W{i}"].shape[:2] == (F, C if i == 1 else filters[i - 2])
        assert (f"gamma{i}" in model.params) == (kw.get("normalization", "batchnorm") == "batchnorm")
    n_affine = 1 if kw.get("hidden_dim", 128) is None else 2
    assert f"W{K + n_affine}" in model.params and f"W{K + n_affine + 1}" not in model.params
    X = np.random.randn(3, C, H, W)
    assert model.loss(X).shape == (3, 6)
    loss, grads = model.loss(X, np.array([0, 1, 5]))
    assert np.ndim(loss) == 0 and set(grads) == set(model.params)
    assert all(grads[k].shape == model.params[k].shape for k in grads)


def test_default_dtype_float32_and_bn_running_stats_update(cnn):
    model = cnn.ConvNet(num_filters=(4, 4), hidden_dim=10)
    assert all(v.dtype == np.float32 for v in model.params.values())
    X = np.random.rand(5, 1, 28, 28).astype(np.float32)
    model.loss(X, np.arange(5))
    assert [p["running_mean"].shape for p in model.bn_params] == [(4,), (4,)]


def test_even_filter_size_is_refused(cnn):
    with pytest.raises(ValueError):
        cnn.ConvNet(filter_size=4)


def test_normalization_is_named_as_in_fully_connected_net(cnn):
    """ConvNet(normalization=None|"batchnorm"), like FullyConnectedNet; anything else is refused."""
    assert "gamma1" in cnn.ConvNet(num_filters=(2,), hidden_dim=None).params
    assert "gamma1" not in cnn.ConvNet(num_filters=(2,), hidden_dim=None, normalization=None).params
    with pytest.raises(ValueError, match="normalization"):
        cnn.ConvNet(normalization="layernorm")


# ---------------------------------------------------------------- graded checks against mutants (fast)


def _mutants() -> list[Mutant]:
    return [m for m in load_mutants(ROOT / "grading" / "mutation" / "mutants") if m.module == "cnn"]


def test_there_are_enough_mutants():
    mutants = _mutants()
    assert sum(m.is_bug for m in mutants) >= 6
    assert sum(not m.is_bug for m in mutants) >= 2


def test_fast_checks_pass_on_the_solution(notebook):
    assert run_fast_checks(notebook, SOLUTIONS, FAST_CHECKS) == {}


@pytest.mark.parametrize("mutant", _mutants(), ids=lambda m: m.name)
def test_fast_checks_catch_bugs_and_accept_alternatives(notebook, mutant, tmp_path):
    for name in MODULES:
        shutil.copy(SOLUTIONS / name, tmp_path / name)
    path = tmp_path / "cnn.py"
    path.write_text(apply_mutant(path.read_text(), mutant))
    failed = run_fast_checks(notebook, tmp_path, FAST_CHECKS)
    if mutant.is_bug:
        assert failed, f"no graded check catches the bug: {mutant.description}"
    else:
        assert not failed, f"a correct alternative loses points: {failed}"


# ---------------------------------------------------------------- execution (slow)


@pytest.mark.slow
@pytest.mark.thorough  # CI: tests/test_course_autograde.py grades this notebook end to end
def test_solution_notebook_runs_clean():
    result = run_notebook(notebook=NOTEBOOK, modules=MODULES)
    slowest = sorted(result["cells"].items(), key=lambda kv: -kv[1])[:4]
    print(f"\n{NOTEBOOK} with the solution: {result['seconds']:.1f} s; slowest cells {slowest}")
    print(result["outputs"].get("cnn_val_accuracy_test"), result["outputs"].get("cnn_test_accuracy_test"))
    assert result["failed"] == {}
    assert result["errors"] == {}, "no cell may fail or time out, graded or not"


# ---------------------------------------------------------------- benchmark models (dev, needs torch)


def test_time_to_accuracy_benchmark_compares_the_same_models():
    """benchmarks/bench_time_to_accuracy.py: its PyTorch MLP and CNN, built from the numpy
    models' initial parameters, give the same training loss and gradients."""
    torch = pytest.importorskip("torch")
    import importlib.util

    saved_path, names = list(sys.path), ("layers", "cnn", "fc_net", "optim", "bench_tta")
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_tta", ROOT / "benchmarks" / "bench_time_to_accuracy.py")
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        rng = np.random.default_rng(0)
        for name, shape in (("mlp", (6, 784)), ("cnn", (6, 1, 28, 28))):
            model = bench.numpy_model(name)
            net = bench.torch_model(torch, name, model.params).double().train()
            X = rng.random(shape, dtype=np.float32)
            y = rng.integers(10, size=6)
            loss, grads = model.loss(X, y)
            tloss = torch.nn.functional.cross_entropy(
                net(torch.from_numpy(X.astype(np.float64))), torch.from_numpy(y))
            tloss.backward()
            assert abs(tloss.detach().item() - loss) < 1e-4 * abs(loss), name
            first = next(m for m in net if hasattr(m, "weight"))
            expected = first.weight.grad.numpy()
            if name == "mlp":
                expected = expected.T  # nn.Linear stores (out, in); the course's W is (in, out)
            np.testing.assert_allclose(grads["W1"], expected, rtol=1e-3, atol=1e-5)
    finally:
        sys.path[:] = saved_path
        for n in names:
            sys.modules.pop(n, None)
