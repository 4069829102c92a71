"""The sandbox pieces on their own: settings, the network namespace, the kernel launcher."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grading.nbgrader.run import nbgrader_env
from grading.sandbox.isolation import (
    SANDBOX_ENV,
    KernelLimits,
    KernelSandbox,
    SettingError,
    acquire_uid_slot,
    default_hidden_paths,
    kept_paths,
    kill_uid_processes,
    parse_size,
)

REPO = Path(__file__).parent.parent
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and uids need root")


def test_sizes_and_limits_are_read_from_the_environment_with_clear_errors():
    assert parse_size("6G", "X") == 6 * 2**30
    assert parse_size("512MiB", "X") == 512 * 2**20
    assert parse_size("1048576", "X") == 2**20
    with pytest.raises(SettingError, match=r"X='lots' is not a size; write bytes or e.g. 6G"):
        parse_size("lots", "X")
    limits = KernelLimits.from_env({"DL_GRADING_KERNEL_MEMORY": "2G", "DL_GRADING_KERNEL_CPU": "60"})
    assert (limits.memory, limits.cpu_seconds) == (2 * 2**30, 60)
    with pytest.raises(SettingError, match="DL_GRADING_KERNEL_NPROC='-3' must be positive"):
        KernelLimits.from_env({"DL_GRADING_KERNEL_NPROC": "-3"})
    sandbox = KernelSandbox(limits, 2_000_001, ["/work"], ["/work/main/starter"], "/tmp/h", True)
    assert KernelSandbox.from_env(sandbox.to_env()) == sandbox


def test_the_allow_list_hides_user_data_and_keeps_python_and_starter():
    hidden = default_hidden_paths({})
    for path in ("/tmp", "/root", "/dev/shm"):
        if os.path.isdir(path):
            assert path in hidden
    assert not {"/usr", "/etc", "/proc", "/dev", "/"} & set(hidden)
    kept = kept_paths(Path("/tmp/x/students/alice"), {})
    assert str((REPO / "starter").resolve()) in kept
    assert os.path.realpath(sys.prefix) in kept
    assert not any(path.startswith(str(REPO / "solutions")) or path == str(REPO) for path in kept)


NETWORK_PROBE = textwrap.dedent("""
    import json, socket, sys
    from grading.sandbox.isolation import enter_network_namespace
    enter_network_namespace()
    result = {}
    for name, address in (("outside", ("1.1.1.1", 53)), ("host", ("127.0.0.1", int(sys.argv[1])))):
        try:
            socket.create_connection(address, timeout=3).close()
            result[name] = "connected"
        except OSError as error:
            result[name] = type(error).__name__
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname(), timeout=3)
    result["own_loopback"] = "connected"
    print(json.dumps(result))
""")


@root_only
def test_a_network_namespace_reaches_nothing_but_its_own_loopback():
    host = socket.create_server(("127.0.0.1", 0))
    host.settimeout(0.5)
    try:
        done = subprocess.run([sys.executable, "-c", NETWORK_PROBE, str(host.getsockname()[1])],
                              capture_output=True, text=True, timeout=60, cwd=REPO, check=True)
        result = json.loads(done.stdout)
        with pytest.raises(TimeoutError):
            host.accept()
    finally:
        host.close()
    assert result["outside"] != "connected" and result["host"] != "connected", result
    assert result["own_loopback"] == "connected"


LAUNCHED_PROBE = textwrap.dedent("""
    import json, os, resource, sys
    def readable(path):
        try:
            open(path, "rb").close()
            return True
        except OSError:
            return False
    import numpy, starter.gradient_check
    open("written-by-kernel.txt", "w").write("ok")
    print(json.dumps({
        "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "solutions": readable(sys.argv[1]), "gradebook": readable(sys.argv[2]),
        "tmp": sorted(os.listdir("/tmp")), "cwd": os.getcwd(),
        "memory": resource.getrlimit(resource.RLIMIT_AS), "nproc": resource.getrlimit(resource.RLIMIT_NPROC),
        "core": resource.getrlimit(resource.RLIMIT_CORE), "home": os.environ["HOME"],
        "sandbox_env": os.environ.get("DL_GRADING_SANDBOX"),
    }))
