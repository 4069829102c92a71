"""The sandbox stops a job at its wall-clock limit with everything it started."""

import os
import sys
import textwrap
import time

from grading.autograde.executors.job import Job, run_job
from grading.autograde.executors.local_pool import LocalExecutor

# Starts a grandchild in a session of its own (as Jupyter starts kernels), then hangs.
HANG_WITH_DETACHED_CHILD = textwrap.dedent("""
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                             start_new_session=True)
    open("child.pid", "w").write(str(child.pid))
    time.sleep(600)
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_timeout_kills_the_job_and_its_detached_children(tmp_path):
    job = Job("hang", [sys.executable, "-c", HANG_WITH_DETACHED_CHILD], tmp_path, wall_clock_limit=3)
    result = run_job(job)
    assert result.timed_out and not result.ok
    assert "wall-clock limit" in result.reason
    child = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)


def test_results_carry_exit_code_and_output(tmp_path):
    ok = run_job(Job("ok", [sys.executable, "-c", "print('hello')"], tmp_path, 30))
    assert ok.ok and ok.reason is None and ok.output_tail == "hello"
    failed = run_job(Job("bad", [sys.executable, "-c", "import sys; sys.exit(3)"], tmp_path, 30))
    assert not failed.ok and failed.returncode == 3 and "exited with code 3" in failed.reason
    missing = run_job(Job("none", [os.path.join(str(tmp_path), "no-such-program")], tmp_path, 30))
    assert missing.launch_error and "could not start" in missing.reason


# Each job waits until the other has started: run one after the other, the first would give up.
WAIT_FOR_PARTNER = textwrap.dedent("""
    import pathlib, sys, time
    here, partner = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    (here / "started").write_text("")
    for _ in range(300):
        if (partner / "started").exists():
            sys.exit(0)
        time.sleep(0.1)
    sys.exit(1)
""")


def test_executor_runs_jobs_concurrently(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    jobs = [
        Job("first", [sys.executable, "-c", WAIT_FOR_PARTNER, str(first), str(second)], first, 60),
        Job("second", [sys.executable, "-c", WAIT_FOR_PARTNER, str(second), str(first)], second, 60),
    ]
    results = list(LocalExecutor(workers=2).run_all(jobs))
    assert sorted(result.name for result in results) == ["first", "second"]
    assert all(result.ok for result in results), [result.output_tail for result in results]
