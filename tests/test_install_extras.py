"""Students install the course without the grader's cluster and database clients (issue 16)."""

import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

REPO = Path(__file__).resolve().parent.parent
GRADER_ONLY = ("distributed", "psycopg2")


def _names(requirements):
    return {req.split(">")[0].split("=")[0].split("[")[0].strip().replace("-binary", "") for req in requirements}


def test_students_install_leaves_out_the_graders_clients_and_the_grading_extra_has_them():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert not set(GRADER_ONLY) & _names(project["dependencies"])
    assert set(GRADER_ONLY) <= _names(project["optional-dependencies"]["grading"])


def test_setup_script_installs_the_grading_extra_for_instructors_and_dev():
    script = (REPO / "scripts" / "setup.sh").read_text()
    installs = [line.strip() for line in script.splitlines() if "pip install -q -e" in line]
    assert len(installs) == 2 and all("'.[grading" in line for line in installs), installs


def _autograde_without(blocked: tuple[str, ...], option: list[str], tmp_path: Path):
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None  # as if not installed\n"
        "from grading.cli import main\n"
        f"sys.exit(main(['autograde', {str(tmp_path / 'subs')!r}, '--out', {str(tmp_path / 'out')!r}, *{option!r}]))\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("blocked, option", [
    (("distributed",), ["--scheduler", "tcp://127.0.0.1:9"]),
    (("psycopg2", "psycopg"), ["--db", "postgresql://grader@127.0.0.1:9/course"]),
])
def test_scheduler_and_db_without_the_extra_say_what_to_install(blocked, option, tmp_path):
    done = _autograde_without(blocked, option, tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pip install -e '.[grading]'" in done.stderr
    assert "Traceback" not in done.stderr
