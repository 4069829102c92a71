"""The check's job: ``python -m grading.check.job SCRATCH TIMEOUT NOTEBOOK...``, in the grader's sandbox.

Like a grading job (:mod:`grading.autograde.grade_job`) it isolates itself first
(:func:`grading.sandbox.isolation.enter_job_sandbox`), then runs each notebook of
``SCRATCH/run/`` with :class:`grading.sandbox.guarded_execute.GuardedExecute` in a fresh
kernel, with the grader's cell limits (``TIMEOUT`` by default, a cell's declared
``course.timeout`` when longer), and saves it as ``SCRATCH/executed/<notebook>.ipynb``.
The notebook ``_imports`` (one cell per module) runs first: which modules import.
No gradebook: the report is read from the executed notebooks.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from grading.nbgrader.preprocessors import cell_timeout
from grading.sandbox.guarded_execute import GuardedExecute
from grading.sandbox.isolation import enter_job_sandbox

IMPORTS_NOTEBOOK = "_imports"


def run_notebook(folder: Path, name: str, timeout: int) -> NotebookNode:
    notebook = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    executor = GuardedExecute(
        timeout=timeout, timeout_func=functools.partial(cell_timeout, default=timeout),
        interrupt_on_timeout=True, startup_timeout=120,
    )
    resources = {"metadata": {"path": str(folder)}, "nbgrader": {"notebook": name}}
    executed, _ = executor.preprocess(notebook, resources)
    return executed


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: python -m grading.check.job SCRATCH TIMEOUT NOTEBOOK...", file=sys.stderr)
        return 2
    scratch, timeout, notebooks = Path(argv[0]).resolve(), int(argv[1]), argv[2:]
    run, executed = scratch / "run", scratch / "executed"
    executed.mkdir(exist_ok=True)
    isolation, students_processes = enter_job_sandbox(scratch)
    (scratch / "isolation.json").write_text(json.dumps({"enforced": isolation.enforced,
                                                       "not_enforced": isolation.not_enforced}))
    try:
        for name in notebooks:
            started = time.monotonic()
            notebook = run_notebook(run, name, timeout)
            notebook.metadata["dl_check_seconds"] = round(time.monotonic() - started, 1)
            nbformat.write(notebook, executed / f"{name}.ipynb")
            students_processes.kill()
    finally:
        students_processes.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
