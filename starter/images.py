"""Image helpers: SqueezeNet pre/deprocessing, the shipped style/content images, augmentation.

Conventions
-----------
* Raw images are ``uint8`` RGB arrays, channels last: ``(H, W, 3)`` for one image,
  ``(N, H, W, 3)`` for a batch (what Pillow and matplotlib use).
* Network inputs are ``float32`` arrays ``(N, 3, H, W)`` in the convention the
  SqueezeNet weights were trained with (Caffe's): **BGR** channel order, values
  0..255 minus the per-channel mean ``SQUEEZENET_MEAN_BGR``, no scaling.
  :func:`preprocess` converts raw images to that; :func:`deprocess` goes back for display.
* Augmentation (:func:`random_crop_flip`) takes an explicit ``numpy.random.Generator``,
  so a seeded run is reproducible and nothing touches numpy's global random state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from PIL import Image

from starter.data import DatasetError, read_checksums, verified_path

__all__ = [
    "SQUEEZENET_MEAN_BGR",
    "STYLE_IMAGES",
    "CONTENT_IMAGES",
    "preprocess",
    "deprocess",
    "resize_image",
    "load_image",
    "center_crop",
    "random_crop_flip",
    "random_shift",
]

# Per-channel mean of the ImageNet training images, in B, G, R order (Caffe's values).
SQUEEZENET_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)

# The images shipped in datasets/images/ (see its CARD.md for sources and licenses).
STYLE_IMAGES = ("starry_night", "the_scream", "composition_vii", "shipwreck", "woman_with_hat")
CONTENT_IMAGES = ("coffee", "chelsea", "astronaut", "rocket")

_MEAN = SQUEEZENET_MEAN_BGR.reshape(1, 3, 1, 1)


def _as_uint8_batch(images: np.ndarray, name: str = "images") -> np.ndarray:
    """Check uint8 RGB images ``(H, W, 3)`` or ``(N, H, W, 3)``; return them as a batch."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(
            f"{name} must be uint8 RGB pixels in 0..255 (as loaded from an image file), "
            f"got dtype {images.dtype}; convert with np.clip(x, 0, 255).astype(np.uint8) first"
        )
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"{name} must have shape (H, W, 3) or (N, H, W, 3) (RGB, channels last), "
            f"got {images.shape}"
        )
    return images


def preprocess(images: np.ndarray) -> np.ndarray:
    """Turn RGB uint8 images into SqueezeNet's input.

    Inputs:
    - images: uint8 RGB, shape (H, W, 3) or (N, H, W, 3).

    Returns float32 of shape (N, 3, H, W) (N = 1 for a single image): BGR channel
    order, values 0..255 minus ``SQUEEZENET_MEAN_BGR``.
    """
    batch = _as_uint8_batch(images)
    # RGB -> BGR and channels last -> first in one transpose-copy.
    x = batch[..., ::-1].transpose(0, 3, 1, 2).astype(np.float32)
    x -= _MEAN
    return x


