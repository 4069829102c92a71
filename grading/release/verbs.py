"""The ``release`` verb: regenerate ``assignments/`` from ``solutions/``, or check it is current;
``--bundle FILE.zip`` also writes (or, with ``--check``, checks) the student bundle."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from grading.layout import CoursePaths


def register(verbs: argparse._SubParsersAction) -> None:
    release = verbs.add_parser("release", help="regenerate assignments/ from solutions/ with nbgrader; "
                               "--bundle: the students' zip")
    release.add_argument("--check", action="store_true",
                         help="do not write; exit 1 if the committed release differs from a fresh one "
                         "(and, with --bundle, if FILE.zip differs from the bundle the sources give now)")
    release.add_argument("--bundle", type=Path, metavar="FILE.zip",
                         help="also write the student bundle: the release, starter, the datasets, the "
                         "pre-submission check, an install file and a README; never a solution")
    release.set_defaults(handler=_release)


def _release(args: argparse.Namespace) -> int:
    from grading.release.build import build_release, release_differences
    from grading.release.bundle import bundle_differences, write_bundle

    course = CoursePaths.from_repo()
    repo_root = course.source_dir.parent.parent
    started = time.monotonic()
    if args.check:
        differences = release_differences(course.source_dir, course.release_dir)
        if differences:
            print("the committed release is stale:\n  " + "\n  ".join(differences), file=sys.stderr)
            print("run `python -m grading release` and commit assignments/", file=sys.stderr)
            return 1
        print(f"release up to date: {course.release_dir} ({time.monotonic() - started:.1f} s)")
        if args.bundle is not None:
            differences = bundle_differences(repo_root, course.release_dir, args.bundle)
            if differences:
                print(f"{args.bundle} is not the current bundle:\n  " + "\n  ".join(differences), file=sys.stderr)
                print(f"run `python -m grading release --bundle {args.bundle}` and hand out the new one",
                      file=sys.stderr)
                return 1
            print(f"bundle up to date: {args.bundle}")
        return 0
    build_release(course.source_dir, course.release_dir)
    print(f"released {course.source_dir} -> {course.release_dir} ({time.monotonic() - started:.1f} s)")
    if args.bundle is not None:
        summary = write_bundle(repo_root, course.release_dir, args.bundle)
        print(f"student bundle: {summary.path} ({summary.files} files, {summary.size / 1e6:.1f} MB; "
              "no solution, hidden test or instructor-only file: checked)")
    return 0
