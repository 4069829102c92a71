"""``python -m grading demo [--out DIR]``: the whole pipeline on a sample class, under DIR.

Release (into DIR, not into the repository's assignments/), a sample class
built from the solutions and the release (see :mod:`grading.demo.sample_class`),
parallel autograde, feedback, the class report, and a one-screen summary.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from grading.autograde.run import AutogradeSettings, AutogradeSummary, autograde
from grading.demo.sample_class import ADVERSARIAL_PREFIX, SampleStudent, build_sample_class
from grading.layout import ASSIGNMENT_ID, CoursePaths
from grading.mutation.mutant_files import BUNDLED_MUTANTS, load_mutants
from grading.release.build import build_release
from grading.report.class_report import build_report

MUTANTS_DIR = BUNDLED_MUTANTS  # realistic student bugs, shipped with the package


def _summary_table(summary: AutogradeSummary) -> list[str]:
    notebooks = summary.notebooks
    width = max(len(student) for student in summary.students)
    header = f"{'student':<{width}}  " + "  ".join(f"{nb[:12]:>12}" for nb in notebooks) + "       total"
    lines = [header, "-" * len(header)]
    for student in summary.students:
        outcome = summary.outcomes[student]
        cells, total, maximum = [], 0.0, 0.0
        for notebook in notebooks:
            result = outcome.notebooks[notebook]
            total += result.score
            maximum += result.max_score
            mark = "" if result.status == "graded" else "!"
            cells.append(f"{mark}{result.score:g}/{result.max_score:g}".rjust(12))
        lines.append(f"{student:<{width}}  " + "  ".join(cells) + f"  {total:>5g}/{maximum:<5g}")
    lines.append("(! = not graded: see the log for the reason)")
    return lines


def build_demo_class(
    course: CoursePaths, release_dir: Path, submissions: Path, notebooks: Sequence[str] | None,
    mutants_dir: Path = MUTANTS_DIR,
) -> dict[str, SampleStudent]:
    """The demo's sample class for ``notebooks`` (None: every notebook), as the demo grades it."""
    mutants = load_mutants(mutants_dir) if mutants_dir.is_dir() else []
    return build_sample_class(course.source_dir, release_dir, submissions, mutants, max_mutants=2,
                              adversarial=True, graded_notebooks=notebooks, copied_pair=True)


def run_demo(
    out_dir: Path, course: CoursePaths, workers: int = 2, mutants_dir: Path = MUTANTS_DIR,
    settings: AutogradeSettings | None = None,
) -> int:
    """Run the demo; ``settings`` (default: the autograder's defaults) sets workers and limits."""
    settings = settings or AutogradeSettings(workers=workers)
    started = time.monotonic()
    out_dir = out_dir.resolve()
    for stale in ("release", "submissions", "graded"):
        shutil.rmtree(out_dir / stale, ignore_errors=True)

    release_dir = out_dir / "release" / ASSIGNMENT_ID
    print(f"1/4 release {course.source_dir} -> {release_dir}")
    build_release(course.source_dir, release_dir)

    submissions = out_dir / "submissions"
    descriptions = build_demo_class(course, release_dir, submissions, settings.notebooks, mutants_dir)
    print(f"2/4 sample class of {len(descriptions)} in {submissions}:")
    for student, description in descriptions.items():
        print(f"      {student}: {description.text()}")

    graded = out_dir / "graded"
    print(f"3/4 autograde with {settings.workers} workers -> {graded}")
    summary = autograde(
        submissions, graded,
        CoursePaths(course.source_dir, release_dir, course.datasets_dir),
        settings, echo=lambda line: print(f"      {line}"),
    )

    similar = _similarity(submissions, release_dir, graded, course)

    print("4/4 class report")
    html_path, pdf_path = build_report(graded)

    print()
    print("\n".join(_summary_table(summary)))
    print()
    attackers = [student for student in descriptions if student.startswith(ADVERSARIAL_PREFIX)]
    if attackers:
        print("adversarial students, what the grader did (the log has every reason):")
        for student in attackers:
            print(f"  {student}: {descriptions[student].text()}")
            for notebook, result in summary.outcomes[student].notebooks.items():
                if result.status == "graded":
                    print(f"    {notebook}: {result.score:g}/{result.max_score:g}; {result.reason[:300]}")
        print()
    print(f"demo finished in {time.monotonic() - started:.0f} s; everything is under {out_dir}")
    print(f"grades:   {graded / 'grades.csv'}")
    print(f"feedback: {graded / 'feedback'}")
    print(f"similar:  {similar}")
    print(f"report:   {html_path}")
    print(f"report:   {pdf_path}")
    return 0


def _similarity(submissions: Path, release_dir: Path, graded: Path, course: CoursePaths) -> Path:
    """The similarity check on the sample class. Its students are built from the solution, so the
    solution is passed as allowed code: otherwise every one of them would pair with every other."""
    from grading.similarity.check import SimilaritySettings, check_similarity

    print("    code similarity (the instructor's solution counted as given code)")
    result = check_similarity(submissions, release_dir, graded,
                              SimilaritySettings(allowed=(course.source_dir,)), echo=lambda line: None)
    for pair in result.top["(all files)"][:3]:
        print(f"      {pair.student_a} / {pair.student_b}: {100 * pair.similarity:.0f}% of written code shared")
    return result.out_dir / "index.html"
