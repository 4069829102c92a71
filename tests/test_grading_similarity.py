"""``python -m grading similarity``: copied pairs found through disguises, given code never counted, bad input listed."""

from __future__ import annotations

import ast
import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from copydetect.detector import CodeFingerprint, compare_files
from copydetect.utils import filter_code

from grading.cli import main
from grading.mutation.mutant_files import BUNDLED_MUTANTS, load_mutants
from grading.release.strip_solutions import find_solution_regions
from grading.report.feedback import remote_resources
from grading.similarity.check import OVERALL, SimilarityError, check_similarity
from grading.similarity.disguise import disguise_source
from grading.similarity.extract import module_written_code
from grading.similarity.fingerprints import boilerplate_hashes, fingerprint, score
from grading.similarity.report_section import similarity_section
from grading.similarity.variants import build_variant_class

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "solutions" / "dl"
RELEASE = ROOT / "assignments" / "dl"
MODULES = sorted(path.name for path in SOURCE.glob("*.py"))
NONE = np.array([], dtype=np.int64)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def variant_class(tmp_path_factory):
    work = tmp_path_factory.mktemp("similarity")
    students = build_variant_class(SOURCE, RELEASE, work / "submissions", load_mutants(BUNDLED_MUTANTS))
    result = check_similarity(work / "submissions", RELEASE, work / "out", echo=lambda line: None)
    return students, result, work


def test_the_copied_pair_ranks_first_in_every_module_well_above_independent_pairs(variant_class):
    students, result, work = variant_class
    assert {"untouched", "variant_0", "variant_1", "variant_2", "copied"} <= set(students)
    rows = _rows(work / "out" / "similarity" / "pairs.csv")
    assert list(rows[0])[:4] == ["student_a", "student_b", "file", "similarity"]
    copied = ("copied", "variant_1")
    for file in [*MODULES, OVERALL]:
        source = rows if file != OVERALL else _rows(work / "out" / "similarity" / "overall.csv")
        scores = {(r["student_a"], r["student_b"]): float(r["similarity"]) for r in source if r["file"] == file}
        assert len(scores) == 10, file  # every pair of the 5 students
        ranked = sorted(scores, key=scores.get, reverse=True)
        assert ranked[0] == copied, (file, ranked[:3])
        assert scores[copied] >= 0.95, file
        independent = max(value for pair, value in scores.items() if pair != copied)
        assert independent <= scores[copied] - 0.35, (file, scores)
        assert result.top[file][0].student_a == "copied" and result.top[file][0].student_b == "variant_1"


def test_the_pages_show_the_copied_pair_side_by_side(variant_class):
    _, _, work = variant_class
    folder = work / "out" / "similarity"
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="pairs/copied__variant_1.html#layers.py"' in index
    page = (folder / "pairs" / "copied__variant_1.html").read_text(encoding="utf-8")
    assert page.count('<div class="sides">') == len(MODULES)
    assert "<mark>" in page and "<script" not in page
    assert not remote_resources(page) and not remote_resources(index)
    assert (folder / "skipped.csv").read_text(encoding="utf-8").strip() == "student,file,reason"


def test_the_class_report_section_shows_top_pairs_and_histograms(variant_class):
    _, _, work = variant_class
    section = similarity_section(work / "out", work / "out" / "report")
    assert section.startswith("<h2>Code similarity</h2>")
    assert '<a href="../similarity/index.html">' in section
    assert "<td>copied</td><td>variant_1</td><td class=\"n\">100%</td>" in section
    assert 'src="data:image/png;base64,' in section
    assert similarity_section(work / "nothing-here") == ""


def test_a_class_of_untouched_releases_scores_zero(tmp_path):
    for student in ("ann", "bob", "cid"):
        shutil.copytree(RELEASE, tmp_path / "subs" / student)
    result = check_similarity(tmp_path / "subs", RELEASE, tmp_path / "out", echo=lambda line: None)
    rows = _rows(tmp_path / "out" / "similarity" / "pairs.csv")
    assert len(rows) == 3 * len(result.files)
    assert {(r["similarity"], r["tokens_a"], r["tokens_b"]) for r in rows} == {("0.0000", "0", "0")}
    assert not result.skipped


def test_renaming_reordering_comments_and_whitespace_do_not_hide_a_copy():
    release = (RELEASE / "layers.py").read_text(encoding="utf-8")
    original = (SOURCE / "layers.py").read_text(encoding="utf-8")
    disguised = disguise_source(original, seed=7)
    assert disguised != original
    given = boilerplate_hashes([release])
    a = fingerprint(module_written_code(original, release, "layers.py").texts, "layers.py", given)
    b = fingerprint(module_written_code(disguised, release, "layers.py").texts, "layers.py", given)
    assert a.coverage == b.coverage > 1000
    assert score(a, b).similarity == 1.0
    # An implementation of the same function in another style shares little.
    loops = "def svm_loss(x, y):\n    total = 0.0\n    for i in range(len(y)):\n        for j in range(x.shape[1]):\n" \
            "            if j != y[i]:\n                total += max(0, x[i, j] - x[i, y[i]] + 1)\n    return total\n"
    vectorised = "def svm_loss(x, y):\n    n = x.shape[0]\n    correct = x[np.arange(n), y][:, None]\n" \
                 "    margins = np.maximum(0, x - correct + 1.0)\n    margins[np.arange(n), y] = 0\n" \
                 "    return margins.sum() / n\n"
    assert score(fingerprint([loops], "m.py", NONE), fingerprint([vectorised], "m.py", NONE)).similarity < 0.3


