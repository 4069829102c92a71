"""starter.data: checksum-verified dataset files and load_mnist."""

import hashlib
import importlib.util
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from starter import data as sdata
from starter.data import DatasetError, load_mnist, verified_path

REPO = Path(__file__).resolve().parent.parent
MNIST_DIR = REPO / "datasets" / "mnist"
SOURCE = REPO.parent / "shared" / "data-sources" / "mnist" / "mnist.pkl.gz"


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture
def mnist_copy(tmp_path, monkeypatch):
    """A private copy of datasets/mnist that DL_COURSE_DATA points at."""
    shutil.copytree(MNIST_DIR, tmp_path / "mnist", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path))
    return tmp_path / "mnist"


def _load_build_module():
    spec = importlib.util.spec_from_file_location("mnist_build", MNIST_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_file_matches_card_and_sha256sums():
    actual = hashlib.sha256((MNIST_DIR / "mnist.npz").read_bytes()).hexdigest()
    sums = (MNIST_DIR / "SHA256SUMS").read_text().split()
    assert sums == [actual, "mnist.npz"]
    card = (MNIST_DIR / "CARD.md").read_text()
    card_sha = re.search(r"sha256 \| `([0-9a-f]{64})`", card)
    assert card_sha is not None, "CARD.md must record the sha256"
    assert card_sha.group(1) == actual
    size = (MNIST_DIR / "mnist.npz").stat().st_size
    assert f"{size:,} bytes" in card


def test_mnist_full_shapes_dtypes_and_ranges(mnist):
    assert list(mnist) == ["X_train", "y_train", "X_val", "y_val", "X_test", "y_test"]
    for split, n in [("train", 50_000), ("val", 10_000), ("test", 10_000)]:
        X, y = mnist[f"X_{split}"], mnist[f"y_{split}"]
        assert X.shape == (n, 784) and X.dtype == np.float32
        assert y.shape == (n,) and y.dtype == np.int64
        assert X.min() == 0.0 and X.max() == 255 / 256  # in [0, 1)
        scaled = X * 256
        assert np.array_equal(scaled, np.rint(scaled))  # exactly k / 256
        assert set(np.unique(y)) == set(range(10))
    # class counts recorded in the card
    assert np.bincount(mnist["y_train"]).tolist() == [
        4932, 5678, 4968, 5101, 4859, 4506, 4951, 5175, 4842, 4988,
    ]  # fmt: skip


def test_mnist_matches_the_raw_source(mnist):
    """Independent check of the build against the original pickle (when it is reachable)."""
    if not SOURCE.is_file():
        pytest.skip("raw MNIST source not available")
    import gzip
    import pickle

    with gzip.open(SOURCE, "rb") as f:
        raw = pickle.load(f, encoding="latin1")
    for split, (X, y) in zip(["train", "val", "test"], raw, strict=True):
        np.testing.assert_array_equal(mnist[f"X_{split}"], X)
        np.testing.assert_array_equal(mnist[f"y_{split}"], y)


def test_mnist_image_layout_and_subsets(mnist):
    d = load_mnist(num_train=100, num_val=20, num_test=30, layout="image")
    assert d["X_train"].shape == (100, 1, 28, 28) and d["X_train"].dtype == np.float32
    assert d["X_val"].shape == (20, 1, 28, 28) and d["X_test"].shape == (30, 1, 28, 28)
    assert d["y_train"].shape == (100,) and d["y_val"].shape == (20,) and d["y_test"].shape == (30,)
    # subsets come from the front, so they are the same every time
    np.testing.assert_array_equal(d["X_train"].reshape(100, 784), mnist["X_train"][:100])
    np.testing.assert_array_equal(d["y_test"], mnist["y_test"][:30])


def test_mnist_returns_fresh_writable_arrays():
    a = load_mnist(num_train=10, num_val=10, num_test=10)
    a["X_train"][:] = -1.0  # must not corrupt the loader's cache
    b = load_mnist(num_train=10, num_val=10, num_test=10)
    assert b["X_train"].min() == 0.0


def test_mnist_mean_subtraction_uses_training_statistics_only(mnist):
    d = load_mnist(num_train=500, num_val=50, num_test=50, subtract_mean=True)
    expected_mean = mnist["X_train"][:500].astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(d["mean_image"], expected_mean, atol=1e-6)
    np.testing.assert_allclose(d["X_train"].mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(d["X_val"], mnist["X_val"][:50] - expected_mean, atol=1e-6)
    np.testing.assert_allclose(d["X_test"], mnist["X_test"][:50] - expected_mean, atol=1e-6)
    img = load_mnist(num_train=500, num_val=5, num_test=5, layout="image", subtract_mean=True)
    assert img["mean_image"].shape == (1, 28, 28)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"layout": "nchw"}, ValueError, "layout must be 'flat'.*'image'"),
        ({"num_train": 0}, ValueError, "num_train must be between 1 and 50000"),
        ({"num_val": 10_001}, ValueError, "num_val must be between 1 and 10000"),
        ({"num_test": 2.5}, TypeError, "num_test must be an integer"),
        ({"num_train": True}, TypeError, "num_train must be an integer"),
        ({"subtract_mean": "yes"}, TypeError, "subtract_mean must be True or False"),
    ],
)
def test_mnist_bad_arguments(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        load_mnist(**kwargs)


def test_corrupted_file_raises_helpful_error(mnist_copy):
    path = mnist_copy / "mnist.npz"
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    expected = (MNIST_DIR / "SHA256SUMS").read_text().split()[0]
    with pytest.raises(DatasetError) as info:
        load_mnist(num_train=10)
    message = str(info.value)
    assert str(path) in message
    assert expected in message  # what was expected
    assert hashlib.sha256(bytes(blob)).hexdigest() in message  # what was found
    assert "git checkout -- datasets/mnist" in message
    assert "python datasets/mnist/build.py" in message
    assert "DL_COURSE_DATA" in message


def test_missing_file_raises_helpful_error(mnist_copy):
    (mnist_copy / "mnist.npz").unlink()
    with pytest.raises(DatasetError) as info:
        load_mnist()
    message = str(info.value)
    assert "missing" in message and "mnist.npz" in message
    assert "git checkout -- datasets/mnist" in message


def test_verification_is_redone_when_the_file_changes(mnist_copy):
    path = verified_path("mnist", "mnist.npz")
    assert path == mnist_copy / "mnist.npz"
    stat = path.stat()
    blob = bytearray(path.read_bytes())
    blob[100] ^= 0x01  # same size
    path.write_bytes(bytes(blob))
    # make sure the mtime differs even on coarse-grained file systems
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with pytest.raises(DatasetError, match="corrupted"):
        verified_path("mnist", "mnist.npz")


def test_missing_or_bad_checksum_list(mnist_copy):
    sums = mnist_copy / "SHA256SUMS"
    sums.write_text("not-a-digest  mnist.npz\n")
    with pytest.raises(DatasetError, match="line 1: expected '<64 hex digits>"):
        verified_path("mnist", "mnist.npz")
    sums.unlink()
    with pytest.raises(DatasetError, match="SHA256SUMS not found"):
        verified_path("mnist", "mnist.npz")


def test_unlisted_file_and_bad_names(mnist_copy):
    (mnist_copy / "extra.bin").write_bytes(b"x")
    with pytest.raises(DatasetError, match="'extra.bin' is not listed"):
        verified_path("mnist", "extra.bin")
    with pytest.raises(ValueError, match="relative"):
        verified_path("mnist", "../mnist/mnist.npz")
    with pytest.raises(ValueError, match="plain folder name"):
        verified_path("../mnist", "mnist.npz")


def test_data_dir_env_var_must_be_a_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_COURSE_DATA", str(tmp_path / "nope"))
    with pytest.raises(DatasetError, match="not a directory"):
        sdata.dataset_dir()


def test_build_writes_fixed_timestamps_and_round_trips():
    _load_build_module()  # puts datasets/ on sys.path for buildlib
    import buildlib as build

    arrays = {
        "X_train": np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28),
        "y_train": np.array([3, 7], dtype=np.uint8),
    }
    blob = build.npz_bytes(arrays)
    import io

    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        assert [i.filename for i in zf.infolist()] == ["X_train.npy", "y_train.npy"]
        assert {i.date_time for i in zf.infolist()} == {build.FIXED_DATE}
    with np.load(io.BytesIO(blob)) as loaded:
        for name, a in arrays.items():
            np.testing.assert_array_equal(loaded[name], a)
    assert build.npz_bytes(arrays) == blob


@pytest.mark.slow
def test_rebuild_is_byte_identical_to_committed_file():
    if not SOURCE.is_file():
        pytest.skip("raw MNIST source not available")
    build = _load_build_module()
    assert build.main(["--check"]) == 0
