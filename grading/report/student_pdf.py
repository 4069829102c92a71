"""``python -m grading student-pdf FOLDER --out FILE.pdf``: a student's completed notebooks as one PDF.

For the hand-graded questions: the notebooks of the assignment, in order, with
their outputs (plots included), each starting on a new page; every written
answer (a markdown cell with nbgrader ``grade`` and ``solution`` metadata) is
preceded by a label naming the question and its points. Rendered by nbconvert
to one self-contained HTML page (nothing loaded from the internet: maths stays
as TeX source) and printed by headless Chromium (see :mod:`grading.report.pdf`).

Which notebooks: those of ``--assignment DIR`` (default: the release
``assignments/dl`` of the repository this package lives in, when present;
otherwise every ``*.ipynb`` in FOLDER). A missing or corrupt notebook is an
error that names the file and what is wrong with it.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import nbformat

from grading.autograde.submissions import notebook_problem
from grading.layout import ASSIGNMENT_ID
from grading.report.feedback import block_remote_resources
from grading.report.pdf import PdfError, html_to_pdf

DEFAULT_RELEASE = Path(__file__).resolve().parents[2] / "assignments" / ASSIGNMENT_ID
UNANSWERED = "YOUR ANSWER HERE"
PRINT_STYLE = """<style>
.student-pdf-notebook { break-before: page; }
.student-pdf-answer { border-left: 4px solid #c44e52; padding-left: .6em; margin: 1em 0 .2em; }
@media print { .jp-Cell, .jp-OutputArea-output { break-inside: avoid-page; } }
</style>"""


class StudentPdfError(PdfError):
    """The folder cannot be rendered: a notebook is missing or unreadable."""


def expected_notebooks(folder: Path, assignment: Path | None = None) -> list[str]:
    """Notebook file names the PDF must contain, in order."""
    source = assignment or (DEFAULT_RELEASE if DEFAULT_RELEASE.is_dir() else None)
    if source is not None:
        if not source.is_dir():
            raise StudentPdfError(f"--assignment {source} is not a folder (give the released assignment folder)")
        names = sorted(path.name for path in source.glob("*.ipynb"))
        if not names:
            raise StudentPdfError(f"no notebooks in {source}: --assignment must be the released assignment folder")
        return names
    names = sorted(path.name for path in folder.glob("*.ipynb"))
    if not names:
        raise StudentPdfError(f"no notebooks (*.ipynb) in {folder}")
    return names


def _label(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    points = meta.get("points")
    text = f"Written answer: {meta.get('grade_id', '')}"
    if isinstance(points, int | float):
        text += f" ({points:g} point{'' if points == 1 else 's'})"
    if UNANSWERED in cell.source:
        text += " (not answered yet)"
    return f'<div class="student-pdf-answer"><b>{html.escape(text)}</b></div>'


def combined_notebook(folder: Path, names: list[str]) -> nbformat.NotebookNode:
    """One notebook: a title page cell per notebook, then its cells, written answers labelled."""
    if not folder.is_dir():
        raise StudentPdfError(f"{folder} is not a folder; give the folder that holds your notebooks")
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise StudentPdfError(
            f"{', '.join(str(folder / name) for name in missing)} missing: the PDF needs all "
            f"{len(names)} notebooks ({', '.join(names)})"
        )
    combined = nbformat.v4.new_notebook()
    for name in names:
        problem = notebook_problem(folder / name)
        if problem:
            raise StudentPdfError(f"{folder / name}: {problem}; restore it (e.g. from a checkpoint) and retry")
        notebook = nbformat.read(folder / name, as_version=4)
        combined.metadata = combined.metadata or notebook.metadata
        combined.cells.append(nbformat.v4.new_markdown_cell(
            f'<div class="student-pdf-notebook"></div>\n\n# {name}'))
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
                combined.cells.append(nbformat.v4.new_markdown_cell(_label(cell)))
            cell.pop("id", None)  # ids repeat across notebooks
            combined.cells.append(cell)
    combined.nbformat_minor = 4  # no cell ids
    return combined


def render_student_pdf(folder: Path, pdf_path: Path, assignment: Path | None = None) -> Path:
    from nbconvert import HTMLExporter

    names = expected_notebooks(folder, assignment)
    notebook = combined_notebook(folder, names)
    exporter = HTMLExporter(template_name="lab")
    page, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": folder.name}})
    page, _ = block_remote_resources(page)
    page = page.replace("</head>", PRINT_STYLE + "\n</head>", 1)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grading-student-pdf-") as work:
        html_path = Path(work) / "notebooks.html"
        html_path.write_text(page, encoding="utf-8")
        html_to_pdf(html_path, pdf_path)
    return pdf_path
