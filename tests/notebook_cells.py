"""The course notebooks in tests: their nbgrader cells, and graded cells run in-process.

Running a notebook's setup cell and some graded cells in this process, against a folder of
(possibly mutated) student modules, checks a mutant in seconds instead of a kernel's run.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def graded_code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")]


def cell_by_id(nb, grade_id: str):
    return next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)


def cell_timeout(cell, default: int) -> int:
    """The per-cell limit the autograder applies: ``metadata.course.timeout`` or ``default``."""
    return int(cell.metadata.get("course", {}).get("timeout", default))


def setup_source(nb) -> str:
    """The setup cell without its IPython magics (``%autoreload`` ...), for ``exec``."""
    return "\n".join(line for line in cell_by_id(nb, "setup").source.splitlines() if not line.startswith("%"))


def run_cells_in_process(
    nb, module_dir: Path, modules: Iterable[str], grade_ids: Iterable[str], *,
    prepare: Callable[[dict], None] | None = None, workdir: Path | None = None, stderr_fails: bool = False,
) -> dict[str, str]:
    """Run the setup cell, then ``prepare(namespace)``, then each graded cell; ``{grade_id: why it failed}``.

    ``modules`` (names) are imported from ``module_dir``, fresh, and forgotten afterwards. A
    cell fails when it raises; with ``stderr_fails`` also when it writes to stderr or warns
    (nbgrader scores such a cell 0). ``workdir``: the current directory while the cells run.
    """
    import matplotlib

    matplotlib.use("Agg")
    modules = tuple(modules)
    saved_path, saved_cwd = list(sys.path), os.getcwd()
    sys.path.insert(0, str(module_dir))
    for name in modules:
        sys.modules.pop(name, None)
    failed: dict[str, str] = {}
    try:
        if workdir is not None:
            os.chdir(workdir)
        namespace: dict = {}
        exec(compile(setup_source(nb), "setup", "exec"), namespace)
        if prepare is not None:
            prepare(namespace)
        for grade_id in grade_ids:
            err = io.StringIO()
            try:
                with contextlib.ExitStack() as stack:
                    if stderr_fails:
                        stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
                        stack.enter_context(contextlib.redirect_stderr(err))
                        stack.enter_context(warnings.catch_warnings())
                        warnings.simplefilter("error")
                    exec(compile(cell_by_id(nb, grade_id).source, grade_id, "exec"), namespace)
            except Exception as exc:  # noqa: BLE001 - any failure loses the cell's points
                failed[grade_id] = f"{type(exc).__name__}: {exc}"[:300]
            else:
                if err.getvalue():
                    failed[grade_id] = f"stderr: {err.getvalue()}"[:300]
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        for name in modules:
            sys.modules.pop(name, None)
    return failed
