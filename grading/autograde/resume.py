"""Idempotent re-runs of ``autograde``: which submissions are already graded, and why the rest are not.

``OUT/resume.json`` records, per student, a content hash of their submission
folder and whether its grading finished (its results merged into the course
gradebook and its autograded notebooks kept under ``OUT/autograded/``). It is
rewritten (atomically) as each submission starts and as it finishes, so an
interrupted run keeps every submission finished before the interruption.

A submission is skipped on the next run when its files hash the same, its
grading finished, and the run grades the same way (same assignment source,
notebooks, limits and gradebook: the *fingerprint*). Everything else is graded
again, and ``--force`` regrades everyone. A submission whose grading job could
not start or whose results could not be read is never recorded as finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grading.autograde.outcomes import GRADED, NotebookOutcome, SubmissionOutcome
from grading.layout import OutLayout

_SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}  # never graded, never copied


def folder_hash(folder: Path) -> str:
    """sha256 over the relative paths and bytes of the files the grader copies from ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part in _SKIPPED_PARTS for part in relative.parts) or path.is_dir():
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        if path.is_symlink():
            digest.update(b"symlink:" + os.readlink(path).encode() + b"\0")
            continue
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError as error:  # unreadable: hash the error, so a later fix counts as a change
            digest.update(f"unreadable:{error.strerror}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def grading_fingerprint(source_dir: Path, notebooks: Iterable[str], **settings: object) -> str:
    """What must not change for an earlier grade to stand: the assignment source and the settings."""
    description = {
        "source": folder_hash(source_dir),
        "notebooks": sorted(notebooks),
        "settings": {key: settings[key] for key in sorted(settings)},
    }
    return hashlib.sha256(json.dumps(description, sort_keys=True, default=str).encode()).hexdigest()


def outcome_from_json(data: dict) -> SubmissionOutcome:
    return SubmissionOutcome(
        data["student_id"], float(data.get("seconds", 0.0)), list(data.get("notes", [])),
        {name: NotebookOutcome(**notebook) for name, notebook in data.get("notebooks", {}).items()},
    )


@dataclass
class ResumeState:
    """OUT/resume.json: per student ``{"hash", "state": "started"|"finished", "outcome", "finished_at"}``."""

    path: Path
    fingerprint: str
    students: dict[str, dict] = field(default_factory=dict)
    earlier_fingerprint: str | None = None  # of the file as found, when it was for other settings

    @classmethod
    def load(cls, out_dir: Path, fingerprint: str) -> ResumeState:
        path = OutLayout(out_dir).resume
        try:
            data = json.loads(path.read_text())
            students, earlier = dict(data["students"]), data["fingerprint"]
        except (OSError, ValueError, KeyError, TypeError):
            return cls(path, fingerprint)
        if earlier != fingerprint:
            return cls(path, fingerprint, earlier_fingerprint=earlier)
        return cls(path, fingerprint, students)

    def save(self) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps({"fingerprint": self.fingerprint, "students": self.students},
                                        indent=1, sort_keys=True) + "\n")
        os.replace(temporary, self.path)  # atomic: a kill never leaves half a file

    def why_grade(self, student: str, content_hash: str, out_dir: Path, notebooks: list[str]) -> str | None:
        """None when this submission's earlier grade stands; otherwise why it is graded (again)."""
        if self.earlier_fingerprint is not None:
            return "the assignment source, the notebooks, the limits or the gradebook changed since the last run"
        record = self.students.get(student)
        if record is None:
            return "not graded before"
        if record.get("state") != "finished":
            return "its grading did not finish in an earlier run (interrupted)"
        if record.get("hash") != content_hash:
            return "its files changed since it was graded"
        outcome = record.get("outcome", {}).get("notebooks", {})
        if sorted(outcome) != sorted(notebooks):
            return "the notebooks graded differ from the last run"
        kept = OutLayout(out_dir).autograded(student)
        lost = [nb for nb, result in outcome.items()
                if result.get("status") == GRADED and not (kept / f"{nb}.ipynb").is_file()]
        if lost:
            return f"its autograded notebook {lost[0]}.ipynb is missing from {kept}"
        return None

    def outcome(self, student: str) -> SubmissionOutcome:
        return outcome_from_json(self.students[student]["outcome"])

    def finished_at(self, student: str) -> str:
        return str(self.students[student].get("finished_at", "an earlier run"))

    def started(self, student: str, content_hash: str) -> None:
        self.students[student] = {"hash": content_hash, "state": "started"}

    def finished(self, student: str, content_hash: str, outcome: SubmissionOutcome) -> None:
        self.students[student] = {
            "hash": content_hash, "state": "finished", "outcome": outcome.to_json(),
            "finished_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        }
        self.save()
