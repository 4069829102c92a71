"""Linux namespaces by ctypes: the job's own network (loopback only), the kernel's private mounts.

Also which paths a kernel must not see (an allow-list of system folders) and which of
them are bound back (Python, ``starter``, the datasets).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import socket
import struct
import sys
from collections.abc import Mapping
from pathlib import Path

# Extra paths (os.pathsep-separated) the kernel must not see, e.g. SUBMISSIONS and OUT.
HIDE_ENV = "DL_GRADING_HIDE"
_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


def libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def check_call(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")



def bring_loopback_up() -> None:
    """``ip link set lo up`` without iproute2: SIOCSIFFLAGS on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock.fileno(), _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock.fileno(), _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


def enter_network_namespace(user_namespace: bool = False) -> None:
    """Move this process (and everything it starts later) into a new network namespace.

    ``user_namespace``: in a new user namespace too, where this process is uid 0 (mapped to its
    own uid outside): what lets a grader that is not root own the network namespace.
    """
    if user_namespace:
        enter_user_namespace(_CLONE_NEWNET)
    else:
        check_call(libc().unshare(_CLONE_NEWNET), "unshare(CLONE_NEWNET)")
    bring_loopback_up()


def enter_user_namespace(also: int = 0) -> None:
    """A new user namespace (with the namespaces in ``also``) where this process's uid and gid
    are 0, mapped to what they were: root there, over its own namespaces only, as rootless
    containers and bubblewrap do. Unprivileged where ``user.max_user_namespaces`` allows."""
    uid, gid = os.getuid(), os.getgid()
    check_call(libc().unshare(_CLONE_NEWUSER | also), "unshare(CLONE_NEWUSER)")
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def user_namespaces_allowed() -> str | None:
    """None where an unprivileged process may create user namespaces, else why not."""
    try:
        limit = int(Path("/proc/sys/user/max_user_namespaces").read_text())
    except (OSError, ValueError):
        return "user namespaces are not available on this kernel"
    if limit == 0:
        return "user namespaces are disabled (sysctl user.max_user_namespaces = 0)"
    return None



def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


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
