"""The HTML of ``OUT/similarity/``: ``index.html`` (ranked pairs) and one side-by-side page per pair.

Self-contained pages (inline CSS, no script, nothing loaded from elsewhere).
The shared fragments are the ones copydetect's ``compare_files`` finds,
marked by its ``highlight_overlap``.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

from grading.similarity.check import OVERALL, Boilerplate, PairResult, SimilarityResult, pair_code
from grading.similarity.fingerprints import CodeView, highlighted

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1.5em; color: #222; font-size: 13px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 1.5em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0; } td, th { padding: .2em .6em; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #777; } .high { color: #b00; font-weight: bold; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.side h3 { font-size: 14px; margin: .3em 0; }
pre { background: #fafafa; border: 1px solid #ddd; padding: .5em; font-size: 11.5px; line-height: 1.35;
      white-space: pre-wrap; word-break: break-all; margin: 0; }
mark { background: #ffd6d6; color: #000; border-bottom: 1px solid #d66; }
"""


def pair_page_name(a: str, b: str) -> str:
    return f"{a}__{b}.html"


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


def _pairs_table(pairs: list[PairResult], threshold: float, anchor: str | None) -> str:
    rows = []
    for rank, pair in enumerate(pairs, start=1):
        link = "pairs/" + quote(pair_page_name(pair.student_a, pair.student_b)) + (
            f"#{quote(anchor)}" if anchor else "")
        css = ' class="n high"' if pair.similarity >= threshold else ' class="n"'
        rows.append(
            f"<tr><td class=\"n\">{rank}</td><td>{html.escape(pair.student_a)}</td>"
            f"<td>{html.escape(pair.student_b)}</td><td{css}>{_percent(pair.similarity)}</td>"
            f'<td class="n">{_percent(pair.fraction_a)} of {pair.tokens_a}</td>'
            f'<td class="n">{_percent(pair.fraction_b)} of {pair.tokens_b}</td>'
            f'<td><a href="{link}">side by side</a></td></tr>')
    head = ("<tr><th>#</th><th>student a</th><th>student b</th><th>similarity</th>"
            "<th>a's code shared (of tokens)</th><th>b's code shared</th><th></th></tr>")
    return f"<table>{head}\n" + "\n".join(rows) + "</table>"


def _listed(result: SimilarityResult, key: str) -> list[PairResult]:
    return [p for p in result.top.get(key, []) if p.similarity >= result.settings.threshold and p.similarity > 0]


def _index(result: SimilarityResult) -> str:
    settings = result.settings
    parts = [f"<h1>Code similarity: {len(result.students)} students, {len(result.files)} files</h1>",
             f"<p>Only what students wrote is compared: the functions the release left as stubs (and "
             f"any they added) in the modules, the solution cells and added code cells of the notebooks. "
             f"Code given by the release{' and the allowed folders' if settings.allowed else ''} never "
             f"counts. Names, comments, whitespace and the order of functions do not matter. "
             f"A pair's similarity is the larger of the two students' shares of their own written code "
             f"that the other also wrote. Pairs at or above {_percent(settings.threshold)} are listed "
             f"(at most {settings.top} per file); every pair is in <code>pairs.csv</code> "
             f"(<code>overall.csv</code> for all files together).</p>"]
    if len(result.students) < 2:
        parts.append("<p class=\"high\">Fewer than two students: nothing to compare.</p>")
    for key in [OVERALL, *result.files]:
        listed = _listed(result, key)
        count = result.above_threshold.get(key, 0)
        parts.append(f'<h2 id="{html.escape(key)}">{html.escape(key)}</h2>')
        if not listed:
            best = result.top.get(key, [])
            top = f"; the highest is {_percent(best[0].similarity)}" if best else ""
            parts.append(f'<p class="muted">No pair at or above {_percent(settings.threshold)}{top}.</p>')
            continue
        more = f" ({count - len(listed)} more in the CSV)" if count > len(listed) else ""
        parts.append(f"<p>{count} pair(s) at or above {_percent(settings.threshold)}{more}.</p>")
        parts.append(_pairs_table(listed, settings.threshold, None if key == OVERALL else key))
    parts.append("<h2>Skipped files</h2>")
    if result.skipped:
        rows = "".join(f"<tr><td>{html.escape(s)}</td><td>{html.escape(f)}</td><td>{html.escape(r)}</td></tr>"
                       for s, f, r in result.skipped)
        parts.append("<p>Not compared (also in <code>skipped.csv</code>):</p>"
                     f"<table><tr><th>student</th><th>file</th><th>reason</th></tr>{rows}</table>")
    else:
        parts.append('<p class="muted">None: every file of every student was compared.</p>')
    notes = [*((s, f, n) for s, f, n in result.notes), *(("", "", w) for w in result.warnings)]
    if notes:
        rows = "".join(f"<tr><td>{html.escape(s)}</td><td>{html.escape(f)}</td><td>{html.escape(n)}</td></tr>"
                       for s, f, n in notes)
        parts.append(f"<h2>Notes</h2><table><tr><th>student</th><th>file</th><th>note</th></tr>{rows}</table>")
    return _page("Code similarity", "\n".join(parts))


