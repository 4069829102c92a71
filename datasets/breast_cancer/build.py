"""Build ``datasets/breast_cancer/breast_cancer.npz``: Wisconsin diagnostic breast cancer.

569 fine-needle-aspirate samples with 30 real-valued features each (mean, standard
error and worst value of ten nucleus measurements), labelled malignant or benign.
The raw table ships inside scikit-learn (``sklearn/datasets/data/breast_cancer.csv``);
scikit-learn is needed only to run this script, never by the course at run time.

Labels: ``1 = malignant`` (the positive class, the one a screening test looks
for), ``0 = benign`` (scikit-learn's ``target`` is the other way round).
Split: stratified and seeded, 341 train / 113 val / 115 test (60/20/20 per class, rounded).
Standardisation: features are centred and scaled with the *training* split's
mean and standard deviation only, so validation and test stay unseen; both
statistics are stored so raw values can be recovered.

Usage: ``pip install scikit-learn && python datasets/breast_cancer/build.py [--check]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from buildlib import npz_bytes, write_or_check  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT_NAME = "breast_cancer.npz"
SEED = 231
FRACTIONS = {"train": 0.6, "val": 0.2}  # test takes the rest


def load_raw() -> tuple[np.ndarray, np.ndarray, list[str]]:
    try:
        from sklearn.datasets import load_breast_cancer
    except ImportError:
        sys.exit("error: this build needs scikit-learn: pip install scikit-learn")
    raw = load_breast_cancer()
    X = np.asarray(raw.data, dtype=np.float64)
    y = 1 - np.asarray(raw.target, dtype=np.int64)  # sklearn: 0 = malignant
    if X.shape != (569, 30) or int(y.sum()) != 212:
        sys.exit(f"error: unexpected data: X {X.shape}, {int(y.sum())} malignant (expected 569x30, 212)")
    return X, y, [str(n) for n in raw.feature_names]


def stratified_split(y: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Indices per split, each class divided in the same proportions."""
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for label in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_train = round(FRACTIONS["train"] * len(idx))
        n_val = round(FRACTIONS["val"] * len(idx))
        parts["train"].append(idx[:n_train])
        parts["val"].append(idx[n_train : n_train + n_val])
        parts["test"].append(idx[n_train + n_val :])
    return {k: np.sort(np.concatenate(v)) for k, v in parts.items()}


def build() -> dict[str, np.ndarray]:
    X, y, names = load_raw()
    splits = stratified_split(y, np.random.default_rng(SEED))
    mean = X[splits["train"]].mean(axis=0)
    std = X[splits["train"]].std(axis=0)
    arrays: dict[str, np.ndarray] = {
        "feature_mean": mean,
        "feature_std": std,
        "feature_names": np.array(names, dtype="U32"),
    }
    for split, idx in splits.items():
        arrays[f"X_{split}"] = ((X[idx] - mean) / std).astype(np.float32)
        arrays[f"y_{split}"] = y[idx].astype(np.uint8)
        arrays[f"index_{split}"] = idx.astype(np.int16)  # row in the original table
    return arrays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare a rebuild with the committed file")
    args = parser.parse_args(argv)
    arrays = build()
    status = write_or_check(HERE, {OUT_NAME: npz_bytes(arrays)}, args.check)
    if status == 0 and not args.check:
        for name in sorted(arrays):
            a = arrays[name]
            extra = f" positives {int(a.sum())}" if name.startswith("y_") else ""
            print(f"{name}: shape {a.shape} dtype {a.dtype}{extra}")
    return status


if __name__ == "__main__":
    sys.exit(main())
