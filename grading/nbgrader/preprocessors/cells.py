"""What the preprocessors ask of a cell: graded code, hidden-test markers."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader import utils

BEGIN_HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "END HIDDEN TESTS"


def _is_graded_code(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell)
