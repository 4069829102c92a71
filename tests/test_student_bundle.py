"""The student bundle (issue 25): everything a student needs, no solution, the same bytes every time.

Built from the committed release, as ``python -m grading release --bundle`` does after regenerating
it; installing it in a fresh environment is tests/test_fresh_install.py's job.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import tomllib

from grading.release.bundle import (
    BUNDLE_DIR,
    CHECK_ENTRIES,
    INSTRUCTOR_ONLY,
    BundleError,
    build_bundle,
    bundle_differences,
    bundle_leaks,
    bundle_members,
    check_modules,
    zip_bytes,
)
from grading.release.strip_solutions import find_solution_regions

REPO = Path(__file__).resolve().parent.parent
RELEASE = REPO / "assignments" / "dl"
SOURCE = REPO / "solutions" / "dl"


@pytest.fixture(scope="module")
def bundle() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(build_bundle(REPO, RELEASE))) as archive:
        return {name.removeprefix(f"{BUNDLE_DIR}/"): archive.read(name) for name in archive.namelist()}


def _scan(members: dict[str, bytes]) -> list[str]:
    return bundle_leaks(REPO, RELEASE, members)


def test_the_bundle_holds_the_release_starter_the_data_the_check_and_an_install_file(bundle):
    names = set(bundle)
    assert {p.relative_to(REPO).as_posix() for p in RELEASE.iterdir()} <= names
    for name in sorted(RELEASE.iterdir()):
        assert bundle[name.relative_to(REPO).as_posix()] == name.read_bytes()  # the committed release as is
    assert {f"starter/{p.name}" for p in (REPO / "starter").glob("*.py")} <= names
    for sums in sorted((REPO / "datasets").glob("*/SHA256SUMS")):
        folder = sums.parent.relative_to(REPO).as_posix()
        assert {f"{folder}/SHA256SUMS", f"{folder}/CARD.md"} <= names
        for line in sums.read_text().splitlines():
            assert f"{folder}/{line.split()[1]}" in names, line
    assert not [name for name in names if name.startswith("datasets/") and name.endswith(".py")]
    assert {"grading/__main__.py", "grading/check/verbs.py", "grading/check/job.py",
            "grading/sandbox/kernel_launcher.py", "README.md", "pyproject.toml"} <= names


def test_the_students_install_file_lists_the_base_dependencies_and_no_extra(bundle):
    student = tomllib.loads(bundle["pyproject.toml"].decode())
    course = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert student["project"]["dependencies"] == course["dependencies"]
    assert "optional-dependencies" not in student["project"]
    text = bundle["pyproject.toml"].decode()
    for graders_only in ("copydetect", "distributed", "psycopg", "torch", "dask", "pytest"):
        assert graders_only not in text


def test_the_bundles_readme_gives_the_two_commands_and_the_check(bundle):
    readme = bundle["README.md"].decode()
    assert "unzip dl-course.zip && cd dl-course\npip install -e .\n" in readme
    assert "python -m grading check assignments/dl --notebook 1_layers" in readme
    assert "jupyter lab assignments/dl/" in readme


def test_the_check_needs_none_of_the_graders_instructor_side():
    """Import direction: the check's static import closure stays out of the gradebook, mutation,
    similarity, report, demo and release packages, so the bundle can leave them out."""
    closure = check_modules(REPO)
    assert {"grading.check.verbs", "grading.check.job", "grading.sandbox.kernel_launcher"} <= set(closure)
    assert not [module for module in closure if module.startswith(INSTRUCTOR_ONLY)]
    assert set(CHECK_ENTRIES) <= set(closure)


def test_the_closure_follows_imports_inside_functions(tmp_path):
    package = tmp_path / "grading"
    for folder in ("check", "sandbox", "gradebook"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text("from grading.cli import main\n")
    (package / "cli.py").write_text("def main():\n    import grading.errors\n")
    (package / "errors.py").write_text("")
    (package / "check" / "verbs.py").write_text("def run():\n    from grading.gradebook import export\n")
    (package / "gradebook" / "export.py").write_text("from . import helpers\n")
    (package / "gradebook" / "helpers.py").write_text("")
    closure = check_modules(tmp_path)
    assert {"grading.errors", "grading.gradebook.export", "grading.gradebook.helpers"} <= set(closure)


def test_the_real_bundle_shows_no_instructor_only_material(bundle):
    assert _scan(bundle) == []
    assert not [name for name in bundle if name.startswith(("solutions/", "tests/", "grading/mutation/"))]


def _private_lines_of_every_kind() -> dict[str, str]:
    """One line of each kind the scan must catch, taken from the real sources."""
    layers = (SOURCE / "layers.py").read_text()
    region = find_solution_regions(layers, "layers.py")[0]
    solution_line = next(line.strip() for line in layers.splitlines()[region.begin_line:region.end_line - 1]
                         if len(line.strip()) >= 20)
    notebook = nbformat.read(SOURCE / "1_layers.ipynb", as_version=4)
    hidden = next(cell.source for cell in notebook.cells if "### BEGIN HIDDEN TESTS" in cell.source)
    hidden_block = hidden.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0]
    hidden_line = max((line.strip() for line in hidden_block.splitlines()), key=len)
    mutant = next(p for p in sorted((REPO / "grading/mutation/mutants/layers").glob("*.py"))
                  if not p.name.startswith("alt_"))
    mutant_line = mutant.read_text().splitlines()[0]  # its docstring: the bug it plants
    reference = (REPO / "tests" / "test_reference_values.py").read_text()
    reference_line = max((line.strip() for line in reference.splitlines() if "def test_" in line), key=len)
    return {"solution": solution_line, "hidden test": hidden_line, "mutant": mutant_line,
            "test-only reference": reference_line}


@pytest.mark.parametrize("kind", ["solution", "hidden test", "mutant", "test-only reference"])
def test_a_planted_leak_is_caught(bundle, kind):
    line = _private_lines_of_every_kind()[kind]
    planted = dict(bundle)
    planted["starter/solver.py"] = planted["starter/solver.py"] + f"\n    {line}\n".encode()
    problems = _scan(planted)
    assert any(p.startswith("starter/solver.py: shows ") and repr(line) in p for p in problems), problems


def test_planted_markers_rubrics_and_files_are_caught(bundle):
    planted = dict(bundle)
    notebook = nbformat.reads(planted["assignments/dl/1_layers.ipynb"].decode(), as_version=4)
    notebook.cells[-1].source += "\n### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS\n#### Rubric (for graders)"
    planted["assignments/dl/1_layers.ipynb"] = nbformat.writes(notebook).encode()
    planted["grading/gradebook/database.py"] = (REPO / "grading/gradebook/database.py").read_bytes()
    planted["solutions/dl/layers.py"] = b""
    problems = "\n".join(_scan(planted))
    for expected in ("1_layers.ipynb: contains the marker '### BEGIN HIDDEN TESTS'",
                     "1_layers.ipynb: contains the marker '#### Rubric (for graders)'",
                     "grading/gradebook/database.py: instructor-only file",
                     "solutions/dl/layers.py: instructor-only file"):
        assert expected in problems


def test_a_leaking_release_writes_no_bundle(tmp_path):
    """A release whose stub kept its solution is refused, with the line and where it came from."""
    release = tmp_path / "dl"
    release.mkdir()
    for path in RELEASE.iterdir():
        (release / path.name).write_bytes(path.read_bytes())
    (release / "layers.py").write_bytes((SOURCE / "layers.py").read_bytes())
    with pytest.raises(BundleError, match=r"layers\.py: contains the marker '### BEGIN SOLUTION'"):
        build_bundle(REPO, release)


def test_the_same_sources_give_the_same_bytes(tmp_path):
    first, second = build_bundle(REPO, RELEASE), build_bundle(REPO, RELEASE)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}
    (tmp_path / "dl-course.zip").write_bytes(first)
    assert bundle_differences(REPO, RELEASE, tmp_path / "dl-course.zip") == []


def test_release_check_tells_a_stale_bundle(tmp_path):
    members = bundle_members(REPO, RELEASE)
    stale = [m if m.name != f"{BUNDLE_DIR}/assignments/dl/layers.py" else type(m)(m.name, m.data + b"# older\n") for m in members]
    (tmp_path / "old.zip").write_bytes(zip_bytes(stale))
    differences = bundle_differences(REPO, RELEASE, tmp_path / "old.zip")
    assert differences == [f"{BUNDLE_DIR}/assignments/dl/layers.py: differs"]


def test_the_check_modules_parse_without_the_rest_of_grading(bundle, tmp_path):
    """Unzipped alone, the bundle's grading package builds its parser with the check as its one verb."""
    for name, data in bundle.items():
        if name.startswith("grading/"):
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_bytes(data)
    for name, data in bundle.items():
        if name.startswith("grading/") and name.endswith(".py"):
            ast.parse(data)
    # -S: no site-packages, so this environment's editable install of the whole grader stays out
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-S", "-m", "grading", "--help"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=environment)
    assert done.returncode == 0 and "check" in done.stdout, done.stderr
    code = "import grading.cli as cli; print(cli.__file__, cli.verb_names())"
    done = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=environment)
    assert done.stdout.split() == [str(tmp_path / "grading" / "cli.py"), "['check']"], done.stdout + done.stderr
