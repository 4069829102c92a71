"""The class report from a graded OUT: a self-contained HTML page and a real PDF."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grading.report.class_report import build_report
from grading.report.feedback import remote_resources
from grading.report.plots import question_shares
from grading.report.stats import ReportError, load_class_stats

pytestmark = pytest.mark.slow  # prints a PDF with Chromium

GRADED_OUT = Path(__file__).parent / "fixtures" / "graded_out"  # grades.csv and results.json of 8 students


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    for name in ("grades.csv", "results.json"):
        shutil.copyfile(GRADED_OUT / name, out / name)
    return build_report(out)


def _pdf_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_statistics_come_from_the_graded_files():
    stats = load_class_stats(GRADED_OUT)
    assert stats.students == ["correct", "corrupt_notebook", "infinite_loop", "kernel_crash",
                              "missing_notebook", "partial", "syntax_error", "untouched"]
    # 2_loops' loop_bonus (1 point) is extra credit: not in the points possible
    assert stats.totals()["correct"] == (7.0, 9.0)
    assert stats.totals()["infinite_loop"] == (6.0, 9.0)
    assert [q.grade_id for q in stats.questions if q.extra_credit] == ["loop_bonus"]
    hardest = stats.hardest()
    assert (hardest[0].grade_id, hardest[0].full_marks, len(hardest[0].scores)) == ("hypotenuse_test", 2, 8)
    assert [q.grade_id for q in hardest] == ["hypotenuse_test", "add_test", "cube_test", "square_test", "total_test"]
    assert ("kernel_crash", "1_basics", "failed") in [p[:3] for p in stats.problems]
    hypotenuse = next(q for q in stats.questions if q.grade_id == "hypotenuse_test")
    full, partial, none = question_shares(hypotenuse)
    assert (full, partial, none) == (25.0, 0.0, 75.0)  # 2 of 8 students
    assert sum(count for _, _, count in stats.reason_counts()) == len(stats.problems)
    assert sorted(stats.notebook_seconds) == ["1_basics", "2_loops"]
    assert all(seconds > 0 for times in stats.notebook_seconds.values() for seconds in times)


def test_report_html_is_self_contained_with_plots_and_reasons(report):
    html_path, _ = report
    page = html_path.read_text()
    assert html_path == html_path.parent.parent / "report" / "report.html"
    assert remote_resources(page) == []
    assert page.count('src="data:image/png;base64,') == 4
    for expected in ("Hardest questions", "hypotenuse_test", "the kernel died", "not valid JSON",
                     "no 2_loops.ipynb in the submission", "Grading times", "Score distribution per question",
                     "The reasons, most frequent first", "median s", "loop_bonus (extra credit)",
                     "Points possible leave extra credit out"):
        assert expected in page


def test_report_pdf_is_a_real_pdf(report):
    _, pdf_path = report
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    assert _pdf_pages(pdf_path) >= 2


def test_report_on_a_folder_that_was_not_graded_says_so(tmp_path):
    with pytest.raises(ReportError, match="grades.csv not found: OUT must be the --out folder"):
        load_class_stats(tmp_path)
    done = subprocess.run([sys.executable, "-m", "grading", "report", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "grades.csv not found" in done.stderr


def test_every_log_link_is_its_own_rows_when_some_rows_have_no_log():
    """A row without a log (a missing notebook) left its placeholder to the next row's link, so each
    link after it landed one row early (issue 26); each link is now built from its own row."""
    from collections import Counter

    from grading.report.class_report import _problems
    from grading.report.stats import ClassStats

    problems = [("ann", "1_layers", "failed", "crashed"), ("bob", "1_layers", "missing", "no notebook"),
                ("cid", "1_layers", "failed", "timed out"), ("dan", "1_layers", "invalid", "corrupt"),
                ("eve", "1_layers", "failed", "syntax error")]
    logs = {(s, nb): f"logs/{s}/{nb}.log" for s, nb, status, _ in problems if status == "failed"}
    stats = ClassStats(students=[p[0] for p in problems], notebooks=["1_layers"], notebook_scores={},
                       questions=[], problems=problems, status_counts=Counter(), seconds_per_student={},
                       total_seconds=0.0, workers=1, logs=logs)
    rows = [row for row in _problems(stats).split("<tr>")[2:]]
    assert len(rows) == len(problems)
    for (student, notebook, status, _), row in zip(problems, rows, strict=True):
        assert row.startswith(f"<td>{student}</td>"), row
        links = re.findall(r'href="([^"]+)"', row)
        assert links == ([f"../logs/{student}/{notebook}.log"] if status == "failed" else []), row
