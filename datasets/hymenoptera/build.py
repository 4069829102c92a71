"""Build ``datasets/hymenoptera/hymenoptera.npz`` (ants vs bees) from the raw JPEGs.

Reads ``../shared/data-sources/hymenoptera/{train,val}/{ants,bees}/`` (relative to the
repository; override with ``--source``), keeping the published train/val split. Every
file is opened with Pillow; anything that is not a decodable JPEG photo is **reported and
skipped** (the source holds one such file, ``train/ants/imageNotFound.gif``, a "we're
sorry, this image could not be found" placeholder). Kept images get their EXIF
orientation applied, are converted to RGB, resized (Lanczos) so that the shorter side is
``SIZE`` pixels, and center-cropped to ``SIZE x SIZE``.

The archive holds, for each split ``s`` in ``train``, ``val``:

- ``X_s``: uint8 (N, SIZE, SIZE, 3), RGB;
- ``y_s``: uint8 (N,), 0 = ants, 1 = bees;
- ``names_s``: unicode (N,), the source path relative to the split folder (``ants/x.jpg``);

plus ``class_names`` (unicode (2,)). Files are sorted by class, then by name. The
``.npz`` is written member by member with a fixed timestamp (see ``mnist/build.py``), so a
rebuild gives the same bytes. Why ``SIZE`` = 160 is in ``CARD.md``.

Usage: ``python datasets/hymenoptera/build.py [--source DIR] [--out DIR] [--check]``
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from buildlib import npz_bytes, write_or_check  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data-sources" / "hymenoptera"
OUT_NAME = "hymenoptera.npz"
SIZE = 160
SPLITS = ("train", "val")
CLASS_NAMES = ("ants", "bees")


def load_image(path: Path) -> np.ndarray:
    """Decode one JPEG, shorter side to SIZE, center crop: uint8 (SIZE, SIZE, 3).

    Raises ValueError (with the reason) for anything that is not a decodable JPEG.
    """
    try:
        with Image.open(path) as im:
            if im.format != "JPEG":
                raise ValueError(f"not a JPEG photo (format {im.format}, size {im.size})")
            im = ImageOps.exif_transpose(im).convert("RGB")
            w, h = im.size
            scale = SIZE / min(w, h)
            new = (max(SIZE, round(w * scale)), max(SIZE, round(h * scale)))
            im = im.resize(new, Image.Resampling.LANCZOS)
            left, top = (new[0] - SIZE) // 2, (new[1] - SIZE) // 2
            return np.asarray(im.crop((left, top, left + SIZE, top + SIZE)), dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f"cannot be decoded ({err})") from err


def load_source(root: Path) -> tuple[dict[str, np.ndarray], list[str]]:
    """Read both splits; return the arrays and the list of skipped files with reasons."""
    if not root.is_dir():
        sys.exit(f"error: hymenoptera source folder not found at {root}; pass --source DIR")
    arrays: dict[str, np.ndarray] = {"class_names": np.array(CLASS_NAMES)}
    skipped: list[str] = []
    for split in SPLITS:
        images, labels, names = [], [], []
        for label, cls in enumerate(CLASS_NAMES):
            folder = root / split / cls
            if not folder.is_dir():
                sys.exit(f"error: missing folder {folder}")
            for path in sorted(p for p in folder.iterdir() if p.is_file()):
                try:
                    images.append(load_image(path))
                except ValueError as err:
                    skipped.append(f"{split}/{cls}/{path.name}: {err}")
                    continue
                labels.append(label)
                names.append(f"{cls}/{path.name}")
        arrays[f"X_{split}"] = np.stack(images)
        arrays[f"y_{split}"] = np.array(labels, dtype=np.uint8)
        arrays[f"names_{split}"] = np.array(names)
    return arrays, skipped


def summary(arrays: dict[str, np.ndarray], data: bytes) -> str:
    lines = [f"sha256 {hashlib.sha256(data).hexdigest()}", f"size {len(data)} bytes"]
    for name in sorted(arrays):
        a = arrays[name]
        lines.append(f"{name}: shape {a.shape} dtype {a.dtype}")
    for split in SPLITS:
        counts = np.bincount(arrays[f"y_{split}"], minlength=2).tolist()
        lines.append(f"class counts {split}: {dict(zip(CLASS_NAMES, counts, strict=True))}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the hymenoptera folder")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this one)")
    parser.add_argument("--check", action="store_true", help="verify the committed file instead")
    args = parser.parse_args(argv)

    arrays, skipped = load_source(args.source)
    for line in skipped:
        print(f"skipped {line}")
    data = npz_bytes(arrays)
    status = write_or_check(args.out, {OUT_NAME: data}, args.check)
    if status == 0 and not args.check:
        print(summary(arrays, data))
    return status


if __name__ == "__main__":
    sys.exit(main())
