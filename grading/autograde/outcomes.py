"""What happened to each notebook of a submission, in words a student and an instructor understand.

The truth comes from files, never from nbgrader's exit code (it exits 0 when
tests fail): whether nbgrader wrote the autograded notebook, what its log
says when it did not, and the outputs of the notebook when it did.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from grading.autograde.executors.job import JobResult
from grading.autograde.grade_job import EVENTS_DIR, JOB_REPORT, autograded_path, log_path
from grading.nbgrader.preprocessors import SANITIZE_EVENTS_SUFFIX

GRADED = "graded"
MISSING = "missing"
INVALID = "invalid"
FAILED = "failed"
TIMEOUT = "timeout"
NOT_GRADED_STATUSES = (MISSING, INVALID, FAILED, TIMEOUT)

# Substrings of nbgrader's log -> the reason a notebook got no autograded output.
_LOG_REASONS = (
    ("DeadKernelError", "the kernel died while running the notebook (a crash, os._exit, or out of memory)"),
    ("Kernel died", "the kernel died while running the notebook (a crash, os._exit, or out of memory)"),
    ("unresponsive", "the kernel stopped responding after a cell timed out (a loop that ignores interrupts?)"),
    ("SchemaTooOld", "the notebook's nbgrader metadata is too old"),
    ("SchemaTooNew", "the notebook's nbgrader metadata is too new"),
)


@dataclass
class NotebookOutcome:
    status: str
    reason: str = ""
    score: float = 0.0  # extra credit included
    max_score: float = 0.0  # points possible: extra-credit cells left out
    extra_credit: float = 0.0  # points of extra-credit cells, included in score
    seconds: float = 0.0  # nbgrader's run on this notebook (0 when it did not run)
    cells: dict[str, float] = field(default_factory=dict)


@dataclass
class SubmissionOutcome:
    student_id: str
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    notebooks: dict[str, NotebookOutcome] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


# The last line of a Python traceback: "ValueError: Invalid Signature: ...", "nbclient.exceptions.DeadKernelError".
_EXCEPTION_LINE = re.compile(r"^\s*((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt)\b(?::.*)?)$")


def last_exception(log: str) -> str | None:
    """The last exception line (type and message) of a log, or None when it has no traceback."""
    lines = [match.group(1).strip() for match in map(_EXCEPTION_LINE.match, log.splitlines()) if match]
    return lines[-1] if lines else None


def _reason_from_log(log: str) -> str:
    exception = last_exception(log)
    for needle, reason in _LOG_REASONS:
        if needle in log:
            return f"{reason} ({exception})" if exception else reason
    if exception:
        return f"nbgrader could not grade the notebook: {exception[:300]}"
    errors = [line.strip() for line in log.splitlines() if "ERROR" in line or "Error" in line]
    last = errors[-1] if errors else (log.strip().splitlines() or ["no output"])[-1]
    return f"nbgrader could not grade the notebook: {last[:300]}"


def cell_timeouts(notebook_path: Path) -> list[str]:
    """Cells of an autograded notebook that were stopped by the per-cell time limit."""
    notebook = nbformat.read(notebook_path, as_version=4)
    stopped = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") in (
                "CellTimeoutError", "KeyboardInterrupt", "TimeoutError",
            ):
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                stopped.append(grade_id or f"cell {index + 1}")
                break
    return stopped


def job_attempts(course_root: Path) -> list[dict]:
    try:
        return json.loads((course_root / JOB_REPORT).read_text())["attempts"]
    except (OSError, ValueError, KeyError):
        return []


def notebook_events(course_root: Path, notebook: str) -> list[str]:
    """What the grader noticed or repaired while grading the notebook (restored tests, kernel deaths ...)."""
    events: list[str] = []
    for name in (f"{notebook}{SANITIZE_EVENTS_SUFFIX}", f"{notebook}.json"):
        try:
            events += json.loads((course_root / EVENTS_DIR / name).read_text())["events"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return [str(event) for event in events]


def job_not_enforced(course_root: Path) -> list[str]:
    """What the grading job's sandbox could not enforce, from job.json ([] when all was, or no job ran)."""
    try:
        return list(json.loads((course_root / JOB_REPORT).read_text())["isolation"].get("not_enforced", []))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def isolation_notes(course_root: Path) -> list[str]:
    """One line: what the grading job enforced and what it could not, from job.json."""
    try:
        isolation = json.loads((course_root / JOB_REPORT).read_text())["isolation"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    line = "isolation: " + ("; ".join(isolation.get("enforced", [])) or "nothing enforced")
    if isolation.get("not_enforced"):
        line += "; NOT enforced: " + "; ".join(isolation["not_enforced"])
    return [line]


def notebook_seconds(course_root: Path, notebook: str) -> float:
    return sum(float(a["seconds"]) for a in job_attempts(course_root) if a["notebooks"] == notebook)


def notebook_status(
    course_root: Path, student_id: str, notebook: str, job: JobResult, cell_timeout: int
) -> tuple[str, str]:
    """(status, reason) of one notebook nbgrader was asked to grade.

    nbgrader writes the autograded notebook before it executes it, so the file
    counts only once nbgrader's run on it has finished (it is in job.json).
    """
    attempts = [a for a in job_attempts(course_root) if a["notebooks"] == notebook]
    path = autograded_path(course_root, student_id, notebook)
    if attempts and path.exists():
        reasons = []
        stopped = cell_timeouts(path)
        if stopped:
            reasons.append(f"{', '.join(stopped)} stopped by the {cell_timeout} s limit per cell")
        reasons += notebook_events(course_root, notebook)
        return GRADED, "; ".join(reasons)
    if job.timed_out and not attempts:
        return TIMEOUT, f"grading {job.reason}; the notebook was not finished"
    if job.launch_error:
        return FAILED, job.reason or "the grading job did not start"
    if not attempts:
        return FAILED, f"{job.reason or 'the grading job wrote no report'}: {job.output_tail[-300:]}"
    try:  # nbgrader's whole log: the traceback may be longer than job.json's tail
        log = log_path(course_root, notebook).read_text(encoding="utf-8")
    except OSError:
        log = attempts[-1]["log_tail"]
    return FAILED, _reason_from_log(log)
