"""HideHiddenTests (feedback): students see that hidden tests ran, never their source."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.nbgrader.preprocessors.cells import BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS


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
