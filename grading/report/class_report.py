"""``python -m grading report OUT``: the class report, OUT/report/report.html and report.pdf.

Score distributions per notebook and per question, the hardest questions,
why notebooks got no grade, and how long grading took. The page is
self-contained (plots are data URIs) and printed to PDF by headless Chromium.
"""

from __future__ import annotations

import html
import statistics
from pathlib import Path

from grading.layout import OutLayout
from grading.report.pdf import html_to_pdf
from grading.report.plots import (
    grading_times,
    notebook_distributions,
    question_distributions,
    question_means,
    question_shares,
)
from grading.report.stats import ClassStats, load_class_stats
from grading.sandbox.preflight import isolation_line
from grading.similarity.report_section import similarity_section  # '' unless OUT/similarity/ exists

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; font-size: 13px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .6em 0; } td, th { padding: .2em .7em; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; } .muted { color: #777; } tr { page-break-inside: avoid; }
"""


class _Html(str):
    """A table cell that is already HTML (a link built from its own row), not text to escape."""


def _cell(cell: str) -> str:
    return cell if isinstance(cell, _Html) else html.escape(cell)


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "\n".join(
        "<tr>" + "".join(
            f'<td class="n">{_cell(cell)}</td>' if index >= numeric_from else f"<td>{_cell(cell)}</td>"
            for index, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>\n{body}</table>"


def _points(value: float) -> str:
    return f"{value:g}"


def _notebook_summary(stats: ClassStats) -> str:
    rows = []
    for notebook in stats.notebooks:
        pairs = [stats.notebook_scores.get(s, {}).get(notebook, (0.0, 0.0)) for s in stats.students]
        scores = [score for score, _ in pairs]
        maximum = max((m for _, m in pairs), default=0.0)
        graded = sum(
            1 for s in stats.students
            if not any(p[0] == s and p[1] == notebook and p[2] != "graded" for p in stats.problems)
        )
        extra = sum(q.max_score for q in stats.questions if q.notebook == notebook and q.extra_credit)
        rows.append([notebook, _points(maximum), _points(extra), f"{statistics.fmean(scores):.2f}",
                     _points(statistics.median(scores)), _points(min(scores)), _points(max(scores)),
                     f"{graded}/{len(stats.students)}"])
    return ("<p>Points possible leave extra credit out; scores include it (a score may exceed the "
            "points).</p>" + _table(["notebook", "points", "extra credit", "mean", "median", "min", "max",
                                     "graded"], rows))


def _students(stats: ClassStats) -> str:
    totals = stats.totals()
    rows = []
    for student in stats.students:
        scores = stats.notebook_scores.get(student, {})
        cells = [f"{_points(scores[nb][0])}/{_points(scores[nb][1])}" if nb in scores else "-"
                 for nb in stats.notebooks]
        total, maximum = totals.get(student, (0.0, 0.0))
        rows.append([student, *cells, f"{_points(total)}/{_points(maximum)}",
                     f"{stats.seconds_per_student.get(student, 0.0):.1f}"])
    return _table(["student", *stats.notebooks, "total", "seconds"], rows)


def _hardest(stats: ClassStats) -> str:
    rows = [[q.notebook, q.grade_id, _points(q.max_score), f"{100 * q.mean_fraction:.0f}%",
             f"{q.full_marks}/{len(q.scores)}"] for q in stats.hardest()]
    return _table(["notebook", "question", "points", "class mean", "full marks"], rows, numeric_from=2)


def _question_table(stats: ClassStats) -> str:
    rows = []
    for q in stats.questions:
        full, partial, none = question_shares(q)
        rows.append([q.notebook, q.grade_id, q.kind + (", extra credit" if q.extra_credit else ""),
                     _points(q.max_score),
                     f"{statistics.fmean(q.scores) if q.scores else 0:.2f}",
                     f"{full:.0f}%", f"{partial:.0f}%", f"{none:.0f}%"])
    return _table(["notebook", "question", "graded", "points", "mean", "full marks", "partial", "no marks"],
                  rows, numeric_from=3)


def _reasons(stats: ClassStats) -> str:
    if not stats.problems:
        return ""
    rows = [[status, reason, str(count)] for status, reason, count in stats.reason_counts()]
    return "<p>The reasons, most frequent first:</p>" + _table(["status", "reason", "notebooks"], rows,
                                                                 numeric_from=2)


def _notebook_times(stats: ClassStats) -> str:
    rows = [[nb, str(len(times)), f"{statistics.median(times):.1f}", f"{max(times):.1f}", f"{sum(times):.1f}"]
            for nb in stats.notebooks for times in [stats.notebook_seconds.get(nb, [])] if times]
    if not rows:
        return ""
    return _table(["notebook", "runs", "median s", "max s", "total s"], rows)


def _where(stats: ClassStats) -> str:
    where = (f"on the dask cluster {html.escape(stats.extra['scheduler'])}" if stats.extra.get("scheduler")
             else f"with {stats.workers} worker(s)")
    skipped = stats.extra.get("skipped") or []
    if skipped:
        where += (f" ({len(skipped)} submission(s) unchanged since an earlier run were not graded again; "
                  "their times are from that run)")
    return where


def _manual(stats: ClassStats) -> str:
    manual = [q for q in stats.questions if q.kind == "manual"]
    if not manual:
        return '<p class="muted">No hand-graded questions.</p>'
    rows = [[q.notebook, q.grade_id + (" (extra credit)" if q.extra_credit else ""), _points(q.max_score),
             f"{statistics.fmean(q.scores):.2f}"] for q in manual]
    return ('<p class="muted">Written answers are graded by hand (nbgrader formgrader); they count 0 '
            "until then.</p>" + _table(["notebook", "question", "points", "mean so far"], rows, numeric_from=2))


def _problems(stats: ClassStats) -> str:
    counts = ", ".join(f"{status}: {count}" for status, count in sorted(stats.status_counts.items()))
    if not stats.problems:
        return f"<p>Every notebook was graded ({counts}).</p>"
    rows = []
    for student, notebook, status, reason in stats.problems:  # the log link of the row's own (student, notebook)
        log = stats.logs.get((student, notebook))
        link = _Html(f'<a href="../{html.escape(log)}">{html.escape(Path(log).name)}</a>') if log else ""
        rows.append([student, notebook, status, reason, link])
    table = _table(["student", "notebook", "status", "reason", "nbgrader log"], rows, numeric_from=99)
    return f"<p>Notebooks by status: {html.escape(counts)}.</p>" + table


def _isolation(stats: ClassStats) -> str:
    if stats.not_enforced is None:
        return '<p class="muted">isolation: not recorded (graded by an older version of the grader)</p>'
    style = ' style="color:#b00020;font-weight:bold"' if stats.not_enforced else ""
    return f"<p{style}>{html.escape(isolation_line(stats.not_enforced))}</p>"


def render_report(stats: ClassStats, title: str) -> str:
    times = list(stats.seconds_per_student.values()) or [0.0]
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>{len(stats.students)} students, {len(stats.notebooks)} notebooks
({html.escape(", ".join(stats.notebooks))}).</p>
{_isolation(stats)}
<h2>Scores per notebook</h2>
{_notebook_summary(stats)}
<img alt="score distribution per notebook" src="{notebook_distributions(stats)}">
<h2>Hardest questions</h2>
{_hardest(stats)}
<h2>Every autograded question</h2>
<img alt="mean score per question" src="{question_means(stats)}">
<h2>Score distribution per question</h2>
{_question_table(stats)}
<img alt="full, partial and no marks per question" src="{question_distributions(stats)}">
<h2>Hand-graded questions</h2>
{_manual(stats)}
<h2>Failures and their reasons</h2>
{_reasons(stats)}
{_problems(stats)}
<h2>Students</h2>
{_students(stats)}
<h2>Grading times</h2>
<p>The whole run took {stats.total_seconds:.1f} s {_where(stats)}; a submission took
{statistics.median(times):.1f} s (median), {max(times):.1f} s at most.</p>
<img alt="seconds per submission" src="{grading_times(stats)}">
<p>Per notebook (nbgrader's run on it, start-up included):</p>
{_notebook_times(stats)}
</body></html>
"""


def build_report(out_dir: Path, title: str = "Class report: assignment dl") -> tuple[Path, Path]:
    """Write OUT/report/report.html and report.pdf; returns their paths."""
    stats = load_class_stats(out_dir)
    report_dir = OutLayout(out_dir).report_dir
    report_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = OutLayout(out_dir).report_html, OutLayout(out_dir).report_pdf
    page = render_report(stats, title)
    page = page.replace("</body>", similarity_section(out_dir, report_dir) + "\n</body>")
    html_path.write_text(page, encoding="utf-8")
    html_to_pdf(html_path, pdf_path)
    return html_path, pdf_path
