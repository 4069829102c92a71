"""A number the prose announces for a graded check is the number the check asserts.

"100 steps divide it by 5 or more" above an assertion of a factor of 3 tells a
student the wrong bar. For every markdown cell that states a numeric bar
("a factor of N", "divide ... by N", "N or more"), the next graded code cell's
visible part must assert with that same number. Reads the notebooks' twins.
"""

import re
from pathlib import Path

import jupytext
import pytest

REPO = Path(__file__).resolve().parent.parent
TWINS = sorted((REPO / "solutions" / "dl_text").glob("*.md"))

NUMBER = r"(\d+(?:\.\d+)?)"
BAR_PHRASES = [
    re.compile(r"factor of " + NUMBER, re.I),
    re.compile(r"divided? (?:it |the loss )?by " + NUMBER, re.I),
    re.compile(NUMBER + r" or more\b", re.I),
]


def _claims(text: str) -> list[str]:
    return [match.group(1) for phrase in BAR_PHRASES for match in phrase.finditer(text)]


def _visible_asserts(source: str) -> str:
    visible = source.split("### BEGIN HIDDEN TESTS")[0]
    lines = visible.splitlines()
    # An assert's condition and message may run over several lines: keep from each assert on.
    kept, inside = [], False
    for line in lines:
        if line.lstrip().startswith("assert"):
            inside = True
        elif line and not line[0].isspace():
            inside = False
        if inside:
            kept.append(line)
    return "\n".join(kept)


def _is_graded_code(cell) -> bool:
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False)


def _prose_bars(twin: Path) -> list[tuple[str, str, str]]:
    """(claimed number, prose excerpt, the next graded cell's visible asserts) per claim."""
    cells = jupytext.read(twin).cells
    found = []
    for index, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        graded = next((later for later in cells[index + 1:] if _is_graded_code(later)), None)
        if graded is None:
            continue
        asserts = _visible_asserts(graded.source)
        if not asserts:
            continue
        for number in _claims(cell.source):
            found.append((number, cell.source, asserts))
    return found


def _asserts_number(number: str, asserts: str) -> bool:
    return re.search(r"(?<![\d.])" + re.escape(number) + r"(?![\d])", asserts) is not None


@pytest.mark.parametrize("twin", TWINS, ids=lambda path: path.stem)
def test_prose_bars_match_the_assertions(twin):
    wrong = [
        f"prose says {number!r} but the next graded check asserts:\n{asserts}\n--- prose:\n{prose}"
        for number, prose, asserts in _prose_bars(twin)
        if not _asserts_number(number, asserts)
    ]
    assert not wrong, "\n\n".join(wrong)


def test_the_bars_are_found():
    """The scan sees the bars the course states (so the test above is not vacuous)."""
    found = {(twin.stem, number) for twin in TWINS for number, _, _ in _prose_bars(twin)}
    assert ("6_style_transfer", "3") in found
    assert ("5_transfer_learning", "0.88") in found


def test_the_check_can_fail():
    assert _claims("100 steps divide it by 5 or more") == ["5", "5"]
    assert not _asserts_number("5", "    assert last < first / 3, 'a factor of 3'")
    assert _asserts_number("0.88", "assert acc >= 0.88")
