"""Tests of starter.images: SqueezeNet pre/deprocessing, shipped images, crops and flips."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from starter.data import DatasetError
from starter.images import (
    CONTENT_IMAGES,
    SQUEEZENET_MEAN_BGR,
    STYLE_IMAGES,
    center_crop,
    deprocess,
    load_image,
    preprocess,
    random_crop_flip,
    random_shift,
    resize_image,
)

REPO = Path(__file__).resolve().parent.parent


def random_images(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def test_preprocess_is_bgr_minus_mean() -> None:
    image = np.zeros((2, 3, 3), np.uint8)
    image[1, 2] = (10, 20, 30)  # R, G, B
    x = preprocess(image)
    assert x.shape == (1, 3, 2, 3) and x.dtype == np.float32
    expected = np.array([30, 20, 10], np.float32) - SQUEEZENET_MEAN_BGR  # B, G, R
    np.testing.assert_allclose(x[0, :, 1, 2], expected, rtol=1e-6)
    np.testing.assert_allclose(x[0, :, 0, 0], -SQUEEZENET_MEAN_BGR, rtol=1e-6)


def test_deprocess_inverts_preprocess() -> None:
    batch = random_images((3, 5, 7, 3))
    np.testing.assert_array_equal(deprocess(preprocess(batch)), batch)
    single = deprocess(preprocess(batch[1])[0])
    assert single.shape == (5, 7, 3) and single.dtype == np.uint8
    np.testing.assert_array_equal(single, batch[1])


def test_deprocess_clips_and_rescales() -> None:
    x = np.full((3, 2, 2), 1000.0, np.float32)
    x[:, 0, 0] = -1000.0
    img = deprocess(x)
    assert img[0, 0].tolist() == [0, 0, 0] and img[1, 1].tolist() == [255, 255, 255]
    stretched = deprocess(np.linspace(-5, 5, 12, dtype=np.float32).reshape(3, 2, 2), rescale=True)
    assert stretched.min() == 0 and stretched.max() == 255


def test_bad_inputs_raise_clear_errors() -> None:
    with pytest.raises(TypeError, match="uint8"):
        preprocess(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        preprocess(np.zeros((3, 4, 4), np.uint8))
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        deprocess(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(TypeError, match="float"):
        deprocess(np.zeros((3, 4, 4), np.uint8))


@pytest.mark.parametrize("name", STYLE_IMAGES + CONTENT_IMAGES)
def test_shipped_images_load(name: str) -> None:
    image = load_image(name)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert max(image.shape[:2]) == 384
    assert image.std() > 20  # a real picture, not a blank


def test_load_image_sizes() -> None:
    coffee = load_image("coffee")
    assert coffee.shape == (256, 384, 3)
    assert load_image("coffee.png", size=192).shape == (192, 288, 3)  # shorter side
    assert load_image("coffee", size=(100, 120)).shape == (100, 120, 3)
    with pytest.raises(ValueError, match="starry_night"):
        load_image("mona_lisa")
    with pytest.raises(ValueError, match="size"):
        load_image("coffee", size=0)


def test_resize_image_keeps_content() -> None:
    # A smooth gradient survives a downscale: values stay close to the resampled ramp.
    ramp = np.repeat(np.linspace(0, 255, 64, dtype=np.float32)[None, :], 32, axis=0)
    image = np.stack([ramp, ramp, 255 - ramp], axis=-1).astype(np.uint8)
    small = resize_image(image, 16)
    assert small.shape == (16, 32, 3)
    expected = np.linspace(0, 255, 64).reshape(32, 2).mean(axis=1)
    assert np.abs(small[8, 2:-2, 0].astype(float) - expected[2:-2]).max() < 4


def test_corrupt_image_file_raises(tmp_path, monkeypatch) -> None:
    shutil.copytree(REPO / "datasets" / "images", tmp_path / "images")
    path = tmp_path / "images" / "chelsea.png"
    path.write_bytes(path.read_bytes()[:-100])  # truncated
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match="chelsea.png"):
        load_image("chelsea")


def test_center_crop_both_layouts() -> None:
    images = random_images((2, 7, 9, 3))
    crop = center_crop(images, 4)
    np.testing.assert_array_equal(crop, images[:, 1:5, 2:6])
    nchw = center_crop(images.transpose(0, 3, 1, 2), 4, layout="NCHW")
    np.testing.assert_array_equal(nchw, crop.transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match="larger"):
        center_crop(images, 8)


def test_random_crop_flip_gives_crops_of_each_image() -> None:
    images = random_images((40, 6, 8, 3), seed=1)
    out = random_crop_flip(images, 4, np.random.default_rng(0))
    assert out.shape == (40, 4, 4, 3) and out.dtype == np.uint8
    flipped = 0
    for i in range(40):
        windows = [(t, left, f) for t in range(3) for left in range(5) for f in (False, True)
                   if np.array_equal(out[i], (lambda c: c[:, ::-1] if f else c)(
                       images[i, t : t + 4, left : left + 4]))]  # fmt: skip
        assert windows, f"output {i} is not a (flipped) crop of input {i}"
        flipped += windows[0][2]
    assert 5 < flipped < 35  # both flipped and unflipped crops occur


def test_random_crop_flip_is_reproducible_and_layout_consistent() -> None:
    images = random_images((10, 9, 9, 3), seed=2)
    a = random_crop_flip(images, 5, np.random.default_rng(7))
    b = random_crop_flip(images, 5, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    c = random_crop_flip(images.transpose(0, 3, 1, 2), 5, np.random.default_rng(7), layout="NCHW")
    np.testing.assert_array_equal(c, a.transpose(0, 3, 1, 2))
    no_flip = random_crop_flip(images, 9, np.random.default_rng(3), flip=False)
    np.testing.assert_array_equal(no_flip, images)
    with pytest.raises(TypeError, match="Generator"):
        random_crop_flip(images, 5, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="larger"):
        random_crop_flip(images, 10, np.random.default_rng(0))


def shifted_by(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """(C, H, W) ``image`` moved down by dy and right by dx, zero-filled: written with np.roll and a mask."""
    out = np.roll(image, (dy, dx), axis=(1, 2))
    h, w = image.shape[1:]
    rows, cols = np.arange(h) - dy, np.arange(w) - dx
    keep = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
    return np.where(keep, out, 0)


def test_random_shift_moves_each_image_within_the_range() -> None:
    images = random_images((300, 2, 7, 7), seed=3).astype(np.float32) + 1  # no zeros inside
    out = random_shift(images, 2, np.random.default_rng(0))
    assert out.shape == images.shape and out.dtype == images.dtype
    offsets = []
    for image, moved in zip(images, out, strict=True):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if np.array_equal(moved, shifted_by(image, dy, dx))]
        assert len(found) == 1, f"output is not a unique shift of its input: {found}"
        offsets.append(found[0])
    # Every one of the 25 offsets turns up in 300 draws (each has probability 1/25).
    assert set(offsets) == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}


def test_random_shift_layouts_agree_and_zero_shift_is_identity() -> None:
    images = random_images((5, 3, 6, 6), seed=4)
    nchw = random_shift(images, 1, np.random.default_rng(7))
    nhwc = random_shift(images.transpose(0, 2, 3, 1), 1, np.random.default_rng(7), layout="NHWC")
    np.testing.assert_array_equal(nchw, nhwc.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(random_shift(images, 0, np.random.default_rng(0)), images)


def test_random_shift_rejects_bad_arguments() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="non-negative integer"):
        random_shift(random_images((2, 1, 4, 4)), -1, rng)
    with pytest.raises(ValueError, match="square"):
        random_shift(random_images((2, 1, 4, 5)), 1, rng)
    with pytest.raises(ValueError, match="4-d"):
        random_shift(random_images((4, 4)), 1, rng)