class _Views:
    """Each listed student's code views, made once (a student is often in several listed pairs)."""

    def __init__(self, result: SimilarityResult, submissions: Path, release_dir: Path, boilerplate: Boilerplate):
        self.result, self.submissions, self.release_dir, self.boilerplate = result, submissions, release_dir, boilerplate
        self.views: dict[tuple[str, str], CodeView | None] = {}

    def get(self, student: str, file: str) -> CodeView | None:
        if (student, file) not in self.views:
            code = pair_code(self.submissions, self.release_dir, student, file)
            settings = self.result.settings
            self.views[(student, file)] = None if code is None else CodeView(
                code.texts, file, self.boilerplate.hashes(file), settings.noise, settings.guarantee)
        return self.views[(student, file)]


def _pair_page(result: SimilarityResult, a: str, b: str, views: _Views) -> str:
    sections = []
    for file in result.files:
        fa, fb = views.get(a, file), views.get(b, file)
        if fa is None or fb is None:
            continue
        pair_score, left, right = highlighted(fa, fb)
        if pair_score.shared_a == 0:
            continue
        sections.append((pair_score.similarity, file, f"""
<h2 id="{html.escape(file)}">{html.escape(file)}: {_percent(pair_score.similarity)}</h2>
<div class="sides">
<div class="side"><h3>{html.escape(a)}: {_percent(pair_score.fraction_a)} of {fa.token_coverage} tokens shared</h3>
<pre>{left}</pre></div>
<div class="side"><h3>{html.escape(b)}: {_percent(pair_score.fraction_b)} of {fb.token_coverage} tokens shared</h3>
<pre>{right}</pre></div>
</div>"""))
    sections.sort(key=lambda section: -section[0])
    overall = next((p for p in result.top[OVERALL] if (p.student_a, p.student_b) == (a, b)), None)
    summary = (f"<p>All files together: {_percent(overall.similarity)} ({html.escape(a)}: "
               f"{_percent(overall.fraction_a)} of {overall.tokens_a} tokens, {html.escape(b)}: "
               f"{_percent(overall.fraction_b)} of {overall.tokens_b}).</p>"
               if overall else "")
    files = ", ".join(f'<a href="#{quote(file)}">{html.escape(file)}</a>' for _, file, _ in sections)
    body = (f'<p><a href="../index.html">all pairs</a></p><h1>{html.escape(a)} and {html.escape(b)}</h1>'
            f"{summary}"
            f"<p>Highlighted: the fragments both wrote, after names, comments and whitespace are set aside "
            f"(copydetect). Code the release gave never counts; a match right after it may mark a few of its "
            f"characters. Files: {files or 'none shared'}.</p>"
            + "".join(section for _, _, section in sections))
    return _page(f"{a} and {b}", body)


def write_pages(result: SimilarityResult, submissions: Path, release_dir: Path, boilerplate: Boilerplate) -> None:
    """``index.html`` and a page per pair listed on it."""
    (result.out_dir / "index.html").write_text(_index(result), encoding="utf-8")
    pairs_dir = result.out_dir / "pairs"
    pairs_dir.mkdir(exist_ok=True)
    listed = {(p.student_a, p.student_b) for key in [OVERALL, *result.files] for p in _listed(result, key)}
    views = _Views(result, submissions, release_dir, boilerplate)
    for a, b in sorted(listed):
        page = _pair_page(result, a, b, views)
        (pairs_dir / pair_page_name(a, b)).write_text(page, encoding="utf-8")
