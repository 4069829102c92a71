"""Checksum-verified access to the course's datasets, and the MNIST loader.

Every dataset lives in its own folder ``<data dir>/<name>/`` with the built
files and a ``SHA256SUMS`` file (``sha256sum`` format). :func:`verified_path`
hands out a file's path only after checking it against that list, so a
truncated download or an accidentally edited file fails loudly with a message
that says how to restore it, instead of producing mysterious results later.

The data directory is ``$DL_COURSE_DATA`` when that variable is set, else the
``datasets/`` folder of the repository this package was installed from.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np

__all__ = [
    "DATA_ENV_VAR",
    "DatasetError",
    "dataset_dir",
    "read_checksums",
    "sha256_file",
    "verified_path",
    "verify_dataset",
    "load_npz",
    "load_mnist",
]

DATA_ENV_VAR = "DL_COURSE_DATA"

MNIST_SPLITS = {"train": 50_000, "val": 10_000, "test": 10_000}


class DatasetError(RuntimeError):
    """A dataset file is missing, unlisted or does not match its checksum."""


def dataset_dir() -> Path:
    """The folder that holds one sub-folder per dataset.

    ``$DL_COURSE_DATA`` overrides the default, ``<repository>/datasets``.
    """
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise DatasetError(
                f"{DATA_ENV_VAR} is set to {env!r}, which is not a directory. "
                f"Point it at the course's datasets/ folder, or unset it to use the default."
            )
        return path
    path = Path(__file__).resolve().parent.parent / "datasets"
    if not path.is_dir():
        raise DatasetError(
            f"no datasets folder at {path} (the default, next to the installed starter package). "
            f"Set {DATA_ENV_VAR} to the course's datasets/ folder, or install the course "
            "with `pip install -e .` from its repository."
        )
    return path


def _fix_hint(dataset: str, root: Path) -> str:
    """How to restore a dataset's files, for error messages."""
    hints = [f"restore the committed files with `git checkout -- datasets/{dataset}`"]
    if (root / dataset / "build.py").is_file():
        hints.append(f"rebuild them with `python datasets/{dataset}/build.py`")
    hint = " or ".join(hints)
    if os.environ.get(DATA_ENV_VAR):
        hint += f" (note: {DATA_ENV_VAR} is set, so files are read from {root})"
    return "To fix: " + hint + "."


def _check_dataset_name(dataset: str) -> None:
    if (
        not isinstance(dataset, str)
        or not dataset
        or "/" in dataset
        or "\\" in dataset
        or dataset.startswith(".")
    ):
        raise ValueError(f"dataset must be a plain folder name such as 'mnist', got {dataset!r}")


