"""The captioning data (datasets/captions) and starter.captions: loader, checksums, minibatches,
decoding, BLEU, display, and the CaptioningSolver; and the build script's pure steps."""

from __future__ import annotations

import importlib.util
import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from starter.captions import (
    CaptioningSolver,
    corpus_bleu,
    decode_captions,
    load_captions,
    sample_minibatch,
    show_captions,
)
from starter.data import DATA_ENV_VAR, DatasetError

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "datasets" / "captions"


def _load_build():
    spec = importlib.util.spec_from_file_location("captions_build", DATASET / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data():
    return load_captions()


# ---------------------------------------------------------------- the shipped data


def test_shapes_dtypes_and_vocabulary(data):
    vocab = data["idx_to_word"]
    assert vocab[:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert len(vocab) == len(set(vocab)) == len(data["word_to_idx"])
    assert all(data["word_to_idx"][w] == i for i, w in enumerate(vocab))
    for split, n_images in (("train", 800), ("val", 200)):
        caps = data[f"{split}_captions"]
        assert caps.shape == (5 * n_images, 18) and caps.dtype == np.int32
        assert data[f"{split}_features"].shape == (n_images, 512)
        assert data[f"{split}_features"].dtype == np.float32
        assert len(data[f"{split}_thumbnails"]) == len(data[f"{split}_image_names"]) == n_images
        thumb = data[f"{split}_thumbnails"][0]
        assert thumb.dtype == np.uint8 and thumb.ndim == 3 and thumb.shape[2] == 3
        assert max(thumb.shape[:2]) == 112
        # five captions per image, all images used
        assert np.array_equal(np.bincount(data[f"{split}_image_idxs"]), np.full(n_images, 5))
        assert len(data[f"{split}_caption_text"]) == caps.shape[0]


def test_caption_rows_are_start_words_end_then_null(data):
    for split in ("train", "val"):
        caps = data[f"{split}_captions"]
        assert np.all(caps[:, 0] == 1), "every caption starts with <START>"
        for row in caps:
            end = np.flatnonzero(row == 2)
            assert len(end) == 1, "exactly one <END>"
            assert np.all(row[end[0] + 1 :] == 0), "only <NULL> after <END>"
            assert np.all(row[1 : end[0]] >= 3), "words (or <UNK>) between <START> and <END>"


def test_split_is_by_image_and_texts_are_tokenised(data):
    assert not set(data["train_image_names"]) & set(data["val_image_names"])
    for text in data["train_caption_text"][:500] + data["val_caption_text"][:200]:
        assert text == text.lower() and text.strip() == text
        assert all(ch.isalnum() or ch == " " for ch in text), text


def test_encoded_captions_match_their_text(data):
    w2i = data["word_to_idx"]
    for split in ("train", "val"):
        for row, text in list(
            zip(data[f"{split}_captions"], data[f"{split}_caption_text"], strict=True)
        )[:300]:
            words = text.split()[:16]
            expected = [w2i.get(w, 3) for w in words]
            assert list(row[1 : 1 + len(words)]) == expected


def test_vocabulary_comes_from_training_captions_only(data):
    from collections import Counter

    counts = Counter(w for t in data["train_caption_text"] for w in t.split())
    words = data["idx_to_word"][4:]
    assert all(counts[w] >= 3 for w in words)
    assert {w for w, c in counts.items() if c >= 3} == set(words)


def test_features_are_standardised_with_training_statistics(data):
    train = data["train_features"]
    assert np.allclose(train.mean(axis=0), 0, atol=1e-4)
    std = train.std(axis=0)
    assert np.allclose(std[std > 1e-3], 1, atol=1e-3)
    raw = load_captions(thumbnails=False, standardize=False)
    mean, sd = raw["train_features"].mean(0), raw["train_features"].std(0) + 1e-6
    assert np.allclose(data["val_features"], (raw["val_features"] - mean) / sd, atol=1e-5)
    assert raw["train_features"].min() >= 0, "raw features are averages of ReLU outputs"


def test_max_train_subset_is_seeded(data):
    a = load_captions(max_train=50, seed=3, thumbnails=False)
    b = load_captions(max_train=50, seed=3, thumbnails=False)
    c = load_captions(max_train=50, seed=4, thumbnails=False)
    assert a["train_captions"].shape == (50, 18)
    assert np.array_equal(a["train_captions"], b["train_captions"])
    assert not np.array_equal(a["train_image_idxs"], c["train_image_idxs"])
    # rows are rows of the full data, with their image and text
    full = {
        (tuple(r), i, t)
        for r, i, t in zip(
            data["train_captions"],
            data["train_image_idxs"],
            data["train_caption_text"],
            strict=True,
        )
    }
    sub = zip(a["train_captions"], a["train_image_idxs"], a["train_caption_text"], strict=True)
    assert all((tuple(r), i, t) in full for r, i, t in sub)
    assert a["val_captions"].shape == data["val_captions"].shape
    with pytest.raises(ValueError, match="max_train"):
        load_captions(max_train=0, thumbnails=False)


# ---------------------------------------------------------------- checksums


def _copy_dataset(tmp_path: Path) -> Path:
    target = tmp_path / "data" / "captions"
    shutil.copytree(DATASET, target, ignore=shutil.ignore_patterns("build.py", "CARD.md"))
    return target


def test_corrupted_file_raises_a_dataset_error_naming_it(tmp_path, monkeypatch):
    target = _copy_dataset(tmp_path)
    blob = bytearray((target / "captions.h5").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (target / "captions.h5").write_bytes(bytes(blob))
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "data"))
    with pytest.raises(DatasetError, match=r"captions\.h5.*sha256"):
        load_captions()


def test_edited_vocabulary_raises_a_dataset_error(tmp_path, monkeypatch):
    target = _copy_dataset(tmp_path)
    vocab = target / "vocab.json"
    vocab.write_text(vocab.read_text().replace('"dog"', '"cat"', 1))
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "data"))
    with pytest.raises(DatasetError, match=r"vocab\.json"):
        load_captions()


