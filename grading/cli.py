"""``python -m grading <verb>``: the instructor's command line (see course-spec, "Grading command line").

Thin on purpose: each subpackage's ``verbs.register(subparsers)`` adds its verbs and sets
``handler=<callable(args) -> int>``; errors of the pipeline itself (:class:`GradingError`)
become one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import MutableMapping, Sequence
from pathlib import Path

from grading.errors import GradingError
from grading.extras import missing_extra

# The subpackages with verbs, in the order of --help.
VERB_PACKAGES: tuple[str, ...] = ("release", "autograde", "report", "demo", "mutation", "gradebook", "similarity",
                                  "check")


def _present(module: str) -> bool:
    """Whether ``module`` is part of this install (an import error inside it is not hidden)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError as error:  # its package is absent
        if error.name is not None and module.startswith(error.name + "."):
            return False
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grading",
        description="Release, autograde, give feedback on and report the `dl` assignment. "
        "Run from the repository root.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for package in VERB_PACKAGES:
        if _present(f"grading.{package}.verbs"):  # the student bundle carries the check's part only
            importlib.import_module(f"grading.{package}.verbs").register(verbs)
    return parser


def verb_names() -> list[str]:
    """The verbs this install offers, sorted (the student bundle's: only ``check``)."""
    subparsers = next(action for action in build_parser()._actions if action.dest == "verb")
    return sorted(subparsers.choices)


def interpreter_bin_on_path(env: MutableMapping[str, str] = os.environ) -> None:
    """Put this interpreter's ``bin`` folder first on ``PATH`` for every subprocess.

    nbgrader shells out to ``alembic``, which a virtual environment installs beside its
    python: ``.venv/bin/python -m grading release`` must work without activating it.
    """
    bin_dir = str(Path(sys.executable).parent)
    parts = env.get("PATH", "").split(os.pathsep) if env.get("PATH") else []
    if bin_dir not in parts:
        env["PATH"] = os.pathsep.join([bin_dir, *parts])


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    interpreter_bin_on_path()
    try:
        return args.handler(args)
    except GradingError as error:
        print(f"python -m grading {args.verb}: error: {error}", file=sys.stderr)
        return 2
    except ImportError as error:
        # A verb imports its optional packages when it runs; one of the grader's extra is missing.
        missing = missing_extra(error)
        if missing is None:
            raise
        print(f"python -m grading {args.verb}: error: {missing}", file=sys.stderr)
        return 2
