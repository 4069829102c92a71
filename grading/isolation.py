"""Isolation of a grading job: what it enforces, decided and set up inside the job itself.

A grading job (:mod:`grading.grade_job`) calls :func:`enter_job_sandbox` first.
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
* the settings the kernel launcher (:mod:`grading.kernel_launcher`) applies to
  every kernel: rlimits, paths to hide (a private mount namespace), the uid.

Anything that cannot be enforced (not root, namespaces not allowed) is left
out and said so in ``job.json``; grading still runs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import pwd
import signal
import socket
import struct
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

# The environment variable that carries the kernel settings from the job to the launcher.
SANDBOX_ENV = "DL_GRADING_SANDBOX"
# Extra paths (os.pathsep-separated) the kernel must not see, e.g. SUBMISSIONS and OUT.
HIDE_ENV = "DL_GRADING_HIDE"
# Settings, each overridable by an environment variable of the grading process.
MEMORY_ENV = "DL_GRADING_KERNEL_MEMORY"  # bytes, or with a K/M/G suffix
CPU_ENV = "DL_GRADING_KERNEL_CPU"  # CPU seconds per kernel (one kernel per notebook)
NPROC_ENV = "DL_GRADING_KERNEL_NPROC"  # processes + threads of the kernel's uid
FSIZE_ENV = "DL_GRADING_KERNEL_FSIZE"  # largest file the kernel may write
ISOLATION_ENV = "DL_GRADING_ISOLATION"  # "off" switches enforcement off (debugging only)

# Parts 3-6 of the course train conv nets and RNNs: about 2-3 GiB of address space
# with OpenBLAS' per-thread buffers; 6 GiB leaves room and still stops a memory bomb
# long before the machine (24 GiB) swaps.
DEFAULT_MEMORY = 6 * 2**30
DEFAULT_CPU_SECONDS = 3600  # the wall-clock limit of a notebook is 1200 s; 2 BLAS threads
DEFAULT_NPROC = 128  # threads count: ipykernel ~10, OpenBLAS one per core, plus headroom
DEFAULT_FSIZE = 1 * 2**30
# Numeric uids with no passwd entry; slot n uses UID_BASE + n.
UID_BASE = 2_000_000
UID_SLOTS = 256
LOCK_DIR_CANDIDATES = ("/run/lock", "/var/lock", "/tmp")

_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


class SettingError(ValueError):
    """A DL_GRADING_KERNEL_* setting that cannot be read."""


def libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def check_call(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def parse_size(text: str, name: str) -> int:
    """``6G`` / ``512M`` / ``1048576`` -> bytes; a clear error otherwise."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = 1
    if value and value[-1] in units:
        value, scale = value[:-1], units[value[-1]]
    try:
        number = float(value)
    except ValueError:
        raise SettingError(f"{name}={text!r} is not a size; write bytes or e.g. 6G, 512M") from None
    if number <= 0:
        raise SettingError(f"{name}={text!r} must be positive")
    return int(number * scale)


def _int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SettingError(f"{name}={text!r} is not a whole number") from None
    if value <= 0:
        raise SettingError(f"{name}={text!r} must be positive")
    return value


@dataclass
class KernelLimits:
    """rlimits of every kernel of a job."""

    memory: int = DEFAULT_MEMORY
    cpu_seconds: int = DEFAULT_CPU_SECONDS
    nproc: int = DEFAULT_NPROC
    fsize: int = DEFAULT_FSIZE

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> KernelLimits:
        memory = env.get(MEMORY_ENV, "").strip()
        fsize = env.get(FSIZE_ENV, "").strip()
        return cls(
            memory=parse_size(memory, MEMORY_ENV) if memory else DEFAULT_MEMORY,
            cpu_seconds=_int_setting(env, CPU_ENV, DEFAULT_CPU_SECONDS),
            nproc=_int_setting(env, NPROC_ENV, DEFAULT_NPROC),
            fsize=parse_size(fsize, FSIZE_ENV) if fsize else DEFAULT_FSIZE,
        )

    def describe(self) -> str:
        return (f"memory {self.memory / 2**30:g} GiB, CPU {self.cpu_seconds} s, {self.nproc} tasks, "
                f"files {self.fsize / 2**20:g} MiB, no core")


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


# --- network ---------------------------------------------------------------