def test_missing_file_raises_a_dataset_error(tmp_path, monkeypatch):
    target = _copy_dataset(tmp_path)
    (target / "captions.h5").unlink()
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "data"))
    with pytest.raises(DatasetError, match="missing"):
        load_captions()


# ---------------------------------------------------------------- minibatches, decoding


def test_sample_minibatch_pairs_captions_with_their_image_features(data):
    rng = np.random.default_rng(0)
    caps, feats, idxs = sample_minibatch(data, batch_size=64, split="val", rng=rng)
    assert caps.shape == (64, 18) and feats.shape == (64, 512) and idxs.shape == (64,)
    assert np.array_equal(feats, data["val_features"][idxs])
    # each caption is one of its image's captions
    for cap, idx in zip(caps, idxs, strict=True):
        rows = data["val_captions"][data["val_image_idxs"] == idx]
        assert any(np.array_equal(cap, r) for r in rows)
    again = sample_minibatch(data, batch_size=64, split="val", rng=np.random.default_rng(0))
    assert np.array_equal(again[0], caps)
    np.random.seed(5)
    a = sample_minibatch(data, 8)[2]
    np.random.seed(5)
    assert np.array_equal(a, sample_minibatch(data, 8)[2]), (
        "global seeding makes draws reproducible"
    )
    with pytest.raises(ValueError, match="split"):
        sample_minibatch(data, 4, split="test")


def test_decode_captions():
    vocab = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "dog", "runs"]
    assert decode_captions(np.array([1, 4, 5, 6, 2, 0, 0]), vocab) == "a dog runs"
    assert decode_captions(np.array([[1, 4, 3, 2, 5], [4, 0, 5, 6, 6]]), vocab) == [
        "a <UNK>",
        "a dog runs runs",
    ]
    assert decode_captions(np.array([2, 4, 5]), vocab) == ""
    with pytest.raises(ValueError, match="shape"):
        decode_captions(np.zeros((1, 2, 3), dtype=int), vocab)


def test_decode_round_trips_the_stored_text(data):
    texts = decode_captions(data["val_captions"][:200], data["idx_to_word"])
    for text, ref in zip(texts, data["val_caption_text"][:200], strict=True):
        expected = " ".join(w if w in data["word_to_idx"] else "<UNK>" for w in ref.split()[:16])
        assert text == expected


# ---------------------------------------------------------------- BLEU


def test_bleu_hand_computed_values():
    ref = [["the", "cat", "is", "on", "the", "mat"]]
    assert corpus_bleu([ref], [ref[0]], max_n=4) == pytest.approx(1.0)
    # Papineni's example: clipped unigram precision 2/7, no brevity penalty (7 > 6)
    assert corpus_bleu([ref], [["the"] * 7], max_n=1) == pytest.approx(2 / 7)
    # brevity penalty exp(1 - r / c) with r = 6, c = 2
    assert corpus_bleu([ref], [["the", "cat"]], max_n=1) == pytest.approx(math.exp(-2))
    # no 3-gram can match a 2-word hypothesis: BLEU-4 is 0 without smoothing
    assert corpus_bleu([ref], [["the", "cat"]], max_n=4) == 0.0
    # the closest reference length is used (ties: the shorter), hypothesis of 4 words
    refs = [["a", "b", "c"], ["a", "b", "c", "d", "e"]]
    assert corpus_bleu([refs], [["a", "b", "c", "x"]], max_n=1) == pytest.approx(3 / 4)
    with pytest.raises(ValueError):
        corpus_bleu([ref], [], max_n=1)


