"""The mutant collection and the library that applies it (grading.mutation.mutant_files).

Every bug in ``grading/mutation/mutants/`` must be *proven* to differ from the solution:
the mutated module is imported and run on a fixed set of probes per function,
and at least one observable must differ. Every alternative must agree with the
solution on all probes. Dropout's observables are statistics and booleans, so
that they do not depend on the random stream behind a mask.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import itertools
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from grading.mutation.mutant_files import Mutant, apply_mutant, load_mutant, load_mutants

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "dl"
MUTANTS = ROOT / "grading" / "mutation" / "mutants"
PART1_MODULES = ("layers", "optim")

ALL_MUTANTS = [m for m in load_mutants(MUTANTS) if m.module in PART1_MODULES]


# ---------------------------------------------------------------- apply_mutant unit tests

MODULE = '''"""A module."""

from __future__ import annotations

import os


def helper(x):
    return x + 1


def twice(f):
    return lambda x: 2 * f(x)


@twice
@twice
def target(x):
    """Old docstring."""
    return helper(x)


def other():
    return os.sep
'''


def _mutant(functions: dict[str, str], imports: tuple[str, ...] = ()) -> Mutant:
    return Mutant("m", "mod", "bug", "a test mutant", functions, imports)


def _exec(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<mutated>", "exec"), namespace)
    return namespace


def test_apply_replaces_the_whole_definition_with_decorators():
    new = "def target(x):\n    return helper(x) * 10\n"
    out = apply_mutant(MODULE, _mutant({"target": new}))
    assert "@twice" not in out and "Old docstring" not in out
    ns = _exec(out)
    assert ns["target"](1) == 20  # the mutant's body, calling the module's helper
    assert ns["other"]() == __import__("os").sep  # the rest is untouched
    assert ast.get_docstring(ast.parse(out)) == "A module."


def test_apply_adds_imports_after_docstring_and_future_imports():
    new = "def other():\n    return math.pi\n"
    out = apply_mutant(MODULE, _mutant({"other": new}, ("import math",)))
    body = ast.parse(out).body
    assert isinstance(body[1], ast.ImportFrom) and body[1].module == "__future__"
    assert isinstance(body[2], ast.Import) and body[2].names[0].name == "math"
    assert _exec(out)["other"]() == pytest.approx(3.14159265)


def test_apply_keeps_a_mutant_future_import_first():
    src = '"""Doc."""\nimport os\n\n\ndef f():\n    return 1\n'
    out = apply_mutant(src, _mutant({"f": "def f():\n    return 2\n"}, ("from __future__ import annotations",)))
    body = ast.parse(out).body
    assert isinstance(body[1], ast.ImportFrom) and body[1].module == "__future__"
    assert _exec(out)["f"]() == 2


def test_apply_replaces_several_functions_and_appends_private_helpers():
    out = apply_mutant(
        MODULE,
        _mutant({
            "other": "def other():\n    return _extra()\n",
            "helper": "def helper(x):\n    return x - 1\n",
            "_extra": "def _extra():\n    return 'extra'\n",
        }),
    )
    ns = _exec(out)
    assert ns["other"]() == "extra"
    assert ns["helper"](5) == 4
    assert ns["target"](5) == 16  # the untouched, decorated target calls the new helper
    assert out.count("def helper(") == 1


def test_apply_without_trailing_newline():
    out = apply_mutant("def f():\n    return 1", _mutant({"f": "def f():\n    return 3\n"}))
    assert _exec(out)["f"]() == 3


def test_apply_rejects_a_function_missing_from_the_module():
    with pytest.raises(ValueError, match=r"mod/m: function\(s\) missing_one defined neither"):
        apply_mutant(MODULE, _mutant({"missing_one": "def missing_one():\n    pass\n"}))


CLASSES = """\
class Model:
    def __init__(self):
        self.w = 2

    def loss(self, x):
        return self.w * x


class Other:
    def loss(self, x):
        return -x
