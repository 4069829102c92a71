"""The ``release`` verb: regenerate ``assignments/`` from ``solutions/``, or check it is current."""

from __future__ import annotations

import argparse
import sys
import time

from grading.layout import CoursePaths


def register(verbs: argparse._SubParsersAction) -> None:
    release = verbs.add_parser("release", help="regenerate assignments/ from solutions/ with nbgrader")
    release.add_argument("--check", action="store_true",
                         help="do not write; exit 1 if the committed release differs from a fresh one")
    release.set_defaults(handler=_release)


def _release(args: argparse.Namespace) -> int:
    from grading.release.build import build_release, release_differences

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
