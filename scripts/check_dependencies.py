"""Every import of the project is declared in pyproject.toml, in the extra of whoever runs that code.

deptry (configured in pyproject.toml's [tool.deptry]) runs once per audience. In each run, the
extras that audience does not install are handed to deptry as "development" groups, so an import
of one of their packages is an error (DEP004), as is an import nobody declares (DEP001) or one that
only arrives through another package (DEP003):

- students (``pip install -e .``): ``starter`` and the student modules and notebooks of
  ``solutions/dl``, with the base dependencies only;
- the grader (``pip install -e '.[grading]'``): the same plus ``grading``, with the [grading] extra;
  a declared package nothing imports is an error here too (DEP002), but for the few named below;
- developers (``bash scripts/setup.sh dev``): ``tests``, ``benchmarks``, ``scripts`` and ``docs``,
  with the [grading], [dev] and [torch] extras;
- whoever rebuilds a dataset: ``datasets/*/build.py``, with the [datasets] extra.

Run from anywhere: ``python scripts/check_dependencies.py [--root DIR]``; exit 1 lists what is wrong.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Audience:
    name: str
    roots: tuple[str, ...]  # folders deptry scans, relative to the repository root
    extras: tuple[str, ...]  # the optional-dependency groups this audience installs
    unused_ok: tuple[str, ...] | None  # declared packages no import needs; None: no unused check


AUDIENCES = (
    Audience("students", ("starter", "solutions/dl"), (), None),
    Audience(
        "grader", ("starter", "solutions/dl", "grading"), ("grading",),
        # jupyter: students' `jupyter lab`, never imported; jupytext: the authors' `jupytext --sync`;
        # psycopg2-binary: SQLAlchemy loads it by name (grading/gradebook/database.py).
        ("jupyter", "jupytext", "psycopg2-binary"),
    ),
    Audience("developers", ("tests", "benchmarks", "scripts", "docs"), ("grading", "dev", "torch"), None),
    Audience("dataset builders", ("datasets",), ("datasets",), None),
)


def deptry_command(audience: Audience, root: Path) -> list[str]:
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"].get("optional-dependencies", {})
    not_installed = [extra for extra in extras if extra not in audience.extras]
    command = [sys.executable, "-m", "deptry", *audience.roots, "--no-ansi",
               # deptry's default exclusions drop tests/; keep only the virtual environments out
               "--exclude", r"(\.?venv|\.git|build)(/|$)"]
    if not_installed:
        command += ["--optional-dependencies-dev-groups", ",".join(not_installed)]
    if audience.unused_ok is None:
        command += ["--ignore", "DEP002"]
    elif audience.unused_ok:
        command += ["--per-rule-ignores", "DEP002=" + "|".join(audience.unused_ok)]
    return command


def check(root: Path = REPO) -> list[str]:
    """deptry's findings per audience, as printable blocks; empty when every import is declared."""
    failures = []
    for audience in AUDIENCES:
        done = subprocess.run(deptry_command(audience, root), cwd=root, capture_output=True, text=True)
        if done.returncode != 0:
            findings = [line for line in (done.stdout + done.stderr).splitlines() if ": DEP" in line]
            failures.append(f"{audience.name} ({', '.join(audience.roots)}; extras: "
                            f"{', '.join(audience.extras) or 'none'}):\n  "
                            + "\n  ".join(findings or (done.stdout + done.stderr).splitlines()))
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO, help="the repository to check (default: this one)")
    failures = check(parser.parse_args().root)
    for failure in failures:
        print(failure)
    if failures:
        print("Declare each package in pyproject.toml, in the extra of the audience whose code imports it "
              "(and in environment.yml), or move the import to code that audience runs.")
        return 1
    print(f"every import is declared for its audience ({', '.join(a.name for a in AUDIENCES)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
