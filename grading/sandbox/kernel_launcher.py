"""Start a student's kernel inside the sandbox: ``python -m grading.sandbox.kernel_launcher -- KERNEL_ARGV...``.

:class:`SandboxedKernelManager` (named in the autograde nbgrader config)
puts this launcher in front of the kernelspec's command whenever the grading
job prepared a sandbox (:mod:`grading.sandbox.isolation`, environment variable
``DL_GRADING_SANDBOX``). As root, before anything of the student runs, it:

1. copies the connection file into the kernel's own HOME (the original lives
   in the grading user's runtime directory, which the kernel will not see);
2. enters a private mount namespace and mounts an empty tmpfs over every
   hidden path (the solutions, tests, .git, /tmp with the other students'
   scratch folders and gradebooks, SUBMISSIONS, OUT, the grading user's home),
   then binds back the few paths the kernel needs (Python, its working
   directory, its HOME);
3. sets the rlimits (address space, CPU seconds, processes, file size, no
   core dumps) and ignores SIGXFSZ so that a too-large write raises instead
   of killing the kernel;
4. hands its working directory and HOME to the job's uid and drops to it
   (no supplementary groups, no new privileges);
5. execs the kernel.

A grader that is not root has no uid to give the kernel: its job runs in a user namespace of its
own (:mod:`grading.sandbox.isolation`), and the launcher puts each kernel in a nested user and PID
namespace (``KernelSandbox.pid_namespace``) before step 2. The kernel is then PID 1 of a namespace
that holds only its own processes: it sees only them in its own ``/proc``, the process limit counts
only them (the kernel counts ``RLIMIT_NPROC`` per user namespace), and when it exits the kernel
kills every process left in it. The launcher stays outside as the kernel's parent: jupyter_client
knows its pid, so it forwards interrupts and termination, and its death kills the kernel.

Each step that fails is skipped with a line on stderr (the kernel's log); it
never stops the kernel from starting: the job's report says what was enforced.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sys
from pathlib import Path

from grading.sandbox.isolation import _PR_SET_NO_NEW_PRIVS, SANDBOX_ENV, KernelSandbox
from grading.sandbox.namespaces import (
    _CLONE_NEWNS,
    _CLONE_NEWPID,
    check_call,
    enter_user_namespace,
    libc,
)

_MS_NOSUID = 0x2
_MS_NODEV = 0x4
_MS_RDONLY = 0x1
_MS_REMOUNT = 0x20
_MS_BIND = 0x1000
_MS_REC = 0x4000
_MS_PRIVATE = 1 << 18
_PR_SET_PDEATHSIG = 1
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
# Writable scratch space the kernel may use (matplotlib, tempfile).
_SCRATCH_TMPFS = {"/tmp": "mode=1777,size=512m", "/var/tmp": "mode=1777,size=64m",
                  "/dev/shm": "mode=1777,size=64m"}


def _say(message: str) -> None:
    print(f"[grading sandbox] {message}", file=sys.stderr, flush=True)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    lib = libc()
    result = lib.mount(
        source.encode() if source else None, target.encode(),
        fstype.encode() if fstype else None, flags, data.encode() if data else None,
    )
    check_call(result, f"mount {target}")


def _under(path: str, parents: list[str]) -> bool:
    return any(path == parent or path.startswith(parent.rstrip("/") + "/") for parent in parents)


def hide_paths(hide: list[str], keep: list[str]) -> None:
    """Private mount namespace; empty tmpfs over ``hide``; ``keep`` bound back where it was."""
    check_call(libc().unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE, None)
    # Handles on the kept folders before their parents disappear from view.
    wanted = sorted({path for path in keep if os.path.isdir(path) and _under(path, hide)},
                    key=lambda p: (p.count("/"), p))
    handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in wanted}
    for path in sorted(hide, key=lambda p: (p.count("/"), p)):
        if not os.path.isdir(path):
            continue
        options = _SCRATCH_TMPFS.get(path, "mode=0755,size=1m")
        _mount("tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, options)
    for path, handle in handles.items():
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{handle}", path, None, _MS_BIND | _MS_REC, None)
        os.close(handle)


def _chown_tree(top: str, uid: int) -> None:
    os.chown(top, uid, uid)
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            try:
                os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)
            except OSError:
                pass


def _set_limits(sandbox: KernelSandbox) -> None:
    limits = sandbox.limits
    for which, value in ((resource.RLIMIT_AS, limits.memory), (resource.RLIMIT_CPU, limits.cpu_seconds),
                         (resource.RLIMIT_FSIZE, limits.fsize), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))
    if sandbox.uid is not None or sandbox.pid_namespace:  # counted for this uid, or this user namespace
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write raises OSError (EFBIG)


def _private_connection_file(argv: list[str], home: str) -> list[str]:
    """The kernel reads (and rewrites) its connection file: give it a copy in its HOME."""
    argv = list(argv)
    for index, arg in enumerate(argv[:-1]):
        if arg == "-f" and os.path.isfile(argv[index + 1]):
            runtime = Path(home) / "runtime"
            runtime.mkdir(exist_ok=True)
            copy = runtime / Path(argv[index + 1]).name
            shutil.copyfile(argv[index + 1], copy)
            os.chmod(copy, 0o600)
            argv[index + 1] = str(copy)
    return argv


def _kernel_env(home: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(SANDBOX_ENV, None)
    env.update(HOME=home, IPYTHONDIR=os.path.join(home, ".ipython"),
               MPLCONFIGDIR=os.path.join(home, ".matplotlib"),
               JUPYTER_RUNTIME_DIR=os.path.join(home, "runtime"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"), TMPDIR="/tmp")
    env.pop("JUPYTER_DATA_DIR", None)
    return env


def _become_pid_one() -> None:
    """Enter a new user and PID namespace and fork: the child returns as PID 1 of it, with its own
    ``/proc`` (mounted once the caller's mount namespace exists); the parent stays outside, relays
    signals to it and exits with its status. Never returns in the parent."""
    enter_user_namespace(_CLONE_NEWPID)
    child = os.fork()
    if child == 0:
        # The launcher killed: the kernel too. (Its parent is outside this PID namespace: getppid() is 0.)
        libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        return
    for signum in _FORWARDED:
        signal.signal(signum, lambda number, _frame: os.kill(child, number))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def launch(sandbox: KernelSandbox, argv: list[str]) -> None:
    """Apply the sandbox to this process, then exec ``argv``; only returns on exec failure."""
    cwd = os.getcwd()
    argv = _private_connection_file(argv, sandbox.home)
    if sandbox.pid_namespace:
        try:
            _become_pid_one()
        except OSError as error:
            _say(f"no process namespace of its own: {error}")
    if sandbox.mount_namespace and sandbox.hide:
        try:
            hide_paths(sandbox.hide, sandbox.keep + [cwd])
            os.chdir(cwd)
        except OSError as error:
            _say(f"paths not hidden: {error}")
    if sandbox.pid_namespace and os.getpid() == 1:
        try:  # its own /proc: the kernel sees (and can signal) only its own processes
            if not (sandbox.mount_namespace and sandbox.hide):
                check_call(libc().unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
                _mount(None, "/", None, _MS_REC | _MS_PRIVATE, None)
            _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV, None)
        except OSError as error:
            _say(f"/proc not private: {error}")
    env = _kernel_env(sandbox.home)
    try:
        _set_limits(sandbox)
    except (OSError, ValueError) as error:
        _say(f"limits not set: {error}")
    if sandbox.uid is not None:
        uid = sandbox.uid
        _chown_tree(cwd, uid)
        _chown_tree(sandbox.home, uid)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.execvpe(argv[0], argv, env)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        print("usage: python -m grading.sandbox.kernel_launcher -- KERNEL_ARGV...", file=sys.stderr)
        return 2
    text = os.environ.get(SANDBOX_ENV)
    if not text:
        os.execvp(argv[0], argv)
    launch(KernelSandbox.from_env(text), argv)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