def test_a_disguised_module_still_computes_the_same():
    original = (SOURCE / "layers.py").read_text(encoding="utf-8")
    disguised = disguise_source(original, seed=11)
    assert disguise_source(original, seed=11) == disguised  # deterministic
    first, second = {}, {}
    exec(compile(original, "layers.py", "exec"), first)  # noqa: S102 (the course's own module)
    exec(compile(disguised, "disguised.py", "exec"), second)  # noqa: S102
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    conv = {"stride": 1, "pad": 1}
    np.testing.assert_allclose(first["conv_forward_naive"](x, w, b, conv)[0],
                               second["conv_forward_naive"](x, w, b, conv)[0])
    scores, labels = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    np.testing.assert_allclose(first["softmax_loss"](scores, labels)[1], second["softmax_loss"](scores, labels)[1])


@pytest.mark.parametrize("module", MODULES)
def test_disguise_changes_only_local_names_comments_and_order(module):
    """Same syntax tree once variable names (and parameters of functions nested in a function, renamed with
    the enclosing function's locals) are blanked; f-strings are the only strings it edits."""
    original = (SOURCE / module).read_text(encoding="utf-8")
    disguised = disguise_source(original, seed=5, reorder=False)

    def shape(source: str) -> list[str]:
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                node.id = "_"
            elif isinstance(node, ast.JoinedStr):
                node.values = []
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        functions += [m for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body
                      if isinstance(m, ast.FunctionDef)]
        for function in functions:
            for inner in ast.walk(function):
                if inner is not function and isinstance(inner, ast.FunctionDef | ast.Lambda):
                    for argument in ast.walk(inner.args):
                        if isinstance(argument, ast.arg):
                            argument.arg = "_"
        return [ast.dump(statement) for statement in tree.body]

    assert disguised != original
    assert shape(disguised) == shape(original)
    reordered = disguise_source(original, seed=5)
    assert sorted(shape(reordered)) == sorted(shape(original))
    # Each solution region's markers move with their function.
    regions = find_solution_regions(original, module)
    assert len(find_solution_regions(reordered, module)) == len(regions) > 0


def test_the_compact_score_is_copydetects_compare_files():
    a = (SOURCE / "rnn_layers.py").read_text(encoding="utf-8")
    b = disguise_source(a, seed=3).replace("np.tanh", "np.sinh")
    ours = score(fingerprint([a], "a.py", NONE), fingerprint([b], "b.py", NONE))
    theirs = compare_files(CodeFingerprint("a.py", 25, 1, fp=io.StringIO(a)),
                           CodeFingerprint("b.py", 25, 1, fp=io.StringIO(b)))
    assert 0.5 < ours.fraction_a < 1.0
    assert (ours.fraction_a, ours.fraction_b) == pytest.approx(theirs[1])


def test_boilerplate_removal_drops_exactly_the_given_kgrams():
    """copydetect's own removal (``np.intersect1d(assume_unique=True)`` on hashes that repeat) also
    drops k-grams the student wrote; the removal here drops exactly the given ones."""
    given = "z = q + r\n"
    student = given * 3 + "w = np.ones(3) - z\n"
    k = 5
    filtered = filter_code(student, "s.py")[0]
    given_grams = {filter_code(given, "g.py")[0][i : i + k] for i in range(len(filter_code(given, "g.py")[0]) - k + 1)}
    expected = [p for p in range(len(filtered) - k + 1) if filtered[p : p + k] not in given_grams]
    ours = fingerprint([student], "s.py", boilerplate_hashes([given], k), k=k, guarantee=k)
    assert sorted(ours.positions.tolist()) == expected
    theirs = CodeFingerprint("s.py", k, 1, boilerplate=boilerplate_hashes([given], k), fp=io.StringIO(student))
    kept = sorted(p for positions in theirs.hash_idx.values() for p in positions)
    assert kept != expected  # when this fails, copydetect fixed it and its own removal could be used


