"""StderrToStdout (autograde, right after execution): stderr of graded cells shown as stdout.

A test cell that passes but writes to stderr (a numpy or tqdm warning) would score 0
in nbgrader; its stderr text is kept but shown as stdout. Errors still score 0.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.nbgrader.preprocessors.cells import _is_graded_code


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
