"""nbconvert preprocessors nbgrader runs for us, named in the generated nbgrader configs.

* StderrToStdout (autograde, right after execution): a test cell that passes
  but writes to stderr (a numpy or tqdm warning) would score 0 in nbgrader;
  its stderr text is kept but shown as stdout. Errors still score 0.
* HideHiddenTests and ShortenGradedErrors (feedback): students see that hidden
  tests ran and whether they passed, never their source, not even through
  the frames of a traceback.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

BEGIN_HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "END HIDDEN TESTS"


def _is_graded_code(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell)


class StderrToStdout(NbGraderPreprocessor):
    """Show stderr output of graded code cells as stdout, so that it does not cost points."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if _is_graded_code(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"
        return cell, resources


def cell_timeout(cell: NotebookNode, default: int) -> int:
    """Seconds a cell may run: its declared ``course.timeout`` when longer than ``default``.

    nbclient calls this for every cell (``timeout_func``); the notebooks declare
    generous, finite limits on their training cells.
    """
    declared = cell.get("metadata", {}).get("course", {}).get("timeout")
    if isinstance(declared, int | float) and not isinstance(declared, bool) and declared > default:
        return int(declared)
    return int(default)


def hide_hidden_tests(source: str) -> str:
    """Replace each hidden-test region by a one-line comment saying how long it was.

    An unclosed region hides everything to the end of the cell: when in doubt,
    show less.
    """
    kept: list[str] = []
    hidden: list[str] | None = None
    indent = ""
    for line in source.splitlines():
        if hidden is None and BEGIN_HIDDEN_TESTS in line:
            hidden, indent = [], line[: len(line) - len(line.lstrip())]
        elif hidden is not None and END_HIDDEN_TESTS in line:
            kept.append(f"{indent}# hidden tests ({len(hidden)} lines) ran here")
            hidden = None
        elif hidden is not None:
            hidden.append(line)
        else:
            kept.append(line)
    if hidden is not None:
        kept.append(f"{indent}# hidden tests ({len(hidden)} lines) ran here")
    return "\n".join(kept)


class HideHiddenTests(NbGraderPreprocessor):
    """Remove the source of hidden tests from every code cell."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and BEGIN_HIDDEN_TESTS in cell.source:
            cell.source = hide_hidden_tests(cell.source)
        return cell, resources


class ShortenGradedErrors(NbGraderPreprocessor):
    """Reduce errors of graded cells to the exception type and message.

    A traceback through a test cell quotes the failing line, which may be a
    hidden test; the exception message is written to be shown.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if _is_graded_code(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    message = f"{output.ename}: {output.evalue}" if output.evalue else output.ename
                    output.traceback = [message]
        return cell, resources