def test_bleu_nltk_documentation_example():
    # The corpus_bleu example of nltk's documentation, whose value it states: 0.5920778868801042.
    hyp1 = "It is a guide to action which ensures that the military always obeys the commands of the party".split()
    ref1a = "It is a guide to action that ensures that the military will forever heed Party commands".split()
    ref1b = "It is the guiding principle which guarantees the military forces always being under the command of the Party".split()
    ref1c = (
        "It is the practical guide for the army always to heed the directions of the party".split()
    )
    hyp2 = "he read the book because he was interested in world history".split()
    ref2a = "he was interested in world history because he read the book".split()
    value = corpus_bleu([[ref1a, ref1b, ref1c], [ref2a]], [hyp1, hyp2], max_n=4)
    assert value == pytest.approx(0.5920778868801042, rel=1e-12)


def test_bleu_agrees_with_nltk_on_random_corpora():
    nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
    rng = np.random.default_rng(0)
    words = list("abcdefg")
    for _ in range(200):
        n = int(rng.integers(1, 6))
        refs = [
            [list(rng.choice(words, size=rng.integers(1, 10))) for _ in range(rng.integers(1, 5))]
            for _ in range(n)
        ]
        hyps = [list(rng.choice(words, size=rng.integers(1, 10))) for _ in range(n)]
        for max_n in (1, 4):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # nltk warns when a precision is zero
                expected = nltk_bleu.corpus_bleu(refs, hyps, weights=(1 / max_n,) * max_n)
            assert corpus_bleu(refs, hyps, max_n=max_n) == pytest.approx(expected, abs=1e-12)


# ---------------------------------------------------------------- display


def test_show_captions_draws_each_image_with_its_captions(data):
    fig = show_captions(data, "val", [0, 3, 5], sampled=["a dog", "a man", "two people"], ncols=2)
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 3
    assert np.array_equal(axes[1].images[0].get_array(), data["val_thumbnails"][3])
    title = axes[1].get_title(loc="left")
    assert "sampled: a man" in title and "truth:" in title
    first_ref = data["val_caption_text"][list(data["val_image_idxs"]).index(3)]
    assert first_ref.split()[0] in title
    with pytest.raises(ValueError, match="sampled"):
        show_captions(data, "val", [0, 1], sampled=["only one"])


# ---------------------------------------------------------------- CaptioningSolver


class _QuadraticModel:
    """loss = sum((W - target)^2) regardless of the batch; records the batches it saw."""

    def __init__(self):
        self.params = {"W": np.zeros(3)}
        self.target = np.array([1.0, -2.0, 0.5])
        self.batches = []

    def loss(self, features, captions):
        self.batches.append((features.shape, captions.shape))
        diff = self.params["W"] - self.target
        return float(np.sum(diff**2)), {"W": 2 * diff}


def _sgd(w, dw, config):
    return w - config["learning_rate"] * dw, config


def test_solver_trains_decays_and_samples_batches(data, capsys):
    model = _QuadraticModel()
    solver = CaptioningSolver(
        model,
        data,
        update_rule=_sgd,
        optim_config={"learning_rate": 0.1},
        lr_decay=0.5,
        batch_size=1000,
        num_epochs=3,
        print_every=2,
        seed=0,
    )
    history = solver.train()
    assert len(history) == 3 * 4  # 4000 captions / 1000 per batch
    # each SGD step scales W - target by (1 - 2 lr); lr halves after every epoch of 4 steps
    factors = [0.8] * 4 + [0.9] * 4 + [0.95] * 3  # the last loss is recorded before its step
    assert history[-1] == pytest.approx(5.25 * np.prod(factors) ** 2, rel=1e-12)
    assert solver.optim_configs["W"]["learning_rate"] == pytest.approx(0.1 * 0.5**3)
    assert model.batches[0] == ((1000, 512), (1000, 18))
    out = capsys.readouterr()
    assert "(Iteration 1 / 12)" in out.out and out.err == ""


