"""``python -m grading <verb>``: the instructor's command line (see course-spec, "Grading command line")."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from grading.course import CourseError, CoursePaths

# Verbs whose parser and handler live in their own module: ``register(verbs)`` adds a
# subparser and sets ``handler=<callable(args) -> int>`` as its default.
PLUGGED_VERBS: tuple[str, ...] = ("grading.mutate", "grading.export", "grading.student_pdf", "grading.manual_grades",
                                  "grading.similarity.cli")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grading",
        description="Release, autograde, give feedback on and report the `dl` assignment. "
        "Run from the repository root.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    release = verbs.add_parser("release", help="regenerate assignments/ from solutions/ with nbgrader")
    release.add_argument("--check", action="store_true",
                         help="do not write; exit 1 if the committed release differs from a fresh one")

    grade = verbs.add_parser("autograde", help="grade SUBMISSIONS/<student_id>/ with nbgrader into OUT")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                       help="folder with one folder per student holding their assignment files")
    grade.add_argument("--out", type=Path, required=True, metavar="OUT",
                       help="where grades.csv, gradebook.db, feedback/ and the log go")
    grade.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                       help="submissions graded at the same time (default 1)")
    grade.add_argument("--notebook", action="append", metavar="NAME", dest="notebooks",
                       help="grade only this notebook id, e.g. 1_layers (repeatable)")
    grade.add_argument("--cell-timeout", type=_positive_int, default=300, metavar="SECONDS",
                       help="time limit per notebook cell before it is interrupted; cells declaring a longer course.timeout get theirs (default 300)")
    grade.add_argument("--submission-timeout", type=_positive_int, default=None, metavar="SECONDS",
                       help="wall-clock limit per submission before it is killed "
                       "(default 1200 per notebook it holds)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a dask.distributed cluster (e.g. tcp://10.0.0.5:8786) instead of "
                       "local processes; workers need this package and its datasets installed")
    grade.add_argument("--db", metavar="URL", dest="db_url",
                       help="course gradebook as an SQLAlchemy URL, e.g. postgresql://grader@dbhost/course "
                       "(password from PGPASSWORD or ~/.pgpass; default: SQLite OUT/gradebook.db)")
    grade.add_argument("--force", action="store_true",
                       help="regrade every submission (default: skip those graded before whose files "
                       "did not change)")

    feedback = verbs.add_parser("feedback", help="regenerate OUT/feedback/ from a graded OUT")
    feedback.add_argument("out", type=Path, metavar="OUT")
    feedback.add_argument("--workers", type=_positive_int, default=1, metavar="N")

    report = verbs.add_parser("report", help="class report OUT/report/report.html and report.pdf")
    report.add_argument("out", type=Path, metavar="OUT")

    demo = verbs.add_parser("demo", help="release, grade a sample class, feedback and report, under DIR")
    demo.add_argument("--out", type=Path, default=Path("demo-out"), metavar="DIR",
                      help="where everything goes (default demo-out/)")
    demo.add_argument("--workers", type=_positive_int, default=2, metavar="N")
    demo.add_argument("--notebook", action="append", metavar="NAME", dest="notebooks",
                      help="grade only this notebook id (repeatable); a quick demo: --notebook 1_layers")
    demo.add_argument("--cell-timeout", type=_positive_int, default=120, metavar="SECONDS",
                      help="per-cell limit (default 120: the sample class has an infinite loop; "
                      "training cells keep their declared longer limits)")
    for module_name in PLUGGED_VERBS:
        importlib.import_module(module_name).register(verbs)
    return parser


def _release(args: argparse.Namespace) -> int:
    from grading.release import build_release, release_differences

    course = CoursePaths.from_repo()
    started = time.monotonic()
    if args.check:
        differences = release_differences(course.source_dir, course.release_dir)
        if differences:
            print("the committed release is stale:\n  " + "\n  ".join(differences), file=sys.stderr)
            print("run `python -m grading release` and commit assignments/", file=sys.stderr)
            return 1
        print(f"release up to date: {course.release_dir} ({time.monotonic() - started:.1f} s)")
        return 0
    build_release(course.source_dir, course.release_dir)
    print(f"released {course.source_dir} -> {course.release_dir} ({time.monotonic() - started:.1f} s)")
    return 0


def _autograde(args: argparse.Namespace) -> int:
    from grading.autograde import AutogradeSettings, autograde
    from grading.dask_executor import DaskExecutorError
    from grading.gradebook import GradebookUrlError

    settings = AutogradeSettings(
        workers=args.workers, notebooks=args.notebooks, cell_timeout=args.cell_timeout,
        submission_timeout=float(args.submission_timeout) if args.submission_timeout else None,
        scheduler=args.scheduler, db_url=args.db_url, force=args.force,
    )
    try:
        summary = autograde(args.submissions, args.out, CoursePaths.from_repo(), settings)
    except (DaskExecutorError, GradebookUrlError) as error:
        print(f"python -m grading autograde: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("python -m grading autograde: interrupted; the submissions finished so far are kept: "
              "run the same command again to grade the rest", file=sys.stderr)
        return 130
    print(f"grades: {summary.out_dir / 'grades.csv'}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from grading.feedback import generate_feedback

    generate_feedback(args.out, executor_workers=args.workers)
    return 0


def _report(args: argparse.Namespace) -> int:
    from grading.report import build_report

    html_path, pdf_path = build_report(args.out)
    print(f"report: {html_path}\nreport: {pdf_path}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from grading.autograde import AutogradeSettings
    from grading.demo import run_demo

    settings = AutogradeSettings(
        workers=args.workers, notebooks=args.notebooks, cell_timeout=args.cell_timeout
    )
    return run_demo(args.out, CoursePaths.from_repo(), settings=settings)


def main(argv: Sequence[str] | None = None) -> int:
    from grading.feedback import FeedbackError
    from grading.modules import MarkerError
    from grading.nbgrader_run import NbgraderError
    from grading.pdf import PdfError
    from grading.report_stats import ReportError
    from grading.submissions import SubmissionsError

    args = build_parser().parse_args(argv)
    handler = getattr(args, "handler", None) or {
        "release": _release, "autograde": _autograde, "feedback": _feedback, "report": _report, "demo": _demo,
    }[args.verb]
    try:
        return handler(args)
    except (
        CourseError, SubmissionsError, NbgraderError, MarkerError, FeedbackError, ReportError, PdfError,
    ) as error:
        print(f"python -m grading {args.verb}: error: {error}", file=sys.stderr)
        return 2