def _bad_class(root: Path) -> Path:
    subs = root / "subs"
    for student in ("good", "twin"):
        folder = shutil.copytree(RELEASE, subs / student)
        shutil.copyfile(SOURCE / "optim.py", folder / "optim.py")
    missing = shutil.copytree(subs / "good", subs / "missing_files")
    (missing / "layers.py").unlink()
    (missing / "1_layers.ipynb").unlink()
    latin = shutil.copytree(subs / "good", subs / "not_utf8")
    (latin / "optim.py").write_bytes((SOURCE / "optim.py").read_bytes() + "# caf\xe9\n".encode("latin-1"))
    corrupt = shutil.copytree(subs / "good", subs / "corrupt_notebook")
    text = (corrupt / "3_cnn.ipynb").read_bytes()
    (corrupt / "3_cnn.ipynb").write_bytes(text[: len(text) // 2])
    (corrupt / "2_softmax_mlp.ipynb").write_text(json.dumps({"cells": "nope"}), encoding="utf-8")
    broken = shutil.copytree(subs / "good", subs / "syntax_error")
    with open(broken / "optim.py", "a", encoding="utf-8") as handle:
        handle.write("\ndef unfinished(x:\n")
    odd = shutil.copytree(subs / "good", subs / "folder_not_file")
    (odd / "cnn.py").unlink()
    (odd / "cnn.py").mkdir()
    huge = shutil.copytree(subs / "good", subs / "huge")
    with open(huge / "optim.py", "a", encoding="utf-8") as handle:
        handle.write("\n\ndef padding():\n" + "    x = 1\n" * 120_000)
    (subs / "stray.txt").write_text("not a student", encoding="utf-8")
    return subs


def test_bad_input_is_listed_and_the_rest_compared(tmp_path):
    subs = _bad_class(tmp_path)
    result = check_similarity(subs, RELEASE, tmp_path / "out", echo=lambda line: None)
    skipped = {(s, f): reason for s, f, reason in result.skipped}
    assert skipped[("missing_files", "layers.py")] == "no layers.py in the submission"
    assert skipped[("missing_files", "1_layers.ipynb")] == "no 1_layers.ipynb in the submission"
    assert "not UTF-8" in skipped[("not_utf8", "optim.py")]
    assert "not valid JSON" in skipped[("corrupt_notebook", "3_cnn.ipynb")]
    assert "not a valid Jupyter notebook" in skipped[("corrupt_notebook", "2_softmax_mlp.ipynb")]
    assert "not a regular file" in skipped[("folder_not_file", "cnn.py")]
    assert "more than the 1,000,000 compared" in skipped[("huge", "optim.py")]
    assert len(skipped) == 7
    assert [note for s, f, note in result.notes if s == "syntax_error"][0].startswith("not valid Python (line")
    assert any("stray.txt" in warning for warning in result.warnings)
    folder = tmp_path / "out" / "similarity"
    assert len(_rows(folder / "skipped.csv")) == 7
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "no 1_layers.ipynb in the submission" in index and "not valid Python" in index
    rows = _rows(folder / "pairs.csv")
    optim = {(r["student_a"], r["student_b"]): float(r["similarity"]) for r in rows if r["file"] == "optim.py"}
    assert optim[("good", "twin")] == 1.0
    assert optim[("good", "syntax_error")] == 1.0  # compared as a whole file, given code still excluded
    assert not any("not_utf8" in pair for pair in optim)


def test_the_verb_exits_2_with_a_clear_error_for_an_empty_or_absent_submissions_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["similarity", str(tmp_path / "empty"), "--out", str(tmp_path / "out"),
                 "--release", str(RELEASE)]) == 2
    assert "no student folders in" in capsys.readouterr().err
    assert main(["similarity", str(tmp_path / "absent"), "--out", str(tmp_path / "out"),
                 "--release", str(RELEASE)]) == 2
    assert "is not a folder" in capsys.readouterr().err
    shutil.copytree(RELEASE, tmp_path / "one" / "ann")
    with pytest.raises(SimilarityError, match="no release at"):
        check_similarity(tmp_path / "one", tmp_path / "no-release", tmp_path / "out")


def test_the_verb_writes_pairs_csv_and_pages(tmp_path, capsys):
    for student in ("ann", "bob"):
        folder = shutil.copytree(RELEASE, tmp_path / "subs" / student)
        shutil.copyfile(SOURCE / "optim.py", folder / "optim.py")
    assert main(["similarity", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                 "--release", str(RELEASE), "--threshold", "0.9"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("index.html")
    header = (tmp_path / "out" / "similarity" / "pairs.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("student_a,student_b,file,similarity")
    assert (tmp_path / "out" / "similarity" / "pairs" / "ann__bob.html").is_file()


@pytest.mark.slow  # prints the report's PDF with Chromium
def test_the_class_report_gains_the_section_when_similarity_ran(tmp_path):
    from grading.report.class_report import build_report

    out = tmp_path / "out"
    shutil.copytree(Path(__file__).parent / "fixtures" / "graded_out", out)
    html_path, _ = build_report(out)
    assert "Code similarity" not in html_path.read_text(encoding="utf-8")
    for student in ("ann", "bob"):
        folder = shutil.copytree(RELEASE, tmp_path / "subs" / student)
        shutil.copyfile(SOURCE / "optim.py", folder / "optim.py")
    check_similarity(tmp_path / "subs", RELEASE, out, echo=lambda line: None)
    html_path, pdf_path = build_report(out)
    page = html_path.read_text(encoding="utf-8")
    assert "<h2>Code similarity</h2>" in page and "<td>optim.py</td><td>ann</td><td>bob</td>" in page
    assert not remote_resources(page)
    assert pdf_path.read_bytes().startswith(b"%PDF")
