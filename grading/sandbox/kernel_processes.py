"""The student's processes of one grading job, to count (fork bombs) and to kill (leftovers).

As root each job's kernels run under a uid of their own (:mod:`grading.sandbox.uid_slots`): the
student's processes are that uid's. A grader that is not root has no uid to give; its kernels are
each PID 1 of a PID namespace of their own (:mod:`grading.sandbox.kernel_launcher`): the student's
processes are this job's descendants that live in another PID namespace than the job.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from grading.sandbox.uid_slots import kill_uid_processes, kill_until_gone, processes_of_uid

if TYPE_CHECKING:
    from grading.sandbox.isolation import KernelSandbox


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as handle:
        return dict(line.rstrip("\n").split(":\t", 1) for line in handle if ":\t" in line)


def _pid_namespace(pid: int | str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def namespaced_descendants(ancestor: int, zombies: bool = False) -> list[int]:
    """Pids below ``ancestor`` in a PID namespace other than its own (live ones, and with ``zombies``,
    unreaped ones too)."""
    parents: dict[int, int] = {}
    states: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = _status(int(entry))
            parents[int(entry)] = int(status["PPid"])
            states[int(entry)] = status["State"].split()[0]
        except (OSError, KeyError, ValueError):
            continue
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    own = _pid_namespace(ancestor)
    found, todo = [], list(children.get(ancestor, []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        if _pid_namespace(pid) not in (own, None) and (zombies or states.get(pid) not in ("Z", "X")):
            found.append(pid)
    return sorted(found)


class KernelProcesses:
    """Counting and killing the student's processes, by uid (root) or by PID namespace (not root)."""

    def __init__(self, uid: int | None, namespaced: bool):
        self.uid = uid
        self.namespaced = namespaced and uid is None
        self.job = os.getpid()

    @classmethod
    def of_sandbox(cls, sandbox: KernelSandbox | None) -> KernelProcesses:
        if sandbox is None:
            return cls(None, False)
        return cls(sandbox.uid, sandbox.pid_namespace)

    @property
    def known(self) -> bool:
        """Whether the student's processes can be told apart from the grader's at all."""
        return self.uid is not None or self.namespaced

    def pids(self, zombies: bool = False) -> list[int]:
        if self.uid is not None:
            return processes_of_uid(self.uid, zombies=zombies)
        if self.namespaced:
            return namespaced_descendants(self.job, zombies=zombies)
        return []

    def kill(self, spare: Iterable[int] = ()) -> list[int]:
        """SIGKILL the student's processes but ``spare`` (a kernel launcher spares its kernel too)."""
        if self.uid is not None:
            return kill_uid_processes(self.uid, spare=spare)
        if not self.namespaced:
            return []
        spared = set(spare)
        spared |= {pid for pid in self.pids() if _parent(pid) in spared}  # the kernel below its launcher
        return kill_until_gone(self.pids, spared)


def _parent(pid: int) -> int | None:
    try:
        return int(_status(pid)["PPid"])
    except (OSError, KeyError, ValueError):
        return None
