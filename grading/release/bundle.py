"""The student bundle: one reproducible zip with everything a student needs and nothing more.

``python -m grading release --bundle FILE.zip`` writes it from the committed release. Inside, under
one top folder (:data:`BUNDLE_DIR`):

- ``assignments/dl/``: the release (notebooks and stub modules), as students start from it;
- ``starter/``: the given package; ``datasets/<name>/``: the data files with their cards and
  checksums (no build scripts: they read raw sources students do not have);
- ``grading/``: only the modules ``python -m grading check`` runs (:func:`check_modules`: the
  verb, the sandbox, the notebook preprocessors it shares with the grader), no gradebook,
  mutation, similarity or report;
- ``pyproject.toml``: the students' install, the course's base dependencies and nothing else;
- ``README.md``: the students' instructions (``grading/release/student_README.md``).

The same sources give the same bytes: members are sorted, dated 1980-01-01 and written with fixed
permissions; text is deflated, data files (already compressed) are stored. So an instructor can
tell whether the bundle in students' hands is current (``release --check --bundle FILE.zip``).
Before anything is written, :func:`grading.release.leaks.find_bundle_leaks` scans the contents for
solutions, hidden tests, rubrics and instructor-only code; a leak writes nothing.
"""

from __future__ import annotations

import ast
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tomllib

from grading.errors import GradingError
from grading.layout import ASSIGNMENT_ID

BUNDLE_DIR = f"{ASSIGNMENT_ID}-course"  # the one top folder of the zip
# What `python -m grading check` runs: its verb package, its child process and the sandbox around it.
CHECK_ENTRIES = ("grading.__main__", "grading.cli", "grading.check", "grading.sandbox")
# Never in a bundle, whatever imports them: the instructor's side of the grader.
INSTRUCTOR_ONLY = ("grading.gradebook", "grading.mutation", "grading.similarity", "grading.report",
                   "grading.demo", "grading.release")
STORED_SUFFIXES = frozenset({".npz", ".h5", ".png", ".jpg", ".jpeg", ".zip", ".gz"})  # already compressed
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
LEFTOVERS = frozenset({"__pycache__", ".ipynb_checkpoints", ".DS_Store", "dl_course.egg-info"})
STUDENT_README = Path(__file__).with_name("student_README.md")


class BundleError(GradingError):
    """The bundle cannot be built as asked (or would leak instructor-only material)."""


@dataclass(frozen=True)
class Member:
    name: str  # path inside the zip, under BUNDLE_DIR
    data: bytes


def _module_file(package_root: Path, module: str) -> Path | None:
    path = package_root.joinpath(*module.split("."))
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else None


def _imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Every ``grading.*`` module this source imports, at module level or inside functions."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return {name for name in found if name == "grading" or name.startswith("grading.")}


