"""CI's guard that `assignments/` is what `python -m grading release` makes of `solutions/`."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_committed_release_is_up_to_date():
    done = subprocess.run(
        [sys.executable, "-m", "grading", "release", "--check"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, (
        "assignments/ is stale: run `python -m grading release` and commit it\n"
        + done.stdout + done.stderr
    )


BARE_PATH = "/usr/bin:/bin"  # a shell that never activated the virtual environment


@pytest.mark.slow
def test_release_check_works_without_the_interpreter_on_path():
    """`.venv/bin/python -m grading release --check` from a shell without the venv on PATH.

    nbgrader runs `alembic` by name: without the interpreter's bin folder on PATH it fails.
    """
    if shutil.which("alembic", path=BARE_PATH):
        pytest.skip(f"alembic is installed on {BARE_PATH}: this test could not fail here")
    assert Path(sys.executable).parent.joinpath("alembic").exists()
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = BARE_PATH
    done = subprocess.run(
        [sys.executable, "-m", "grading", "release", "--check"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "release up to date" in done.stdout
