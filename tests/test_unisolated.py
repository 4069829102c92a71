"""Grading never runs unisolated without saying so (issue 24).

Where part of the sandbox cannot be enforced, ``autograde``, ``mutate`` and ``demo`` refuse to start
(exit 2: what is missing, how to fix it, the flag); with ``--allow-unisolated`` they grade and every
output says what was not enforced. The machine's namespaces are not changed: the namespace call
itself is made to fail, as on a machine whose sysctl forbids it.
"""

from __future__ import annotations

import ctypes
import errno
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import grading.sandbox.namespaces as namespaces
from grading.autograde.run import AutogradeSettings, autograde
from grading.layout import CoursePaths
from grading.report.class_report import build_report
from grading.sandbox.preflight import isolation_gaps

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "tests" / "fixtures" / "course" / "dl"


class _NoNamespaces:
    """libc whose unshare fails with EPERM, as where namespaces are not allowed."""

    def __init__(self) -> None:
        self._libc = _real_libc()

    def __getattr__(self, name: str):
        return getattr(self._libc, name)

    @staticmethod
    def unshare(flags: int) -> int:
        ctypes.set_errno(errno.EPERM)
        return -1


_real_libc = namespaces.libc

WITHOUT_NAMESPACES = textwrap.dedent("""
    import ctypes, errno, sys
    import grading.sandbox.namespaces as namespaces
    real = namespaces.libc
    class NoNamespaces:
        def __init__(self): self._libc = real()
        def __getattr__(self, name): return getattr(self._libc, name)
        def unshare(self, flags):
            ctypes.set_errno(errno.EPERM)
            return -1
    namespaces.libc = NoNamespaces
    from grading.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.fixture
def no_namespaces(monkeypatch):
    monkeypatch.setattr(namespaces, "libc", _NoNamespaces)


def test_this_machine_enforces_everything():
    """The other tests grade with the whole sandbox: no gap here (CI's machine included)."""
    assert isolation_gaps() == []


def test_a_failing_namespace_call_is_a_gap_with_its_reason_and_fix(no_namespaces):
    gaps = isolation_gaps()
    assert gaps and gaps[0].part == "network namespace" and gaps[0].reason == "unshare(CLONE_NEWNET): Operation not permitted"
    assert all(gap.fix for gap in gaps)


@pytest.mark.parametrize("argv", [
    ["autograde", "{tmp}/submissions", "--out", "{tmp}/out"],
    ["demo", "--out", "{tmp}/demo"],
    ["mutate", "--module", "optim", "--out", "{tmp}/mutate"],
])
def test_the_grading_verbs_refuse_to_start_unisolated(argv, tmp_path):
    (tmp_path / "submissions" / "alice").mkdir(parents=True)
    done = subprocess.run([sys.executable, "-c", WITHOUT_NAMESPACES, *(a.format(tmp=tmp_path) for a in argv)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    message = done.stderr
    assert "cannot be fully enforced here, so nothing was graded" in message, message
    assert "network namespace: unshare(CLONE_NEWNET): Operation not permitted" in message
    assert "to fix:" in message and "--allow-unisolated" in message and "Traceback" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["submissions"]  # nothing written


@pytest.mark.slow
def test_allow_unisolated_grades_and_every_output_says_what_was_not_enforced(no_namespaces, tmp_path):
    submissions = tmp_path / "submissions"
    shutil.copytree(SOURCE, submissions / "alice")
    out = tmp_path / "out"
    summary = autograde(submissions, out, CoursePaths(SOURCE, SOURCE),
                        AutogradeSettings(workers=1, cell_timeout=30, allow_unisolated=True), echo=lambda line: None)
    assert summary.not_enforced and summary.not_enforced[0] == "network namespace: unshare(CLONE_NEWNET): Operation not permitted"
    results = json.loads((out / "results.json").read_text())
    assert results["isolation_not_enforced"] == summary.not_enforced
    line = "isolation: NOT enforced: network namespace: unshare(CLONE_NEWNET): Operation not permitted"
    log = (out / "autograde.log").read_text()
    assert any(entry.startswith(line) and entry.endswith("(graded anyway: --allow-unisolated)")
               for entry in log.splitlines()), log[:1500]
    for page in sorted((out / "feedback" / "alice").glob("*.html")):
        assert page.read_text().count(line) == 1, page
    html_path, _ = build_report(out)
    first_page = html_path.read_text().split("<h2>", 1)[0]
    assert line in first_page
