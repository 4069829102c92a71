"""What an executed notebook says: each visible check passed or failed, cells over their limit.

Only the release's test cells ran (no hidden tests), and only their error's name and
message are kept: the check's own assertion message, never a traceback's source lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nbformat.notebooknode import NotebookNode

from grading.check.files import grade_id, is_test
from grading.nbgrader.preprocessors import cell_timeout
from grading.sandbox.guarded_execute import KERNEL_DIED

TIMEOUT_ENAME = "CellTimeoutError"
MESSAGE_LINES = 6


@dataclass
class CheckResult:
    name: str  # the test's grade_id
    points: float
    error: str | None  # "AssertionError: ..." or None when it passed


@dataclass
class NotebookFindings:
    checks: list[CheckResult] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)  # "cell 12 (train): over its 300 s limit"
    cell_errors: list[str] = field(default_factory=list)  # errors of cells that are not tests
    seconds: float | None = None


def _first_error(cell: NotebookNode) -> NotebookNode | None:
    errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
    timeouts = [o for o in errors if o.ename == TIMEOUT_ENAME]
    return (timeouts or errors or [None])[0]


def error_text(output: NotebookNode) -> str:
    lines = str(output.get("evalue", "")).strip().splitlines()
    if len(lines) > MESSAGE_LINES:
        lines = [*lines[:MESSAGE_LINES], "..."]
    return f"{output.ename}: " + "\n".join(lines) if lines else output.ename


def _timed_out(output: NotebookNode | None) -> bool:
    return output is not None and (output.ename == TIMEOUT_ENAME or (
        output.ename == KERNEL_DIED and "time limit" in str(output.get("evalue", ""))))


def read_findings(notebook: NotebookNode, default_timeout: int) -> NotebookFindings:
    findings = NotebookFindings(seconds=notebook.metadata.get("dl_check_seconds"))
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        first_line = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
        label = f"cell {index + 1} ({grade_id(cell) or first_line[:40]})"
        error = _first_error(cell)
        if _timed_out(error):
            findings.timeouts.append(f"{label}: ran over its {cell_timeout(cell, default_timeout)} s "
                                     "limit and was interrupted")
        if is_test(cell):
            points = float(cell.metadata.get("nbgrader", {}).get("points", 0) or 0)
            findings.checks.append(CheckResult(grade_id(cell) or label, points,
                                               error_text(error) if error is not None else None))
        elif error is not None and not _timed_out(error):
            findings.cell_errors.append(f"{label}: {error_text(error).splitlines()[0]}")
    return findings
