"""Build ``datasets/mnist/mnist.npz`` from the raw MNIST pickle.

Reads ``../shared/data-sources/mnist/mnist.pkl.gz`` (relative to the repository;
override with ``--source``): three ``(X float32 [N, 784] in [0, 1), y int64 [N])``
tuples, the classic 50k/10k/10k train/val/test split. Pixel values are exactly
``k / 256``, so they are stored losslessly as ``uint8 = X * 256``, shaped
``(N, 28, 28)``; labels are stored as ``uint8`` (the loader widens them to int64).

The archive is an ordinary ``.npz`` (``np.load`` reads it) written member by
member with :mod:`zipfile` and a fixed timestamp, so rebuilding gives the same
bytes and the same sha256 (``np.savez_compressed`` would embed the current time).
After writing, the script rewrites ``SHA256SUMS`` and prints the summary that
``CARD.md`` records.

Usage: ``python datasets/mnist/build.py [--source PATH] [--out DIR] [--check]``
(``--check`` rebuilds in memory and exits non-zero if it differs from the
committed file).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from buildlib import npz_bytes, write_or_check  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data-sources" / "mnist" / "mnist.pkl.gz"
OUT_NAME = "mnist.npz"
SPLITS = ("train", "val", "test")
EXPECTED_SIZES = {"train": 50_000, "val": 10_000, "test": 10_000}


def load_source(path: Path) -> dict[str, np.ndarray]:
    """Read the raw pickle and return uint8 images ``(N, 28, 28)`` and uint8 labels ``(N,)``."""
    if not path.is_file():
        sys.exit(f"error: MNIST source not found at {path}; pass --source PATH/TO/mnist.pkl.gz")
    with gzip.open(path, "rb") as f:
        raw = pickle.load(f, encoding="latin1")
    if len(raw) != 3:
        sys.exit(f"error: expected 3 (X, y) splits in {path}, found {len(raw)}")
    arrays: dict[str, np.ndarray] = {}
    for split, (X, y) in zip(SPLITS, raw, strict=True):
        X = np.asarray(X)
        y = np.asarray(y)
        n = EXPECTED_SIZES[split]
        if X.shape != (n, 784) or y.shape != (n,):
            sys.exit(
                f"error: {split}: expected X (n, 784) and y (n,) with n={n}, got {X.shape} {y.shape}"
            )
        scaled = X.astype(np.float64) * 256.0
        pixels = np.rint(scaled)
        # The conversion must be lossless: every value is k/256 with 0 <= k <= 255.
        if not np.array_equal(pixels, scaled) or pixels.min() < 0 or pixels.max() > 255:
            sys.exit(f"error: {split}: pixel values are not exactly k/256 for k in 0..255")
        if y.min() < 0 or y.max() > 9:
            sys.exit(f"error: {split}: labels outside 0..9")
        arrays[f"X_{split}"] = pixels.astype(np.uint8).reshape(n, 28, 28)
        arrays[f"y_{split}"] = y.astype(np.uint8)
    return arrays


def summary(arrays: dict[str, np.ndarray], data: bytes) -> str:
    lines = [f"sha256 {hashlib.sha256(data).hexdigest()}", f"size {len(data)} bytes"]
    for name in sorted(arrays):
        a = arrays[name]
        lines.append(f"{name}: shape {a.shape} dtype {a.dtype} min {a.min()} max {a.max()}")
    for split in SPLITS:
        counts = np.bincount(arrays[f"y_{split}"], minlength=10)
        lines.append(f"class counts {split}: {counts.tolist()}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="path to mnist.pkl.gz")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this one)")
    parser.add_argument(
        "--check", action="store_true", help="verify the committed file instead of writing"
    )
    args = parser.parse_args(argv)

    arrays = load_source(args.source)
    data = npz_bytes(arrays)
    status = write_or_check(args.out, {OUT_NAME: data}, args.check)
    if status == 0 and not args.check:
        print(summary(arrays, data))
    return status


if __name__ == "__main__":
    sys.exit(main())
