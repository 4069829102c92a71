"""Build ``datasets/captions/``: Flickr8k-subset captions, SqueezeNet features and thumbnails.

Reads ``../shared/data-sources/flickr8k-subset/`` (relative to the repository;
override with ``--source``): ``captions.txt`` (CSV ``image,caption``, five captions
per image) and ``images/*.jpg`` (1000 photos, about 200 px on the longer side).

Steps (all deterministic):

1. **Split by image.** The sorted image names are permuted with
   ``numpy.random.default_rng(SPLIT_SEED)``; the first ``NUM_TRAIN`` images are the
   training split, the rest validation. All captions of an image are on one side.
2. **Tokenise.** Lower case, every ASCII punctuation character deleted (``"t-shirt"``
   -> ``"tshirt"``, ``"man's"`` -> ``"mans"``), split on whitespace.
3. **Vocabulary** from the *training* captions only: the special tokens ``<NULL>``
   (0, padding), ``<START>`` (1), ``<END>`` (2), ``<UNK>`` (3), then every word
   occurring at least ``MIN_COUNT`` times, by decreasing count, ties alphabetical.
   Other words map to ``<UNK>``.
4. **Encode.** ``<START>``, at most ``MAX_WORDS`` words (longer captions are truncated),
   ``<END>``, padded with ``<NULL>`` to ``MAX_WORDS + 2`` columns, ``int32``.
   The full tokenised text of every caption is kept too (BLEU references).
5. **Features** (:func:`extract_features`, isolated so it can be re-run alone): each
   image is resized so that its shorter side is ``FEATURE_SIZE`` px (aspect ratio
   kept, Lanczos; the whole image, no crop), run through the numpy SqueezeNet 1.1 of
   ``starter.squeezenet`` up to the output of ``fire9`` (512 channels after the
   ReLUs of its expand convolutions), and averaged over all spatial positions:
   one ``float32`` 512-vector per image.
6. **Thumbnails.** Each image downsized so its longer side is ``THUMB_SIZE`` px
   (Lanczos), stored as JPEG bytes (quality ``THUMB_QUALITY``) for display only.

Outputs: ``captions.h5`` (all arrays, no timestamps: written to memory with
``track_times=False``), ``vocab.json``, ``SHA256SUMS``; the summary printed at the
end is what ``CARD.md`` records.

Usage: ``python datasets/captions/build.py [--source DIR] [--out DIR] [--check]``
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import string
import sys
from collections import Counter
from pathlib import Path

import h5py
import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data-sources" / "flickr8k-subset"
H5_NAME = "captions.h5"
VOCAB_NAME = "vocab.json"

SPLIT_SEED = 231
NUM_TRAIN = 800
MIN_COUNT = 3
MAX_WORDS = 16
SPECIAL_TOKENS = ("<NULL>", "<START>", "<END>", "<UNK>")
FEATURE_SIZE = 224
FEATURE_LAYER = "fire9"
THUMB_SIZE = 112
THUMB_QUALITY = 80
SPLITS = ("train", "val")

_PUNCTUATION = str.maketrans("", "", string.punctuation)


def tokenize(caption: str) -> list[str]:
    """Lower-case ``caption``, delete ASCII punctuation, split on whitespace."""
    return caption.lower().translate(_PUNCTUATION).split()


def read_source(source: Path) -> tuple[list[str], dict[str, list[str]]]:
    """Return the sorted image names and ``{image: [its captions in file order]}``."""
    table = source / "captions.txt"
    if not table.is_file():
        sys.exit(f"error: {table} not found; pass --source PATH/TO/flickr8k-subset")
    captions: dict[str, list[str]] = {}
    with open(table, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            captions.setdefault(row["image"], []).append(row["caption"])
    names = sorted(captions)
    missing = [n for n in names if not (source / "images" / n).is_file()]
    if missing:
        sys.exit(f"error: {len(missing)} images listed in {table} are missing, e.g. {missing[0]}")
    return names, captions


def split_images(names: list[str]) -> dict[str, list[str]]:
    """Split the sorted image names into ``{"train": [...], "val": [...]}`` (seeded)."""
    order = np.random.default_rng(SPLIT_SEED).permutation(len(names))
    chosen = [names[i] for i in order]
    return {"train": sorted(chosen[:NUM_TRAIN]), "val": sorted(chosen[NUM_TRAIN:])}


def build_vocab(train_texts: list[list[str]]) -> list[str]:
    """``idx_to_word``: the special tokens, then the frequent training words."""
    counts = Counter(w for words in train_texts for w in words)
    frequent = sorted(
        (w for w, c in counts.items() if c >= MIN_COUNT), key=lambda w: (-counts[w], w)
    )
    return list(SPECIAL_TOKENS) + frequent


def encode(words: list[str], word_to_idx: dict[str, int]) -> np.ndarray:
    """``<START>`` + at most ``MAX_WORDS`` word indices + ``<END>``, ``<NULL>``-padded."""
    unk = word_to_idx["<UNK>"]
    row = np.full(MAX_WORDS + 2, word_to_idx["<NULL>"], dtype=np.int32)
    ids = [word_to_idx["<START>"]] + [word_to_idx.get(w, unk) for w in words[:MAX_WORDS]]
    ids.append(word_to_idx["<END>"])
    row[: len(ids)] = ids
    return row


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def extract_features(images: list[np.ndarray], verbose: bool = True) -> np.ndarray:
    """SqueezeNet 1.1 ``fire9`` activations, global-average-pooled: ``(N, 512)`` float32.

    ``images`` are uint8 RGB ``(H, W, 3)`` of any size; see step 5 of the module doc.
    """
    from starter.images import preprocess, resize_image
    from starter.squeezenet import SqueezeNet

    model = SqueezeNet.from_file()
    features = np.empty((len(images), 512), dtype=np.float32)
    for k, image in enumerate(images):
        # one image at a time: their sizes differ (the whole image is kept)
        x = preprocess(resize_image(image, FEATURE_SIZE))
        features[k] = model.features(x, layer=FEATURE_LAYER, pool="avg")[0]
        if verbose and (k + 1) % 100 == 0:
            print(f"  features: {k + 1}/{len(images)}", flush=True)
    return features


def thumbnail_jpeg(image: np.ndarray) -> np.ndarray:
    """The image with its longer side ``THUMB_SIZE`` px, as JPEG bytes in a uint8 array."""
    h, w = image.shape[:2]
    scale = THUMB_SIZE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    pil = Image.fromarray(image).resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    pil.save(buffer, format="JPEG", quality=THUMB_QUALITY, optimize=True)
    return np.frombuffer(buffer.getvalue(), dtype=np.uint8)


def build(source: Path, verbose: bool = True) -> tuple[dict[str, np.ndarray], list[str]]:
    """All arrays of ``captions.h5`` and the vocabulary ``idx_to_word``."""
    names, captions = read_source(source)
    split = split_images(names)
    texts = {
        s: [(i, tokenize(c)) for i, n in enumerate(split[s]) for c in captions[n]] for s in SPLITS
    }
    idx_to_word = build_vocab([words for _, words in texts["train"]])
    word_to_idx = {w: i for i, w in enumerate(idx_to_word)}

    arrays: dict[str, np.ndarray] = {}
    for s in SPLITS:
        arrays[f"{s}_captions"] = np.stack([encode(words, word_to_idx) for _, words in texts[s]])
        arrays[f"{s}_image_idxs"] = np.array([i for i, _ in texts[s]], dtype=np.int32)
        arrays[f"{s}_caption_text"] = np.array([" ".join(w) for _, w in texts[s]], dtype=object)
        arrays[f"{s}_image_names"] = np.array(split[s], dtype=object)
        images = [load_rgb(source / "images" / n) for n in split[s]]
        thumbs = np.empty(len(images), dtype=object)
        thumbs[:] = [thumbnail_jpeg(im) for im in images]
        arrays[f"{s}_thumbnails_jpeg"] = thumbs
        if verbose:
            print(f"{s}: extracting features of {len(images)} images", flush=True)
        arrays[f"{s}_features"] = extract_features(images, verbose)
    return arrays, idx_to_word


def h5_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Serialise ``arrays`` as an HDF5 file without timestamps (same input, same bytes)."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w", track_order=False) as f:
        f.attrs["description"] = (
            "Flickr8k subset for image captioning; built by datasets/captions/build.py"
        )
        f.attrs["features"] = (
            f"SqueezeNet 1.1 {FEATURE_LAYER} output (after ReLU), global average pool; "
            f"images resized to shorter side {FEATURE_SIZE} px, whole image"
        )
        for name in sorted(arrays):
            a = arrays[name]
            if a.dtype == object and isinstance(a[0], str):
                f.create_dataset(
                    name, data=a.astype(object), dtype=h5py.string_dtype(), track_times=False
                )
            elif a.dtype == object:
                ds = f.create_dataset(
                    name, shape=a.shape, dtype=h5py.vlen_dtype(np.uint8), track_times=False
                )
                for k, item in enumerate(a):
                    ds[k] = item
            else:
                f.create_dataset(
                    name, data=a, compression="gzip", compression_opts=9, shuffle=True,
                    track_times=False,
                )  # fmt: skip
    return buffer.getvalue()


def vocab_bytes(idx_to_word: list[str]) -> bytes:
    vocab = {
        "idx_to_word": idx_to_word,
        "special_tokens": list(SPECIAL_TOKENS),
        "min_count": MIN_COUNT,
        "max_words": MAX_WORDS,
    }
    return (json.dumps(vocab, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def summary(arrays: dict[str, np.ndarray], idx_to_word: list[str], files: dict[str, bytes]) -> str:
    lines = [
        f"{n}: sha256 {hashlib.sha256(b).hexdigest()} size {len(b)} bytes" for n, b in files.items()
    ]
    lines.append(f"vocabulary: {len(idx_to_word)} tokens (min count {MIN_COUNT})")
    for name in sorted(arrays):
        a = arrays[name]
        if a.dtype == object:
            lines.append(f"{name}: {a.shape[0]} variable-length items")
        else:
            lines.append(
                f"{name}: shape {a.shape} dtype {a.dtype} min {a.min():.4g} max {a.max():.4g}"
            )
    for s in SPLITS:
        caps = arrays[f"{s}_captions"]
        n_words = (caps > 2).sum(axis=1)  # words, <UNK> (3) included
        unk = (caps == 3).sum() / max(1, n_words.sum())
        full = np.array([len(t.split()) for t in arrays[f"{s}_caption_text"]])
        lines.append(
            f"{s}: {len(arrays[f'{s}_image_names'])} images, {len(caps)} captions, "
            f"{(full > MAX_WORDS).sum()} truncated, <UNK> rate {unk:.3%}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, default=DEFAULT_SOURCE, help="flickr8k-subset folder"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this one)")
    parser.add_argument(
        "--check", action="store_true", help="compare a rebuild with the committed files"
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))  # starter, when run from a checkout without installing
    arrays, idx_to_word = build(args.source)
    files = {H5_NAME: h5_bytes(arrays), VOCAB_NAME: vocab_bytes(idx_to_word)}
    if args.check:
        status = 0
        for name, data in files.items():
            target = args.out / name
            found = hashlib.sha256(target.read_bytes()).hexdigest() if target.is_file() else None
            expected = hashlib.sha256(data).hexdigest()
            if found != expected:
                print(f"{target}: sha256 {found}, a rebuild gives {expected}", file=sys.stderr)
                status = 1
            else:
                print(f"{target}: matches a rebuild ({expected})")
        return status
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    (args.out / "SHA256SUMS").write_text(
        "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(files.items()))
    )
    print(f"wrote {', '.join(str(args.out / n) for n in files)}")
    print(summary(arrays, idx_to_word, files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
