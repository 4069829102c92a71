"""The ``mutate`` verb's command line."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from grading.errors import positive_int
from grading.layout import CoursePaths
from grading.mutation.mutant_files import BUNDLED_MUTANTS
from grading.sandbox.preflight import add_allow_unisolated


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a fraction between 0 and 1, got {value}")
    return value


def register(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser(
        "mutate", help="grade the solutions with each bug/alternative applied; report what the tests catch",
        description="Apply each mutant (grading/mutation/mutants/<module>/*.py, or --mutant FILE) to the solution, "
        "autograde the notebooks that reach it with the normal pipeline, and report per part the bugs "
        "caught, the alternatives at full credit and the cells that should catch the survivors.")
    parser.add_argument("--module", action="append", default=[], metavar="NAME", dest="modules",
                        help="only this student module, e.g. layers (repeatable; parts run in this order); "
                        "with --mutant: the module it mutates")
    parser.add_argument("--mutant", action="append", default=[], type=Path, metavar="PATH", dest="mutant_files",
                        help="a mutant file of your own (repeatable); replaces the collection")
    parser.add_argument("--mutants-dir", type=Path, default=BUNDLED_MUTANTS, metavar="DIR",
                        help="the collection, DIR/<module>/*.py (default grading/mutation/mutants)")
    parser.add_argument("--workers", type=positive_int, default=2, metavar="N",
                        help="submissions graded at the same time (default 2)")
    parser.add_argument("--notebook", action="append", default=[], metavar="NAME", dest="notebooks",
                        help="grade only this notebook id, e.g. 1_layers (repeatable); mutants reaching "
                        "none of them are left out (default: every notebook a mutant reaches)")
    parser.add_argument("--sample", type=positive_int, default=None, metavar="K",
                        help="grade a seeded random sample of K mutants (at least one alternative)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of --sample (default 0)")
    parser.add_argument("--out", type=Path, default=Path("mutate-out"), metavar="DIR",
                        help="where the runs and mutation_report.md/.json go (default mutate-out/)")
    parser.add_argument("--cell-timeout", type=positive_int, default=300, metavar="S",
                        help="per-cell limit; cells declaring a longer course.timeout keep theirs (default 300)")
    parser.add_argument("--min-caught", type=_fraction, default=None, metavar="F",
                        help="exit 1 unless every part catches at least this fraction of its bugs, e.g. 0.95")
    parser.add_argument("--require-alternatives", action="store_true",
                        help="exit 1 unless every correct alternative gets full credit")
    parser.add_argument("--note", default="", help="a sentence for the report (e.g. machine load)")
    add_allow_unisolated(parser)
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    # Imported here: nbformat and nbgrader take seconds to import, and --help needs neither.
    from grading.autograde.run import AutogradeSettings
    from grading.mutation.mutant_files import Mutant
    from grading.mutation.reach import UsageMap, mutated_symbols
    from grading.mutation.run import run_mutate
    from grading.mutation.selection import MutateError, select_mutants
    from grading.mutation.summary import REPORT_MD, summary_table, thresholds_met
    from grading.sandbox.preflight import require_isolation

    require_isolation(args.allow_unisolated)  # before any mutant is built
    course = CoursePaths.from_repo()
    usage = UsageMap(course.source_dir)
    unknown = sorted(set(args.notebooks) - set(usage.notebooks))
    if unknown:
        raise MutateError(f"unknown notebook {', '.join(unknown)}; --notebook takes one of: "
                          f"{', '.join(usage.notebooks)}")
    keep = None
    if args.notebooks:
        sources = {m: (course.source_dir / f"{m}.py").read_text(encoding="utf-8") for m in usage.modules}

        def keep(mutant: Mutant) -> bool:
            symbols = mutated_symbols(mutant, sources[mutant.module])
            return bool(set(usage.notebooks_using(symbols)) & set(args.notebooks))
    items = select_mutants(course.source_dir, args.mutants_dir, args.mutant_files, args.modules,
                           args.sample, args.seed, keep)
    settings = AutogradeSettings(workers=args.workers, cell_timeout=args.cell_timeout,
                                 allow_unisolated=args.allow_unisolated)
    command = "python -m grading mutate " + shlex.join(sys.argv[2:] if sys.argv[1:2] == ["mutate"] else sys.argv[1:])
    print(f"{len(items)} mutant(s): {sum(m.is_bug for m, _ in items)} bug(s), "
          f"{sum(not m.is_bug for m, _ in items)} alternative(s)")
    results, parts = run_mutate(items, course, args.out, settings, command=command.strip(), note=args.note,
                                order=args.modules, only=args.notebooks or None)
    print("\n".join(summary_table(parts)))
    for result in results:
        if result.verdict in ("SURVIVED", "REJECTED"):
            where = ", ".join(result.should_catch if result.kind == "bug" else result.lost) or "-"
            print(f"{result.verdict}: {result.id} ({result.description}); cells: {where}")
    print(f"report: {args.out / REPORT_MD}")
    problems = thresholds_met(parts, args.min_caught, args.require_alternatives)
    for problem in problems:
        print(f"threshold not met: {problem}", file=sys.stderr)
    return 1 if problems else 0
