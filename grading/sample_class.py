"""A sample class of submissions built from the solutions and the release, for the demo and tests.

Every kind of student a grader meets: correct, untouched, partly done, buggy
(realistic mutants from ``tests/mutants/``), and adversarial ones (a corrupt
notebook, a missing notebook, a module with a syntax error, an infinite loop,
a crash that kills the kernel) and, on request, attackers of the sandbox (a
monkeypatched np.allclose, a fork bomb, a network call, a memory bomb). Built from source text only; nothing is imported.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Sequence
from pathlib import Path

from grading.course import IGNORED_NAMES, module_files, notebook_ids
from grading.modules import find_solution_regions, strip_solutions
from grading.mutants import Mutant, apply_mutant
from grading.similarity.disguise import disguise_folder
from grading.similarity.variants import variant_count, variant_source


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


def _adversarial_students(source_dir: Path, dest: Path, notebook: str, main_module: str) -> dict[str, str]:
    """Attackers of the sandbox: each hands in ``notebook`` and the modules, nothing else.

    The descriptions say what the grader does to them, for the demo's summary.
    """
    function = _solution_functions(source_dir, main_module)[0]
    students: dict[str, str] = {}

    def attacker(name: str) -> Path:
        folder = _copy(source_dir, dest / f"{ADVERSARIAL_PREFIX}{name}")
        for other in folder.glob("*.ipynb"):
            if other.stem != notebook:
                other.unlink()
        return folder

    folder = attacker("allclose")
    module = folder / main_module
    _replace_body(module, function, ["return 0"], "returns 0")
    module.write_text("import numpy as np\n\n# Every comparison passes ... or would.\n"
                      "np.allclose = lambda *args, **kwargs: True\n\n" + module.read_text(encoding="utf-8"),
                      encoding="utf-8")
    students[folder.name] = (f"monkeypatches np.allclose to always pass and returns 0 from {function}: the "
                             f"grader restores numpy before each test, so {function}'s tests score 0")
    folder = attacker("fork_bomb")
    _replace_body(folder / main_module, function, ["while True:", "    os.fork()"], "fork bomb",
                  imports=("import os",))
    students[folder.name] = (f"{function} is a fork bomb: within a second the grader kills its processes "
                             f"and the kernel, {function}'s tests score 0, a new kernel grades the other cells")
    folder = attacker("network")
    _replace_body(folder / main_module, function, [
        "import urllib.request",
        "urllib.request.urlopen('http://example.com/', timeout=5).read()",
        "raise RuntimeError('the network is reachable: the sandbox leaks')",
    ], "phones home")
    students[folder.name] = (f"{function} phones home over HTTP: there is no network in the sandbox, the "
                             f"call fails with URLError, {function}'s tests score 0")
    folder = attacker("memory_bomb")
    _replace_body(folder / main_module, function, [
        "blocks = []", "while True:", "    blocks.append(np.empty(2**27))",
    ], "memory bomb", imports=("import numpy as np",))
    students[folder.name] = (f"{function} allocates 1 GiB blocks until memory runs out: the kernel's "
                             f"memory cap raises MemoryError, {function}'s tests score 0, the rest keep "
                             "their points")
    for name in students:
        students[name] += f" (hands in only {notebook}; the other notebooks score 0 as missing)"
    return students


def build_sample_class(
    source_dir: Path, release_dir: Path, dest: Path, mutants: Sequence[Mutant] = (),
    max_mutants: int = 3, adversarial: bool = False, copied_pair: bool = False,
) -> dict[str, str]:
    """Write one folder per student under ``dest``; returns student id -> what they are.

    ``adversarial`` adds attackers of the sandbox (``adversarial_*``, see
    :func:`_adversarial_students`) when the course's first notebook uses numpy.
    ``copied_pair`` adds students for the similarity check (see :func:`_similarity_students`).
    """
    dest.mkdir(parents=True, exist_ok=True)
    notebooks = notebook_ids(source_dir)
    modules = module_files(source_dir)
    main_module = _main_module(source_dir, notebooks[0], modules)
    students: dict[str, str] = {}

    _copy(source_dir, dest / "correct")
    students["correct"] = "the instructor's solution"
    _copy(release_dir, dest / "untouched")
    students["untouched"] = "the release as handed out, nothing done"

    partial = _copy(release_dir, dest / "partial")
    for module in modules:
        done = _solution_functions(source_dir, module)[::2]
        text = (source_dir / module).read_text(encoding="utf-8")
        if not done:
            continue
        (partial / module).write_text(strip_solutions(text, module, keep_functions=done), encoding="utf-8")
    students["partial"] = "release with every other module function filled in"

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
        students[student] = f"solution with a bug: {mutant.description}"
        applied += 1

    corrupt = _copy(source_dir, dest / "corrupt_notebook")
    first = corrupt / f"{notebooks[0]}.ipynb"
    first.write_bytes(first.read_bytes()[: first.stat().st_size // 2])
    students["corrupt_notebook"] = f"solution with {notebooks[0]}.ipynb cut in half"

    if len(notebooks) > 1:
        missing = _copy(source_dir, dest / "missing_notebook")
        (missing / f"{notebooks[-1]}.ipynb").unlink()
        students["missing_notebook"] = f"solution without {notebooks[-1]}.ipynb"

    if main_module:
        broken = _copy(source_dir, dest / "syntax_error")
        with open(broken / main_module, "a", encoding="utf-8") as handle:
            handle.write("\n\ndef unfinished(x:\n    return x\n")
        students["syntax_error"] = f"solution with a syntax error in {main_module}"

        last_function = _solution_functions(source_dir, main_module)[-1]
        looping = _copy(source_dir, dest / "infinite_loop")
        _replace_body(looping / main_module, last_function, ["while True:", "    pass"],
                      "loops forever")
        students["infinite_loop"] = f"solution whose {last_function} loops forever"

        first_function = _solution_functions(source_dir, main_module)[0]
        crashing = _copy(source_dir, dest / "kernel_crash")
        _replace_body(crashing / main_module, first_function, ["os._exit(1)"],
                      "kills the kernel", imports=("import os",))
        students["kernel_crash"] = f"solution whose {first_function} kills the Python kernel"

        first_text = (source_dir / f"{notebooks[0]}.ipynb").read_text(encoding="utf-8")
        if adversarial and "numpy" in first_text:
            students.update(_adversarial_students(source_dir, dest, notebooks[0], main_module))
    if copied_pair:
        students.update(_similarity_students(source_dir, dest, modules, mutants))
    return students


def _similarity_students(source_dir: Path, dest: Path, modules: Sequence[str],
                         mutants: Sequence[Mutant]) -> dict[str, str]:
    """Students whose implementations differ (the correct alternatives among ``mutants``) and one
    who copied: ``copied_alternatives`` is ``alternatives`` disguised (renamed variables, reordered
    functions, reworded comments)."""
    students: dict[str, str] = {}
    count = max((variant_count(mutants, module.removesuffix(".py")) for module in modules), default=1)
    for index, student in ((1, "alternatives"), (2, "alternatives_2")):
        if index >= count and index > 1:
            break
        folder = _copy(source_dir, dest / student)
        for module in modules:
            text = (source_dir / module).read_text(encoding="utf-8")
            (folder / module).write_text(variant_source(text, mutants, module.removesuffix(".py"), index),
                                         encoding="utf-8")
        students[student] = f"solution with the correct alternative implementations no. {index} of the mutants"
    disguise_folder(dest / "alternatives", dest / "copied_alternatives", seed=18)
    students["copied_alternatives"] = ("a copy of alternatives with renamed variables, reordered functions "
                                       "and reworded comments")
    return students
