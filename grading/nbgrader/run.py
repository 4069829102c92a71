"""Run the real ``nbgrader`` command line in a course directory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from grading.errors import GradingError

# The folder that holds the `grading` package, so that nbgrader's config can
# import grading.nbgrader.preprocessors even when the project is not pip-installed.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


class NbgraderError(GradingError, RuntimeError):
    """An nbgrader command failed where failure means the pipeline itself is broken."""


def nbgrader_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "nbgrader", *args]


def nbgrader_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (_PACKAGE_PARENT, env.get("PYTHONPATH", "")) if part
    )
    # Plain, predictable output for the logs we parse and keep.
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env.update(extra or {})
    return env


def run_nbgrader(args: Sequence[str], course_root: Path, what: str) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader <args>`` in ``course_root``; raise NbgraderError with its log on failure."""
    done = subprocess.run(
        nbgrader_argv(*args), cwd=course_root, env=nbgrader_env(),
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        log = (done.stdout + done.stderr).strip().splitlines()
        tail = "\n".join(log[-25:])
        raise NbgraderError(f"{what} failed (nbgrader exit code {done.returncode}):\n{tail}")
    return done
