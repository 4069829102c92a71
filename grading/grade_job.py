"""One submission's grading job: ``python -m grading.grade_job COURSE_ROOT STUDENT NOTEBOOK...``.

Runs inside the sandbox, in a scratch course directory prepared by
:mod:`grading.submissions`. It runs the real ``nbgrader autograde`` once per
notebook: when one notebook fails (a dead kernel, an unresponsive one)
nbgrader drops the autograded output of every notebook of that run, so one
run per notebook keeps the others, and gives each notebook its own time.
What happened is written to ``COURSE_ROOT/job.json`` for the parent to read.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from grading.course import ASSIGNMENT_ID
from grading.nbgrader_run import nbgrader_argv, nbgrader_env

JOB_REPORT = "job.json"
LOG_TAIL_LINES = 40


def autograded_path(course_root: Path, student: str, notebook: str) -> Path:
    return course_root / "autograded" / student / ASSIGNMENT_ID / f"{notebook}.ipynb"


def _autograde(course_root: Path, student: str, notebook_glob: str) -> dict[str, object]:
    started = time.monotonic()
    done = subprocess.run(
        nbgrader_argv(
            "autograde", ASSIGNMENT_ID, "--student", student, "--force",
            f"--CourseDirectory.notebook_id={notebook_glob}",
        ),
        cwd=course_root, env=nbgrader_env(), capture_output=True, text=True,
        stdin=subprocess.DEVNULL, check=False,
    )
    log = (done.stdout + done.stderr).splitlines()
    return {
        "notebooks": notebook_glob,
        "returncode": done.returncode,
        "seconds": round(time.monotonic() - started, 3),
        "log_tail": "\n".join(log[-LOG_TAIL_LINES:]),
    }


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: python -m grading.grade_job COURSE_ROOT STUDENT NOTEBOOK...", file=sys.stderr)
        return 2
    course_root, student, notebooks = Path(argv[0]).resolve(), argv[1], argv[2:]
    report_path = course_root / JOB_REPORT
    attempts: list[dict[str, object]] = []
    report = {"student": student, "attempts": attempts}
    for notebook in notebooks:
        attempts.append(_autograde(course_root, student, notebook))
        # Saved after each notebook: the sandbox may stop us at any time.
        report_path.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
