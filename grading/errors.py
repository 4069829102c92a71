"""The one error family of the pipeline: ``python -m grading`` prints it as one line and exits 2.

Every error that means "grading itself cannot run as asked" (a wrong folder, a broken
release, an unreachable scheduler, a malformed CSV ...) derives from :class:`GradingError`;
each keeps its older base too (``RuntimeError`` or ``ValueError``). A student's faults never
raise: they are graded 0 with the reason.
"""

from __future__ import annotations

import argparse


class GradingError(Exception):
    """The pipeline cannot do what was asked; the message says what is wrong and how to fix it."""


def positive_int(text: str) -> int:
    """argparse type of the --workers, --cell-timeout ... options."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
