"""Every import is declared for whoever runs it, and every install path installs the same (issue 22).

The fresh environments themselves are built in tests/test_fresh_install.py; these tests are the
fast guards: deptry per audience (scripts/check_dependencies.py) and shown to catch a planted import,
environment.yml against pyproject.toml, and the verbs' --help and missing-extra errors without the
grader's extra.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest
import tomllib
import yaml

from grading.cli import verb_names
from grading.extras import GRADER_MODULES

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
# conda-forge's names for the PyPI distributions whose names differ
CONDA_NAMES = {"psycopg2-binary": "psycopg2", "jupyter-client": "jupyter_client"}
IMPORT_NAMES = {"psycopg2-binary": "psycopg2", "pillow": "PIL", "scikit-learn": "sklearn"}
GRADER_EXTRA_IMPORTS = sorted(GRADER_MODULES) + ["psycopg"]  # psycopg (3): the other PostgreSQL driver


def _split(requirement: str) -> tuple[str, str]:
    """('name', 'specifier') of a PEP 508 requirement without markers or extras."""
    name, spec = re.match(r"\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def _run_blocking(blocked: list[str], argv: list[str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    """``python -m grading ARGV`` with the given packages made unimportable, as on a student's install."""
    code = ("import sys\n"
            f"for name in {blocked!r}: sys.modules[name] = None  # as if not installed\n"
            "from grading.cli import main\n"
            f"sys.exit(main({argv!r}))\n")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_every_import_is_declared_for_its_audience():
    done = subprocess.run([sys.executable, "scripts/check_dependencies.py"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every import is declared" in done.stdout


def _check_dependencies(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "scripts/check_dependencies.py"), "--root", str(root)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def code_copy(tmp_path_factory) -> Path:
    """The project's code and its pyproject.toml, without the data, for planting imports in; it passes
    the check as it is, so what a test plants is what fails it."""
    copy = tmp_path_factory.mktemp("planted") / "repo"
    big = shutil.ignore_patterns("*.npz", "*.h5", "*.png", "__pycache__", ".venv", "*.egg-info")
    for folder in ("starter", "solutions", "grading", "tests", "benchmarks", "scripts", "docs", "datasets"):
        shutil.copytree(REPO / folder, copy / folder, ignore=big)
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    clean = _check_dependencies(copy)
    assert clean.returncode == 0, clean.stdout
    return copy


@pytest.mark.parametrize("where, line, code, package", [
    # students install only the base: the grader's extra is not theirs
    ("starter/planted.py", "import copydetect\n", "DEP004", "copydetect"),
    # installed here (jupyter brings it), declared nowhere
    ("grading/planted.py", "import requests\n", "DEP003", "requests"),
    # in no environment at all
    ("tests/planted.py", "import surely_not_a_package_xyz\n", "DEP001", "surely_not_a_package_xyz"),
    # a student module imports the PyTorch a student never installs
    ("solutions/dl/planted.py", "import torch\n", "DEP004", "torch"),
])
def test_a_planted_undeclared_import_fails_the_check(code_copy, where, line, code, package):
    planted = code_copy / where
    planted.write_text(line)
    try:
        done = _check_dependencies(code_copy)
    finally:
        planted.unlink()
    assert done.returncode == 1, done.stdout
    assert f"{where}:1:8: {code} '{package}'" in done.stdout, done.stdout


def test_environment_yml_installs_what_pyproject_declares_for_instructors():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [entry for entry in environment["dependencies"] if isinstance(entry, str)]
    pip = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    listed = {_split(entry)[0]: _split(entry)[1] for entry in conda + pip if not entry.startswith("-")}
    listed.pop("pip")
    assert listed.pop("python") == "=3.11"
    wanted = {}
    for requirement in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["grading"]:
        name, spec = _split(requirement)
        wanted[CONDA_NAMES.get(name, name).lower().replace("_", "-")] = spec
    assert listed == wanted
    assert "-e .[grading]" in pip  # and the course itself, with the same extra


def test_the_grader_modules_are_the_grading_extras_own_packages():
    """Each package of the [grading] extra is either named in grading.extras (so a missing one gets
    the install hint) or already brought by the base install (nbgrader needs SQLAlchemy)."""
    base = set()
    for requirement in PROJECT["dependencies"]:
        for needed in requires(_split(requirement)[0]) or []:
            if "extra ==" not in needed:
                base.add(_split(needed)[0])
    extra = {_split(r)[0] for r in PROJECT["optional-dependencies"]["grading"]}
    assert {IMPORT_NAMES.get(name, name) for name in extra - base} == set(GRADER_MODULES)


def test_copydetect_thresholds_named_in_grading_are_copydetects_defaults():
    from copydetect import defaults

    from grading.similarity.thresholds import GUARANTEE_THRESHOLD, NOISE_THRESHOLD

    assert (NOISE_THRESHOLD, GUARANTEE_THRESHOLD) == (defaults.NOISE_THRESHOLD, defaults.GUARANTEE_THRESHOLD)


def test_every_verbs_help_works_without_the_graders_extra_and_imports_no_notebook_stack():
    """A student's install (pip install -e .) has no copydetect, dask or PostgreSQL driver."""
    verbs = verb_names()
    assert {"check", "similarity", "demo", "autograde", "mutate", "export"} <= set(verbs)
    for argv in [["--help"], *([verb, "--help"] for verb in verbs)]:
        done = _run_blocking(GRADER_EXTRA_IMPORTS, argv)
        assert done.returncode == 0, (argv, done.stderr)
        assert "usage: python -m grading" in done.stdout and "Traceback" not in done.stderr, argv
    # Building the parser imports no part of the notebook stack (nbgrader alone takes seconds).
    code = ("import sys\nfrom grading.cli import build_parser\nbuild_parser()\n"
            "print(sorted(m for m in ('nbformat', 'nbgrader', 'nbclient', 'numpy', 'copydetect') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.parametrize("argv", [
    ["similarity", "assignments", "--out", "{tmp}/out"],
    ["demo", "--out", "{tmp}/demo"],
])
def test_a_verb_whose_extra_is_missing_names_it_and_exits_2_before_any_work(argv, tmp_path):
    done = _run_blocking(["copydetect"], [part.format(tmp=tmp_path) for part in argv])
    assert done.returncode == 2, done.stdout + done.stderr
    assert "needs copydetect" in done.stderr and "pip install -e '.[grading]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())  # nothing graded or written first
