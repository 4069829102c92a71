"""Every solution notebook and its jupytext twin (``jupytext.toml``) say the same thing.

``solutions/dl/NAME.ipynb`` is nbgrader's source; ``solutions/dl_text/NAME.md`` (MyST) is
its text twin. Authors edit either and sync them (``docs/authoring.md``); these tests fail
when one was edited and the other not, and show that the round trip through the twin gives
back the same notebook, nbgrader metadata and cell ids included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

jupytext = pytest.importorskip("jupytext")
from jupytext.config import load_jupytext_config  # noqa: E402
from jupytext.paired_paths import paired_paths  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "dl"
TWINS = ROOT / "solutions" / "dl_text"
NOTEBOOKS = sorted(path.stem for path in SOLUTIONS.glob("*.ipynb"))
SYNC_HINT = ("run `jupytext --sync solutions/dl_text/{name}.md` if you edited the twin, "
             "`jupytext --sync solutions/dl/{name}.ipynb` if you edited the notebook")


def twin_of(notebook: Path) -> Path:
    """The text twin jupytext.toml pairs with a notebook (found the way jupytext finds it)."""
    config = load_jupytext_config(str(notebook))
    assert config is not None, f"no jupytext configuration found for {notebook}"
    paired = [Path(path) for path, fmt in paired_paths(str(notebook), "ipynb", config.default_formats(str(notebook)))
              if fmt["extension"] != ".ipynb"]
    assert len(paired) == 1, f"{notebook.name} should have exactly one text twin, jupytext.toml gives {paired}"
    return paired[0]


def twin_differences(notebook: Path) -> list[str]:
    """Where a notebook and its twin disagree, one line each ([] when they are in sync)."""
    twin = twin_of(notebook)
    if not twin.is_file():
        return [f"{twin} is missing"]
    source = nbformat.read(notebook, as_version=4)
    text = jupytext.read(twin, config=load_jupytext_config(str(twin)))
    text.metadata.pop("jupytext", None)  # how jupytext read the file, not part of the notebook
    problems = []
    if source.metadata != text.metadata:
        problems.append(f"notebook metadata: {dict(source.metadata)} in the notebook, {dict(text.metadata)} in the twin")
    if len(source.cells) != len(text.cells):
        problems.append(f"{len(source.cells)} cells in the notebook, {len(text.cells)} in the twin")
    for index, (ours, theirs) in enumerate(zip(source.cells, text.cells, strict=False)):  # counts compared above
        name = ours.metadata.get("nbgrader", {}).get("grade_id", f"cell {index}")
        for part in ("cell_type", "source", "metadata"):
            if ours[part] != theirs[part]:
                problems.append(f"{name}: the {part} differs")
    return problems


def test_every_notebook_has_its_twin_and_every_twin_its_notebook():
    assert NOTEBOOKS, "no solution notebooks"
    twins = {twin_of(SOLUTIONS / f"{name}.ipynb") for name in NOTEBOOKS}
    assert all(twin.parent == TWINS for twin in twins)
    assert {path for path in TWINS.iterdir()} == twins


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_and_twin_agree(name):
    problems = twin_differences(SOLUTIONS / f"{name}.ipynb")
    assert not problems, f"{name}: notebook and twin disagree ({SYNC_HINT.format(name=name)}):\n" + "\n".join(problems)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebooks_carry_no_outputs_and_no_pairing_metadata(name):
    for notebook in (SOLUTIONS / f"{name}.ipynb", ROOT / "assignments" / "dl" / f"{name}.ipynb"):
        nb = nbformat.read(notebook, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), f"{notebook}: clear the outputs"
        assert set(nb.metadata) <= {"kernelspec", "language_info"}, f"{notebook}: metadata {sorted(nb.metadata)}"


def scratch_course(tmp_path: Path, with_twins: bool = True) -> Path:
    """A copy of the notebooks (and twins) with the repository's jupytext.toml."""
    shutil.copy(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    (tmp_path / "solutions" / "dl").mkdir(parents=True)
    for name in NOTEBOOKS:
        shutil.copy(SOLUTIONS / f"{name}.ipynb", tmp_path / "solutions" / "dl")
    if with_twins:
        shutil.copytree(TWINS, tmp_path / "solutions" / "dl_text")
    return tmp_path


def jupytext_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "jupytext", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_a_stale_twin_or_notebook_is_caught(tmp_path):
    course = scratch_course(tmp_path)
    twin = course / "solutions" / "dl_text" / "3_cnn.md"
    twin.write_text(twin.read_text().replace("# Part 3: A convolutional network", "# Part 3: A CNN", 1))
    assert twin_differences(course / "solutions" / "dl" / "3_cnn.ipynb") == ["intro: the source differs"]

    notebook = course / "solutions" / "dl" / "1_layers.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    test_cell = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "relu_test")
    test_cell.metadata["nbgrader"]["points"] = 2
    nbformat.write(nb, notebook)  # as Jupyter saves it without jupytext installed
    assert twin_differences(notebook) == ["relu_test: the metadata differs"]


def test_round_trip_through_the_twin_gives_back_the_notebook(tmp_path):
    """ipynb -> twin (jupytext writes it) -> ipynb (the twin newer, so jupytext reads its cells
    from it): the very same bytes, cell ids included; and the twins written are the committed ones."""
    course = scratch_course(tmp_path, with_twins=False)
    notebooks = [f"solutions/dl/{name}.ipynb" for name in NOTEBOOKS]
    jupytext_cli("--sync", *notebooks, cwd=course)
    twins = [twin_of(course / path) for path in notebooks]
    later = max(os.stat(course / path).st_mtime for path in notebooks) + 10
    for twin in twins:
        os.utime(twin, (later, later))
    done = jupytext_cli("--sync", *map(str, twins), cwd=course)
    assert done.stdout.count("in format md") == len(twins), done.stdout  # the cells came from the twins
    for name, twin in zip(NOTEBOOKS, twins, strict=True):
        assert (course / "solutions" / "dl" / f"{name}.ipynb").read_bytes() == (SOLUTIONS / f"{name}.ipynb").read_bytes()
        written, committed = (jupytext.read(path) for path in (twin, TWINS / twin.name))
        assert _cells(written) == _cells(committed), f"{twin.name} is not what jupytext writes"


def _cells(notebook) -> list[tuple]:
    # Cell ids are not part of a text notebook: jupytext takes them from the paired ipynb.
    return [(c.cell_type, c.source, c.metadata) for c in notebook.cells]
