"""Each documented install, in a fresh virtual environment outside the repository (issue 22).

A package installed by hand on this machine cannot stand in for a missing declaration here: each
test copies the repository's tracked files (a fresh clone of the working tree), makes a new virtual
environment, installs exactly what the README says for that role and runs what that role runs.
The developers' environment is CI's own (.ci/run builds it the same way). The instructors' set-up
runs after the students' install, in the same environment: it then installs exactly the [grading]
extra on top of the base, so a package the extra forgets still fails it.

pip's cache makes each install about a minute; a machine that never installed the project
downloads the packages once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grading.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
INSTALL_TIMEOUT = 900  # a first download of jupyter and nbgrader on a slow mirror

pytestmark = pytest.mark.slow


def _tracked_copy(target: Path) -> Path:
    """The repository's tracked files as they are in the work tree: what a fresh clone holds."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the work tree is not part of the clone
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


class FreshEnvironment:
    """A new virtual environment and a clean copy of the course, used as the README says."""

    def __init__(self, root: Path):
        self.course = _tracked_copy(root / "course")
        self.venv = root / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True, timeout=120)
        self.env = {key: value for key, value in os.environ.items()
                    if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        # as after `source venv/bin/activate`: its python3 and pip come first
        self.env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{self.env.get('PATH', '')}"
        self.env["VIRTUAL_ENV"] = str(self.venv)
        self.python = str(self.venv / "bin" / "python")

    def run(self, command: list[str] | str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=self.course, env=self.env, capture_output=True, text=True,
                              timeout=timeout, shell=isinstance(command, str))

    def install(self, command: str) -> float:
        started = time.monotonic()
        done = self.run(command, timeout=INSTALL_TIMEOUT)
        assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return time.monotonic() - started

    def installed(self, distribution: str) -> bool:
        return self.run([self.python, "-m", "pip", "show", "-q", distribution]).returncode == 0


def _verbs() -> list[str]:
    subparsers = next(a for a in build_parser()._actions if a.dest == "verb")
    return sorted(subparsers.choices)


def test_students_install_then_the_instructors_setup_in_a_fresh_environment(tmp_path):
    """README, "For students": `pip install -e .`, then the check of the untouched part 1 says NOT READY.
    Then README, "Set-up": `bash scripts/setup.sh` in the same environment adds exactly the [grading]
    extra (what a fresh instructor's environment gets, a minute sooner), and every verb's --help works."""
    fresh = FreshEnvironment(tmp_path)
    seconds = fresh.install(f"{fresh.python} -m pip install -q -e .")
    print(f"students' install: {seconds:.0f} s")
    for graders_only in ("copydetect", "distributed", "psycopg2-binary", "jupytext", "torch", "pytest"):
        assert not fresh.installed(graders_only), f"a student's install brought {graders_only}"
    done = fresh.run([fresh.python, "-m", "grading", "check", "--help"])
    assert done.returncode == 0 and "usage: python -m grading check" in done.stdout, done.stderr
    done = fresh.run([fresh.python, "-m", "grading", "check", "assignments/dl", "--notebook", "1_layers"])
    assert done.returncode == 1, done.stdout + done.stderr
    assert "NOT READY" in done.stdout and "Traceback" not in done.stderr, done.stdout + done.stderr
    # the grader's own verbs say what to install instead of failing with a traceback
    done = fresh.run([fresh.python, "-m", "grading", "similarity", "assignments", "--out", str(tmp_path / "sim")])
    assert done.returncode == 2 and "pip install -e '.[grading]'" in done.stderr, done.stderr

    seconds = fresh.install("bash scripts/setup.sh")
    print(f"instructors' set-up on top: {seconds:.0f} s")
    for package in ("copydetect", "distributed", "psycopg2-binary", "jupytext"):
        assert fresh.installed(package), f"scripts/setup.sh did not install {package}"
    assert not fresh.installed("torch") and not fresh.installed("pytest")
    for argv in (["--help"], *([verb, "--help"] for verb in _verbs())):
        done = fresh.run([fresh.python, "-m", "grading", *argv])
        assert done.returncode == 0 and "usage: python -m grading" in done.stdout, (argv, done.stderr)
    # the imports the instructor's verbs make when they run
    done = fresh.run([fresh.python, "-c", "import grading.similarity.fingerprints, grading.gradebook.database, "
                      "grading.autograde.executors.dask_cluster, distributed, psycopg2"])
    assert done.returncode == 0, done.stderr
