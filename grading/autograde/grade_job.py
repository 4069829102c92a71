"""One submission's grading job: ``python -m grading.autograde.grade_job COURSE_ROOT STUDENT NOTEBOOK...``.

Runs inside the sandbox, in a scratch course directory prepared by
:mod:`grading.autograde.submissions`. It runs the real ``nbgrader autograde`` once per
notebook: when one notebook fails (a dead kernel, an unresponsive one)
nbgrader drops the autograded output of every notebook of that run, so one
run per notebook keeps the others, and gives each notebook its own time.
What happened is written to ``COURSE_ROOT/job.json`` for the parent to read,
nbgrader's whole log to ``COURSE_ROOT/logs/<notebook>.log``.

Before anything runs, the job isolates itself (:mod:`grading.sandbox.isolation`): its
own network namespace, a uid slot for its kernels, the kernel sandbox
settings; ``job.json`` says what was enforced. Student cells' events (kernel
restarts, restored functions, unfinished tests) land in ``COURSE_ROOT/events/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from grading.layout import ASSIGNMENT_ID, CourseDirectory
from grading.nbgrader.run import nbgrader_argv, nbgrader_env
from grading.sandbox.isolation import enter_job_sandbox

JOB_REPORT = CourseDirectory.JOB_REPORT
EVENTS_DIR = CourseDirectory.EVENTS_DIR
LOG_TAIL_LINES = 40


def autograded_path(course_root: Path, student: str, notebook: str) -> Path:
    return CourseDirectory(course_root).autograded(student) / f"{notebook}.ipynb"


def log_path(course_root: Path, notebook: str) -> Path:
    return CourseDirectory(course_root).nbgrader_log(notebook)


def _reap_orphans(spare: int, stop: threading.Event) -> None:
    """Reap the orphans this job (a subreaper) inherits as they die, all but ``spare``.

    A fork bomb's children are orphaned when their kernel is killed; unreaped, their
    zombies still count against the kernel uid's process limit and the next kernel
    could start no thread.
    """
    while not stop.is_set():
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            info = None
        if info is None or info.si_pid == spare:
            stop.wait(0.05)
            continue
        try:
            os.waitpid(info.si_pid, 0)
        except ChildProcessError:
            pass


def _autograde(course_root: Path, student: str, notebook_glob: str) -> dict[str, object]:
    started = time.monotonic()
    process = subprocess.Popen(
        nbgrader_argv(
            "autograde", ASSIGNMENT_ID, "--student", student, "--force",
            f"--CourseDirectory.notebook_id={notebook_glob}",
        ),
        cwd=course_root, env=nbgrader_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, stdin=subprocess.DEVNULL,
    )
    stop = threading.Event()
    reaper = threading.Thread(target=_reap_orphans, args=(process.pid, stop), daemon=True)
    reaper.start()
    try:
        output, _ = process.communicate()
    finally:
        stop.set()
        reaper.join()
    path = log_path(course_root, notebook_glob)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(output, encoding="utf-8")
    log = output.splitlines()
    return {
        "notebooks": notebook_glob,
        "returncode": process.returncode,
        "seconds": round(time.monotonic() - started, 3),
        "log_tail": "\n".join(log[-LOG_TAIL_LINES:]),
    }


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: python -m grading.autograde.grade_job COURSE_ROOT STUDENT NOTEBOOK...", file=sys.stderr)
        return 2
    course_root, student, notebooks = Path(argv[0]).resolve(), argv[1], argv[2:]
    report_path = course_root / JOB_REPORT
    attempts: list[dict[str, object]] = []
    isolation, students_processes = enter_job_sandbox(course_root)
    os.environ["DL_GRADING_EVENTS"] = str(course_root / EVENTS_DIR)
    report = {"student": student, "isolation": {"enforced": isolation.enforced,
                                                "not_enforced": isolation.not_enforced},
              "attempts": attempts}
    report_path.write_text(json.dumps(report, indent=1))
    try:
        for notebook in notebooks:
            attempts.append(_autograde(course_root, student, notebook))
            # Saved after each notebook: the sandbox may stop us at any time.
            report_path.write_text(json.dumps(report, indent=1))
    finally:
        students_processes.kill()  # whatever the student's code left running
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
