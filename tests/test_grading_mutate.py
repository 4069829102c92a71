"""``python -m grading mutate``: the usage map, mutant checks, the report, and a sampled real run.

The unit tests use a small fixture course written here (two modules, one notebook)
so that every mapping from a mutated function to notebooks and graded cells is
known by construction. The CLI tests run the real command in a subprocess; the
sampled run grades real mutants of the course through the real pipeline.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from grading.mutation.mutant_files import Mutant, load_mutants
from grading.mutation.reach import UsageMap, mutated_symbols
from grading.mutation.selection import MutateError, select_mutants
from grading.mutation.summary import (
    MutantResult,
    render_markdown,
    rerender,
    summarise,
    thresholds_met,
)

ROOT = Path(__file__).resolve().parents[1]

MOD_A = '''"""Module a."""

import numpy as np


def helper(x):
    return x + 1


def uses_helper(x):
    return helper(x) * 2


def lonely(x):
    return -x


class Model:
    def loss(self, x):
        return uses_helper(x)

    def other(self):
        return 0


class Twin:
    def loss(self, x):
        return np.zeros_like(x)
'''

MOD_B = '''"""Module b, built on module a."""

from mod_a import helper


def outer(x):
    return helper(x) + 10


def step(w, dw):
    return w - dw
'''


def _code(source: str, grade_id: str | None = None, points: float = 1.0):
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source))
    if grade_id:
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True,
                                     "points": points, "solution": False, "schema_version": 3}
    return cell


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    source = tmp_path / "dl"
    source.mkdir()
    (source / "mod_a.py").write_text(MOD_A)
    (source / "mod_b.py").write_text(MOD_B)
    nb1 = nbformat.v4.new_notebook()
    nb1.cells = [
        _code("%load_ext autoreload\nimport numpy as np\nfrom mod_a import uses_helper, Model\nimport mod_b\n"),
        _code("assert uses_helper(1) == 4\n", "uses_helper_test"),
        _code("out = mod_b.outer(0)\n"),
        _code("assert out == 11\n", "outer_result_test"),  # reaches helper through `out` only
        _code("out = 5\nassert out == 5\n", "rebound_test"),  # `out` rebound: no module code
        _code("model = Model()\nassert model.loss(1) == 4\n", "model_test"),
        _code("w = mod_b.step(1.0, 0.5)\n"),
        _code("for _ in range(2):\n    w = w * 1\nassert w == 0.5\n", "step_test"),
    ]
    nbformat.write(nb1, source / "1_first.ipynb")
    nb2 = nbformat.v4.new_notebook()
    nb2.cells = [_code("from mod_b import step\nassert step(2, 1) == 1\n", "only_step_test")]
    nbformat.write(nb2, source / "2_second.ipynb")
    return source


def _mutant(module: str, functions: dict[str, str], description: str = "a change") -> Mutant:
    return Mutant("m", module, "bug", description, functions)


def _symbols(course: Path, mutant: Mutant) -> set:
    return mutated_symbols(mutant, (course / f"{mutant.module}.py").read_text())


# ---------------------------------------------------------------- usage map

def test_a_function_reaches_the_notebooks_and_cells_that_call_it_directly_or_through_others(course):
    usage = UsageMap(course)
    helper = _symbols(course, _mutant("mod_a", {"helper": "def helper(x):\n    return x\n"}))
    assert usage.notebooks_using(helper) == ["1_first"]
    # helper <- uses_helper <- Model (a method calls it) and helper <- mod_b.outer (imported)
    assert usage.cells_using(helper) == [("1_first", "uses_helper_test"), ("1_first", "outer_result_test"),
                                         ("1_first", "model_test")]
    # The cells that call it themselves: not outer_result_test, which only reads `out`.
    assert usage.cells_to_catch(helper) == [("1_first", "uses_helper_test"), ("1_first", "model_test")]


def test_a_function_no_notebook_uses_reaches_nothing(course):
    usage = UsageMap(course)
    lonely = _symbols(course, _mutant("mod_a", {"lonely": "def lonely(x):\n    return x\n"}))
    assert usage.notebooks_using(lonely) == []
    assert usage.cells_using(lonely) == [] and usage.cells_to_catch(lonely) == []


def test_a_variable_carries_a_function_into_later_cells_until_it_is_rebound(course):
    usage = UsageMap(course)
    step = _symbols(course, _mutant("mod_b", {"step": "def step(w, dw):\n    return w + dw\n"}))
    assert usage.notebooks_using(step) == ["1_first", "2_second"]
    assert usage.cells_using(step) == [("1_first", "step_test"), ("2_second", "only_step_test")]
    assert usage.cells_using(step, ["2_second"]) == [("2_second", "only_step_test")]
    assert usage.cells_to_catch(step, ["1_first"]) == [("1_first", "step_test")]  # no direct caller: fall back
    outer = _symbols(course, _mutant("mod_b", {"outer": "def outer(x):\n    return x\n"}))
    assert ("1_first", "rebound_test") not in usage.cells_using(outer)
    assert ("1_first", "outer_result_test") in usage.cells_using(outer)


def test_a_method_mutant_stands_for_its_class(course):
    source = (course / "mod_a.py").read_text()
    other = _mutant("mod_a", {"other": "def other(self):\n    return 1\n"})
    assert mutated_symbols(other, source) == {("mod", "mod_a", "Model")}
    named = _mutant("mod_a", {"loss": "def loss(self, x):\n    return x\n"}, "Twin.loss returns x")
    assert mutated_symbols(named, source) == {("mod", "mod_a", "Twin")}
    usage = UsageMap(course)
    assert usage.cells_using(mutated_symbols(other, source)) == [("1_first", "model_test")]
    assert usage.notebooks_using(mutated_symbols(named, source)) == []


def test_the_real_course_maps_a_layers_bug_to_its_own_test_cell():
    usage = UsageMap(ROOT / "solutions" / "dl")
    mutant = next(m for m in load_mutants(ROOT / "grading" / "mutation" / "mutants") if m.id == "layers/hinge_dx_sign")
    symbols = mutated_symbols(mutant, (ROOT / "solutions" / "dl" / "layers.py").read_text())
    assert usage.notebooks_using(symbols)[0] == "1_layers"
    assert ("1_layers", "binary_losses_test") in usage.cells_to_catch(symbols)
    assert ("1_layers", "affine_backward_test") not in usage.cells_using(symbols)


# ---------------------------------------------------------------- checking mutants

def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


GOOD = '''"""helper forgets the +1."""
KIND = "bug"


def helper(x):
    return x
'''


@pytest.mark.parametrize("text, message", [
    ('"""No kind."""\n\ndef helper(x):\n    return x\n', "missing KIND"),
    ('"""Unknown function."""\nKIND = "bug"\n\ndef nowhere(x):\n    return x\n', "nowhere"),
    ('"""Broken."""\nKIND = "bug"\n\ndef helper(x:\n    return x\n', "not valid Python"),
    ('KIND = "bug"\n\ndef helper(x):\n    return x\n', "docstring"),
    ('"""Odd kind."""\nKIND = "maybe"\n\ndef helper(x):\n    return x\n', "KIND must be one of"),
])
def test_a_malformed_mutant_is_refused_with_the_reason(course, tmp_path, text, message):
    path = _write(tmp_path / "mine", "bad.py", text)
    with pytest.raises(MutateError, match=message) as info:
        select_mutants(course, None, [path], ["mod_a"])
    assert str(path) in str(info.value)


def test_a_mutant_for_an_unknown_module_says_which_modules_exist(course, tmp_path):
    path = _write(tmp_path / "mutants" / "mod_z", "bug.py", GOOD)
    with pytest.raises(MutateError, match="mod_a, mod_b"):
        select_mutants(course, None, [path], [])
    with pytest.raises(MutateError, match="unknown module mod_q"):
        select_mutants(course, tmp_path / "mutants", [], ["mod_q"])


def test_an_instructors_mutant_file_takes_the_module_it_is_given(course, tmp_path):
    path = _write(tmp_path / "anywhere", "my_bug.py", GOOD)
    [(mutant, mutated)] = select_mutants(course, None, [path], ["mod_a"])
    assert mutant.id == "mod_a/my_bug" and "return x\n" in mutated and "x + 1" not in mutated


def test_sampling_is_seeded_and_keeps_an_alternative(course, tmp_path):
    root = tmp_path / "mutants"
    for i in range(6):
        _write(root / "mod_a", f"bug{i}.py", GOOD)
    _write(root / "mod_a", "alt.py", GOOD.replace('"bug"', '"alternative"').replace("return x", "return x + 1"))
    first = [m.id for m, _ in select_mutants(course, root, [], [], sample=2, seed=3)]
    assert first == [m.id for m, _ in select_mutants(course, root, [], [], sample=2, seed=3)]
    assert len(first) == 2 and "mod_a/alt" in first
    kept = select_mutants(course, root, [], [], keep=lambda m: m.name != "bug0")
    assert [m.name for m, _ in kept] == ["alt", "bug1", "bug2", "bug3", "bug4", "bug5"]


# ---------------------------------------------------------------- report logic

def _result(name: str, kind: str, score: float, baseline: float = 10.0, **extra) -> MutantResult:
    result = MutantResult(f"mod_a/{name}", "mod_a", kind, f"{name} does something", f"m.mod_a.{name}",
                          ["1_first"], score=score, max_score=10.0, baseline=baseline,
                          statuses={"1_first": "graded"})
    for key, value in extra.items():
        setattr(result, key, value)
    return result


def test_caught_rejected_and_kept_credit_per_part():
    results = [
        _result("caught", "bug", 6.0, lost={"1_first/uses_helper_test": 4.0}),
        _result("survivor", "bug", 10.0, should_catch=["1_first/uses_helper_test"]),
        _result("crash", "bug", 0.0, statuses={"1_first": "failed (kernel died)"}),
        _result("fine", "alternative", 10.0),
        _result("unfair", "alternative", 9.0, lost={"1_first/model_test": 1.0},
                errors={"1_first/model_test": "AssertionError: loss differs"}),
        MutantResult("mod_a/unreached", "mod_a", "bug", "nothing", "m.mod_a.unreached", []),
    ]
    [part] = summarise(results).values()
    assert (part.bugs, part.caught, part.alternatives, part.full_credit, part.not_graded) == (3, 2, 2, 1, 1)
    assert part.kept == [0.6, 1.0, 0.0]
    assert thresholds_met({"mod_a": part}, None, False) == []
    problems = thresholds_met({"mod_a": part}, 0.95, True)
    assert problems == ["mod_a: 2/3 bugs caught (67% < 95%)", "mod_a: 1 of 2 correct alternatives lose points"]
    assert thresholds_met({"mod_a": part}, 0.6, False) == []
    page = render_markdown(results, {"mod_a": part}, {"seconds": 12.0, "workers": 2})
    assert "| mod_a | 2/3 (67%) | 1/2 | 53% / 0% / 100% | 1 |" in page
    assert "**mod_a/survivor** (survivor does something): 1_first/uses_helper_test" in page
    assert "1_first/model_test (-1): AssertionError: loss differs" in page
    assert "Not graded (no graded notebook reaches them): mod_a/unreached." in page


def test_a_report_is_rendered_again_from_its_json(tmp_path):
    results = [_result("caught", "bug", 6.0, lost={"1_first/uses_helper_test": 4.0}), _result("ok", "alternative", 10.0)]
    parts = summarise(results, {"mod_a": 3.0})
    meta = {"seconds": 3.0, "workers": 1, "cell_timeout": 60}
    (tmp_path / "mutation_report.json").write_text(json.dumps({
        "meta": meta,
        "parts": {m: dataclasses.asdict(p) for m, p in parts.items()},
        "mutants": [dataclasses.asdict(r) | {"verdict": r.verdict} for r in results],
    }))
    assert rerender(tmp_path) == render_markdown(results, parts, meta)
    assert (tmp_path / "mutation_report.md").read_text() == render_markdown(results, parts, meta)


def test_a_score_above_a_failing_baseline_still_counts_against_the_baseline():
    # The solution itself lost a point: an alternative scoring what it scores is at full credit.
    [part] = summarise([_result("alt", "alternative", 9.0, baseline=9.0)]).values()
    assert part.full_credit == 1


# ---------------------------------------------------------------- the real command

def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "grading", "mutate", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_cli_refuses_a_malformed_mutant_before_grading_anything(tmp_path):
    path = _write(tmp_path, "oops.py", '"""A bug without a kind."""\n\ndef affine_forward(x, w, b):\n    return 0\n')
    done = _cli("--mutant", str(path), "--module", "layers", "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "missing KIND" in done.stderr and str(path) in done.stderr
    assert not (tmp_path / "out").exists()
    path.write_text('"""Nowhere."""\nKIND = "bug"\n\ndef affine_sideways(x):\n    return 0\n')
    done = _cli("--mutant", str(path), "--module", "layers", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "affine_sideways" in done.stderr and "layers" in done.stderr
    done = _cli("--notebook", "9_nothing", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "unknown notebook 9_nothing" in done.stderr


@pytest.mark.slow
def test_sampled_mutation_run_meets_the_thresholds(tmp_path):
    """CI's sample: bugs and alternatives of the two fast notebooks through the real pipeline."""
    out = tmp_path / "out"
    done = _cli("--module", "layers", "--module", "style_transfer",
                "--notebook", "1_layers", "--notebook", "6_style_transfer",
                "--sample", "6", "--seed", "4", "--workers", "2", "--cell-timeout", "120",
                "--min-caught", "0.95", "--require-alternatives", "--out", str(out), timeout=900)
    report = json.loads((out / "mutation_report.json").read_text())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    verdicts = {m["id"]: m["verdict"] for m in report["mutants"]}
    assert len(verdicts) == 6
    assert {m["kind"] for m in report["mutants"]} == {"bug", "alternative"}
    assert set(verdicts.values()) <= {"caught", "full credit"}
    assert {m["module"] for m in report["mutants"]} == {"layers", "style_transfer"}
    for mutant in report["mutants"]:
        assert mutant["notebooks"] and mutant["baseline"] == mutant["max_score"] > 0
        if mutant["kind"] == "bug":  # one broken function never zeroes the notebook
            assert 0 < mutant["score"] < mutant["baseline"]
    assert "| layers |" in done.stdout and (out / "mutation_report.md").is_file()


def test_every_mutant_of_the_collection_reaches_a_graded_cell():
    """A bug no graded cell can reach could never be caught: the map must find one for each."""
    source = ROOT / "solutions" / "dl"
    usage = UsageMap(source)
    texts = {module: (source / f"{module}.py").read_text() for module in usage.modules}
    unreached = []
    for mutant in load_mutants(ROOT / "grading" / "mutation" / "mutants"):
        symbols = mutated_symbols(mutant, texts[mutant.module])
        if not symbols or not usage.cells_to_catch(symbols):
            unreached.append(mutant.id)
    assert not unreached
