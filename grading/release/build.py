"""``python -m grading release [--check]``: the student release, generated from the source.

Notebooks go through the real ``nbgrader generate_assignment`` (solutions,
hidden tests and mark schemes removed, test cells locked, checksums stored);
the student modules go through :mod:`grading.release.strip_solutions` (solution regions become
stubs that raise NotImplementedError). The result is byte-for-byte
reproducible, so ``--check`` can tell when the committed release is stale.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grading.layout import ASSIGNMENT_ID, IGNORED_NAMES, CourseDirectory, CourseError, notebook_ids
from grading.nbgrader.config import write_release_config
from grading.nbgrader.run import run_nbgrader
from grading.release.leaks import find_leaks
from grading.release.strip_solutions import strip_solutions


@dataclass(frozen=True)
class GeneratedAssignment:
    """What ``nbgrader generate_assignment`` made in a temporary course directory."""

    course_root: Path
    release_dir: Path
    gradebook: Path


def generate_assignment(source_dir: Path, work_dir: Path) -> GeneratedAssignment:
    """Run ``nbgrader generate_assignment`` on a copy of ``source_dir`` inside ``work_dir``.

    The gradebook it writes holds the source of every graded cell, hidden
    tests included: it is the template every autograde run starts from.
    """
    notebook_ids(source_dir)  # fails clearly when there is nothing to release
    course_root = work_dir / "course"
    shutil.copytree(source_dir, CourseDirectory(course_root).source, ignore=IGNORED_NAMES)
    write_release_config(course_root)
    run_nbgrader(["generate_assignment", ASSIGNMENT_ID, "--force"], course_root,
                 f"nbgrader generate_assignment on {source_dir}")
    release_dir = CourseDirectory(course_root).release
    return GeneratedAssignment(course_root, release_dir, CourseDirectory(course_root).gradebook)


def _normalise_notebook(path: Path) -> None:
    """Rewrite a released notebook in nbformat's canonical form, with no outputs.

    Jupytext's notebook metadata (pairing with the authors' text twin) is dropped:
    students have no twin, and the release must not change with the jupytext version.
    """
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    notebook.metadata.pop("jupytext", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(notebook, path)


def build_release(source_dir: Path, dest_dir: Path) -> None:
    """Generate the release of ``source_dir`` into ``dest_dir`` (replacing its contents).

    Raises CourseError if any hidden test or solution text would leak.
    """
    with tempfile.TemporaryDirectory(prefix="grading-release-") as work:
        generated = generate_assignment(source_dir, Path(work))
        for module in sorted(source_dir.glob("*.py")):
            stub = strip_solutions(module.read_text(encoding="utf-8"), module.name)
            (generated.release_dir / module.name).write_text(stub, encoding="utf-8")
        for notebook in sorted(generated.release_dir.glob("*.ipynb")):
            _normalise_notebook(notebook)
        leaks = find_leaks(source_dir, generated.release_dir)
        if leaks:
            raise CourseError(
                "the release would show instructor-only text; nothing was written:\n  "
                + "\n  ".join(leaks)
            )
        staging = dest_dir.with_name(dest_dir.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(generated.release_dir, staging, ignore=IGNORED_NAMES)
        for path in staging.rglob("*"):
            if path.is_file():
                path.chmod(0o644)
        # Swap in the new release only once it is complete.
        shutil.rmtree(dest_dir, ignore_errors=True)
        dest_dir.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(dest_dir)


def _all_files(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {
        str(path.relative_to(folder)) for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts
    }


def release_differences(source_dir: Path, committed_dir: Path) -> list[str]:
    """Files where the committed release differs from a fresh one ([] when up to date)."""
    with tempfile.TemporaryDirectory(prefix="grading-release-check-") as work:
        fresh_dir = Path(work) / ASSIGNMENT_ID
        build_release(source_dir, fresh_dir)
        fresh, committed = _all_files(fresh_dir), _all_files(committed_dir)
        differences = [f"{name}: missing from the committed release" for name in sorted(fresh - committed)]
        differences += [f"{name}: not in a fresh release" for name in sorted(committed - fresh)]
        differences += [
            f"{name}: differs from a fresh release"
            for name in sorted(fresh & committed)
            if not filecmp.cmp(fresh_dir / name, committed_dir / name, shallow=False)
        ]
        return differences