"""


def test_apply_replaces_a_method_inside_its_class():
    mutant = _mutant({"__init__": "def __init__(self):\n    self.w = 3\n"})
    ns = _exec(apply_mutant(CLASSES, mutant))
    assert ns["Model"]().loss(2) == 6
    assert ns["Other"]().loss(2) == -2


def test_a_method_several_classes_define_needs_class_dot_method_in_the_description():
    new_loss = {"loss": "def loss(self, x):\n    return 10 * x\n"}
    with pytest.raises(ValueError, match=r"several classes \(Model, Other\)"):
        apply_mutant(CLASSES, _mutant(new_loss))
    named = dataclasses.replace(_mutant(new_loss), description="Other.loss returns ten times x")
    ns = _exec(apply_mutant(CLASSES, named))
    assert (ns["Model"]().loss(1), ns["Other"]().loss(1)) == (2, 10)


def test_apply_ignores_nested_definitions_of_the_same_name():
    src = "def outer():\n    def target():\n        return 1\n    return target()\n"
    with pytest.raises(ValueError, match="target"):
        apply_mutant(src, _mutant({"target": "def target():\n    return 2\n"}))


def _write(tmp_path: Path, text: str, module: str = "layers", name: str = "x.py") -> Path:
    path = tmp_path / module / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_load_mutant_reads_every_field(tmp_path):
    path = _write(tmp_path, '''\
        """First line describes it.

        More detail.
        """

        import numpy as np
        from math import pi

        KIND = "alternative"


        @decorator
        def f(x):
            return np.sqrt(x)
        ''', name="my_mutant.py")
    m = load_mutant(path)
    assert (m.name, m.module, m.kind, m.description) == (
        "my_mutant", "layers", "alternative", "First line describes it.")
    assert m.imports == ("import numpy as np", "from math import pi")
    assert m.functions["f"].startswith("@decorator\ndef f(x):")
    assert not m.is_bug and m.id == "layers/my_mutant"


@pytest.mark.parametrize(
    "text, message",
    [
        ('KIND = "bug"\ndef f():\n    pass\n', "docstring"),
        ('"""Doc."""\ndef f():\n    pass\n', "missing KIND"),
        ('"""Doc."""\nKIND = "typo"\ndef f():\n    pass\n', "KIND must be one of"),
        ('"""Doc."""\nKIND = "bug"\n', "at least one function"),
        ('"""Doc."""\nKIND = "bug"\nX = 1\ndef f():\n    pass\n', "only a docstring"),
        ('"""Doc."""\nKIND = "bug"\ndef f():\n    pass\ndef f():\n    pass\n', "defined twice"),
        ('"""Doc."""\nKIND = "bug"\ndef f(:\n', "not valid Python"),
    ],
)
def test_load_mutant_rejects_malformed_files(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_mutant(_write(tmp_path, text))


def test_load_mutants_rejects_a_missing_directory(tmp_path):
    with pytest.raises(ValueError, match="no such mutant directory"):
        load_mutants(tmp_path / "nope")


# ---------------------------------------------------------------- the collection


def test_collection_is_large_enough():
    bugs = [m for m in ALL_MUTANTS if m.is_bug]
    alternatives = [m for m in ALL_MUTANTS if not m.is_bug]
    assert len(bugs) >= 30, len(bugs)
    assert len(alternatives) >= 8, len(alternatives)
    assert len({m.id for m in ALL_MUTANTS}) == len(ALL_MUTANTS)


@pytest.mark.parametrize("mutant", ALL_MUTANTS, ids=lambda m: m.id)
def test_mutant_applies_and_compiles(mutant):
    source = (SOLUTIONS / f"{mutant.module}.py").read_text()
    mutated = apply_mutant(source, mutant)
    compile(mutated, f"{mutant.id}.py", "exec")
    assert mutated != source
    assert mutant.description and not mutant.description.endswith(":")


# ---------------------------------------------------------------- probes

_counter = itertools.count()


def _import_source(source: str, tmp_path: Path, label: str):
    """Import module source under a unique name (solution and mutants side by side)."""
    name = f"_probe_{label.replace('/', '_')}_{next(_counter)}"
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _r(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def probe_affine(m):
    r = _r(1)
    out = {}
    for k, (xs, M) in enumerate([((3, 2, 4), 5), ((4, 3), 4)]):
        x, w, b = r.standard_normal(xs), r.standard_normal((int(np.prod(xs[1:])), M)), r.standard_normal(M)
        o, cache = m.affine_forward(x, w, b)
        out[f"out{k}"] = o
        out[f"grads{k}"] = m.affine_backward(r.standard_normal(o.shape), cache)
    return out


def probe_relu(m):
    x = _r(2).standard_normal((4, 5))
    x[0, :3] = 0.0
    o, cache = m.relu_forward(x)
    return {"out": o, "dx": m.relu_backward(_r(3).standard_normal(x.shape), cache)}


def probe_dropout(m):
    x = _r(4).standard_normal((200, 150)) + 4
    d = _r(5).standard_normal(x.shape)
    out = {}
    for p in (0.3, 0.8):
        train, cache = m.dropout_forward(x, {"mode": "train", "p": p, "seed": 11})
        again, _ = m.dropout_forward(x, {"mode": "train", "p": p, "seed": 11})
        test, tcache = m.dropout_forward(x, {"mode": "test", "p": p})
        kept = train != 0
        out[p] = {
            "mean_preserved": abs(train.mean() - x.mean()) < 0.1,
            "keep_fraction": abs(kept.mean() - p) < 0.01,
            "kept_scaled": bool(np.allclose(train[kept], x[kept] / p)),
            "deterministic": bool(np.array_equal(train, again)),
            "test_identity": bool(np.allclose(test, x)),
            "backward_uses_mask": bool(np.allclose(m.dropout_backward(d, cache), d * train / x)),
            "test_backward_identity": bool(np.allclose(m.dropout_backward(d, tcache), d)),
        }
    return out


def probe_batchnorm(m):
    r = _r(6)
    gamma, beta = r.standard_normal(3), r.standard_normal(3)
    out = {}
    x = 0.01 * r.standard_normal((6, 3)) + 2
    out["train_small_var"], _ = m.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    param = {"mode": "train", "momentum": 0.7}
    for step in range(3):
        m.batchnorm_forward((step + 1) * r.standard_normal((5, 3)) + step, gamma, beta, param)
    out["running"] = (param["running_mean"].copy(), param["running_var"].copy())
    param["mode"] = "test"
    out["test"], _ = m.batchnorm_forward(r.standard_normal((4, 3)), gamma, beta, param)
    out["running_after_test"] = (param["running_mean"], param["running_var"])
    x = 2 * r.standard_normal((5, 3)) - 1
    o, cache = m.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    out["grads"] = m.batchnorm_backward(r.standard_normal(o.shape), cache)
    return out


def probe_spatial_batchnorm(m):
    r = _r(7)
    x = r.standard_normal((2, 3, 4, 5)) * np.array([1.0, 3.0, 0.2])[None, :, None, None]
    gamma, beta = r.standard_normal(3), r.standard_normal(3)
    param = {"mode": "train"}
    o, cache = m.spatial_batchnorm_forward(x, gamma, beta, param)
    grads = m.spatial_batchnorm_backward(r.standard_normal(o.shape), cache)
    running = (param["running_mean"].copy(), param["running_var"].copy())
    param["mode"] = "test"
    test, _ = m.spatial_batchnorm_forward(r.standard_normal((1, 3, 2, 3)), gamma, beta, param)
    return {"out": o, "grads": grads, "running": running, "test": test}


def probe_conv(m):
    r = _r(8)
    out = {}
    for k, (xs, ws, s, p) in enumerate([
        ((2, 3, 5, 5), (2, 3, 3, 3), 1, 0),
        ((2, 2, 7, 6), (3, 2, 3, 3), 2, 1),
        ((1, 2, 6, 7), (2, 2, 2, 3), 3, 2),
    ]):
        x, w, b = r.standard_normal(xs), r.standard_normal(ws), r.standard_normal(ws[0])
        o, cache = m.conv_forward_naive(x, w, b, {"stride": s, "pad": p})
        out[f"out{k}"] = o
        out[f"grads{k}"] = m.conv_backward_naive(r.standard_normal(o.shape), cache)
    return out


def probe_pool(m):
    r = _r(9)
    out = {}
    cases = [
        (r.standard_normal((2, 2, 6, 6)), 2, 2, 2),
        (r.standard_normal((1, 2, 7, 7)), 3, 3, 2),
        (r.integers(0, 3, (2, 2, 5, 5)).astype(float), 2, 2, 1),  # ties
        (r.standard_normal((1, 1, 5, 7)), 2, 3, 2),
    ]
    for k, (x, ph, pw, s) in enumerate(cases):
        o, cache = m.max_pool_forward_naive(x, {"pool_height": ph, "pool_width": pw, "stride": s})
        out[f"out{k}"] = o
        out[f"dx{k}"] = m.max_pool_backward_naive(r.standard_normal(o.shape), cache)
    return out


def probe_losses(m):
    r = _r(10)
    out = {}
    y = r.integers(4, size=6)
    # Rows around +-1000 with a moderate spread: overflow (or a batch-wide shift) shows,
    # yet every correct class keeps a representable probability (the TODO asks only for
    # the row-maximum shift, so CS231n's probabilities form must agree).
    for offset in (0.0, 1000.0):
        rows = offset * np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])[:, None]
        out[f"softmax{offset}"] = m.softmax_loss(2.0 * r.standard_normal((6, 4)) + rows, y)
    out["svm"] = m.svm_loss(r.standard_normal((6, 4)), y)
    yb = np.concatenate([r.integers(2, size=6), [0, 1]])
    for scale in (2.0, 500.0):
        # the last two margins s * x are -1.8 * scale and +1.8 * scale
        xb = np.concatenate([scale * r.standard_normal(6), [1.8 * scale, 1.8 * scale]])
        out[f"logistic{scale}"] = m.logistic_loss(xb, yb)
        out[f"logistic_col{scale}"] = m.logistic_loss(xb[:, None], yb)
        out[f"hinge{scale}"] = m.hinge_loss(xb, yb)
        out[f"hinge_col{scale}"] = m.hinge_loss(xb[:, None], yb)
    return out


def _probe_rule(rule: Callable, config: dict, seed: int):
    r = _r(seed)
    w = r.standard_normal((3, 4))
    out = {}
    for step in range(4):
        dw = r.standard_normal(w.shape)
        w_in, dw_in = w.copy(), dw.copy()
        w_next, config = rule(w, dw, config)
        out[step] = {
            "w": w_next,
            "inputs_untouched": bool(np.array_equal(w, w_in) and np.array_equal(dw, dw_in)),
            "state": {k: np.copy(v) for k, v in config.items()},
        }
        w = w_next
    out["default"] = rule(r.standard_normal((2, 2)), r.standard_normal((2, 2)))
    return out


def probe_optim(m):
    return {
        "sgd": _probe_rule(m.sgd, {"learning_rate": 0.1}, 20),
        "momentum": _probe_rule(m.sgd_momentum, {"learning_rate": 0.1, "momentum": 0.8}, 21),
        "rmsprop": _probe_rule(m.rmsprop, {"learning_rate": 0.05, "decay_rate": 0.9}, 22),
        "adam": _probe_rule(m.adam, {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95}, 23),
    }


PROBES = {
    "layers": [probe_affine, probe_relu, probe_dropout, probe_batchnorm, probe_spatial_batchnorm,
               probe_conv, probe_pool, probe_losses],
    "optim": [probe_optim],
}


@dataclass(frozen=True)
class Raised:
    """The observation of a probe that raised: a crash is an observable difference too."""

    exception: str


def _observe(module, probe) -> object:
    """A probe's observables, or Raised when it raised."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return probe(module)
        except Exception as exc:
            return Raised(type(exc).__name__)


