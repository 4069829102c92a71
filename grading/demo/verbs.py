"""The ``demo`` verb: release, a sample class graded in parallel, feedback and the report, under DIR."""

from __future__ import annotations

import argparse
from pathlib import Path

from grading.errors import positive_int
from grading.layout import CoursePaths
from grading.sandbox.preflight import add_allow_unisolated

# The default demo: every kind of student on the quickest notebook; --full grades them all.
DEMO_NOTEBOOKS: tuple[str, ...] = ("1_layers",)
# Per-cell limit, mostly paid by the sample infinite loop: a correct student's whole 1_layers
# grades in under 20 s on a loaded 2-core machine; other notebooks' cells may need more.
DEMO_CELL_TIMEOUT = 30
FULL_DEMO_CELL_TIMEOUT = 120


def register(verbs: argparse._SubParsersAction) -> None:
    demo = verbs.add_parser(
        "demo", help="release, grade a sample class, feedback and report, under DIR",
        description="The whole pipeline on a sample class: by default every kind of student "
        f"(attackers included) on {', '.join(DEMO_NOTEBOOKS)} only, a few minutes; --full grades "
        "every notebook of the course.")
    demo.add_argument("--out", type=Path, default=Path("demo-out"), metavar="DIR",
                      help="where everything goes (default demo-out/)")
    demo.add_argument("--workers", type=positive_int, default=2, metavar="N")
    scope = demo.add_mutually_exclusive_group()
    scope.add_argument("--notebook", action="append", metavar="NAME", dest="notebooks",
                       help=f"grade only this notebook id (repeatable; default {' '.join(DEMO_NOTEBOOKS)})")
    scope.add_argument("--full", action="store_true",
                       help="grade every notebook of the course (tens of minutes)")
    demo.add_argument("--cell-timeout", type=positive_int, default=None, metavar="SECONDS",
                      help=f"per-cell limit (default {DEMO_CELL_TIMEOUT} s, {FULL_DEMO_CELL_TIMEOUT} s with "
                      "--full or --notebook: the sample class has an infinite loop; training cells keep "
                      "their declared longer limits)")
    add_allow_unisolated(demo)
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from grading.autograde.run import AutogradeSettings
    from grading.demo.run import run_demo
    from grading.extras import require
    from grading.sandbox.preflight import require_isolation

    require("copydetect")  # the demo ends with the similarity check: say so before grading, not after
    require_isolation(args.allow_unisolated)  # and refuse now, not after building the class
    if args.full or args.notebooks:
        notebooks, cell_timeout = args.notebooks, FULL_DEMO_CELL_TIMEOUT
    else:
        notebooks, cell_timeout = list(DEMO_NOTEBOOKS), DEMO_CELL_TIMEOUT
    settings = AutogradeSettings(
        workers=args.workers, notebooks=notebooks, cell_timeout=args.cell_timeout or cell_timeout,
        allow_unisolated=args.allow_unisolated,
    )
    return run_demo(args.out, CoursePaths.from_repo(), settings=settings)
