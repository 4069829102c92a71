"""Tests of the hymenoptera (ants vs bees) dataset: the loader and the build's image filter."""

from __future__ import annotations

import importlib.util
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from starter.data import DatasetError
from starter.hymenoptera import HYMENOPTERA_SIZE, load_hymenoptera
from starter.images import preprocess

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data() -> dict:
    return load_hymenoptera()


def test_published_split_and_shapes(data: dict) -> None:
    s = HYMENOPTERA_SIZE
    assert data["X_train"].shape == (244, s, s, 3) and data["X_train"].dtype == np.uint8
    assert data["X_val"].shape == (153, s, s, 3)
    assert data["y_train"].dtype == np.int64
    assert np.bincount(data["y_train"]).tolist() == [123, 121]
    assert np.bincount(data["y_val"]).tolist() == [70, 83]
    assert data["class_names"] == ["ants", "bees"]
    # Labels follow the source folders, and no file is in both splits.
    for split in ("train", "val"):
        for name, label in zip(data[f"names_{split}"], data[f"y_{split}"], strict=True):
            assert name.startswith(data["class_names"][label] + "/")
    assert not set(data["names_train"]) & set(data["names_val"])
    assert not any("imageNotFound" in n for n in data["names_train"])


def test_images_are_photos(data: dict) -> None:
    X = data["X_train"].astype(np.float32)
    per_image_std = X.reshape(len(X), -1).std(axis=1)
    assert per_image_std.min() > 10  # no blank or placeholder images
    assert len({x.tobytes() for x in data["X_val"]}) == 153  # no duplicates


def test_preprocessed_variant(data: dict) -> None:
    pre = load_hymenoptera(preprocessed=True)
    assert pre["X_val"].shape == (153, 3, HYMENOPTERA_SIZE, HYMENOPTERA_SIZE)
    assert pre["X_val"].dtype == np.float32
    np.testing.assert_array_equal(pre["X_val"][:5], preprocess(data["X_val"][:5]))


def test_returns_fresh_arrays() -> None:
    first = load_hymenoptera()
    first["X_train"][:] = 0
    first["y_train"][:] = 1
    second = load_hymenoptera()
    assert second["X_train"].any() and (second["y_train"] == 0).any()


def test_corrupt_file_raises(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "hymenoptera"
    folder.mkdir()
    shutil.copy(REPO / "datasets" / "hymenoptera" / "SHA256SUMS", folder)
    (folder / "hymenoptera.npz").write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match="hymenoptera.npz"):
        load_hymenoptera()


def _build_module():
    spec = importlib.util.spec_from_file_location("hymenoptera_build", REPO / "datasets" / "hymenoptera" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_skips_non_jpeg_files(tmp_path) -> None:
    build = _build_module()
    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(0, 256, size=(90, 120, 3), dtype=np.uint8))
    jpeg = tmp_path / "a.jpg"
    photo.save(jpeg, format="JPEG")
    out = build.load_image(jpeg)
    assert out.shape == (build.SIZE, build.SIZE, 3) and out.dtype == np.uint8
    gif = tmp_path / "imageNotFound.gif"
    photo.convert("P").save(gif, format="GIF")
    with pytest.raises(ValueError, match="GIF"):
        build.load_image(gif)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    with pytest.raises(ValueError, match="decoded"):
        build.load_image(broken)
    # The loader's npz writer is deterministic.
    arrays = {"X": np.arange(6, dtype=np.uint8), "y": np.zeros(2, np.uint8)}
    assert build.npz_bytes(arrays) == build.npz_bytes(dict(arrays))
    with np.load(io.BytesIO(build.npz_bytes(arrays))) as loaded:
        np.testing.assert_array_equal(loaded["X"], arrays["X"])
