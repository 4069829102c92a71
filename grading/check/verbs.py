"""The ``check`` verb: a student runs it on their folder before handing in."""

from __future__ import annotations

import argparse
from pathlib import Path

from grading.errors import positive_int


def register(verbs: argparse._SubParsersAction) -> None:
    check = verbs.add_parser(
        "check", help="for students: run FOLDER's notebooks the way the grader does and say what "
        "would cost points (visible checks only; hidden tests run at grading)")
    check.add_argument("folder", type=Path, metavar="FOLDER",
                       help="your copy of the assignment folder (notebooks and modules)")
    check.add_argument("--notebook", action="append", metavar="NAME", dest="notebooks",
                       help="check only this notebook, e.g. 1_layers (repeatable; modules are always checked)")
    check.add_argument("--release", type=Path, metavar="DIR",
                       help="the assignment as released, to compare with (default: assignments/dl of "
                       "the repository this command runs from)")
    check.add_argument("--cell-timeout", type=positive_int, default=300, metavar="SECONDS",
                       help="time limit per cell, as the grader's (default 300); cells declaring a longer "
                       "course.timeout get theirs")
    check.set_defaults(handler=_check)


def _release_dir(given: Path | None) -> Path:
    from grading.check.files import CheckError
    from grading.layout import release_dir_of

    if given is not None:
        if not given.is_dir():
            raise CheckError(f"--release {given}: no such folder")
        return given.resolve()
    # the folder the command runs from, else the one this package was installed from: the course
    # repository or the unzipped student bundle, each with assignments/dl
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if release_dir_of(root).is_dir():
            return release_dir_of(root).resolve()
    raise CheckError("cannot find the released assignment (assignments/dl): run from the root of the "
                     "unzipped course bundle (or the course repository) or pass --release DIR")


def _check(args: argparse.Namespace) -> int:
    from grading.check.report import render
    from grading.check.run import CheckSettings, check_folder

    settings = CheckSettings(release=_release_dir(args.release), notebooks=args.notebooks,
                             cell_timeout=args.cell_timeout)
    text, code = render(check_folder(args.folder, settings))
    print(text)
    return code
