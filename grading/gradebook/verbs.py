"""The gradebook's verbs: ``export`` (CSV for an LMS) and ``manual-grades`` (hand grading).

Errors (:class:`~grading.errors.GradingError`) reach ``cli.main``, which prints them as one line
and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading.gradebook import EXPORT_FORMATS


def register(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser("export", help="grades as CSV for a learning-management system (Canvas, generic)")
    parser.add_argument("out_dir", type=Path, metavar="OUT", help="the --out folder of autograde")
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="generic",
                        help="canvas: Canvas gradebook import; generic: one row per student (default)")
    parser.add_argument("--out", type=Path, dest="target", metavar="FILE",
                        help="where to write (default OUT/grades-FORMAT.csv)")
    parser.add_argument("--roster", type=Path, metavar="CANVAS.csv",
                        help="canvas: a gradebook CSV exported from Canvas, to take each student's Canvas ids")
    parser.add_argument("--total-only", action="store_true",
                        help="canvas: one column for the whole assignment instead of one per notebook")
    parser.set_defaults(handler=_export)

    parser = verbs.add_parser(
        "manual-grades", help="hand grading: a CSV template of the written answers, and its import",
        description="Hand-grade the written questions of a graded OUT: --template writes a CSV to fill "
        "(with each student's answer and the rubric) and a Markdown file to read; --import records the "
        "scores in the gradebook (nbgrader's manual_score) and rewrites OUT/grades.csv with the final "
        "grades (manual score where given, else the automatic one).")
    parser.add_argument("out", type=Path, metavar="OUT", help="the --out folder of `python -m grading autograde`")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--template", type=Path, metavar="FILE.csv",
                        help="write the CSV to fill in (and FILE.md to read the answers)")
    action.add_argument("--import", type=Path, metavar="FILE.csv", dest="import_file",
                        help="import a filled-in CSV (blank scores are left as they are)")
    parser.add_argument("--source", type=Path, default=None, metavar="DIR",
                        help="the source notebooks holding rubrics and model answers (default solutions/dl)")
    parser.add_argument("--force", action="store_true", help="with --template: overwrite FILE.csv")
    parser.set_defaults(handler=_manual_grades)


def _export(args: argparse.Namespace) -> int:
    from grading.gradebook.export import export

    export(args.out_dir, args.format, args.target, args.roster, args.total_only,
           warn=lambda line: print(line, file=sys.stderr))
    return 0


def _manual_grades(args: argparse.Namespace) -> int:
    from grading.gradebook.manual_grades import (
        ManualGradesError,
        format_points,
        import_scores,
        write_template,
    )
    from grading.layout import CoursePaths, OutLayout

    source = args.source or CoursePaths.from_repo().source_dir
    if args.template is not None:
        if not source.is_dir():
            raise ManualGradesError(f"--source {source} is not a folder of source notebooks")
        count, markdown = write_template(args.out, args.template, source, force=args.force)
        print(f"{count} answer(s) to grade: fill the score column of {args.template} "
              f"(answers and rubrics to read: {markdown}), then run\n"
              f"  python -m grading manual-grades {args.out} --import {args.template}")
        return 0
    count, table, zeros = import_scores(args.out, args.import_file, source)
    print(f"recorded {count} manual score(s) from {args.import_file}; {OutLayout(args.out).grades_csv} rewritten "
          "with the final grades")
    if zeros:
        print(f"recorded 0 for {zeros} written answer(s) with nothing written (no answer, notebook missing)")
    print(f"{'student_id':<24} {'auto':>8} {'manual':>8} {'extra':>8} {'total':>8} {'max':>8}")
    for student, entry in sorted(table.items()):
        print(f"{student:<24} {format_points(entry['auto']):>8} {format_points(entry['manual']):>8} "
              f"{format_points(entry['extra']):>8} {format_points(entry['total']):>8} "
              f"{format_points(entry['max']):>8}")
    print("(extra: extra-credit cells, in the total, not in max)")
    print(f"feedback pages still show the earlier scores: python -m grading feedback {args.out}")
    return 0