def deprocess(x: np.ndarray, rescale: bool = False) -> np.ndarray:
    """Inverse of :func:`preprocess`, for display.

    Inputs:
    - x: network input(s), float, shape (3, H, W) or (N, 3, H, W), BGR minus the mean.
    - rescale: if True, stretch each image's values to the full 0..255 range first
      (useful to look at gradients or at images far outside the pixel range).

    Returns uint8 RGB images, shape (H, W, 3) or (N, H, W, 3) to match the input;
    values outside 0..255 are clipped.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a float array (a preprocessed image), got dtype {x.dtype}")
    single = x.ndim == 3
    batch = x[None] if single else x
    if batch.ndim != 4 or batch.shape[1] != 3:
        raise ValueError(f"x must have shape (3, H, W) or (N, 3, H, W), got {x.shape}")
    batch = batch.astype(np.float32) + _MEAN
    if rescale:
        lo = batch.min(axis=(1, 2, 3), keepdims=True)
        hi = batch.max(axis=(1, 2, 3), keepdims=True)
        batch = (batch - lo) * (255.0 / np.maximum(hi - lo, 1e-12))
    images = np.clip(np.rint(batch), 0, 255).astype(np.uint8)
    images = np.ascontiguousarray(images[:, ::-1].transpose(0, 2, 3, 1))  # BGR->RGB, channels last
    return images[0] if single else images


def resize_image(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize one uint8 RGB image ``(H, W, 3)`` with a Lanczos filter (Pillow).

    - ``size`` an int: the shorter side becomes ``size``, the aspect ratio is kept
      (torchvision's ``Resize(size)``, which CS231n's style transfer uses);
    - ``size`` a pair ``(height, width)``: exactly that shape.

    Returns uint8 of shape (H', W', 3).
    """
    image = _as_uint8_batch(image, "image")
    if image.shape[0] != 1:
        raise ValueError(f"resize_image takes one image (H, W, 3), got a batch {image.shape}")
    h, w = image.shape[1:3]
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        scale = int(size) / min(h, w)
        new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    elif isinstance(size, Sequence) and len(size) == 2 and all(int(s) >= 1 for s in size):
        new_h, new_w = int(size[0]), int(size[1])
    else:
        raise ValueError(f"size must be an int (shorter side) or (height, width), got {size!r}")
    if (new_h, new_w) == (h, w):
        return image[0].copy()
    pil = Image.fromarray(image[0]).resize((new_w, new_h), Image.Resampling.LANCZOS)
    return np.asarray(pil, dtype=np.uint8)


