"""``check``: plan the folder, run its notebooks in the grader's sandbox, read what they say.

The student's folder is never written to: its files are copied into a scratch folder,
each notebook with the release's test cells in place of the student's (as grading will
restore them), and :mod:`grading.check.job` runs them there in a process of its own.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grading.autograde.executors.job import Job, run_job
from grading.check.files import CheckError, FolderPlan, plan_folder, release_notebook_names
from grading.check.findings import NotebookFindings, error_text, read_findings
from grading.check.job import IMPORTS_NOTEBOOK
from grading.layout import IGNORED_NAMES

NOTEBOOK_WALL_CLOCK = 1200  # seconds per notebook, as autograde's --submission-timeout default


@dataclass
class CheckSettings:
    release: Path
    notebooks: list[str] | None = None  # None: every notebook of the release
    cell_timeout: int = 300


@dataclass
class CheckOutcome:
    folder: Path
    plan: FolderPlan
    module_errors: dict[str, str] = field(default_factory=dict)  # module -> "SyntaxError: ..."
    findings: dict[str, NotebookFindings] = field(default_factory=dict)
    job_problem: str | None = None
    not_enforced: list[str] = field(default_factory=list)  # what the sandbox could not do on this machine


def selected_notebooks(release: Path, wanted: list[str] | None) -> list[str]:
    names = release_notebook_names(release)
    if not wanted:
        return names
    unknown = [name.removesuffix(".ipynb") for name in wanted if name.removesuffix(".ipynb") not in names]
    if unknown:
        raise CheckError(f"no notebook {', '.join(unknown)} in the assignment; --notebook takes one of "
                         f"{', '.join(names)}")
    return [name for name in names if name in {w.removesuffix(".ipynb") for w in wanted}]


def _imports_notebook(modules: list[str]) -> nbformat.NotebookNode:
    cells = [new_code_cell(f"import {module.removesuffix('.py')}") for module in modules]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def check_folder(folder: Path, settings: CheckSettings) -> CheckOutcome:
    folder = folder.resolve()
    notebooks = selected_notebooks(settings.release, settings.notebooks)
    plan = plan_folder(folder, settings.release, notebooks)
    outcome = CheckOutcome(folder, plan)
    runnable = [p.name for p in plan.notebooks if p.to_run is not None]
    with tempfile.TemporaryDirectory(prefix="dl-check-") as scratch_name:
        scratch = Path(scratch_name)
        run = scratch / "run"
        shutil.copytree(folder, run, ignore=IGNORED_NAMES)
        for notebook_plan in plan.notebooks:
            if notebook_plan.to_run is not None:
                nbformat.write(notebook_plan.to_run, run / f"{notebook_plan.name}.ipynb")
        nbformat.write(_imports_notebook(plan.present_modules), run / f"{IMPORTS_NOTEBOOK}.ipynb")
        names = [IMPORTS_NOTEBOOK, *runnable]
        print(f"running {len(runnable)} notebook{'s' if len(runnable) != 1 else ''} in the grader's sandbox, "
              "a fresh kernel each: as long as running them yourself ...", file=sys.stderr, flush=True)
        result = run_job(Job(
            name="check", cwd=scratch,
            argv=[sys.executable, "-m", "grading.check.job", str(scratch), str(settings.cell_timeout), *names],
            wall_clock_limit=NOTEBOOK_WALL_CLOCK * len(names),
        ))
        if not result.ok:
            outcome.job_problem = f"{result.reason}\n{result.output_tail}".strip()
        try:  # the job's own account of its sandbox (best effort on a student's machine)
            outcome.not_enforced = json.loads((scratch / "isolation.json").read_text())["not_enforced"]
        except (OSError, ValueError, KeyError):
            pass
        executed = scratch / "executed"
        imports = executed / f"{IMPORTS_NOTEBOOK}.ipynb"
        if imports.is_file():
            for module, cell in zip(plan.present_modules, nbformat.read(imports, as_version=4).cells,
                                    strict=True):
                errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
                if errors:
                    outcome.module_errors[module] = error_text(errors[0]).splitlines()[0]
        for name in runnable:
            path = executed / f"{name}.ipynb"
            if path.is_file():
                outcome.findings[name] = read_findings(nbformat.read(path, as_version=4), settings.cell_timeout)
    return outcome
