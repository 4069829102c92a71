"""What the grader's install extra brings, and the one error a verb gives when it is missing.

Students install the course with ``pip install -e .``: the base dependencies, enough for
``python -m grading check`` and every ``--help``. The instructor's verbs that compare, cluster or
store in PostgreSQL import their packages when they run (never while the parser is built), so a
missing extra is reported by :func:`missing_extra` as one line and exit 2, not a traceback.
"""

from __future__ import annotations

import importlib.util

from grading.errors import GradingError

GRADER_EXTRA = "grading"
GRADER_INSTALL = f"pip install -e '.[{GRADER_EXTRA}]' (or bash scripts/setup.sh)"

# Import name -> what needs it. Every package of pyproject.toml's [grading] extra has its import
# here (tests/test_install_declarations.py checks the two agree).
GRADER_MODULES: dict[str, str] = {
    "copydetect": "the similarity check (python -m grading similarity, and the demo that runs it)",
    "distributed": "autograde --scheduler (a dask.distributed cluster)",
    "psycopg2": "a PostgreSQL gradebook (--db postgresql://...)",
    "jupytext": "the notebooks' text twins (jupytext --sync)",
}


class MissingExtraError(GradingError, ImportError):
    """A package of the grader's extra is not installed; the message says how to install it."""


def _missing(module: str) -> MissingExtraError:
    return MissingExtraError(
        f"{GRADER_MODULES[module]} needs {module}, part of the grader's install extra "
        f"[{GRADER_EXTRA}], which this environment lacks: {GRADER_INSTALL}"
    )


def missing_extra(error: ImportError) -> MissingExtraError | None:
    """The error to show for an import of the grader's extra that failed, or None for any other import."""
    top = (error.name or "").split(".")[0]
    return _missing(top) if top in GRADER_MODULES else None


def require(module: str) -> None:
    """Fail now when ``module`` (one of :data:`GRADER_MODULES`) is missing, not after minutes of grading."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules (as the tests block one)
        found = False
    if not found:
        raise _missing(module)
