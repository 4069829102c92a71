"""The student-side PDF: a completed notebook set rendered by headless Chromium, checked with poppler."""

import base64
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402

from grading.release.build import build_release  # noqa: E402
from grading.report.student_pdf import StudentPdfError, render_student_pdf  # noqa: E402

REPO = Path(__file__).parent.parent
SOURCE = Path(__file__).parent / "fixtures" / "course" / "dl"
ANSWER = "Squaring multiplies a number by itself, and equal signs give a product of at least zero."

pytestmark = pytest.mark.slow  # prints with Chromium


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} not found: apt-get install poppler-utils (.ci/run installs it)")
    return found


def _png() -> str:
    figure, axis = plt.subplots(figsize=(2, 1.5))
    axis.plot([0, 1, 2], [0, 1, 4])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def completed(tmp_path_factory):
    """The released fixture notebooks, one written answer given and a plot in an output."""
    work = tmp_path_factory.mktemp("student-pdf")
    release = work / "release"
    build_release(SOURCE, release)
    folder = shutil.copytree(release, work / "alice")
    path = folder / "1_basics.ipynb"
    notebook = nbformat.read(path, as_version=4)
    answers = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "why_square"]
    assert "YOUR ANSWER HERE" in answers[0].source
    answers[0].source = answers[0].source.replace("YOUR ANSWER HERE", ANSWER)
    code = next(c for c in notebook.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})]
    nbformat.write(notebook, path)
    return release, folder


def _page_texts(pdf: Path) -> list[str]:
    info = subprocess.run([_poppler("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return [subprocess.run([_poppler("pdftotext"), "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for n in range(1, pages + 1)]


def test_cli_renders_the_notebooks_in_order_with_written_answers(completed, tmp_path):
    release, folder = completed
    pdf = tmp_path / "alice.pdf"
    done = subprocess.run([sys.executable, "-m", "grading", "student-pdf", str(folder), "--out", str(pdf),
                           "--assignment", str(release)], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")
    pages = _page_texts(pdf)
    first = next(i for i, text in enumerate(pages) if "1_basics.ipynb" in text)
    second = next(i for i, text in enumerate(pages) if "2_loops.ipynb" in text)
    assert first == 0 and second > first  # in order, the second notebook on a page of its own
    text = re.sub(r"\s+", " ", "\n".join(pages))
    assert "Written answer: why_square (2 points)" in text
    assert ANSWER[:40] in text
    assert "Written answer: loop_bonus (1 point) (not answered yet)" in text
    assert "YOUR ANSWER HERE" in text  # the unanswered question stays visible as handed out
    images = subprocess.run([_poppler("pdfimages"), "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.strip().splitlines()
    assert len(images) >= 3  # pdfimages prints two header lines, then one line per image: the plot


def test_a_missing_notebook_is_a_clear_error(completed, tmp_path):
    release, folder = completed
    partial = shutil.copytree(folder, tmp_path / "bob")
    (partial / "2_loops.ipynb").unlink()
    with pytest.raises(StudentPdfError, match=r"2_loops.ipynb missing: the PDF needs all 2 notebooks "
                                              r"\(1_basics.ipynb, 2_loops.ipynb\)"):
        render_student_pdf(partial, tmp_path / "bob.pdf", release)
    done = subprocess.run([sys.executable, "-m", "grading", "student-pdf", str(partial), "--out",
                           str(tmp_path / "bob.pdf"), "--assignment", str(release)],
                          capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 2 and "2_loops.ipynb missing" in done.stderr
    assert not (tmp_path / "bob.pdf").exists()


def test_a_corrupt_notebook_is_a_clear_error(completed, tmp_path):
    release, folder = completed
    broken = shutil.copytree(folder, tmp_path / "carol")
    text = (broken / "1_basics.ipynb").read_text()
    (broken / "1_basics.ipynb").write_text(text[: len(text) // 2])
    with pytest.raises(StudentPdfError, match=r"1_basics.ipynb: notebook is not valid JSON \(line \d+"):
        render_student_pdf(broken, tmp_path / "carol.pdf", release)
