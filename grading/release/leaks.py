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


# What a student bundle may never hold, by path: the instructor's sources and the grader's other parts.
BUNDLE_FORBIDDEN_PATHS = ("solutions/", "tests/", "benchmarks/", "grading/gradebook/", "grading/mutation/",
                          "grading/similarity/", "grading/report/", "grading/demo/", "grading/release/",
                          "grading/autograde/run.py", "grading/autograde/grade_job.py")
RUBRIC_HEADING = "#### Rubric (for graders)"
# Whole-file instructor sources: any of their lines that the given code does not also show is private.
PRIVATE_FILE_GLOBS = ("tests/**/*.py", "grading/mutation/mutants/**/*.py", "grading/gradebook/*.py",
                      "grading/mutation/*.py", "grading/similarity/*.py", "grading/report/*.py")
MIN_PRIVATE_FILE_LINE = 20  # shorter lines of whole files (imports, `return out`) are everywhere


def _lines(blocks: list[str]) -> set[str]:
    return {line.strip() for block in blocks for line in block.splitlines() if line.strip()}


def file_lines(paths: list[Path]) -> set[str]:
    """Every stripped, non-empty line of these files (a notebook's cell sources)."""
    return _lines([block for path in paths for block in _text_blocks(path)])


def instructor_only_lines(repo_root: Path, given: set[str], released: set[str]) -> dict[str, str]:
    """Private line -> where it comes from.

    - Lines inside the source's solution regions and hidden tests (model answers and rubrics
      included) that the source does not also show outside them, and that the given code
      (``given``: ``starter`` and the check's own modules) does not hold: the release is checked
      against these, so a stub that kept a solution line is a leak.
    - Lines of the tests, the mutants and the grader's instructor-side modules that neither the
      given code nor the release (``released``, whose stubs share signatures and docstrings with
      them) holds.
    """
    private: dict[str, str] = {}
    inside: dict[str, str] = {}
    shown: set[str] = set()  # what some source file shows outside its regions is not private
    for path in sorted((repo_root / "solutions").rglob("*")):
        if path.suffix not in (".py", ".ipynb", ".md"):
            continue
        for block in _text_blocks(path):
            block_inside, block_outside = _split_regions(block)
            for line in block_inside:
                inside.setdefault(line, f"a solution region or hidden test of {path.relative_to(repo_root)}")
            shown |= block_outside
    for line, where in inside.items():
        if len(line) >= MIN_LEAK_LENGTH and line not in shown and line not in given:
            private[line] = where
    for pattern in PRIVATE_FILE_GLOBS:
        for path in sorted(repo_root.glob(pattern)):
            for line in _lines(_text_blocks(path)) - given - released:
                if len(line) >= MIN_PRIVATE_FILE_LINE:
                    private.setdefault(line, str(path.relative_to(repo_root)))
    return private


def find_bundle_leaks(repo_root: Path, members: dict[str, bytes], given: set[str], released: set[str]) -> list[str]:
    """What a student bundle shows that it must not, one line each ([] when clean).

    ``members`` maps each path inside the bundle (without its top folder) to its bytes; ``given`` and
    ``released`` are as :func:`instructor_only_lines` takes them.
    """
    private = instructor_only_lines(repo_root, given, released)
    problems = [f"{name}: instructor-only file" for name in members
                if name.startswith(BUNDLE_FORBIDDEN_PATHS)]
    for name, data in sorted(members.items()):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # data files carry no text
        if name.endswith(".ipynb"):
            blocks = [cell.source for cell in nbformat.reads(text, as_version=nbformat.NO_CONVERT).cells]
        else:
            blocks = [text]
        lines = _lines(blocks)
        for marker in (*(m for pair in REGION_MARKERS for m in pair), RUBRIC_HEADING):
            if any(marker in line for line in lines):
                problems.append(f"{name}: contains the marker {marker!r}")
        for line in sorted(lines & private.keys()):
            problems.append(f"{name}: shows {line!r}, from {private[line]}")
    return problems
