"""ShortenGradedErrors (feedback): a graded cell's error without the traceback frames (they show hidden tests)."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.nbgrader.preprocessors.cells import _is_graded_code


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