""")


@root_only
def test_the_kernel_launcher_drops_to_its_uid_with_limits_and_hidden_paths(tmp_path):
    course = tmp_path / "students" / "alice"
    notebook_dir = course / "autograded" / "alice" / "dl"
    notebook_dir.mkdir(parents=True)
    (course / "gradebook.db").write_text("secret")
    (tmp_path / "students" / "bob").mkdir()
    home = course / "kernel-home"
    home.mkdir()
    uid, lock = acquire_uid_slot()
    try:
        sandbox = KernelSandbox(KernelLimits(memory=2 * 2**30, nproc=64), uid, default_hidden_paths(),
                                kept_paths(course) + [str(home)], str(home), True)
        env = nbgrader_env({SANDBOX_ENV: sandbox.to_env()})  # grading importable, as under nbgrader
        solution = next((REPO / "solutions" / "dl").glob("*.py"))
        done = subprocess.run(
            [sys.executable, "-m", "grading.sandbox.kernel_launcher", "--", sys.executable, "-c", LAUNCHED_PROBE,
             str(solution), str(course / "gradebook.db")],
            capture_output=True, text=True, timeout=120, cwd=notebook_dir, env=env,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
    finally:
        kill_uid_processes(uid)
        os.close(lock)
    assert (result["uid"], result["gid"], result["groups"]) == (uid, uid, [])
    assert not result["solutions"] and not result["gradebook"]
    # /tmp holds only the path down to the kernel's own folder, rebuilt, the checkout the kernel imports
    # starter from and reads the datasets of, and the Python environment it runs in, each when it is
    # itself under /tmp (a CI clone, CI's fresh virtual environment).
    kept = (REPO.resolve(), Path(sys.prefix).resolve())
    expected = {tmp_path.parts[2]} | {path.parts[2] for path in kept if path.parts[1] == "tmp"}
    assert sorted(result["tmp"]) == sorted(expected)
    assert result["cwd"] == str(notebook_dir)
    assert result["memory"] == [2 * 2**30] * 2 and result["nproc"] == [64, 64] and result["core"] == [0, 0]
    assert result["home"] == str(home) and result["sandbox_env"] is None
    assert (notebook_dir / "written-by-kernel.txt").read_text() == "ok"


WITHOUT_USER_NAMESPACES = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    os.geteuid = lambda: 1000  # what the job sees when the grader is not root
    import grading.sandbox.isolation as isolation
    # as on a machine whose sysctl forbids unprivileged user namespaces
    isolation.user_namespaces_allowed = lambda: "user namespaces are disabled (sysctl user.max_user_namespaces = 0)"
    report, processes = isolation.enter_job_sandbox(Path(sys.argv[1]))
    sandbox = isolation.KernelSandbox.from_env(os.environ[isolation.SANDBOX_ENV])
    print(json.dumps({"line": report.line(), "known": processes.known, "sandbox_uid": sandbox.uid,
                      "hide": sandbox.hide, "pid_namespace": sandbox.pid_namespace}))
""")


def test_without_root_nor_user_namespaces_the_job_says_what_is_not_enforced(tmp_path):
    """The job itself still runs (the verbs refuse before, unless --allow-unisolated: test_nonroot.py)."""
    (tmp_path / "gradebook.db").write_text("")
    done = subprocess.run([sys.executable, "-c", WITHOUT_USER_NAMESPACES, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, cwd=REPO, env=nbgrader_env(), check=True)
    result = json.loads(done.stdout)
    assert result["sandbox_uid"] is None and result["hide"] == [] and not result["pid_namespace"]
    assert not result["known"]
    line = result["line"]
    why = "user namespaces are disabled (sysctl user.max_user_namespaces = 0)"
    for missing in (f"network namespace ({why})", f"hidden solutions/submissions/gradebook ({why})",
                    f"kernel's own processes (no uid or PID namespace: {why})"):
        assert missing in line.split("NOT enforced: ")[1], line
    assert "kernel limits: memory 6 GiB" in line and "process limit not set" in line
    assert oct((tmp_path / "gradebook.db").stat().st_mode & 0o777) == "0o600"