def test_solver_stops_on_a_non_finite_loss(data):
    model = _QuadraticModel()
    model.loss = lambda f, c: (float("nan"), {"W": np.zeros(3)})
    with pytest.raises(FloatingPointError, match="learning rate"):
        CaptioningSolver(model, data, update_rule=_sgd, print_every=0).train()
    with pytest.raises(TypeError, match="optim"):
        CaptioningSolver(model, data, update_rule="adam")


# ---------------------------------------------------------------- build script


def test_build_tokenise_vocab_encode_split():
    build = _load_build()
    assert build.tokenize("A man's T-shirt , red .") == ["a", "mans", "tshirt", "red"]
    vocab = build.build_vocab([["b", "a", "b"], ["a", "c", "b"], ["a", "d"]])
    assert vocab == ["<NULL>", "<START>", "<END>", "<UNK>", "a", "b"]  # c and d are rare
    w2i = {w: i for i, w in enumerate(vocab)}
    row = build.encode(["a", "zebra", "b"], w2i)
    assert row.tolist() == [1, 4, 3, 5, 2] + [0] * (build.MAX_WORDS - 3)
    long = build.encode(["a"] * 40, w2i)
    assert len(long) == build.MAX_WORDS + 2 and long[-1] == 2
    names = [f"img{i:04d}.jpg" for i in range(1000)]
    split = build.split_images(names)
    assert len(split["train"]) == 800 and len(split["val"]) == 200
    assert not set(split["train"]) & set(split["val"])
    assert split == build.split_images(names)


def test_build_serialisation_is_deterministic():
    build = _load_build()
    rng = np.random.default_rng(0)
    thumbs = np.empty(2, dtype=object)
    thumbs[:] = [np.arange(5, dtype=np.uint8), np.arange(3, dtype=np.uint8)]
    arrays = {
        "train_captions": rng.integers(0, 9, size=(4, 18)).astype(np.int32),
        "train_features": rng.standard_normal((2, 512)).astype(np.float32),
        "train_caption_text": np.array(["a dog", "two men"], dtype=object),
        "train_thumbnails_jpeg": thumbs,
    }
    first = build.h5_bytes(arrays)
    assert first == build.h5_bytes(arrays)
    import io

    import h5py

    with h5py.File(io.BytesIO(first), "r") as f:
        assert np.array_equal(f["train_captions"][()], arrays["train_captions"])
        assert [s.decode() for s in f["train_caption_text"][()]] == ["a dog", "two men"]
        assert f["train_thumbnails_jpeg"][1].tolist() == [0, 1, 2]


def test_committed_checksums_match_the_files():
    from starter.data import sha256_file

    lines = (DATASET / "SHA256SUMS").read_text().split("\n")
    table = dict(reversed(line.split("  ")) for line in lines if line)
    assert set(table) == {"captions.h5", "vocab.json"}
    for name, digest in table.items():
        assert sha256_file(DATASET / name) == digest
        assert digest in (DATASET / "CARD.md").read_text(), f"CARD.md records the sha256 of {name}"


def test_stored_features_are_squeezenet_fire9_averages():
    """A few stored feature vectors recomputed from the raw images (skipped without them)."""
    build = _load_build()
    source = build.DEFAULT_SOURCE
    if not (source / "captions.txt").is_file():
        pytest.skip(f"raw Flickr8k subset not available at {source}")
    raw = load_captions(thumbnails=False, standardize=False)
    names = raw["val_image_names"][:3]
    images = [build.load_rgb(source / "images" / n) for n in names]
    features = build.extract_features(images, verbose=False)
    # Same code and libraries, but OpenBLAS picks its kernel for the CPU it runs on
    # (DYNAMIC_ARCH), and each kernel sums in its own order: with OPENBLAS_CORETYPE set to
    # Haswell (the build machine), SkylakeX, SandyBridge, Nehalem and Prescott the features
    # differed by at most 4.5e-7 of the largest one (2026-12-03). A wrong layer, pooling or
    # preprocessing moves them by a sizeable fraction of it.
    stored = raw["val_features"][:3]
    np.testing.assert_allclose(features, stored, rtol=0, atol=1e-5 * np.abs(stored).max())
    thumbs = [build.thumbnail_jpeg(im) for im in images]
    with h5py_file() as f:
        stored = [f["val_thumbnails_jpeg"][i] for i in range(3)]
    assert all(np.array_equal(a, b) for a, b in zip(thumbs, stored, strict=True))


def h5py_file():
    import h5py

    from starter.data import verified_path

    return h5py.File(verified_path("captions", "captions.h5"), "r")
