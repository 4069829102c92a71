"""Per-cell time limit for nbclient's ``timeout_func``: a cell's declared ``course.timeout``."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode


def cell_timeout(cell: NotebookNode, default: int) -> int:
    """Seconds a cell may run: its declared ``course.timeout`` when longer than ``default``.

    nbclient calls this for every cell (``timeout_func``); the notebooks declare
    generous, finite limits on their training cells.
    """
    declared = cell.get("metadata", {}).get("course", {}).get("timeout")
    if isinstance(declared, int | float) and not isinstance(declared, bool) and declared > default:
        return int(declared)
    return int(default)
