"""Build the style and content images of ``datasets/images/`` (PNG, longest side 384 px).

Reads ``../shared/data-sources/style-images/`` and ``../shared/data-sources/content-images/``
(relative to the repository; override with ``--source-root``), checks each file against
its known sha256, applies any EXIF orientation, converts to RGB and shrinks it with a
Lanczos filter so that its longest side is ``MAX_SIDE`` pixels (aspect ratio kept). Each
image is written as ``<name>.png`` (8-bit RGB, no metadata, so rebuilding gives the same
bytes with the same Pillow/zlib), and ``SHA256SUMS`` lists them all.

384 px leaves room for the usual style-transfer sizes (content ~192 px, style up to
~384 px) without upsampling, and keeps the nine files at about 2 MB in all.

Usage: ``python datasets/images/build.py [--source-root DIR] [--out DIR] [--check]``
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
from pathlib import Path

from PIL import Image, ImageOps

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_SOURCE_ROOT = REPO.parent / "shared" / "data-sources"
MAX_SIDE = 384

# name -> (folder under the source root, file name, sha256 of the source file)
IMAGES: dict[str, tuple[str, str, str]] = {
    "starry_night": ("style-images", "starry_night.jpg",
                     "c31741a09141c2e2d07fc7aa6bdf135c369b804f9433e43fa3ceac19386d1ee6"),
    "the_scream": ("style-images", "the_scream.jpg",
                   "f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee"),
    "composition_vii": ("style-images", "composition_vii.jpg",
                        "8f992ed4aecd6dd56972d7bc8166761de7c94e670ee6effa8fd05f3daeb33409"),
    "shipwreck": ("style-images", "shipwreck.jpg",
                  "4f7cf34e3cd4a5daaf3f421f059ca9a01aaa2a3afd7243d6670c9c8bc001a213"),
    "woman_with_hat": ("style-images", "woman-with-hat-matisse.jpg",
                       "6a8b2383d9c110354a97a42c74bdcc5341be879cbb842ddb7ab5843dbdf56d53"),
    "coffee": ("content-images", "coffee.png",
               "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    "chelsea": ("content-images", "chelsea.png",
                "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    "astronaut": ("content-images", "astronaut.png",
                  "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
    "rocket": ("content-images", "rocket.jpg",
               "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
}  # fmt: skip


def convert(path: Path, expected_sha256: str) -> tuple[bytes, tuple[int, int], tuple[int, int]]:
    """Return the PNG bytes of the shrunk image, its source size and its new size (w, h)."""
    if not path.is_file():
        sys.exit(f"error: {path} not found; pass --source-root DIR")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected_sha256:
        sys.exit(f"error: {path} has sha256 {digest}, expected {expected_sha256}")
    with Image.open(io.BytesIO(raw)) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
        source_size = im.size
        scale = MAX_SIDE / max(im.size)
        if scale < 1:
            size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
            im = im.resize(size, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # No pnginfo: the file carries pixels only, so its bytes are reproducible.
        im.save(out, format="PNG", compress_level=9)
        return out.getvalue(), source_size, im.size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-root", type=Path, default=DEFAULT_SOURCE_ROOT)
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this one)")
    parser.add_argument("--check", action="store_true", help="verify the committed files instead")
    args = parser.parse_args(argv)

    built: dict[str, bytes] = {}
    failures = 0
    for name, (folder, filename, sha) in IMAGES.items():
        data, source_size, size = convert(args.source_root / folder / filename, sha)
        target = args.out / f"{name}.png"
        built[target.name] = data
        digest = hashlib.sha256(data).hexdigest()
        if args.check:
            if not target.is_file() or hashlib.sha256(target.read_bytes()).hexdigest() != digest:
                print(f"{target}: missing or differs from a rebuild ({digest})", file=sys.stderr)
                failures += 1
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        w, h = size
        print(f"{target.name}: {source_size[0]}x{source_size[1]} -> {w}x{h} (W x H), "
              f"{len(data)} bytes, sha256 {digest}")  # fmt: skip
    if args.check:
        print("all images match a rebuild" if not failures else f"{failures} image(s) differ")
        return 1 if failures else 0
    sums = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(built.items()))
    (args.out / "SHA256SUMS").write_text(sums)
    print(f"wrote {len(built)} images and SHA256SUMS to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
