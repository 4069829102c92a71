"""Run one submission's grading job in its own process, with a wall-clock limit.

The interface is :class:`Job` in, :class:`JobResult` out, through an
:class:`Executor`: ``local_pool.LocalExecutor`` runs several jobs at a time on this
machine, ``dask_cluster.DaskExecutor`` on a dask.distributed cluster; both call
:func:`run_job`. The isolation happens inside the job (:mod:`grading.sandbox`).

A job is killed with its whole process tree, not just its process group:
Jupyter starts each kernel in a session of its own, so a student's infinite
loop would otherwise outlive the nbgrader process that started it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

OUTPUT_TAIL_LINES = 60


@dataclass(frozen=True)
class Job:
    """A command to run in ``cwd`` (the scratch directory), killed after ``wall_clock_limit`` s."""

    name: str
    argv: Sequence[str]
    cwd: Path
    wall_clock_limit: float
    env: Mapping[str, str] | None = None


@dataclass(frozen=True)
class JobResult:
    name: str
    returncode: int | None
    timed_out: bool
    seconds: float
    output_tail: str = ""
    launch_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and self.launch_error is None

    @property
    def reason(self) -> str | None:
        """Why the job failed, in words, or None when it succeeded."""
        if self.launch_error:
            return f"could not start the grading job: {self.launch_error}"
        if self.timed_out:
            return f"stopped after the {self.seconds:.0f} s wall-clock limit"
        if self.returncode:
            return f"grading job exited with code {self.returncode}"
        return None


@dataclass
class _ProcessTable:
    """Parent -> children links of all processes, read from /proc."""

    children: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def read(cls) -> _ProcessTable:
        table = cls()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue  # exited meanwhile
            # The command name may contain spaces: fields start after its closing paren.
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            table.children.setdefault(parent, []).append(int(entry))
        return table

    def descendants(self, pid: int) -> set[int]:
        found: set[int] = set()
        pending = [pid]
        while pending:
            for child in self.children.get(pending.pop(), []):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return found


def kill_process_tree(pid: int) -> None:
    """SIGKILL a process, all its descendants and their process groups."""
    victims: set[int] = {pid}
    # Freeze first so that nothing forks between reading the table and killing.
    for _ in range(3):
        victims |= _ProcessTable.read().descendants(pid)
        for victim in victims:
            _signal(victim, signal.SIGSTOP)
    groups = set()
    for victim in victims:
        try:
            groups.add(os.getpgid(victim))
        except ProcessLookupError:
            pass
    groups.discard(os.getpgrp())  # never our own group
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for victim in victims:
        _signal(victim, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-OUTPUT_TAIL_LINES:])


def run_job(job: Job) -> JobResult:
    """Run one job to completion or to its wall-clock limit; never raises for the job's faults."""
    log_path = job.cwd / "job-output.log"
    started = time.monotonic()
    try:
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                list(job.argv), cwd=job.cwd, env=dict(job.env) if job.env is not None else None,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    except OSError as error:
        return JobResult(job.name, None, False, time.monotonic() - started, launch_error=str(error))
    timed_out = False
    try:
        returncode: int | None = process.wait(timeout=job.wall_clock_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_process_tree(process.pid)
        returncode = process.wait()
    else:
        # Whatever the job left running in its own group (it should be nothing).
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return JobResult(job.name, returncode, timed_out, time.monotonic() - started, _tail(log_path))


class Executor(Protocol):
    """Runs jobs, several at a time, and yields each result as soon as it is known."""

    def run_all(self, jobs: Sequence[Job]) -> Iterator[JobResult]: ...
