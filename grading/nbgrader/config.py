"""The nbgrader configuration the project keeps, written into each temporary course directory.

nbgrader reads ``nbgrader_config.py`` from the directory it runs in; every
course directory the pipeline builds (release, gradebook template, one per
graded submission, feedback) gets one written by these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grading.layout import ASSIGNMENT_ID

CONFIG_FILE = "nbgrader_config.py"

_COMMON = """\
c = get_config()  # noqa: F821 (nbgrader's config loader defines it)
c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
"""

_AUTOGRADE = """\
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, Execute, IgnorePattern,
    LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
import functools
from grading.sandbox.guarded_execute import GuardedExecute
from grading.nbgrader.preprocessors import RestoreLockedCells, StderrToStdout, cell_timeout

# Student modules are graded as submitted: never replaced by the instructor's copies.
c.Autograde.exclude_overwriting = {{"{assignment}": {modules!r}}}
# Generous but finite, and interrupt (not kill) the kernel so later cells still run.
c.Execute.timeout = {cell_timeout}
# Long training cells declare their own limit ("course": {{"timeout": N}} in their metadata).
c.Execute.timeout_func = functools.partial(cell_timeout, default={cell_timeout})
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120
# A warning on stderr must not zero a correct answer (nbgrader issue #1904):
# StderrToStdout runs right after execution, before grades are saved.
# Test cells come from the source: deleted or moved ones (RestoreLockedCells), edited ones
# (OverwriteCells, after it: restored cells get the source's metadata and checksum too).
c.Autograde.sanitize_preprocessors = [
    ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreLockedCells, OverwriteCells, CheckCellMetadata,
]
# GuardedExecute: the sandboxed kernel, a dead kernel costs only its cell, guards and the
# completion token around every test cell (grading/sandbox/guarded_execute.py).
c.Autograde.autograde_preprocessors = [
    GuardedExecute, StderrToStdout, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
"""

_FEEDBACK = """\
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades
from grading.nbgrader.preprocessors import HideHiddenTests, ShortenGradedErrors

# Students see their score per cell, never the hidden tests' source.
c.GenerateFeedback.preprocessors = [
    HideHiddenTests, ShortenGradedErrors, GetGrades, CSSHTMLHeaderPreprocessor,
]
# nbgrader's feedback template, but our mathjax.html.j2 (templates/feedback/) is found
# first: no MathJax from a CDN.
c.HTMLExporter.extra_template_basedirs = {template_dirs!r}
"""


def _feedback_template_dirs() -> list[str]:
    import nbgrader

    nbgrader_templates = (
        Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
    )
    return [str(Path(__file__).parent / "templates"), str(nbgrader_templates)]


def write_release_config(course_root: Path) -> None:
    (course_root / CONFIG_FILE).write_text(_COMMON)


def write_autograde_config(course_root: Path, module_files: Sequence[str], cell_timeout: int) -> None:
    autograde = _AUTOGRADE.format(
        assignment=ASSIGNMENT_ID, modules=list(module_files), cell_timeout=int(cell_timeout)
    )
    (course_root / CONFIG_FILE).write_text(_COMMON + autograde)


def write_feedback_config(course_root: Path) -> None:
    feedback = _FEEDBACK.format(template_dirs=_feedback_template_dirs())
    (course_root / CONFIG_FILE).write_text(_COMMON + feedback)