def _check_filename(filename: str) -> str:
    """Normalise a relative POSIX file name and refuse ones that escape the dataset folder."""
    if not isinstance(filename, str) or not filename:
        raise ValueError(f"filename must be a non-empty string, got {filename!r}")
    posix = PurePosixPath(filename.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        raise ValueError(
            f"filename must be relative to the dataset folder (no leading '/', no '..'), got {filename!r}"
        )
    return str(posix)


def read_checksums(dataset: str) -> dict[str, str]:
    """Parse ``<data dir>/<dataset>/SHA256SUMS`` into ``{relative file name: sha256 hex}``."""
    _check_dataset_name(dataset)
    root = dataset_dir()
    sums = root / dataset / "SHA256SUMS"
    if not sums.is_file():
        raise DatasetError(
            f"checksum list {sums} not found, so the files of dataset {dataset!r} cannot be "
            f"verified. {_fix_hint(dataset, root)}"
        )
    table: dict[str, str] = {}
    for number, line in enumerate(sums.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        digest, sep, name = line.partition(" ")
        # sha256sum writes "<hex>  <name>" (text mode) or "<hex> *<name>" (binary mode).
        name = name[1:] if name[:1] in (" ", "*") else name
        digest = digest.lower()
        if (
            not sep
            or not name
            or len(digest) != 64
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            raise DatasetError(
                f"{sums}, line {number}: expected '<64 hex digits>  <file name>', got {line!r}. "
                f"{_fix_hint(dataset, root)}"
            )
        table[_check_filename(name)] = digest
    return table


def sha256_file(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


# Files already verified, keyed by resolved path; valid while (mtime_ns, size, expected
# digest) are unchanged, so repeated loads in a notebook do not re-hash large files.
_verified: dict[Path, tuple[int, int, str]] = {}
_verified_lock = threading.Lock()


def verified_path(dataset: str, filename: str) -> Path:
    """Path of ``<data dir>/<dataset>/<filename>`` after checking it against ``SHA256SUMS``.

    Raises:
        DatasetError: the file is not listed, missing, or its sha256 differs; the
            message names the file, what was expected, what was found and how to fix it.
        ValueError: ``dataset`` or ``filename`` is not a plain relative name.
    """
    filename = _check_filename(filename)
    checksums = read_checksums(dataset)
    root = dataset_dir()
    path = root / dataset / filename
    if filename not in checksums:
        listed = ", ".join(sorted(checksums)[:10]) or "nothing"
        raise DatasetError(
            f"{filename!r} is not listed in {root / dataset / 'SHA256SUMS'} (it lists: {listed}). "
            "Check the file name; if you built a new file, add its `sha256sum` line to SHA256SUMS."
        )
    expected = checksums[filename]
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DatasetError(
            f"dataset file {path} is missing (expected a file with sha256 {expected}). "
            f"{_fix_hint(dataset, root)}"
        ) from None
    if not path.is_file():
        raise DatasetError(f"{path} is not a regular file. {_fix_hint(dataset, root)}")
    key = path.resolve()
    stamp = (stat.st_mtime_ns, stat.st_size, expected)
    with _verified_lock:
        if _verified.get(key) == stamp:
            return path
    found = sha256_file(path)
    if found != expected:
        raise DatasetError(
            f"dataset file {path} is corrupted or out of date: its sha256 is {found} "
            f"({stat.st_size} bytes), but SHA256SUMS expects {expected}. {_fix_hint(dataset, root)}"
        )
    with _verified_lock:
        _verified[key] = stamp
    return path


def verify_dataset(dataset: str) -> dict[str, Path]:
    """Verify every file listed in a dataset's ``SHA256SUMS``; return ``{name: path}``."""
    return {name: verified_path(dataset, name) for name in read_checksums(dataset)}


def load_npz(dataset: str, filename: str) -> dict[str, np.ndarray]:
    """Load every array of a verified ``.npz`` file into memory (pickles are refused)."""
    path = verified_path(dataset, filename)
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


# The decoded uint8 MNIST arrays, keyed by the verified file's identity, so that a
# notebook calling load_mnist several times decompresses the archive once.
_mnist_cache: dict[tuple[Path, int, int], dict[str, np.ndarray]] = {}


def _mnist_raw() -> dict[str, np.ndarray]:
    path = verified_path("mnist", "mnist.npz")
    stat = path.stat()
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    if key not in _mnist_cache:
        arrays = load_npz("mnist", "mnist.npz")
        for split, n in MNIST_SPLITS.items():
            X, y = arrays.get(f"X_{split}"), arrays.get(f"y_{split}")
            if X is None or y is None or X.shape != (n, 28, 28) or y.shape != (n,):
                raise DatasetError(
                    f"{path} passed its checksum but does not hold the expected arrays "
                    f"(X_{split} (n, 28, 28), y_{split} (n,) with n={n}); SHA256SUMS was probably "
                    "regenerated from a bad build. To fix: `git checkout -- datasets/mnist`."
                )
        for a in arrays.values():
            a.setflags(write=False)  # shared between calls: never hand these out directly
        _mnist_cache.clear()
        _mnist_cache[key] = arrays
    return _mnist_cache[key]


def _check_count(name: str, value: int | None, available: int) -> int:
    if value is None:
        return available
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer or None, got {type(value).__name__} {value!r}")
    if not 1 <= value <= available:
        raise ValueError(
            f"{name} must be between 1 and {available} (the size of that split), or None for all; got {value}"
        )
    return int(value)


def load_mnist(
    num_train: int | None = None,
    num_val: int | None = None,
    num_test: int | None = None,
    *,
    layout: Literal["flat", "image"] = "flat",
    subtract_mean: bool = False,
) -> dict[str, np.ndarray]:
    """Load MNIST (50k train / 10k validation / 10k test), checksum-verified.

    Inputs:
    - num_train, num_val, num_test: how many examples to keep from the *front* of
      each split (deterministic subsets), or None for the whole split.
    - layout: "flat" gives images as rows of 784 pixels, for fully connected nets;
      "image" gives (N, 1, 28, 28), for conv nets.
    - subtract_mean: subtract the mean training image (computed on the kept
      training examples only, so nothing leaks from validation or test).

    Returns a dict with
    - X_train, X_val, X_test: float32, shape (N, 784) or (N, 1, 28, 28), pixel
      values in [0, 1) (exactly k / 256) unless ``subtract_mean`` is set;
    - y_train, y_val, y_test: int64 labels in 0..9, shape (N,);
    - mean_image (only with ``subtract_mean``): float32, shape (784,) or (1, 28, 28),
      the image that was subtracted (add it back to display images).
    """
    if layout not in ("flat", "image"):
        raise ValueError(
            f"layout must be 'flat' (X shaped (N, 784), for MLPs) or 'image' "
            f"(X shaped (N, 1, 28, 28), for CNNs); got {layout!r}"
        )
    if not isinstance(subtract_mean, (bool, np.bool_)):
        raise TypeError(f"subtract_mean must be True or False, got {subtract_mean!r}")
    counts = {
        "train": _check_count("num_train", num_train, MNIST_SPLITS["train"]),
        "val": _check_count("num_val", num_val, MNIST_SPLITS["val"]),
        "test": _check_count("num_test", num_test, MNIST_SPLITS["test"]),
    }
    raw = _mnist_raw()
    shape = (784,) if layout == "flat" else (1, 28, 28)
    data: dict[str, np.ndarray] = {}
    for split, n in counts.items():
        X = raw[f"X_{split}"][:n].reshape((n, *shape)).astype(np.float32)
        X *= np.float32(1 / 256)  # exact: k / 256 is representable in float32
        data[f"X_{split}"] = X
        data[f"y_{split}"] = raw[f"y_{split}"][:n].astype(np.int64)
    if subtract_mean:
        mean_image = data["X_train"].mean(axis=0, dtype=np.float64).astype(np.float32)
        for split in counts:
            data[f"X_{split}"] -= mean_image
        data["mean_image"] = mean_image
    return data


def load_breast_cancer() -> dict[str, np.ndarray]:
    """The Wisconsin diagnostic breast-cancer data, standardised, for binary classifiers.

    Returns a dict with ``X_train (341, 30)``, ``X_val (113, 30)``, ``X_test (115, 30)``
    float32 features standardised with the training split's statistics, labels
    ``y_*`` int64 in ``{0, 1}`` (``1 = malignant``), and ``feature_names (30,)``.
    See ``datasets/breast_cancer/CARD.md``.
    """
    raw = load_npz("breast_cancer", "breast_cancer.npz")
    data: dict[str, np.ndarray] = {"feature_names": raw["feature_names"]}
    for split in ("train", "val", "test"):
        data[f"X_{split}"] = raw[f"X_{split}"].astype(np.float32)
        data[f"y_{split}"] = raw[f"y_{split}"].astype(np.int64)
    return data
