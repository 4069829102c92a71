"""What happened to each notebook of a submission, in words a student and an instructor understand.

The truth comes from files, never from nbgrader's exit code (it exits 0 when
tests fail): whether nbgrader wrote the autograded notebook, what its log
says when it did not, and the outputs of the notebook when it did.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from grading.autograde.executors.job import JobResult
from grading.autograde.grade_job import EVENTS_DIR, JOB_REPORT, autograded_path
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
    score: float = 0.0
    max_score: float = 0.0
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


def _reason_from_log(log_tail: str) -> str:
    for needle, reason in _LOG_REASONS:
        if needle in log_tail:
            return reason
    errors = [line.strip() for line in log_tail.splitlines() if "ERROR" in line or "Error" in line]
    last = errors[-1] if errors else (log_tail.strip().splitlines() or ["no output"])[-1]
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
    return FAILED, _reason_from_log(attempts[-1]["log_tail"])
