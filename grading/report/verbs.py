"""The verbs of what people read: ``feedback``, ``report`` and ``student-pdf``."""

from __future__ import annotations

import argparse
from pathlib import Path

from grading.errors import positive_int


def register(verbs: argparse._SubParsersAction) -> None:
    from grading.report import student_pdf

    feedback = verbs.add_parser("feedback", help="regenerate OUT/feedback/ from a graded OUT")
    feedback.add_argument("out", type=Path, metavar="OUT")
    feedback.add_argument("--workers", type=positive_int, default=1, metavar="N")
    feedback.set_defaults(handler=_feedback)

    report = verbs.add_parser("report", help="class report OUT/report/report.html and report.pdf")
    report.add_argument("out", type=Path, metavar="OUT")
    report.set_defaults(handler=_report)

    student_pdf.register(verbs)


def _feedback(args: argparse.Namespace) -> int:
    from grading.report.feedback import generate_feedback

    generate_feedback(args.out, executor_workers=args.workers)
    return 0


def _report(args: argparse.Namespace) -> int:
    from grading.report.class_report import build_report

    html_path, pdf_path = build_report(args.out)
    print(f"report: {html_path}\nreport: {pdf_path}")
    return 0