def load_image(name: str, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """Load one of the shipped style or content images (checksum-verified).

    Inputs:
    - name: one of ``STYLE_IMAGES`` or ``CONTENT_IMAGES`` (e.g. ``"starry_night"``,
      ``"coffee"``); a trailing ``.png`` is accepted.
    - size: None for the stored image (longest side 384 px), an int to make the
      shorter side that long (aspect ratio kept), or ``(height, width)``.

    Returns uint8 RGB, shape (H, W, 3).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'starry_night', got {name!r}")
    stem = name[:-4] if name.endswith(".png") else name
    available = sorted(n[:-4] for n in read_checksums("images") if n.endswith(".png"))
    if stem not in available:
        raise ValueError(f"no image named {name!r}; the shipped images are {', '.join(available)}")
    path = verified_path("images", f"{stem}.png")
    with Image.open(path) as pil:
        image = np.asarray(pil.convert("RGB"), dtype=np.uint8)
    if image.ndim != 3:
        raise DatasetError(f"{path} did not decode to an RGB image (shape {image.shape})")
    return image if size is None else resize_image(image, size)


def _crop_axes(layout: str) -> tuple[int, int]:
    if layout == "NHWC":
        return 1, 2
    if layout == "NCHW":
        return 2, 3
    raise ValueError(f"layout must be 'NHWC' (raw images) or 'NCHW' (network input), got {layout!r}")


def _check_crop(images: np.ndarray, crop_size: int, layout: str) -> tuple[int, int, int, int]:
    if images.ndim != 4:
        raise ValueError(f"images must be a 4-d batch in {layout} layout, got shape {images.shape}")
    if isinstance(crop_size, bool) or not isinstance(crop_size, (int, np.integer)) or crop_size < 1:
        raise ValueError(f"crop_size must be a positive int, got {crop_size!r}")
    ax_h, ax_w = _crop_axes(layout)
    h, w = images.shape[ax_h], images.shape[ax_w]
    if crop_size > min(h, w):
        raise ValueError(f"crop_size {crop_size} is larger than the images ({h} x {w})")
    return ax_h, ax_w, h, w


def center_crop(
    images: np.ndarray, crop_size: int, layout: Literal["NHWC", "NCHW"] = "NHWC"
) -> np.ndarray:
    """The central ``crop_size x crop_size`` window of every image (a copy).

    Inputs: images (N, H, W, C) for ``layout="NHWC"`` or (N, C, H, W) for ``"NCHW"``.
    Returns the same layout with H = W = crop_size (offsets rounded down).
    """
    images = np.asarray(images)
    ax_h, ax_w, h, w = _check_crop(images, crop_size, layout)
    top, left = (h - crop_size) // 2, (w - crop_size) // 2
    index = [slice(None)] * 4
    index[ax_h] = slice(top, top + crop_size)
    index[ax_w] = slice(left, left + crop_size)
    return images[tuple(index)].copy()


def random_crop_flip(
    images: np.ndarray,
    crop_size: int,
    rng: np.random.Generator,
    layout: Literal["NHWC", "NCHW"] = "NHWC",
    flip: bool = True,
) -> np.ndarray:
    """Standard training augmentation: a random square crop, and a horizontal flip with p = 1/2.

    Inputs:
    - images: (N, H, W, C) for ``layout="NHWC"`` or (N, C, H, W) for ``"NCHW"``, any dtype.
    - crop_size: side of the square crop, at most min(H, W).
    - rng: a ``numpy.random.Generator`` (e.g. ``np.random.default_rng(0)``); each image
      draws its own offsets (uniform over all valid positions) and flip.
    - flip: set False for crops only.

    Returns a new array in the same layout and dtype with H = W = crop_size.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    images = np.asarray(images)
    ax_h, ax_w, h, w = _check_crop(images, crop_size, layout)
    n = images.shape[0]
    tops = rng.integers(0, h - crop_size + 1, size=n)
    lefts = rng.integers(0, w - crop_size + 1, size=n)
    flips = rng.random(n) < 0.5 if flip else np.zeros(n, dtype=bool)
    out_shape = list(images.shape)
    out_shape[ax_h] = out_shape[ax_w] = crop_size
    out = np.empty(out_shape, dtype=images.dtype)
    # A loop over images: each crop is one strided block copy, cheap next to any forward pass.
    for i in range(n):
        index: list[slice] = [slice(None)] * 3
        index[ax_h - 1] = slice(tops[i], tops[i] + crop_size)
        index[ax_w - 1] = (
            slice(lefts[i] + crop_size - 1, lefts[i] - 1 if lefts[i] > 0 else None, -1)
            if flips[i]
            else slice(lefts[i], lefts[i] + crop_size)
        )
        out[i] = images[i][tuple(index)]
    return out


def random_shift(
    images: np.ndarray,
    max_shift: int,
    rng: np.random.Generator,
    layout: Literal["NHWC", "NCHW"] = "NCHW",
) -> np.ndarray:
    """Translate each square image by up to ``max_shift`` pixels each way, filling with zeros.

    The augmentation for digits (which must not be flipped): each image moves by its own
    random offsets, uniform in ``[-max_shift, max_shift]`` vertically and horizontally.

    Inputs:
    - images: (N, C, H, W) for ``layout="NCHW"`` (the default) or (N, H, W, C), with H = W.
    - max_shift: the largest shift in pixels, a non-negative integer.
    - rng: a ``numpy.random.Generator`` (e.g. the one a ``Solver`` gives its ``augment``).

    Returns a new array of the same shape and dtype.
    """
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(f"max_shift must be a non-negative integer, got {max_shift!r}")
    images = np.asarray(images)
    ax_h, ax_w, h, w = _check_crop(images, 1, layout)
    if h != w:
        raise ValueError(f"random_shift needs square images, got height {h} and width {w}")
    pad = [(0, 0)] * images.ndim
    pad[ax_h] = pad[ax_w] = (max_shift, max_shift)
    # A crop of the original size at a random place in the zero-padded image is a random shift.
    return random_crop_flip(np.pad(images, pad), h, rng, layout=layout, flip=False)
