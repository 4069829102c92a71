"""The verbs of what people read: ``feedback``, ``report`` and ``student-pdf``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading.errors import positive_int


def register(verbs: argparse._SubParsersAction) -> None:
    feedback = verbs.add_parser("feedback", help="regenerate OUT/feedback/ from a graded OUT")
    feedback.add_argument("out", type=Path, metavar="OUT")
    feedback.add_argument("--workers", type=positive_int, default=1, metavar="N")
    feedback.set_defaults(handler=_feedback)

    report = verbs.add_parser("report", help="class report OUT/report/report.html and report.pdf")
    report.add_argument("out", type=Path, metavar="OUT")
    report.set_defaults(handler=_report)

    pdf = verbs.add_parser("student-pdf", help="a student's completed notebooks, in order, as one PDF")
    pdf.add_argument("folder", type=Path, metavar="FOLDER", help="the folder with your notebooks")
    pdf.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    pdf.add_argument("--assignment", type=Path, metavar="DIR",
                     help="the released assignment folder whose notebooks are expected "
                     "(default: assignments/dl of this repository)")
    pdf.set_defaults(handler=_student_pdf)


def _feedback(args: argparse.Namespace) -> int:
    from grading.report.feedback import generate_feedback

    generate_feedback(args.out, executor_workers=args.workers)
    return 0


def _report(args: argparse.Namespace) -> int:
    from grading.report.class_report import build_report

    html_path, pdf_path = build_report(args.out)
    print(f"report: {html_path}\nreport: {pdf_path}")
    return 0


def _student_pdf(args: argparse.Namespace) -> int:
    from grading.report.student_pdf import render_student_pdf

    pdf = render_student_pdf(args.folder, args.out, args.assignment)
    print(f"pdf: {pdf}", file=sys.stderr)
    return 0
