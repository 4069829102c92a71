"""The class report's section on code similarity, when ``OUT/similarity/`` exists.

The top pairs over all files and the best pair of each file, and per file a
histogram of every pair's score (log scale: most pairs share little), so that
a pair standing out from the class's background is seen at a glance.
"""

from __future__ import annotations

import base64
import csv
import heapq
import html
import io
from pathlib import Path

TOP_PAIRS = 10


def _rows(path: Path):
    with open(path, newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _histograms(scores: dict[str, list[float]], best: dict[str, float]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    files = list(scores)
    columns = min(3, len(files))
    rows = -(-len(files) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(7.5, 2.1 * rows), squeeze=False)
    for axis, file in zip(axes.flat, files, strict=False):
        axis.hist([100 * value for value in scores[file]], bins=[i * 5 for i in range(21)], color="#4C72B0",
                  edgecolor="white", log=True)
        axis.axvline(100 * best[file], color="#C44E52", linewidth=1)
        axis.set_title(file, fontsize=8)
        axis.set_xlabel("% of own written code shared", fontsize=7)
        axis.set_ylabel("pairs", fontsize=7)
        axis.tick_params(labelsize=6)
        axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axis.yaxis.set_minor_formatter(NullFormatter())
    for axis in list(axes.flat)[len(files):]:
        axis.axis("off")
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(rows: list[dict[str, str]]) -> str:
    body = "\n".join(
        f"<tr><td>{html.escape(r['file'])}</td><td>{html.escape(r['student_a'])}</td>"
        f"<td>{html.escape(r['student_b'])}</td><td class=\"n\">{100 * float(r['similarity']):.0f}%</td>"
        f"<td class=\"n\">{100 * float(r['fraction_a']):.0f}% / {100 * float(r['fraction_b']):.0f}%</td></tr>"
        for r in rows)
    return ("<table><tr><th>file</th><th>student a</th><th>student b</th><th>similarity</th>"
            f"<th>share of a's / b's code</th></tr>\n{body}</table>")


def similarity_section(out_dir: Path, report_dir: Path | None = None) -> str:
    """HTML (an ``<h2>`` section) for the class report, or '' when the similarity check was not run.

    ``report_dir`` is where the report is written, for the link to ``OUT/similarity/index.html``.
    """
    folder = out_dir / "similarity"
    pairs, overall = folder / "pairs.csv", folder / "overall.csv"
    if not pairs.is_file() or not overall.is_file():
        return ""
    scores: dict[str, list[float]] = {}
    best: dict[str, dict[str, str]] = {}
    for row in _rows(pairs):
        value = float(row["similarity"])
        scores.setdefault(row["file"], []).append(value)
        if row["file"] not in best or value > float(best[row["file"]]["similarity"]):
            best[row["file"]] = row
    top = [row for row in heapq.nlargest(TOP_PAIRS, _rows(overall), key=lambda row: float(row["similarity"]))
           if float(row["similarity"]) > 0]
    nothing = [file for file in scores if float(best[file]["similarity"]) == 0]
    scores = {file: values for file, values in scores.items() if file not in nothing}
    index = folder / "index.html"
    link = index.relative_to(report_dir.parent) if report_dir and report_dir.parent == out_dir else index
    link_text = f'<a href="../{link.as_posix()}">{html.escape(str(index))}</a>' if report_dir else html.escape(
        str(index))
    parts = ["<h2>Code similarity</h2>",
             f"<p>What students wrote (not the release's code), compared pairwise; every pair side by side "
             f"in {link_text}.</p>"]
    if nothing:
        parts.append(f'<p class="muted">No pair shares any written code in {html.escape(", ".join(nothing))}.</p>')
    if not top:
        return "\n".join(parts)
    parts += ["<p>Top pairs over all files:</p>", _table(top), "<p>The most similar pair of each file:</p>",
              _table([best[file] for file in scores])]
    parts.append(f'<img alt="pair scores per file" src="{_histograms(scores, {f: float(r["similarity"]) for f, r in best.items()})}">')
    parts.append('<p class="muted">Per file: how many pairs share what share of their written code (log '
                 "scale); the red line is the most similar pair.</p>")
    return "\n".join(parts)