def check_modules(repo_root: Path) -> list[str]:
    """The ``grading`` modules the check needs: its entries, every module of their packages, and
    everything they import (statically, at any depth), with each enclosing package's ``__init__``."""
    todo: list[str] = []
    for entry in CHECK_ENTRIES:
        path = _module_file(repo_root, entry)
        if path is None:
            raise BundleError(f"no module {entry} under {repo_root}")
        todo.append(entry)
        if path.name == "__init__.py":
            todo += [".".join(p.relative_to(repo_root).with_suffix("").parts).removesuffix(".__init__")
                     for p in sorted(path.parent.rglob("*.py")) if "__pycache__" not in p.parts]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        path = _module_file(repo_root, module)
        if module in seen or path is None:  # `from pkg import name` where name is not a module
            continue
        seen.add(module)
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # enclosing packages
        todo += _imported_modules(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    return sorted(seen)


def _files(folder: Path) -> Iterable[Path]:
    """The files under ``folder``, sorted, without caches and editor leftovers."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        if path.is_file() and not any(part in LEFTOVERS or part.endswith(".pyc") for part in relative):
            yield path


def student_pyproject(repo_root: Path) -> str:
    """The students' install file: the course's base dependencies (never an extra), and the two
    packages the bundle carries."""
    project = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dependencies = "".join(f'    "{requirement}",\n' for requirement in project["dependencies"])
    return (
        "# The students' install: `pip install -e .` in this folder (written by python -m grading release --bundle).\n"
        "[build-system]\n"
        'requires = ["setuptools>=77"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        "[project]\n"
        f'name = "{project["name"]}-student"\n'
        f'version = "{project["version"]}"\n'
        'description = "The student bundle of the course: notebooks, the starter package, the data and the '
        'pre-submission check."\n'
        f'requires-python = "{project["requires-python"]}"\n'
        f"dependencies = [\n{dependencies}]\n\n"
        "[tool.setuptools.packages.find]\n"
        'include = ["starter*", "grading*"]\n'
    )


def bundle_members(repo_root: Path, release_dir: Path) -> list[Member]:
    """Every file of the bundle with its bytes, in the zip's order."""
    if not any(release_dir.glob("*.ipynb")):
        raise BundleError(f"no released notebooks in {release_dir}: run `python -m grading release` first")
    members: dict[str, bytes] = {}

    def add(name: str, data: bytes) -> None:
        members[f"{BUNDLE_DIR}/{name}"] = data

    for path in _files(release_dir):
        add(f"assignments/{ASSIGNMENT_ID}/{path.relative_to(release_dir).as_posix()}", path.read_bytes())
    for path in _files(repo_root / "starter"):
        if path.suffix == ".py":
            add(f"starter/{path.relative_to(repo_root / 'starter').as_posix()}", path.read_bytes())
    datasets = repo_root / "datasets"
    for path in _files(datasets):
        relative = path.relative_to(datasets)
        if len(relative.parts) == 2 and path.suffix != ".py":  # <name>/<file>: data, SHA256SUMS, CARD.md
            add(f"datasets/{relative.as_posix()}", path.read_bytes())
    for module in check_modules(repo_root):
        path = _module_file(repo_root, module)
        add(path.relative_to(repo_root).as_posix(), path.read_bytes())
    add("pyproject.toml", student_pyproject(repo_root).encode())
    add("README.md", STUDENT_README.read_bytes())
    return [Member(name, members[name]) for name in sorted(members)]


def zip_bytes(members: Iterable[Member]) -> bytes:
    """The members as a zip whose bytes depend on nothing but their names and contents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            info = zipfile.ZipInfo(member.name, date_time=ZIP_DATE)
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            info.create_system = 3  # Unix, so that the mode above is read
            stored = Path(member.name).suffix in STORED_SUFFIXES
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, member.data, compresslevel=None if stored else 9)
    return buffer.getvalue()


@dataclass(frozen=True)
class BundleSummary:
    path: Path
    files: int
    size: int  # bytes of the zip


def bundle_leaks(repo_root: Path, release_dir: Path, inside: dict[str, bytes]) -> list[str]:
    """What the bundle's files (path under the top folder -> bytes) show that students must not see."""
    from grading.release.leaks import file_lines, find_bundle_leaks

    given = file_lines([*(p for p in _files(repo_root / "starter") if p.suffix == ".py"),
                        *(_module_file(repo_root, module) for module in check_modules(repo_root))])
    return find_bundle_leaks(repo_root, inside, given, file_lines(list(_files(release_dir))))


def _scan(repo_root: Path, release_dir: Path, members: list[Member]) -> None:
    inside = {member.name.removeprefix(f"{BUNDLE_DIR}/"): member.data for member in members}
    leaks = bundle_leaks(repo_root, release_dir, inside)
    if leaks:
        raise BundleError("the student bundle would show instructor-only material; nothing was written:\n  "
                          + "\n  ".join(leaks))


def build_bundle(repo_root: Path, release_dir: Path) -> bytes:
    """The bundle's zip bytes, once its contents are checked for leaks (BundleError if any)."""
    members = bundle_members(repo_root, release_dir)
    _scan(repo_root, release_dir, members)
    return zip_bytes(members)


def write_bundle(repo_root: Path, release_dir: Path, target: Path) -> BundleSummary:
    data = build_bundle(repo_root, release_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)  # a half-written zip never carries the bundle's name
    with zipfile.ZipFile(target) as archive:
        files = len(archive.namelist())
    return BundleSummary(target, files, len(data))


def bundle_differences(repo_root: Path, release_dir: Path, existing: Path) -> list[str]:
    """Members where ``existing`` differs from the bundle these sources give now ([] when current)."""
    if not existing.is_file():
        raise BundleError(f"--bundle {existing}: no such file")
    try:
        with zipfile.ZipFile(existing) as archive:
            old = {name: archive.read(name) for name in archive.namelist()}
    except zipfile.BadZipFile as error:
        raise BundleError(f"--bundle {existing} is not a zip file ({error})") from error
    new = {member.name: member.data for member in bundle_members(repo_root, release_dir)}
    differences = [f"{name}: not in the bundle these sources give" for name in sorted(old.keys() - new.keys())]
    differences += [f"{name}: missing from {existing.name}" for name in sorted(new.keys() - old.keys())]
    differences += [f"{name}: differs" for name in sorted(old.keys() & new.keys()) if old[name] != new[name]]
    return differences
