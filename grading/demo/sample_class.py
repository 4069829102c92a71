"""A sample class of submissions built from the solutions and the release, for the demo and tests.

Every kind of student a grader meets: correct, untouched, partly done, buggy
(realistic mutants from ``grading/mutation/mutants/``), and adversarial ones (a corrupt
notebook, a missing notebook, a module with a syntax error, an infinite loop,
a crash that kills the kernel) and, on request, attackers of the sandbox (a
monkeypatched np.allclose, a fork bomb, a network call, a memory bomb). Built from source text only; nothing is imported.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grading.layout import IGNORED_NAMES, module_files, notebook_ids
from grading.mutation.mutant_files import Mutant, apply_mutant
from grading.release.strip_solutions import find_solution_regions, strip_solutions
from grading.similarity.disguise import disguise_folder
from grading.similarity.variants import variant_count, variant_source

# What grading a sample student gives one notebook (only automatic cells: written answers count 0
# until graded by hand).
FULL = "full"  # every automatic cell keeps its points
ZERO = "zero"  # every automatic cell scores 0
ZEROED = "zeroed"  # the named cells score 0, every other automatic cell keeps its points
LOSES = "loses"  # some automatic cell loses points (which ones depends on the bug)
MISSING = "missing"  # not handed in: graded 0 as missing
INVALID = "invalid"  # handed in unreadable: graded 0 as invalid


@dataclass(frozen=True)
class Claim:
    kind: str
    cells: tuple[str, ...] = ()  # ZEROED: the automatic cells that score 0

    def text(self) -> str:
        return {
            FULL: "every automatic cell keeps its points",
            ZERO: "every automatic cell scores 0",
            ZEROED: f"{' and '.join(self.cells)} score{'s' if len(self.cells) == 1 else ''} 0, every "
                    "other automatic cell keeps its points",
            LOSES: "loses points",
            MISSING: "not handed in, scores 0 as missing",
            INVALID: "unreadable, scores 0 as invalid",
        }[self.kind]


@dataclass
class SampleStudent:
    """Who a sample student is and what grading must give them, per notebook (notebooks not in
    ``claims``: nothing is claimed). The demo prints :meth:`text`; a test checks every claim."""

    who: str
    claims: dict[str, Claim] = field(default_factory=dict)

    def text(self) -> str:
        grouped: dict[Claim, list[str]] = {}
        for notebook, claim in self.claims.items():
            grouped.setdefault(claim, []).append(notebook)
        parts = [f"{', '.join(notebooks)}: {claim.text()}" for claim, notebooks in grouped.items()]
        return self.who + (f" ({'; '.join(parts)})" if parts else "")

    def __str__(self) -> str:
        return self.text()


def cells_calling(source_dir: Path, notebook: str, function: str) -> tuple[str, ...]:
    """grade_ids of the notebook's automatic test cells that call ``function`` (by their source text)."""
    cells = json.loads((source_dir / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    call = re.compile(rf"\b{re.escape(function)}\s*\(")
    found = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if (cell["cell_type"] == "code" and meta.get("grade") and not meta.get("solution")
                and call.search(source)):
            found.append(meta["grade_id"])
    return tuple(found)


def _copy(folder: Path, dest: Path) -> Path:
    shutil.copytree(folder, dest, ignore=IGNORED_NAMES)
    return dest


def _replace_body(module_path: Path, function: str, body: Sequence[str], description: str,
                  imports: tuple[str, ...] = ()) -> None:
    """Swap a top-level function's body for ``body`` (lines), keeping its signature."""
    source = module_path.read_text(encoding="utf-8")
    node = next(n for n in ast.parse(source).body
                if isinstance(n, ast.FunctionDef) and n.name == function)
    signature = f"def {function}({ast.unparse(node.args)}):\n"
    new_function = signature + "".join(f"    {line}\n" for line in body)
    mutant = Mutant(name=description, module=module_path.stem, kind="bug",
                    description=description, functions={function: new_function}, imports=imports)
    module_path.write_text(apply_mutant(source, mutant), encoding="utf-8")


def _solution_functions(source_dir: Path, module: str) -> list[str]:
    text = (source_dir / module).read_text(encoding="utf-8")
    names = [region.function for region in find_solution_regions(text, module)]
    # Top-level functions only, in file order, each once.
    return list(dict.fromkeys(name for name in names if "." not in name))


def _main_module(source_dir: Path, notebook: str, modules: Sequence[str]) -> str | None:
    """The module with solution regions that the first notebook imports (else the first one with any)."""
    with_regions = [module for module in modules if _solution_functions(source_dir, module)]
    text = (source_dir / f"{notebook}.ipynb").read_text(encoding="utf-8")
    imported = [m for m in with_regions if f"from {m[:-3]} import" in text or f"import {m[:-3]}" in text]
    return (imported or with_regions or [None])[0]


ADVERSARIAL_PREFIX = "adversarial_"


def _adversarial_students(source_dir: Path, dest: Path, notebook: str, main_module: str,
                          graded: Sequence[str]) -> dict[str, SampleStudent]:
    """Attackers of the sandbox: each hands in ``notebook`` and the modules, nothing else.

    The descriptions say what the grader does to them, for the demo's summary.
    """
    function = _solution_functions(source_dir, main_module)[0]
    calling = Claim(ZEROED, cells_calling(source_dir, notebook, function))
    others = {other: Claim(MISSING) for other in graded if other != notebook}
    only = f"; hands in only {notebook}" if others else ""
    students: dict[str, SampleStudent] = {}

    def attacker(name: str, who: str) -> Path:
        folder = _copy(source_dir, dest / f"{ADVERSARIAL_PREFIX}{name}")
        for other in folder.glob("*.ipynb"):
            if other.stem != notebook:
                other.unlink()
        students[folder.name] = SampleStudent(f"{who}{only}", {notebook: calling, **others})
        return folder

    folder = attacker("allclose", f"monkeypatches np.allclose to always pass and returns 0 from {function}: "
                      "the grader restores numpy before each test")
    module = folder / main_module
    _replace_body(module, function, ["return 0"], "returns 0")
    module.write_text("import numpy as np\n\n# Every comparison passes ... or would.\n"
                      "np.allclose = lambda *args, **kwargs: True\n\n" + module.read_text(encoding="utf-8"),
                      encoding="utf-8")
    folder = attacker("fork_bomb", f"{function} is a fork bomb: within a second the grader kills its "
                      "processes and the kernel, a new kernel grades the other cells")
    _replace_body(folder / main_module, function, ["while True:", "    os.fork()"], "fork bomb",
                  imports=("import os",))
    folder = attacker("network", f"{function} phones home over HTTP: there is no network in the sandbox, "
                      "the call fails with URLError")
    _replace_body(folder / main_module, function, [
        "import urllib.request",
        "urllib.request.urlopen('http://example.com/', timeout=5).read()",
        "raise RuntimeError('the network is reachable: the sandbox leaks')",
    ], "phones home")
    folder = attacker("memory_bomb", f"{function} allocates 1 GiB blocks until memory runs out: the "
                      "kernel's memory cap raises MemoryError")
    _replace_body(folder / main_module, function, [
        "blocks = []", "while True:", "    blocks.append(np.empty(2**27))",
    ], "memory bomb", imports=("import numpy as np",))
    return students


def build_sample_class(
    source_dir: Path, release_dir: Path, dest: Path, mutants: Sequence[Mutant] = (),
    max_mutants: int = 3, adversarial: bool = False, graded_notebooks: Sequence[str] | None = None,
    copied_pair: bool = False,
) -> dict[str, SampleStudent]:
    """Write one folder per student under ``dest``; returns student id -> who they are and what
    grading must give them.

    ``adversarial`` adds attackers of the sandbox (``adversarial_*``, see
    :func:`_adversarial_students`) when the course's first notebook uses numpy.
    ``graded_notebooks`` (default: all) are the ones the class will be graded on: the
    corrupt and the missing notebook, and the attackers' notebook, are chosen among them.
    ``copied_pair`` adds students for the similarity check (see :func:`_similarity_students`).
    """
    dest.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(graded_notebooks) if graded_notebooks else notebook_ids(source_dir)
    modules = module_files(source_dir)
    main_module = _main_module(source_dir, notebooks[0], modules)
    students: dict[str, SampleStudent] = {}
    first = notebooks[0]

    def full_except(notebook: str, claim: Claim) -> dict[str, Claim]:
        return {other: claim if other == notebook else Claim(FULL) for other in notebooks}

    _copy(source_dir, dest / "correct")
    students["correct"] = SampleStudent("the instructor's solution", {nb: Claim(FULL) for nb in notebooks})
    _copy(release_dir, dest / "untouched")
    students["untouched"] = SampleStudent("the release as handed out, nothing done",
                                          {nb: Claim(ZERO) for nb in notebooks})

    partial = _copy(release_dir, dest / "partial")
    for module in modules:
        done = _solution_functions(source_dir, module)[::2]
        text = (source_dir / module).read_text(encoding="utf-8")
        if not done:
            continue
        (partial / module).write_text(strip_solutions(text, module, keep_functions=done), encoding="utf-8")
    students["partial"] = SampleStudent("release with every other module function filled in",
                                        {first: Claim(LOSES)})

    # Bugs in the module the first notebook tests come first; a mutant that does not
    # fit the module (e.g. it replaces a method) is skipped.
    candidates = sorted((m for m in mutants if m.is_bug and f"{m.module}.py" in modules),
                        key=lambda m: (f"{m.module}.py" != main_module, m.module, m.name))
    applied = 0
    for mutant in candidates:
        if applied == max_mutants:
            break
        source = (source_dir / f"{mutant.module}.py").read_text(encoding="utf-8")
        try:
            mutated = apply_mutant(source, mutant)
        except ValueError:
            continue
        student = f"bug_{mutant.module}_{mutant.name}"
        buggy = _copy(source_dir, dest / student)
        (buggy / f"{mutant.module}.py").write_text(mutated, encoding="utf-8")
        tested_in = [nb for nb in notebooks if f"from {mutant.module} import" in
                     (source_dir / f"{nb}.ipynb").read_text(encoding="utf-8")][:1]
        students[student] = SampleStudent(f"solution with a bug: {mutant.description}",
                                          {nb: Claim(LOSES) for nb in tested_in})
        applied += 1

    corrupt = _copy(source_dir, dest / "corrupt_notebook")
    cut = corrupt / f"{first}.ipynb"
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    students["corrupt_notebook"] = SampleStudent(f"solution with {first}.ipynb cut in half",
                                                 full_except(first, Claim(INVALID)))

    if len(notebooks) > 1 or graded_notebooks:
        missing = _copy(source_dir, dest / "missing_notebook")
        (missing / f"{notebooks[-1]}.ipynb").unlink()
        students["missing_notebook"] = SampleStudent(f"solution without {notebooks[-1]}.ipynb",
                                                     full_except(notebooks[-1], Claim(MISSING)))

    if main_module:
        broken = _copy(source_dir, dest / "syntax_error")
        with open(broken / main_module, "a", encoding="utf-8") as handle:
            handle.write("\n\ndef unfinished(x:\n    return x\n")
        students["syntax_error"] = SampleStudent(f"solution with a syntax error in {main_module}",
                                                 {first: Claim(ZERO)})

        last_function = _solution_functions(source_dir, main_module)[-1]
        looping = _copy(source_dir, dest / "infinite_loop")
        _replace_body(looping / main_module, last_function, ["while True:", "    pass"],
                      "loops forever")
        students["infinite_loop"] = SampleStudent(
            f"solution whose {last_function} loops forever: the cell is stopped at its time limit",
            {first: Claim(ZEROED, cells_calling(source_dir, first, last_function))})

        first_function = _solution_functions(source_dir, main_module)[0]
        crashing = _copy(source_dir, dest / "kernel_crash")
        _replace_body(crashing / main_module, first_function, ["os._exit(1)"],
                      "kills the kernel", imports=("import os",))
        students["kernel_crash"] = SampleStudent(
            f"solution whose {first_function} kills the Python kernel: a new kernel grades the other cells",
            {first: Claim(ZEROED, cells_calling(source_dir, first, first_function))})

        first_text = (source_dir / f"{first}.ipynb").read_text(encoding="utf-8")
        if adversarial and "numpy" in first_text:
            students.update(_adversarial_students(source_dir, dest, first, main_module, notebooks))
    if copied_pair:
        students.update(_similarity_students(source_dir, dest, modules, mutants, notebooks))
    return students


def _similarity_students(source_dir: Path, dest: Path, modules: Sequence[str], mutants: Sequence[Mutant],
                         notebooks: Sequence[str]) -> dict[str, SampleStudent]:
    """Students whose implementations differ (the correct alternatives among ``mutants``) and one
    who copied: ``copied_alternatives`` is ``alternatives`` disguised (renamed variables, reordered
    functions, reworded comments). All of them are correct: every automatic cell keeps its points."""
    full = {notebook: Claim(FULL) for notebook in notebooks}
    students: dict[str, SampleStudent] = {}
    count = max((variant_count(mutants, module.removesuffix(".py")) for module in modules), default=1)
    for index, student in ((1, "alternatives"), (2, "alternatives_2")):
        if index >= count and index > 1:
            break
        folder = _copy(source_dir, dest / student)
        for module in modules:
            text = (source_dir / module).read_text(encoding="utf-8")
            (folder / module).write_text(variant_source(text, mutants, module.removesuffix(".py"), index),
                                         encoding="utf-8")
        students[student] = SampleStudent(
            f"solution with the correct alternative implementations no. {index} of the mutants", dict(full))
    disguise_folder(dest / "alternatives", dest / "copied_alternatives", seed=18)
    students["copied_alternatives"] = SampleStudent(
        "a copy of alternatives with renamed variables, reordered functions and reworded comments", dict(full))
    return students
