"""Running the grader as an ordinary user (issue 24), from tests that run as root.

The interpreter under /root is not readable by other users on these machines, nor is a checkout
under /root. :func:`ordinary_user` builds, once per session, a virtual environment with Debian's
``/usr/bin/python3`` in a world-readable folder and installs into it (as root, with root's pip
cache) a copy of the repository's tracked files with the grader's extra; ``runuser`` then runs
commands there as ``nobody``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
USER = "nobody"
SYSTEM_PYTHON = Path("/usr/bin/python3")


def tracked_copy(target: Path) -> Path:
    """The repository's tracked files as they are in the work tree: what a fresh clone holds."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the work tree is not part of the clone
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def unavailable() -> str | None:
    """Why the ordinary-user tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root, to run the grader as another user"
    if not SYSTEM_PYTHON.is_file() or shutil.which("runuser") is None:
        return f"needs {SYSTEM_PYTHON} and runuser"
    return None


def world_readable_folder(prefix: str) -> Path:
    """A new folder under /tmp that the ordinary user owns (tempfile's are root's, mode 700)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    shutil.chown(folder, USER)
    return folder


@dataclass
class OrdinaryUser:
    root: Path  # world-readable: venv/, course/ (the copy installed), home/
    python: str

    @property
    def course(self) -> Path:
        return self.root / "course"

    def run(self, argv: list[str], cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 1200) -> subprocess.CompletedProcess:
        """``argv`` as the ordinary user, with the environment's bin first on PATH."""
        environment = {"HOME": str(self.root / "home"), "LANG": "C.UTF-8",
                       "PATH": f"{Path(self.python).parent}:/usr/bin:/bin", **(env or {})}
        command = ["runuser", "-u", USER, "--", "env", "-i", *(f"{k}={v}" for k, v in environment.items()), *argv]
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def build_ordinary_user() -> OrdinaryUser:
    root = Path(tempfile.mkdtemp(prefix="dl-ordinary-user-"))
    root.chmod(0o755)
    tracked_copy(root / "course")
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(root / "venv")], check=True, timeout=300)
    python = str(root / "venv" / "bin" / "python")
    done = subprocess.run([python, "-m", "pip", "install", "-q", "-e", ".[grading]"], cwd=root / "course",
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (root / "home").mkdir()
    shutil.chown(root / "home", USER)
    subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
    return OrdinaryUser(root, python)
