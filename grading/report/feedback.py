"""``python -m grading feedback OUT``: one HTML page per student and notebook in ``OUT/feedback/<student>/``.

Graded notebooks go through the real ``nbgrader generate_feedback`` with our
preprocessors (hidden tests and traceback frames removed, see
:mod:`grading.nbgrader.preprocessors`) and a template that loads nothing from the
internet. Notebooks that could not be graded get a short page of our own
with the reason and every graded cell at 0. Scores come from
the course gradebook (``OUT/gradebook.db``, or the ``--db`` URL that autograde recorded
in ``OUT/results.json``), so re-running this after hand grading shows the new scores.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grading.errors import GradingError
from grading.gradebook.database import CourseGradebook, gradebook_url
from grading.layout import ASSIGNMENT_ID, CourseDirectory, OutLayout
from grading.nbgrader.config import write_feedback_config
from grading.nbgrader.run import run_nbgrader
from grading.sandbox.preflight import isolation_line

# Elements that load what their src/href points at (plain <a> links load nothing),
# and CSS that imports or fetches from a URL. Group 1 is what comes before the URL.
REMOTE_RESOURCE = re.compile(
    r"""(<(?:script|img|iframe|embed|object|source|video|audio|link|input)\b[^>]*?"""
    r"""\b(?:src|href|data)\s*=\s*["']?\s*|@import\s+(?:url\()?\s*["']?|url\(\s*["']?)"""
    r"""(?:https?:)?//""",
    re.IGNORECASE,
)
BLOCKED = "#blocked-remote-resource:"


def remote_resources(page: str) -> list[str]:
    """Snippets of a page that would load something from the internet."""
    return [page[max(0, m.start() - 40) : m.end() + 60] for m in REMOTE_RESOURCE.finditer(page)]


def block_remote_resources(page: str) -> tuple[str, int]:
    """The page with every remote URL turned into a local fragment, and how many there were.

    A student's markdown may embed an image from the web; the page must not fetch it.
    """
    return REMOTE_RESOURCE.subn(lambda m: m.group(1) + BLOCKED, page)


class FeedbackError(GradingError, RuntimeError):
    pass


def _render_chunk(out_dir: Path, students: list[str], work: Path, db_url: str) -> None:
    """nbgrader generate_feedback for some students, in a course directory of their own."""
    course_root = work / "course"
    for student in students:
        shutil.copytree(OutLayout(out_dir).autograded(student),
                        CourseDirectory(course_root).autograded(student))
    write_feedback_config(course_root)
    run_nbgrader(
        ["generate_feedback", ASSIGNMENT_ID, "--force",
         f"--CourseDirectory.db_url={db_url}"],
        course_root, "nbgrader generate_feedback",
    )
    for student in students:
        target = OutLayout(out_dir).feedback(student)
        target.mkdir(parents=True, exist_ok=True)
        for page in sorted(CourseDirectory(course_root).feedback(student).glob("*.html")):
            shutil.copyfile(page, target / page.name)


def _not_graded_page(student: str, notebook: str, status: str, reason: str,
                     cells: list[tuple[str, str, float]], extra: Collection[str] = ()) -> str:
    total = sum(points for grade_id, _, points in cells if grade_id not in extra)
    rows = "\n".join(
        f"<tr><td><code>{html.escape(grade_id)}</code></td><td>{html.escape(kind)}"
        f"{', extra credit' if grade_id in extra else ''}</td><td>0 / {points:g}</td></tr>"
        for grade_id, kind, points in cells
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(notebook)}</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.2em 1em;text-align:left}}</style>
</head><body>
<h2>{html.escape(notebook)} (Score: 0 / {total:g})</h2>
<p><b>{html.escape(student)}</b>: this notebook was not graded ({html.escape(status)}).</p>
<p>Reason: {html.escape(reason)}</p>
<table><tr><th>cell</th><th>graded</th><th>score</th></tr>
{rows}
</table></body></html>
"""


_HEADER = re.compile(r"(<h4>[^<]*\(Score: )([\d.]+) / ([\d.]+)\)</h4>")


def _extra_credit_apart(page: Path, extra: dict[str, float]) -> None:
    """nbgrader's page counts extra-credit cells in the points possible: the header says the points
    without them and the extra credit apart, each extra-credit cell is labelled."""
    text = page.read_text(encoding="utf-8")
    scores = {}
    for grade_id in extra:
        found = re.search(rf'href="#{re.escape(grade_id)}">[^<]*</a> \(Score: ([\d.]+) /', text)
        scores[grade_id] = float(found.group(1)) if found else 0.0
        text = re.sub(rf'(href="#{re.escape(grade_id)}">[^<]*)</a>', r"\1, extra credit</a>", text, count=1)

    def header(match: re.Match[str]) -> str:
        possible = float(match.group(3)) - sum(extra.values())
        return (f"{match.group(1)}{match.group(2)} / {possible:g}; extra credit {sum(scores.values()):g} of "
                f"{sum(extra.values()):g}, included in the score)</h4>")

    text, count = _HEADER.subn(header, text, count=1)
    if not count:
        raise FeedbackError(f"{page}: no score header found to show the extra credit apart")
    page.write_text(text, encoding="utf-8")


def _isolation_warning(not_enforced: list[str]) -> str:
    """One line atop each page when the grader's sandbox was not fully enforced ('' when it was)."""
    if not not_enforced:
        return ""
    return (f'<p class="dl-isolation" style="color:#b00020">{html.escape(isolation_line(not_enforced))} '
            "(graded with --allow-unisolated)</p>")


