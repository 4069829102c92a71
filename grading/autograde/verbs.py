"""The ``autograde`` verb: grade SUBMISSIONS/<student_id>/ into OUT."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading.errors import positive_int
from grading.layout import CoursePaths
from grading.sandbox.preflight import add_allow_unisolated


def register(verbs: argparse._SubParsersAction) -> None:
    grade = verbs.add_parser("autograde", help="grade SUBMISSIONS/<student_id>/ with nbgrader into OUT")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                       help="folder with one folder per student holding their assignment files")
    grade.add_argument("--out", type=Path, required=True, metavar="OUT",
                       help="where grades.csv, gradebook.db, feedback/ and the log go")
    grade.add_argument("--workers", type=positive_int, default=1, metavar="N",
                       help="submissions graded at the same time (default 1)")
    grade.add_argument("--notebook", action="append", metavar="NAME", dest="notebooks",
                       help="grade only this notebook id, e.g. 1_layers (repeatable)")
    grade.add_argument("--cell-timeout", type=positive_int, default=300, metavar="SECONDS",
                       help="time limit per notebook cell before it is interrupted; cells declaring a longer course.timeout get theirs (default 300)")
    grade.add_argument("--submission-timeout", type=positive_int, default=None, metavar="SECONDS",
                       help="wall-clock limit per submission before it is killed "
                       "(default 1200 per notebook it holds)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a dask.distributed cluster (e.g. tcp://10.0.0.5:8786) instead of "
                       "local processes; workers need this package and its datasets installed")
    grade.add_argument("--db", metavar="URL", dest="db_url",
                       help="course gradebook as an SQLAlchemy URL, e.g. postgresql://grader@dbhost/course "
                       "(password from PGPASSWORD or ~/.pgpass; default: SQLite OUT/gradebook.db)")
    add_allow_unisolated(grade)
    grade.add_argument("--force", action="store_true",
                       help="regrade every submission (default: skip those graded before whose files "
                       "did not change)")
    grade.set_defaults(handler=_autograde)


def _autograde(args: argparse.Namespace) -> int:
    from grading.autograde.run import AutogradeSettings, autograde

    settings = AutogradeSettings(
        workers=args.workers, notebooks=args.notebooks, cell_timeout=args.cell_timeout,
        submission_timeout=float(args.submission_timeout) if args.submission_timeout else None,
        scheduler=args.scheduler, db_url=args.db_url, force=args.force,
        allow_unisolated=args.allow_unisolated,
    )
    try:
        summary = autograde(args.submissions, args.out, CoursePaths.from_repo(), settings)
    except KeyboardInterrupt:
        print("python -m grading autograde: interrupted; the submissions finished so far are kept: "
              "run the same command again to grade the rest", file=sys.stderr)
        return 130
    print(f"grades: {summary.out_dir / 'grades.csv'}")
    return 0
