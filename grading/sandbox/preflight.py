"""Before grading other people's code: can every part of the sandbox be enforced here?

:func:`isolation_gaps` tries, in a throwaway child process, exactly the steps a grading job and
its kernel launcher take (:mod:`grading.sandbox.isolation`, :mod:`grading.sandbox.kernel_launcher`):
as root, a network namespace and a private mount namespace; as any other user, a user namespace
that owns those two, and for each kernel a nested user and PID namespace (its own process count and
its own ``/proc``). What fails is a gap, named with its reason and how to close it.

``autograde``, ``mutate`` and ``demo`` refuse to start on a gap (:func:`require_isolation`, exit 2)
unless given ``--allow-unisolated``; ``check`` runs the student's own code on their own machine and
only says what it could not enforce.
"""

from __future__ import annotations

import os
import sys
import tempfile
from argparse import ArgumentParser
from dataclasses import dataclass

from grading.errors import GradingError

ALLOW_FLAG = "--allow-unisolated"


@dataclass(frozen=True)
class IsolationGap:
    part: str  # "network namespace", "private mount namespace", ...
    reason: str  # why it cannot be enforced here
    fix: str  # what would make it possible

    def line(self) -> str:
        return f"{self.part}: {self.reason}"


class UnisolatedError(GradingError):
    """Part of the sandbox cannot be enforced and --allow-unisolated was not given."""


_FIX_USERNS = ("allow unprivileged user namespaces (sysctl -w user.max_user_namespaces=15000, or "
               "kernel.unprivileged_userns_clone=1 on some distributions), or grade as root")
_STEPS = ("network namespace", "private mount namespace", "kernel's own process namespace")


def _attempt(root: bool) -> tuple[str, str] | None:
    """In a child: the sandbox's steps in order; (failed step, reason) or None. Never returns in the child."""
    from grading.sandbox.namespaces import (
        _CLONE_NEWNS,
        _CLONE_NEWPID,
        check_call,
        enter_network_namespace,
        enter_user_namespace,
        libc,
    )

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        step = _STEPS[0]
        try:
            enter_network_namespace(user_namespace=not root)
            step = _STEPS[1]
            scratch = tempfile.mkdtemp(prefix="grading-preflight-")
            if root:
                check_call(libc().unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
            else:
                step = _STEPS[2]  # the launcher makes the kernel's mount namespace with its user and PID ones
                enter_user_namespace(_CLONE_NEWNS | _CLONE_NEWPID)
                step = _STEPS[1]
            check_call(libc().mount(None, b"/", None, 0x4000 | (1 << 18), None), "mount --make-rprivate /")
            check_call(libc().mount(b"tmpfs", scratch.encode(), b"tmpfs", 0, b"size=1m"), "mount tmpfs")
            os.write(write_end, b"ok")
        except OSError as error:
            os.write(write_end, f"{step}\n{error.strerror or error}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    message = b""
    while chunk := os.read(read_end, 4096):
        message += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    if message == b"ok":
        return None
    step, _, reason = message.decode(errors="replace").partition("\n")
    return step or _STEPS[0], reason or "the sandbox's child process died"


def isolation_gaps() -> list[IsolationGap]:
    """What of the sandbox cannot be enforced on this machine, for this user ([] when everything can)."""
    from grading.sandbox.isolation import ISOLATION_ENV

    if os.environ.get(ISOLATION_ENV, "").strip().lower() == "off":
        return [IsolationGap("everything", f"{ISOLATION_ENV}=off switches the sandbox off",
                             f"unset {ISOLATION_ENV}")]
    if not sys.platform.startswith("linux"):
        return [IsolationGap(part, f"{sys.platform} has no Linux namespaces", "grade on a Linux machine")
                for part in _STEPS]
    root = os.geteuid() == 0
    if not root:
        from grading.sandbox.namespaces import user_namespaces_allowed

        why = user_namespaces_allowed()
        if why is not None:
            return [IsolationGap(part, why, _FIX_USERNS) for part in _STEPS]
    failed = _attempt(root)
    if failed is None:
        return []
    step, reason = failed
    fix = "check that the machine allows namespaces (a container may forbid them)" if root else _FIX_USERNS
    return [IsolationGap(part, reason if part == step else f"not tried after the {step} failed", fix)
            for part in _STEPS[_STEPS.index(step):] if root is False or part != _STEPS[2]]


def require_isolation(allow_unisolated: bool, gaps: list[IsolationGap] | None = None) -> list[str]:
    """The parts not enforced (as lines for results.json and the report); raises UnisolatedError
    when there are some and grading anyway was not asked for."""
    gaps = isolation_gaps() if gaps is None else gaps
    if gaps and not allow_unisolated:
        fixes = list(dict.fromkeys(gap.fix for gap in gaps))
        raise UnisolatedError(
            "the sandbox around students' code cannot be fully enforced here, so nothing was graded:\n  "
            + "\n  ".join(gap.line() for gap in gaps)
            + "\nto fix: " + "; ".join(fixes)
            + f"\nto grade anyway, with every output saying what was not enforced: {ALLOW_FLAG}"
        )
    return [gap.line() for gap in gaps]


def isolation_line(not_enforced: list[str]) -> str:
    """The one line the report, the log and every feedback page give."""
    if not not_enforced:
        return "isolation: enforced (network, files, processes, limits)"
    return "isolation: NOT enforced: " + "; ".join(not_enforced)


def add_allow_unisolated(parser: ArgumentParser) -> None:
    """The flag of the verbs that grade other people's code."""
    parser.add_argument(ALLOW_FLAG, action="store_true", dest="allow_unisolated",
                        help="grade even where part of the sandbox (network, files, processes) cannot be "
                        "enforced; results.json, the log, the report and every feedback page then say what "
                        "was not (default: refuse, exit 2)")
