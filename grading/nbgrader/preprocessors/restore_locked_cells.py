"""RestoreLockedCells (sanitizing, before nbgrader's OverwriteCells): deleted or moved tests come back.

Deleted or moved locked cells (the tests) come back from the source, in place; the
source's order is written per notebook into the course directory (``source_order``).
"""

from __future__ import annotations

import json
import os

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.layout import CourseDirectory
from grading.nbgrader.preprocessors.cells import BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS

SOURCE_ORDER_DIR = CourseDirectory.SOURCE_ORDER_DIR  # nbgrader runs in the course directory
SANITIZE_EVENTS_SUFFIX = ".sanitize.json"


def source_order(notebook: NotebookNode) -> list[dict[str, object]]:
    """The cells of a source notebook as (cell id, grade_id, locked), in order: where tests belong."""
    order = []
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        order.append({"id": cell.get("id"), "grade_id": meta.get("grade_id"),
                      "locked": bool(meta.get("locked")) and not meta.get("solution", False)})
    return order


def _visible(source: str) -> list[str]:
    """The lines of a test cell a student sees (hidden regions out), whitespace-insensitive."""
    lines, hidden = [], False
    for line in source.splitlines():
        if BEGIN_HIDDEN_TESTS in line:
            hidden = True
        elif END_HIDDEN_TESTS in line:
            hidden = False
        elif not hidden and line.strip():
            lines.append(line.strip())
    return lines


def _key(cell: NotebookNode) -> tuple[str | None, str | None]:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"), cell.get("id")


class RestoreLockedCells(NbGraderPreprocessor):
    """Put every locked cell (the tests) back where the source has it, from the gradebook.

    Runs before nbgrader's OverwriteCells, which fixes edited locked cells (and
    gives restored ones the source's metadata) but neither brings back deleted
    ones nor undoes a reordering. Edits are noted for the log. Every locked cell
    is taken out and re-inserted after the nearest cell that precedes it in the
    source (matched by grade_id, else by cell id), or before the nearest one
    that follows it. A deleted test comes back with the source's code, hidden
    tests included, and is graded like any other.
    """

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        from nbformat.v4 import new_code_cell, new_markdown_cell
        from nbgrader.api import Gradebook

        notebook_id = resources["nbgrader"]["notebook"]
        order_path = os.path.join(SOURCE_ORDER_DIR, f"{notebook_id}.json")
        if not os.path.isfile(order_path):
            self.log.warning("no %s: locked cells are not restored", order_path)
            return nb, resources
        with open(order_path, encoding="utf-8") as handle:
            order = json.load(handle)
        locked = [entry["grade_id"] for entry in order if entry["locked"] and entry["grade_id"]]
        submitted = {}
        for cell in nb.cells:
            grade_id = _key(cell)[0]
            if grade_id in locked and grade_id not in submitted:
                submitted[grade_id] = cell
        predecessors = {}
        cells = [cell for cell in nb.cells if _key(cell)[0] not in locked]
        for index, cell in enumerate(nb.cells):
            if _key(cell)[0] in locked:
                predecessors[_key(cell)[0]] = _key(nb.cells[index - 1]) if index else None
        events: list[str] = []
        restored_ids: set[int] = set()
        with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
            source = gradebook.find_notebook(notebook_id, resources["nbgrader"]["assignment"])
            source_cells = {cell.name: cell for cell in source.source_cells}
            points = {cell.name: cell.max_score for cell in source.grade_cells}
            for position, entry in enumerate(order):
                grade_id = entry["grade_id"]
                if not entry["locked"] or not grade_id:
                    continue
                cell = submitted.get(grade_id)
                if cell is None:
                    if grade_id not in source_cells:
                        continue
                    known = source_cells[grade_id]
                    make = new_code_cell if known.cell_type == "code" else new_markdown_cell
                    cell = make(known.source)
                    cell.metadata["nbgrader"] = {
                        "grade": grade_id in points, "solution": False, "locked": True,
                        "grade_id": grade_id, "points": points.get(grade_id, 0),
                        "schema_version": 3, "checksum": known.checksum, "cell_type": known.cell_type,
                    }
                    if grade_id not in points:
                        del cell.metadata["nbgrader"]["points"]
                    if nb.get("nbformat_minor", 0) < 5:
                        cell.pop("id", None)
                    events.append(f"{grade_id}: deleted from the submission, restored from the source")
                elif grade_id in source_cells and _visible(cell.source) != _visible(source_cells[grade_id].source):
                    events.append(f"{grade_id}: edited in the submission, graded with the source's version")
                at = self._place(order, position, cells)
                cells.insert(at, cell)
                if grade_id not in submitted:
                    restored_ids.add(id(cell))
                before = next((_key(c) for c in reversed(cells[:at]) if id(c) not in restored_ids), None)
                if grade_id in submitted and predecessors.get(grade_id) != before:
                    events.append(f"{grade_id}: moved in the submission, put back in its place")
        nb.cells = cells
        self._write_events(notebook_id, events)
        return nb, resources

    @staticmethod
    def _place(order: list[dict], position: int, cells: list[NotebookNode]) -> int:
        def find(entry: dict) -> int | None:
            for index, cell in enumerate(cells):
                grade_id, cell_id = _key(cell)
                if (entry["grade_id"] and grade_id == entry["grade_id"]) or (
                        not entry["grade_id"] and entry["id"] and cell_id == entry["id"] and not grade_id):
                    return index
            return None

        for entry in reversed(order[:position]):
            found = find(entry)
            if found is not None:
                return found + 1
        for entry in order[position + 1:]:
            found = find(entry)
            if found is not None:
                return found
        return len(cells)

    def _write_events(self, notebook_id: str, events: list[str]) -> None:
        folder = os.environ.get("DL_GRADING_EVENTS")
        if folder:
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, notebook_id + SANITIZE_EVENTS_SUFFIX)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump({"events": events}, handle, indent=1)
