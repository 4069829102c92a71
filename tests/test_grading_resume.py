"""Idempotent re-runs: a real autograde run killed after its first submission, then resumed."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grading.autograde.executors.job import kill_process_tree
from grading.autograde.run import AutogradeSettings, autograde
from grading.layout import CoursePaths

REPO = Path(__file__).parent.parent
SOURCE = Path(__file__).parent / "fixtures" / "course" / "dl"
STUDENTS = ("alice", "bob", "carol")
SETTINGS = dict(workers=1, notebooks=["2_loops"], cell_timeout=12, submission_timeout=300)

pytestmark = pytest.mark.slow


def _kill_processes_under(folder: Path) -> None:
    """Whatever the killed run left behind (jobs and kernels run in sessions of their own)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                continue
            if cwd.startswith(str(folder)):
                kill_process_tree(int(entry))


def _finished(out: Path) -> list[str]:
    try:
        students = json.loads((out / "resume.json").read_text())["students"]
    except (OSError, ValueError, KeyError):
        return []
    return sorted(s for s, record in students.items() if record["state"] == "finished")


def _lines(out: Path, prefix: str) -> list[str]:
    return [line for line in (out / "autograde.log").read_text().splitlines() if line.startswith(prefix)]


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A CLI run killed (SIGKILL) as soon as its first submission is finished."""
    work = tmp_path_factory.mktemp("resume")
    submissions = work / "submissions"
    for student in STUDENTS:
        shutil.copytree(SOURCE, submissions / student)
    out, scratch = work / "out", work / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    # The fixture course, not the repository's: autograde() as the CLI calls it, in a process to kill.
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from grading.autograde.run import AutogradeSettings, autograde\nfrom grading.layout import CoursePaths\n"
        f"autograde(Path({str(submissions)!r}), Path({str(out)!r}), CoursePaths(Path({str(SOURCE)!r}), "
        f"Path({str(SOURCE)!r})), AutogradeSettings(**{SETTINGS!r}))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=open(work / "stderr.txt", "w"), start_new_session=True,
    )
    deadline = time.monotonic() + 400
    try:
        while not _finished(out):
            assert process.poll() is None, (work / "stderr.txt").read_text()[-2000:]
            assert time.monotonic() < deadline, "no submission finished in time"
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        _kill_processes_under(scratch)
    return submissions, out, _finished(out)


def _rerun(submissions: Path, out: Path, **changes) -> None:
    settings = AutogradeSettings(**(SETTINGS | changes))
    autograde(submissions, out, CoursePaths(SOURCE, SOURCE), settings, echo=lambda line: None)


def test_resume_grades_only_what_the_interrupted_run_did_not_finish(interrupted):
    submissions, out, finished = interrupted
    assert finished == ["alice"]  # one worker: alphabetical order
    assert not (out / "grades.csv").exists()
    _rerun(submissions, out)
    assert _lines(out, "alice:") == [_lines(out, "alice: skipped: files unchanged since graded at")[0]]
    for student in ("bob", "carol"):  # bob was running, carol waiting for the worker
        assert _lines(out, f"{student}: grading:") == [
            f"{student}: grading: its grading did not finish in an earlier run (interrupted)"]
    assert _lines(out, "alice/2_loops:") == []  # not run again
    assert (out / "grades.csv").read_text().splitlines()[1:] == [
        f"{student},2_loops,{cell}" for student in STUDENTS
        for cell in ("loop_bonus,manual,0,1", "total_test,auto,2,2")]
    results = json.loads((out / "results.json").read_text())
    assert results["skipped"] == ["alice"]
    assert results["students"]["alice"]["notebooks"]["2_loops"]["score"] == 2
    # alice was skipped, but the interrupted run never wrote her feedback: written now.
    assert sorted(p.name for p in (out / "feedback").iterdir()) == list(STUDENTS)
    # 2_loops' loop_bonus (1 point) is extra credit: shown apart from the points possible
    assert re.search(r"\(Score: 2\.0 / 2; extra credit [\d.]+ of 1, included in the score\)",
                     (out / "feedback" / "alice" / "2_loops.html").read_text())


def test_changed_files_are_regraded_and_force_regrades_everyone(interrupted):
    submissions, out, _ = interrupted
    page = out / "feedback" / "alice" / "2_loops.html"
    written = page.stat().st_mtime_ns
    _rerun(submissions, out)  # idempotent: nothing to do
    assert len(_lines(out, "autograding 0 submissions (3 skipped")) == 1
    assert page.stat().st_mtime_ns == written  # unchanged submissions keep their feedback pages
    module = submissions / "carol" / "mathops.py"
    module.write_text(module.read_text().replace("    result = 0\n", "    result = 1\n", 1))
    _rerun(submissions, out)
    assert [line.split(":")[0] for line in (out / "autograde.log").read_text().splitlines()
            if ": skipped:" in line] == ["alice", "bob"]
    assert _lines(out, "carol: grading:") == ["carol: grading: its files changed since it was graded"]
    assert "carol,2_loops,total_test,auto,0,2" in (out / "grades.csv").read_text()
    _rerun(submissions, out, force=True)
    assert [line for line in (out / "autograde.log").read_text().splitlines() if ": grading:" in line] == [
        f"{student}: grading: --force" for student in STUDENTS]
    assert len(_lines(out, "graded 3 submissions x 1 notebooks")) == 1

