"""The release of the fixture course: nbgrader's student version, stubs, no leaks, reproducible."""

import shutil
from pathlib import Path

import nbformat
import pytest

from grading.layout import CourseError
from grading.release.build import build_release, release_differences
from grading.release.leaks import find_leaks

FIXTURE = Path(__file__).parent / "fixtures" / "course" / "dl"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("release") / "dl"
    build_release(FIXTURE, dest)
    return dest


def _all_text(folder: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(folder.iterdir()))


def test_release_holds_the_notebooks_and_modules(released):
    assert sorted(path.name for path in released.iterdir()) == ["1_basics.ipynb", "2_loops.ipynb", "mathops.py"]


def test_no_solution_or_hidden_test_text_in_the_release(released):
    text = _all_text(released)
    for secret in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "secret_expected_sum",
                   "square(-4)", "return x * x", "x * x * x", "same sign", "result += value"):
        assert secret not in text, secret
    assert find_leaks(FIXTURE, released) == []


def test_notebooks_are_nbgrader_student_versions(released):
    notebook = nbformat.read(released / "1_basics.ipynb", as_version=4)
    tests = {c.metadata.nbgrader["grade_id"]: c for c in notebook.cells
             if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader["solution"]}
    assert set(tests) == {"square_test", "add_test", "hypotenuse_test", "cube_test"}
    assert all(cell.metadata.nbgrader["locked"] and "checksum" in cell.metadata.nbgrader
               for cell in tests.values())
    assert tests["square_test"].source == "assert square(3) == 9, 'square(3) should be 9'"
    cube = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "cube_solution")
    assert "raise NotImplementedError()" in cube.source
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in notebook.cells if c.cell_type == "code")


def test_module_stubs_raise_not_implemented_error(released):
    namespace: dict = {}
    exec(compile((released / "mathops.py").read_text(), "mathops.py", "exec"), namespace)
    for name, args in {"square": (2,), "add": (1, 2), "total": ([1],), "hypotenuse": (3, 4)}.items():
        with pytest.raises(NotImplementedError, match=f"{name} in mathops.py: not implemented yet"):
            namespace[name](*args)


def test_release_is_byte_for_byte_reproducible(released):
    # A second release, compared file by file and byte for byte.
    assert release_differences(FIXTURE, released) == []


def test_check_lists_stale_missing_and_extra_files(released, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(FIXTURE, source)
    committed = tmp_path / "committed"
    shutil.copytree(released, committed)
    (source / "mathops.py").write_text((source / "mathops.py").read_text() + "\n\nEXTRA = 1\n")
    (committed / "2_loops.ipynb").unlink()
    (committed / "notes.txt").write_text("hand-edited")
    assert release_differences(source, committed) == [
        "2_loops.ipynb: missing from the committed release",
        "notes.txt: not in a fresh release",
        "mathops.py: differs from a fresh release",
    ]


def test_a_leak_stops_the_release_and_writes_nothing(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(FIXTURE, source)
    # nbgrader copies files other than notebooks as they are: this one would ship its hidden test.
    (source / "checks.txt").write_text(
        "### BEGIN HIDDEN TESTS\nassert total([]) == 0, 'empty list'\n### END HIDDEN TESTS\n")
    dest = tmp_path / "release" / "dl"
    with pytest.raises(CourseError, match="checks.txt: contains the marker '### BEGIN HIDDEN TESTS'"):
        build_release(source, dest)
    assert not dest.exists()


def test_jupytext_pairing_metadata_stays_out_of_the_release(released, tmp_path):
    """An author's Jupyter may record the pairing with the text twin in the source notebook:
    the release is the same without it (students have no twin)."""
    source = tmp_path / "source"
    shutil.copytree(FIXTURE, source)
    notebook = nbformat.read(source / "1_basics.ipynb", as_version=4)
    notebook.metadata["jupytext"] = {"formats": "ipynb,md:myst", "notebook_metadata_filter": "-all"}
    nbformat.write(notebook, source / "1_basics.ipynb")
    dest = tmp_path / "release" / "dl"
    build_release(source, dest)
    assert (dest / "1_basics.ipynb").read_bytes() == (released / "1_basics.ipynb").read_bytes()
