"""Isolation of a grading job: what it enforces, decided and set up inside the job itself.

A grading job (:mod:`grading.autograde.grade_job`) calls :func:`enter_job_sandbox` first.
It works the same whether the job runs in the local pool or on a dask worker,
because everything happens in the job's own process:

* a new **network namespace** for the job (nbgrader and its kernels): only a
  loopback interface of its own, brought up with an ioctl (no iproute2
  needed), so ZMQ between nbgrader and the kernel works and nothing else does,
  not even services on the host's 127.0.0.1;
* a **separate numeric uid** for the kernels, one per concurrent job (a slot
  held with ``flock``), so that ``RLIMIT_NPROC`` counts that job's processes
  only and leftovers can be killed by uid;
* the job becomes a **child subreaper**: processes the student's code
  double-forks stay below it, inside the sandbox's process tree;
* the settings the kernel launcher (:mod:`grading.sandbox.kernel_launcher`) applies to
  every kernel: rlimits, paths to hide (a private mount namespace), the uid.

Anything that cannot be enforced (not root, namespaces not allowed) is left
out and said so in ``job.json``; grading still runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grading.layout import CourseDirectory
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



def enter_job_sandbox(course_root: Path) -> tuple[IsolationReport, int | None]:
    """Isolate this grading job and prepare the kernels' sandbox; (report, uid)."""
    report = IsolationReport()
    limits = KernelLimits.from_env()
    if os.environ.get(ISOLATION_ENV, "").strip().lower() == "off":
        report.not_enforced.append(f"everything ({ISOLATION_ENV}=off)")
        return report, None
    root = os.geteuid() == 0
    lib = libc()
    if lib.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0:
        report.enforced.append("subreaper (orphans stay in the job's tree)")

    if root:
        try:
            enter_network_namespace()
            report.enforced.append("no network (own network namespace, loopback only)")
        except OSError as error:
            report.not_enforced.append(f"network namespace ({error.strerror or error})")
    else:
        report.not_enforced.append("network namespace (needs root)")

    uid: int | None = None
    mount_namespace = root and _mount_namespace_works()
    if not root:
        report.not_enforced.append("separate uid (needs root)")
        report.not_enforced.append("hidden solutions/submissions/gradebook (needs root)")
    elif not mount_namespace:
        report.not_enforced.append("hidden solutions/submissions/gradebook (mount namespaces not allowed)")
        report.not_enforced.append("separate uid (the kernel's folders are reachable only in a mount namespace)")
    else:
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
    )
    os.environ[SANDBOX_ENV] = sandbox.to_env()
    if uid is not None:
        report.enforced.append(f"kernel runs as uid {uid}")
    if mount_namespace:
        report.enforced.append("kernel sees only system folders, Python, starter, data and its notebook "
                               "folder (private mount namespace)")
    report.enforced.append("kernel limits: " + limits.describe()
                           + ("" if uid is not None else " (process limit not set: the kernel shares the grader's uid)"))
    return report, uid
