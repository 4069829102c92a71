"""Isolation of a grading job: what it enforces, decided and set up inside the job itself.

A grading job (:mod:`grading.autograde.grade_job`) calls :func:`enter_job_sandbox` first.
It works the same whether the job runs in the local pool or on a dask worker,
because everything happens in the job's own process:

* a new **network namespace** for the job (nbgrader and its kernels): only a
  loopback interface of its own, brought up with an ioctl (no iproute2
  needed), so ZMQ between nbgrader and the kernel works and nothing else does,
  not even services on the host's 127.0.0.1;
* as root, a **separate numeric uid** for the kernels, one per concurrent job (a slot
  held with ``flock``), so that ``RLIMIT_NPROC`` counts that job's processes
  only and leftovers can be killed by uid;
* as any other user, the job first enters a **user namespace** of its own (where it is
  uid 0, mapped to the grader's uid: what rootless containers do), which owns its network
  namespace and lets each kernel have a private mount namespace; each kernel gets a nested
  user and **PID namespace** instead of a uid (the process limit counts per user namespace,
  and the kernel's exit kills everything it started);
* the job becomes a **child subreaper**: processes the student's code
  double-forks stay below it, inside the sandbox's process tree;
* the settings the kernel launcher (:mod:`grading.sandbox.kernel_launcher`) applies to
  every kernel: rlimits, paths to hide (a private mount namespace), the uid.

Anything that cannot be enforced (namespaces not allowed) is left out and said so in
``job.json``; the verbs that grade other people's code have refused to start on that already
(:mod:`grading.sandbox.preflight`) unless told ``--allow-unisolated``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grading.layout import CourseDirectory
from grading.sandbox.kernel_processes import KernelProcesses
from grading.sandbox.limits import (  # noqa: F401 (the sandbox's settings, re-exported)
    CPU_ENV,
    FSIZE_ENV,
    MEMORY_ENV,
    NPROC_ENV,
    KernelLimits,
    SettingError,
    parse_size,
)
from grading.sandbox.namespaces import (  # noqa: F401 (re-exported for the launcher and tests)
    _CLONE_NEWNS,
    HIDE_ENV,
    _mount_namespace_works,
    check_call,
    default_hidden_paths,
    enter_network_namespace,
    kept_paths,
    libc,
    user_namespaces_allowed,
)
from grading.sandbox.uid_slots import acquire_uid_slot, kill_uid_processes, processes_of_uid  # noqa: F401

# The environment variable that carries the kernel settings from the job to the launcher.
SANDBOX_ENV = "DL_GRADING_SANDBOX"
ISOLATION_ENV = "DL_GRADING_ISOLATION"  # "off" switches enforcement off (debugging only)

_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38


@dataclass
class KernelSandbox:
    """What the kernel launcher does to each kernel; travels as JSON in SANDBOX_ENV."""

    limits: KernelLimits
    uid: int | None  # None: the kernel keeps the grading user's uid
    hide: list[str]  # absolute paths replaced by empty directories in the kernel's view
    keep: list[str]  # paths inside hidden ones that stay visible (the kernel's own folders)
    home: str  # the kernel's HOME (IPython, matplotlib caches), writable by ``uid``
    mount_namespace: bool  # whether to try hiding paths at all
    pid_namespace: bool = False  # a user and PID namespace of its own (the grader is not root)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str) -> KernelSandbox:
        data = json.loads(text)
        data["limits"] = KernelLimits(**data["limits"])
        return cls(**data)


@dataclass
class IsolationReport:
    """What the job enforced, for job.json and the grading log."""

    enforced: list[str] = field(default_factory=list)
    not_enforced: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = "isolation: " + ("; ".join(self.enforced) or "nothing enforced")
        if self.not_enforced:
            text += "; NOT enforced: " + "; ".join(self.not_enforced)
        return text



def enter_job_sandbox(course_root: Path) -> tuple[IsolationReport, KernelProcesses]:
    """Isolate this grading job and prepare the kernels' sandbox; (report, the student's processes)."""
    report = IsolationReport()
    limits = KernelLimits.from_env()
    if os.environ.get(ISOLATION_ENV, "").strip().lower() == "off":
        report.not_enforced.append(f"everything ({ISOLATION_ENV}=off)")
        return report, KernelProcesses(None, False)
    root = os.geteuid() == 0
    lib = libc()
    if lib.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0:
        report.enforced.append("subreaper (orphans stay in the job's tree)")

    # Not root: a user namespace of the job's own owns its network namespace (and lets kernels
    # have mount and PID namespaces); entered first, while this process has no threads.
    user_namespace = False
    why_not = None if root else user_namespaces_allowed()
    if why_not is not None:
        report.not_enforced.append(f"network namespace ({why_not})")
    else:
        try:
            enter_network_namespace(user_namespace=not root)
            user_namespace = not root
            report.enforced.append("no network (own network namespace, loopback only"
                                   + (", in the job's own user namespace)" if user_namespace else ")"))
        except OSError as error:
            report.not_enforced.append(f"network namespace ({error.strerror or error})")

    uid: int | None = None
    mount_namespace = (root or user_namespace) and _mount_namespace_works()
    if not (root or user_namespace):
        report.not_enforced.append(f"hidden solutions/submissions/gradebook ({why_not or 'no user namespace'})")
        report.not_enforced.append(f"kernel's own processes (no uid or PID namespace: {why_not or 'no user namespace'})")
    elif not mount_namespace:
        report.not_enforced.append("hidden solutions/submissions/gradebook (mount namespaces not allowed)")
        if root:
            report.not_enforced.append("separate uid (the kernel's folders are reachable only in a mount namespace)")
    elif root:
        try:
            uid, _lock_fd = acquire_uid_slot()  # held until the job exits
            kill_uid_processes(uid)  # anything a killed job of this slot left behind
        except OSError as error:
            report.not_enforced.append(f"separate uid ({error})")
            uid = None

    home = course_root / "kernel-home"
    home.mkdir(exist_ok=True)
    # Defence in depth: the scratch gradebook and job report are the grader's alone.
    for private in (CourseDirectory(course_root).gradebook,):
        if private.exists():
            os.chmod(private, 0o600)
    sandbox = KernelSandbox(
        limits=limits, uid=uid,
        hide=default_hidden_paths() if mount_namespace else [],
        keep=kept_paths(course_root) + [str(home.resolve())],
        home=str(home.resolve()), mount_namespace=mount_namespace,
        pid_namespace=user_namespace,
    )
    os.environ[SANDBOX_ENV] = sandbox.to_env()
    if uid is not None:
        report.enforced.append(f"kernel runs as uid {uid}")
    if user_namespace:
        report.enforced.append("kernel's own user and PID namespace (counts and kills only its processes)")
    if mount_namespace:
        report.enforced.append("kernel sees only system folders, Python, starter, data and its notebook "
                               "folder (private mount namespace)")
    counted = uid is not None or user_namespace
    report.enforced.append("kernel limits: " + limits.describe()
                           + ("" if counted else " (process limit not set: the kernel shares the grader's uid)"))
    return report, KernelProcesses(uid, user_namespace)
