"""Each documented install, in a fresh virtual environment outside the repository (issues 22, 25).

A package installed by hand on this machine cannot stand in for a missing declaration here: the test
makes a new virtual environment and installs exactly what a README says for that role, then runs
what that role runs.

- A student gets the bundle (``python -m grading release --bundle``) and nothing of the course
  repository: the bundle's README's two commands, then the notebooks' data, Jupyter and the check.
- An instructor, in the same environment once the student's package is uninstalled, runs the
  course README's set-up from a copy of the repository's tracked files (a fresh clone of the work
  tree): it then installs exactly the [grading] extra on top of the base the student had, so a
  package the extra forgets still fails it, a minute sooner than a second environment would.

The developers' environment is CI's own (.ci/run builds it the same way). pip's cache makes each
install about a minute; a machine that never installed the project downloads the packages once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ordinary_user import tracked_copy

from grading.cli import verb_names
from grading.release.bundle import BUNDLE_DIR, build_bundle

REPO = Path(__file__).resolve().parent.parent
INSTALL_TIMEOUT = 900  # a first download of jupyter and nbgrader on a slow mirror

pytestmark = pytest.mark.slow


class FreshEnvironment:
    """A new virtual environment, used as after `source venv/bin/activate`."""

    def __init__(self, venv: Path):
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        self.env = {key: value for key, value in os.environ.items()
                    if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        self.env["PATH"] = f"{venv / 'bin'}{os.pathsep}{self.env.get('PATH', '')}"
        self.env["VIRTUAL_ENV"] = str(venv)
        self.python = str(venv / "bin" / "python")

    def run(self, command: list[str] | str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout,
                              shell=isinstance(command, str))

    def install(self, command: str, cwd: Path) -> float:
        started = time.monotonic()
        done = self.run(command, cwd, timeout=INSTALL_TIMEOUT)
        assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return time.monotonic() - started

    def installed(self, distribution: str) -> bool:
        return self.run([self.python, "-m", "pip", "show", "-q", distribution], Path.cwd()).returncode == 0

    def grading(self, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
        return self.run([self.python, "-m", "grading", *argv], cwd)


def test_a_student_installs_the_bundle_then_an_instructor_sets_up_the_course(tmp_path):
    (tmp_path / "dl-course.zip").write_bytes(build_bundle(REPO, REPO / "assignments" / "dl"))
    fresh = FreshEnvironment(tmp_path / "venv")

    # The bundle's README: unzip, then `pip install -e .` inside it. No course repository anywhere.
    started = time.monotonic()
    done = fresh.run("unzip -q dl-course.zip", tmp_path)
    assert done.returncode == 0, done.stderr
    bundle = tmp_path / BUNDLE_DIR
    seconds = fresh.install("pip install -q -e .", bundle)
    print(f"students' install from the bundle: {seconds:.0f} s ({time.monotonic() - started:.0f} s with unzip)")
    for graders_only in ("dl-course", "copydetect", "distributed", "psycopg2-binary", "jupytext", "torch", "pytest"):
        assert not fresh.installed(graders_only), f"a student's install brought {graders_only}"
    # the data loads (checksums verified) from the bundle, and Jupyter is there to open the notebooks
    done = fresh.run([fresh.python, "-c", "import starter; data = starter.load_mnist(); "
                      "print(starter.__file__, sorted(data))"], bundle)
    assert done.returncode == 0 and str(bundle / "starter") in done.stdout, done.stdout + done.stderr
    assert fresh.run(["jupyter", "lab", "--version"], bundle).returncode == 0

    # The check, from the bundle's root, as the notebooks and the README give it.
    done = fresh.grading("check", "--help", cwd=bundle)
    assert done.returncode == 0 and "usage: python -m grading check" in done.stdout, done.stderr
    started = time.monotonic()
    done = fresh.grading("check", "assignments/dl", "--notebook", "1_layers", cwd=bundle)
    print(f"check of the untouched 1_layers: {time.monotonic() - started:.0f} s")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "NOT READY" in done.stdout and "Traceback" not in done.stderr, done.stdout + done.stderr
    for module in ("layers.py", "optim.py"):  # part 1 done right
        shutil.copy(REPO / "solutions" / "dl" / module, bundle / "assignments" / "dl" / module)
    started = time.monotonic()
    done = fresh.grading("check", "assignments/dl", "--notebook", "1_layers", cwd=bundle)
    print(f"check of the solved 1_layers: {time.monotonic() - started:.0f} s")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\nREADY: every visible check passes" in done.stdout, done.stdout

    # The instructor: the course repository's set-up, in the same environment without the bundle.
    assert fresh.run("pip uninstall -q -y dl-course-student", bundle).returncode == 0
    course = tracked_copy(tmp_path / "course")
    seconds = fresh.install("bash scripts/setup.sh", course)
    print(f"instructors' set-up on top of the base: {seconds:.0f} s")
    for package in ("copydetect", "distributed", "psycopg2-binary", "jupytext"):
        assert fresh.installed(package), f"scripts/setup.sh did not install {package}"
    assert not fresh.installed("torch") and not fresh.installed("pytest")
    for argv in (["--help"], *([verb, "--help"] for verb in verb_names())):
        done = fresh.grading(*argv, cwd=course)
        assert done.returncode == 0 and "usage: python -m grading" in done.stdout, (argv, done.stderr)
    # the imports the instructor's verbs make when they run
    done = fresh.run([fresh.python, "-c", "import grading.similarity.fingerprints, grading.gradebook.database, "
                      "grading.autograde.executors.dask_cluster, distributed, psycopg2"], course)
    assert done.returncode == 0, done.stderr
