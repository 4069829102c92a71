"""The gradebook's verbs: ``export`` (CSV for an LMS) and ``manual-grades`` (hand grading)."""

from __future__ import annotations

import argparse


def register(verbs: argparse._SubParsersAction) -> None:
    from grading.gradebook import export, manual_grades

    export.register(verbs)
    manual_grades.register(verbs)
