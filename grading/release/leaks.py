"""Check that a release shows no instructor-only text: solutions, hidden tests, mark schemes.

nbgrader and :mod:`grading.release.strip_solutions` remove these regions; this is the
independent check that they did, run on every release.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

# (begin, end) marker pairs of instructor-only regions, as nbgrader spells them.
REGION_MARKERS = (
    ("### BEGIN SOLUTION", "### END SOLUTION"),
    ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
    ("=== BEGIN MARK SCHEME ===", "=== END MARK SCHEME ==="),
)
# Shorter lines (`return out`, `pass`) legitimately appear in stubs and given code.
MIN_LEAK_LENGTH = 12


def _text_blocks(path: Path) -> list[str]:
    """A notebook's cell sources, or a text file's whole content."""
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        return [cell.source for cell in notebook.cells]
    try:
        return [path.read_text(encoding="utf-8")]
    except UnicodeDecodeError:
        return []  # binary files carry no markers


def _split_regions(block: str) -> tuple[set[str], set[str]]:
    """(stripped lines inside instructor-only regions, stripped lines outside them)."""
    inside: set[str] = set()
    outside: set[str] = set()
    closing: str | None = None
    for line in block.splitlines():
        stripped = line.strip()
        if closing is None:
            opening = next((end for begin, end in REGION_MARKERS if begin in line), None)
            if opening is not None:
                closing = opening
            else:
                outside.add(stripped)
        elif closing in line:
            closing = None
        else:
            inside.add(stripped)
    return inside, outside


def find_leaks(source_dir: Path, release_dir: Path) -> list[str]:
    """Problems found, one line each naming the file and the leaked text ([] when clean)."""
    problems: list[str] = []
    for released in sorted(path for path in release_dir.rglob("*") if path.is_file()):
        name = str(released.relative_to(release_dir))
        released_lines = {
            line.strip() for block in _text_blocks(released) for line in block.splitlines()
        }
        for begin, end in REGION_MARKERS:
            for marker in (begin, end):
                if any(marker in line for line in released_lines):
                    problems.append(f"{name}: contains the marker {marker!r}")
        source = source_dir / name
        if not source.is_file():
            continue
        inside: set[str] = set()
        outside: set[str] = set()
        for block in _text_blocks(source):
            block_inside, block_outside = _split_regions(block)
            inside |= block_inside
            outside |= block_outside
        private = {line for line in inside - outside if len(line) >= MIN_LEAK_LENGTH}
        for line in sorted(private & released_lines):
            problems.append(f"{name}: shows instructor-only line {line!r}")
    return problems
