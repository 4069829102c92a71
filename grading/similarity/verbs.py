"""The ``similarity`` verb: ``python -m grading similarity SUBMISSIONS --out OUT``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading.similarity.thresholds import GUARANTEE_THRESHOLD, NOISE_THRESHOLD

HELP = "pairs of students who share their written code: OUT/similarity/ (pairs.csv, index.html)"


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                        help="folder with one folder per student (as for autograde)")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT",
                        help="writes OUT/similarity/ (the class report shows it when present)")
    parser.add_argument("--release", type=Path, default=None, metavar="DIR",
                        help="the release students started from, its code never counts "
                        "(default assignments/dl)")
    parser.add_argument("--allowed", type=Path, action="append", default=[], metavar="DIR",
                        help="a folder of code students were allowed to reuse (same file names), "
                        "excluded like the release's (repeatable)")
    parser.add_argument("--threshold", type=_fraction, default=0.5, metavar="FRACTION",
                        help="list pairs sharing at least this fraction of one student's code (default 0.5)")
    parser.add_argument("--top", type=_positive, default=25, metavar="N",
                        help="pairs listed with side-by-side pages, per file and overall (default 25)")
    parser.add_argument("--noise-threshold", type=_positive, default=NOISE_THRESHOLD, metavar="K",
                        help=f"copydetect's shortest match, in normalised characters (default {NOISE_THRESHOLD})")
    parser.add_argument("--guarantee-threshold", type=_positive, default=GUARANTEE_THRESHOLD, metavar="G",
                        help=f"copydetect's match length always found, >= K (default {GUARANTEE_THRESHOLD})")


def run(args: argparse.Namespace) -> int:
    from grading.extras import require
    from grading.layout import CourseError, CoursePaths

    require("copydetect")
    from grading.similarity.check import SimilarityError, SimilaritySettings, check_similarity

    try:
        release = args.release or CoursePaths.from_repo().release_dir
        if args.guarantee_threshold < args.noise_threshold:
            raise SimilarityError("--guarantee-threshold must be at least --noise-threshold")
        settings = SimilaritySettings(threshold=args.threshold, top=args.top, noise=args.noise_threshold,
                                      guarantee=args.guarantee_threshold, allowed=tuple(args.allowed))
        result = check_similarity(args.submissions, release, args.out, settings)
    except (SimilarityError, CourseError) as error:
        print(f"python -m grading similarity: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"python -m grading similarity: error: cannot write under {args.out}: {error}", file=sys.stderr)
        return 2
    print(f"{len(result.students)} students, {result.pairs_compared} pairs of files compared in "
          f"{result.seconds:.1f} s; {len(result.skipped)} file(s) skipped (skipped.csv)")
    print(f"pairs:  {result.out_dir / 'pairs.csv'}")
    print(f"report: {result.out_dir / 'index.html'}")
    return 0


def register(verbs: argparse._SubParsersAction) -> None:
    """Add the ``similarity`` verb (``grading.cli`` calls this for every verb package)."""
    parser = verbs.add_parser("similarity", help=HELP)
    add_arguments(parser)
    parser.set_defaults(handler=run)