def generate_feedback(
    out_dir: Path, executor_workers: int = 1, echo: Callable[[str], None] = print, db_url: str | None = None,
    students: Iterable[str] | None = None,
) -> int:
    """Write the feedback pages of a graded ``out_dir``; returns the number of pages there.

    ``db_url``: the course gradebook (default: the one ``out_dir``'s results.json names).
    ``students``: only these students' pages are (re)written (autograde passes the ones it
    graded, not those a re-run skipped); default: everyone's, from scratch.
    """
    try:
        results = json.loads(OutLayout(out_dir).results.read_text())
    except (OSError, ValueError) as error:
        raise FeedbackError(
            f"cannot read {out_dir / 'results.json'} ({error}); run `python -m grading autograde` first"
        ) from error
    db_url = db_url or gradebook_url(out_dir)
    wanted = set(results["students"]) if students is None else set(students)
    if students is None:
        shutil.rmtree(OutLayout(out_dir).feedback_root, ignore_errors=True)
    else:
        for student in wanted:
            shutil.rmtree(OutLayout(out_dir).feedback(student), ignore_errors=True)
    graded_students = sorted(
        student for student in results["students"]
        if student in wanted and OutLayout(out_dir).autograded(student).is_dir()
    )
    chunks = [graded_students[i :: executor_workers] for i in range(executor_workers)]
    chunks = [chunk for chunk in chunks if chunk]
    with tempfile.TemporaryDirectory(prefix="grading-feedback-") as work:
        with ThreadPoolExecutor(max_workers=max(1, len(chunks))) as pool:
            futures = [pool.submit(_render_chunk, out_dir, chunk, Path(work) / str(index), db_url)
                       for index, chunk in enumerate(chunks)]
            for future in futures:
                future.result()

    extra_credit: dict[str, dict[str, float]] = results.get("extra_credit", {})
    cells_by_notebook: dict[str, list[tuple[str, str, float]]] = {}
    for cell in CourseGradebook(db_url).graded_cells():
        cells_by_notebook.setdefault(cell.notebook, []).append((cell.grade_id, cell.kind, cell.max_score))
    for student, outcome in results["students"].items():
        if student not in wanted:
            continue
        for notebook, result in outcome["notebooks"].items():
            page = OutLayout(out_dir).feedback(student) / f"{notebook}.html"
            if result["status"] != "graded" or not page.exists():
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text(_not_graded_page(student, notebook, result["status"],
                                                 result["reason"] or "no autograded notebook",
                                                 cells_by_notebook.get(notebook, []),
                                                 extra_credit.get(notebook, {})),
                                encoding="utf-8")
            elif extra_credit.get(notebook):
                _extra_credit_apart(page, extra_credit[notebook])

    pages = sorted(OutLayout(out_dir).feedback_root.rglob("*.html"))
    warning = _isolation_warning(results.get("isolation_not_enforced") or [])
    for page in pages:
        original = page.read_text(encoding="utf-8")
        text, blocked = block_remote_resources(original)
        if blocked:
            echo(f"feedback: {page.relative_to(out_dir)}: {blocked} remote resource(s) blocked")
        if warning and warning not in text:
            text = text.replace("<body>", "<body>\n" + warning, 1)
        if text != original:
            page.write_text(text, encoding="utf-8")
        remaining = remote_resources(text)
        if remaining:  # the pattern that finds them also rewrites them: a bug if reached
            raise FeedbackError(f"{page} would load a resource from the internet: {remaining[0]!r}")
    echo(f"feedback: {len(pages)} pages in {out_dir / 'feedback'}")
    return len(pages)
