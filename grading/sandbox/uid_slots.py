"""A numeric uid per concurrent grading job (a slot held with ``flock``), and killing by uid."""

from __future__ import annotations

import errno
import fcntl
import os
import pwd
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path

# Numeric uids with no passwd entry; slot n uses UID_BASE + n.
UID_BASE = 2_000_000
UID_SLOTS = 256
LOCK_DIR_CANDIDATES = ("/run/lock", "/var/lock", "/tmp")


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
    """SIGKILL every process of ``uid`` except ``spare``; returns the pids killed."""
    return kill_until_gone(lambda: processes_of_uid(uid), set(spare))


def kill_until_gone(find: Callable[[], list[int]], spared: set[int]) -> list[int]:
    """SIGKILL what ``find`` lists (but ``spared``) until it lists nothing more; the pids killed.

    Stops them first so that a fork bomb cannot outrun the scan.
    """
    killed: set[int] = set()
    for _ in range(5):
        victims = [pid for pid in find() if pid not in spared]
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
