"""Autograding throughput: submissions per hour with 1 and 2 workers, the scaling, the overhead.

    python benchmarks/bench_autograde.py                       # whole course, 4 submissions (long)
    python benchmarks/bench_autograde.py --notebook 1_layers   # a quick run on one notebook
    python benchmarks/bench_autograde.py --submissions 6 --workers 1 2

Every submission is the "correct" student of :mod:`grading.demo.sample_class` (the
solution notebooks and modules), so every cell runs to the end. For each
worker count, a fresh ``python -m grading autograde`` run (in-process, same
code) grades all the copies; submissions/hour counts the whole run (template,
grading, merging, feedback) and the grading phase alone. The scaling ratio is
the 2-worker rate over the 1-worker rate (goal: at least 1.8).

Overhead per submission beyond executing the notebooks: the notebooks are also
executed alone by nbclient (the executor nbgrader uses), one kernel, same
cell limits and BLAS threads as a 1-worker run, and that time is subtracted
from what grading one submission cost in the 1-worker run, split into nbgrader
(its start-up, template, validation and writing the gradebook, per notebook),
the sandboxed job around it, the parent's preparation and merge, and feedback.

Not a test: nothing asserts. The machine is shared: print the load average
with the numbers, and re-run on an idle machine before believing them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grading.autograde.run import AutogradeSettings, autograde, blas_thread_env  # noqa: E402
from grading.demo.sample_class import build_sample_class  # noqa: E402
from grading.layout import CoursePaths  # noqa: E402
from grading.nbgrader.run import nbgrader_env  # noqa: E402
from grading.release.build import build_release  # noqa: E402

PHASES = {
    "template": re.compile(r"^gradebook template from .*: ([\d.]+) s$"),
    "grading": re.compile(r"^autograding \d+ submissions .*: ([\d.]+) s$"),
    "feedback": re.compile(r"^feedback: ([\d.]+) s$"),
}


def _phases(log: list[str]) -> dict[str, float]:
    found = {}
    for line in log:
        for name, pattern in PHASES.items():
            match = pattern.match(line)
            if match:
                found[name] = float(match.group(1))
    return found


def execute_alone(student_dir: Path, notebooks: list[str], cell_timeout: int, work: Path,
                  datasets_dir: Path | None) -> dict[str, float]:
    """Seconds nbclient takes to run each notebook of the submission, nothing else."""
    import nbformat
    from nbclient import NotebookClient

    copy = shutil.copytree(student_dir, work / "alone")
    seconds = {}
    saved = dict(os.environ)
    # What a 1-worker autograde gives each kernel: BLAS threads, starter importable, the datasets.
    extra = blas_thread_env(1)
    if datasets_dir:
        extra["DL_COURSE_DATA"] = str(datasets_dir)
    os.environ.update(nbgrader_env(extra))
    try:
        for notebook in notebooks:
            nb = nbformat.read(copy / f"{notebook}.ipynb", as_version=4)
            started = time.monotonic()
            NotebookClient(nb, timeout=cell_timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(copy)}}).execute()
            seconds[notebook] = time.monotonic() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=4, help="copies of the correct submission (default 4)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)")
    parser.add_argument("--notebook", action="append", dest="notebooks", metavar="NAME",
                        help="grade only this notebook (repeatable); e.g. --notebook 1_layers for a quick run")
    parser.add_argument("--cell-timeout", type=int, default=600)
    args = parser.parse_args()

    course = CoursePaths.from_repo(REPO)
    load = os.getloadavg()
    print(f"[bench] {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          "(above ~0.5 the numbers are inflated)")
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        work = Path(tmp)
        release = work / "release" / "dl"
        build_release(course.source_dir, release)
        sample = work / "sample"
        build_sample_class(course.source_dir, release, sample)
        submissions = work / "submissions"
        for index in range(args.submissions):
            shutil.copytree(sample / "correct", submissions / f"correct_{index + 1:02d}")
        graded_course = CoursePaths(course.source_dir, release, course.datasets_dir)

        runs = {}
        for workers in args.workers:
            log: list[str] = []
            settings = AutogradeSettings(workers=workers, notebooks=args.notebooks,
                                         cell_timeout=args.cell_timeout, force=True)
            started = time.monotonic()
            summary = autograde(submissions, work / f"out-{workers}", graded_course, settings, echo=log.append)
            total = time.monotonic() - started
            # Hand-graded cells count 0 until graded: a correct submission lacks only those points.
            wrong = [s for s, o in summary.outcomes.items() if any(nb.status != "graded" or nb.reason
                                                                   for nb in o.notebooks.values())]
            phases = _phases(log)
            runs[workers] = (total, phases, summary)
            print(f"[bench] {workers} worker(s): {args.submissions} submissions x {len(summary.notebooks)} "
                  f"notebook(s) in {total:.1f} s = {3600 * args.submissions / total:.1f} submissions/hour "
                  f"(grading phase {phases.get('grading', 0):.1f} s = "
                  f"{3600 * args.submissions / max(phases.get('grading', total), 1e-9):.1f}/hour)"
                  + (f"; NOT GRADED CLEANLY: {', '.join(wrong)}" if wrong else ""))

        if 1 in runs and 2 in runs:
            (t1, p1, _), (t2, p2, _) = runs[1], runs[2]
            print(f"[bench] scaling 1 -> 2 workers: {t1 / t2:.2f}x whole run, "
                  f"{p1.get('grading', t1) / max(p2.get('grading', t2), 1e-9):.2f}x grading phase (goal >= 1.8)")

        if 1 in runs:
            total, phases, summary = runs[1]
            notebooks = summary.notebooks
            alone = execute_alone(submissions / "correct_01", notebooks, args.cell_timeout, work,
                                  course.datasets_dir)
            executing = sum(alone.values())
            per_notebook = {nb: statistics.median(o.notebooks[nb].seconds for o in summary.outcomes.values())
                            for nb in notebooks}
            nbgrader = sum(per_notebook.values())
            job = statistics.median(o.seconds for o in summary.outcomes.values())
            per_submission = total / args.submissions
            print(f"[bench] per submission, 1 worker: {per_submission:.1f} s in all; executing the notebooks "
                  f"alone (nbclient) {executing:.1f} s; overhead {per_submission - executing:.1f} s "
                  f"({100 * (per_submission - executing) / per_submission:.0f}%):")
            print(f"          nbgrader around the execution: {nbgrader - executing:.1f} s "
                  f"({(nbgrader - executing) / len(notebooks):.1f} s per notebook)")
            for nb in notebooks:
                print(f"            {nb}: nbgrader {per_notebook[nb]:.1f} s, nbclient alone {alone[nb]:.1f} s")
            print(f"          sandboxed job around nbgrader: {job - nbgrader:.1f} s")
            grading = phases.get("grading", 0.0)
            print(f"          preparation and merge in the parent: {grading / args.submissions - job:.1f} s")
            print(f"          feedback: {phases.get('feedback', 0.0) / args.submissions:.1f} s; "
                  f"gradebook template (once per run): {phases.get('template', 0.0):.1f} s "
                  f"= {phases.get('template', 0.0) / args.submissions:.1f} s each")
    return 0



if __name__ == "__main__":
    sys.exit(main())