def _differences(a, b, rtol: float, path: str = "") -> list[str]:
    """Paths at which two observation trees differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(map(str, a))} vs {sorted(map(str, b))}"]
        return [d for k in a for d in _differences(a[k], b[k], rtol, f"{path}/{k}")]
    if isinstance(a, Raised) or isinstance(b, Raised):
        return [] if a == b else [f"{path}: {a!r} vs {b!r}"]
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, rtol, f"{path}[{i}]")]
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return [] if bool(a) == bool(b) else [f"{path}: {a} vs {b}"]
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        return [f"{path}: shape {x.shape} vs {y.shape}"]
    if not np.allclose(x, y, rtol=rtol, atol=1e-12, equal_nan=False):
        return [f"{path}: values differ"]
    return []


@pytest.fixture(scope="module")
def solution_observations(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("solution")
    observed = {}
    for module_name, probes in PROBES.items():
        module = _import_source((SOLUTIONS / f"{module_name}.py").read_text(), tmp, module_name)
        observed[module_name] = {p.__name__: _observe(module, p) for p in probes}
    return observed


def test_solution_passes_every_probe_without_raising(solution_observations):
    for module_name, observed in solution_observations.items():
        for probe, value in observed.items():
            assert not isinstance(value, Raised), (module_name, probe, value)
    # The dropout observables are all True for the solution (they are correctness checks).
    drop = solution_observations["layers"]["probe_dropout"]
    assert all(all(v.values()) for v in drop.values()), drop
    assert all(step["inputs_untouched"] for rule in solution_observations["optim"]["probe_optim"].values()
               for key, step in rule.items() if key != "default")


@pytest.mark.parametrize("mutant", ALL_MUTANTS, ids=lambda m: m.id)
def test_bug_differs_and_alternative_agrees(mutant, solution_observations, tmp_path):
    source = apply_mutant((SOLUTIONS / f"{mutant.module}.py").read_text(), mutant)
    module = _import_source(source, tmp_path, mutant.id)
    diffs = []
    for probe in PROBES[mutant.module]:
        expected = solution_observations[mutant.module][probe.__name__]
        # Bugs must differ beyond round-off; alternatives may differ by round-off only.
        diffs += _differences(_observe(module, probe), expected, rtol=1e-9 if mutant.is_bug else 1e-6,
                              path=probe.__name__)
    if mutant.is_bug:
        assert diffs, f"bug {mutant.id} ({mutant.description}) behaves like the solution on every probe"
    else:
        assert not diffs, f"alternative {mutant.id} differs from the solution: {diffs[:5]}"