def bring_loopback_up() -> None:
    """``ip link set lo up`` without iproute2: SIOCSIFFLAGS on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock.fileno(), _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock.fileno(), _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


def enter_network_namespace() -> None:
    """Move this process (and everything it starts later) into a new network namespace."""
    check_call(libc().unshare(_CLONE_NEWNET), "unshare(CLONE_NEWNET)")
    bring_loopback_up()


# --- uids ------------------------------------------------------------------

def _uid_exists(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def _lock_dir() -> Path:
    for candidate in LOCK_DIR_CANDIDATES:
        if os.access(candidate, os.W_OK):
            path = Path(candidate) / "dl-grading-uids"
            path.mkdir(mode=0o700, exist_ok=True)
            return path
    raise OSError(errno.EACCES, "no writable lock directory for uid slots")


def acquire_uid_slot() -> tuple[int, int]:
    """(uid, fd of the held lock): a numeric uid no other running job uses.

    The lock is held until this process exits; the fd is not inherited.
    """
    lock_dir = _lock_dir()
    for slot in range(UID_SLOTS):
        uid = UID_BASE + slot
        if _uid_exists(uid):
            continue
        fd = os.open(lock_dir / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return uid, fd
    raise OSError(errno.EAGAIN, f"all {UID_SLOTS} grading uids are in use")


def processes_of_uid(uid: int, zombies: bool = False) -> list[int]:
    """Pids of live (and with ``zombies``, unreaped) processes whose real uid is ``uid``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                for line in status:
                    if line.startswith("State:") and line.split()[1] in ("Z", "X") and not zombies:
                        break  # a zombie: already dead, its parent has not reaped it
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry))
                        break
        except (OSError, ValueError):
            continue
    return pids


def kill_uid_processes(uid: int, spare: Iterable[int] = ()) -> list[int]:
    """SIGKILL every process of ``uid`` except ``spare``; returns the pids killed.

    Stops them first so that a fork bomb cannot outrun the scan.
    """
    spared = set(spare)
    killed: set[int] = set()
    for _ in range(5):
        victims = [pid for pid in processes_of_uid(uid) if pid not in spared]
        if not victims:
            break
        for pid in victims:
            for signum in (signal.SIGSTOP, signal.SIGKILL):
                try:
                    os.kill(pid, signum)
                except (ProcessLookupError, PermissionError):
                    pass
        killed.update(victims)
        time.sleep(0.02)
    return sorted(killed)


# --- the job ---------------------------------------------------------------

def _repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


# Top-level folders the kernel keeps (read-only for its uid): the system, never user data.
SYSTEM_DIRS = frozenset({"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "sys", "usr"})


def default_hidden_paths(env: Mapping[str, str] = os.environ) -> list[str]:
    """Paths the kernel must not read: everything outside the system folders.

    An allow-list, so it needs no knowledge of where SUBMISSIONS, OUT, the
    repository or other jobs live: /work, /home, /root, /tmp (other students'
    scratch folders and gradebooks), /var, /run (host sockets such as
    PostgreSQL's), /opt, /srv, /mnt ... become empty (``/tmp`` a fresh
    writable one), as does ``/dev/shm``. :func:`kept_paths` lists what is
    bound back. HIDE_ENV may add more paths.
    """
    hidden = [os.path.join("/", name) for name in sorted(os.listdir("/"))
              if name not in SYSTEM_DIRS and os.path.isdir(os.path.join("/", name))
              and not os.path.islink(os.path.join("/", name))]
    hidden.append("/dev/shm")
    hidden += [os.path.realpath(p) for p in env.get(HIDE_ENV, "").split(os.pathsep) if p.strip()]
    return [path for path in dict.fromkeys(hidden) if os.path.isdir(path) and path != "/"]


def kept_paths(course_root: Path, env: Mapping[str, str] = os.environ) -> list[str]:
    """What the kernel still sees of the hidden folders: Python, the ``starter`` package, the data.

    Not the repository (its solutions, tests and history), not the grading
    job's own scratch folder (the gradebook): the launcher adds the kernel's
    working directory and HOME.
    """
    keep = {sys.prefix, sys.base_prefix, sys.exec_prefix,
            os.path.dirname(os.path.realpath(sys.executable))}
    repo = _repo_root()
    keep.add(str(repo / "starter"))
    data = env.get("DL_COURSE_DATA")
    keep.add(data if data else str(repo / "datasets"))
    return sorted(str(Path(p).resolve()) for p in keep if p and os.path.isdir(p))


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
    for private in (course_root / "gradebook.db",):
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


def _mount_namespace_works() -> bool:
    """Whether a child can create a private mount namespace (tried in a throwaway fork)."""
    pid = os.fork()
    if pid == 0:  # child: try, report by exit code, never return
        try:
            ok = libc().unshare(_CLONE_NEWNS) == 0
        finally:
            pass
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0
