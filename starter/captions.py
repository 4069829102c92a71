"""Image-captioning utilities: the Flickr8k-subset data, minibatches, decoding, BLEU, training.

The data (``datasets/captions/``, built by its ``build.py``; see its ``CARD.md``)
follows CS231n's COCO captioning layout. :func:`load_captions` returns a dict:

- ``train_captions`` (N_train, T) int32: ``<START>``, word indices, ``<END>``,
  ``<NULL>`` padding; ``train_image_idxs`` (N_train,): the image of each caption,
  a row of ``train_features``; the same for ``val_``;
- ``train_features`` (num_images, 512) float32: one SqueezeNet feature vector per image;
- ``train_caption_text``: the full tokenised text of each caption (not truncated,
  no ``<UNK>``), used as BLEU references; ``train_image_names``;
- ``train_thumbnails``: a list of small uint8 RGB images, one per image;
- ``idx_to_word`` (list) and ``word_to_idx`` (dict).
"""

from __future__ import annotations

import io
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from starter.data import DatasetError, verified_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "load_captions",
    "sample_minibatch",
    "decode_captions",
    "corpus_bleu",
    "evaluate_bleu",
    "show_captions",
    "CaptioningSolver",
]

DATASET = "captions"
H5_NAME = "captions.h5"
VOCAB_NAME = "vocab.json"
SPLITS = ("train", "val")
# <NULL>, <START>, <END>: never shown in decoded text (CS231n's decode_captions).
_HIDDEN_TOKENS = ("<NULL>", "<START>")

UpdateRule = Callable[[np.ndarray, np.ndarray, dict], tuple[np.ndarray, dict]]


def _decode_jpeg(data: np.ndarray) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data.tobytes())) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def load_captions(
    max_train: int | None = None,
    seed: int = 0,
    thumbnails: bool = True,
    standardize: bool = True,
    distinct_images: bool = False,
) -> dict[str, Any]:
    """Load the checksum-verified captioning data (CS231n's ``load_coco_data``).

    Inputs:
    - max_train: if given, keep only this many training captions, drawn at random
      without replacement (all images and features are kept, so image indices
      stay valid). Useful to overfit a small set.
    - seed: seed of that draw (the same seed gives the same subset).
    - distinct_images: with max_train, take one caption from each of max_train
      distinct images. Two captions of the same image share their features, so
      no model can fit both exactly; with distinct images a model can learn every
      caption by heart (the overfitting check of the notebook relies on that).
    - thumbnails: decode the display thumbnails (about 0.2 s); False skips them.
    - standardize: subtract the mean and divide by the standard deviation of each
      feature over the training images (both splits use the training statistics).
      The stored features are raw averages of ReLU outputs (mean about 3, up to
      about 30), which would saturate the tanh of an RNN started from them.

    Returns the dict described in the module docstring.

    Raises DatasetError when a file is missing, corrupted, or inconsistent.
    """
    import h5py

    h5_path = verified_path(DATASET, H5_NAME)
    vocab_path = verified_path(DATASET, VOCAB_NAME)
    vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
    idx_to_word = list(vocab["idx_to_word"])
    data: dict[str, Any] = {
        "idx_to_word": idx_to_word,
        "word_to_idx": {w: i for i, w in enumerate(idx_to_word)},
    }
    with h5py.File(h5_path, "r") as f:
        for split in SPLITS:
            for key in ("captions", "image_idxs", "features"):
                data[f"{split}_{key}"] = f[f"{split}_{key}"][()]
            for key in ("caption_text", "image_names"):
                data[f"{split}_{key}"] = [s.decode("utf-8") for s in f[f"{split}_{key}"][()]]
            if thumbnails:
                data[f"{split}_thumbnails"] = [
                    _decode_jpeg(b) for b in f[f"{split}_thumbnails_jpeg"]
                ]
    for split in SPLITS:
        captions, idxs = data[f"{split}_captions"], data[f"{split}_image_idxs"]
        n_images = data[f"{split}_features"].shape[0]
        if (
            captions.shape[0] != idxs.shape[0]
            or idxs.min() < 0
            or idxs.max() >= n_images
            or captions.max() >= len(idx_to_word)
        ):
            raise DatasetError(
                f"{h5_path}: the {split} arrays are inconsistent with each other or with "
                f"{vocab_path}; rebuild with `python datasets/{DATASET}/build.py`."
            )
    if standardize:
        mean = data["train_features"].mean(axis=0)
        std = data["train_features"].std(axis=0) + 1e-6  # no division by zero for dead channels
        for split in SPLITS:
            data[f"{split}_features"] = ((data[f"{split}_features"] - mean) / std).astype(np.float32)
    if max_train is not None:
        n = data["train_captions"].shape[0]
        if not 0 < max_train <= n:
            raise ValueError(f"max_train must be in 1..{n}, got {max_train}")
        rng = np.random.default_rng(seed)
        if distinct_images:
            images = np.unique(data["train_image_idxs"])
            if max_train > len(images):
                raise ValueError(f"max_train must be at most {len(images)} with distinct_images")
            chosen = rng.choice(images, size=max_train, replace=False)
            keep = np.sort(
                [rng.choice(np.flatnonzero(data["train_image_idxs"] == i)) for i in chosen]
            )
        else:
            keep = np.sort(rng.choice(n, size=max_train, replace=False))
        data["train_captions"] = data["train_captions"][keep]
        data["train_image_idxs"] = data["train_image_idxs"][keep]
        data["train_caption_text"] = [data["train_caption_text"][i] for i in keep]
    return data


def sample_minibatch(
    data: Mapping[str, Any],
    batch_size: int = 100,
    split: str = "train",
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random minibatch of captions with the features of their images.

    Inputs:
    - data: the dict of :func:`load_captions`
    - batch_size: number of captions (drawn with replacement, as in CS231n)
    - split: "train" or "val"
    - rng: a numpy Generator; by default numpy's global random state is used,
      so ``seed_everything`` makes the draws reproducible

    Returns a tuple of:
    - captions: (batch_size, T) int32
    - image_features: (batch_size, D) float32, the features of each caption's image
    - image_idxs: (batch_size,) the image index of each caption
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'val', got {split!r}")
    n = data[f"{split}_captions"].shape[0]
    mask = (
        rng.integers(n, size=batch_size)
        if rng is not None
        else np.random.randint(n, size=batch_size)
    )
    captions = data[f"{split}_captions"][mask]
    image_idxs = data[f"{split}_image_idxs"][mask]
    return captions, data[f"{split}_features"][image_idxs], image_idxs


def decode_captions(captions: np.ndarray, idx_to_word: Sequence[str]) -> str | list[str]:
    """Turn word indices into text (CS231n's ``decode_captions``).

    ``<NULL>`` and ``<START>`` are skipped; decoding stops at ``<END>``.

    Inputs:
    - captions: integer array of shape (T,) for one caption or (N, T) for several
    - idx_to_word: the vocabulary, a list

    Returns a string for one caption, a list of N strings for several.
    """
    captions = np.asarray(captions)
    single = captions.ndim == 1
    rows = captions[None] if single else captions
    if rows.ndim != 2:
        raise ValueError(f"captions must have shape (T,) or (N, T), got {captions.shape}")
    decoded = []
    for row in rows:
        words = []
        for idx in row:
            word = idx_to_word[int(idx)]
            if word == "<END>":
                break
            if word not in _HIDDEN_TOKENS:
                words.append(word)
        decoded.append(" ".join(words))
    return decoded[0] if single else decoded


def _ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def corpus_bleu(
    references: Sequence[Sequence[Sequence[str]]],
    hypotheses: Sequence[Sequence[str]],
    max_n: int = 4,
) -> float:
    """Corpus-level BLEU (Papineni et al. 2002) with uniform weights, no smoothing.

    The n-gram counts of each hypothesis are clipped by the largest count of the
    same n-gram in any of its references and summed over the corpus; the score is
    the geometric mean of the modified precisions for n = 1..max_n times the
    brevity penalty ``exp(1 - r / c)`` when the total hypothesis length c is below
    r, the sum of the reference lengths closest to each hypothesis length (the
    shorter on ties). This is what ``nltk.translate.bleu_score.corpus_bleu``
    computes with ``weights = (1 / max_n,) * max_n`` and no smoothing.

    Inputs:
    - references: for each hypothesis, a list of reference token lists
    - hypotheses: token lists
    - max_n: 1 for BLEU-1, 4 for BLEU-4

    Returns BLEU in [0, 1]; 0 if some n-gram order has no match at all.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} reference lists for {len(hypotheses)} hypotheses")
    matches = [0] * max_n
    totals = [0] * max_n
    hyp_len = ref_len = 0
    for refs, hyp in zip(references, hypotheses, strict=True):
        if not refs:
            raise ValueError("every hypothesis needs at least one reference")
        hyp_len += len(hyp)
        ref_len += min((len(r) for r in refs), key=lambda n: (abs(n - len(hyp)), n))
        for n in range(1, max_n + 1):
            counts = _ngrams(hyp, n)
            max_ref: Counter[tuple[str, ...]] = Counter()
            for r in refs:
                max_ref |= _ngrams(r, n)  # elementwise maximum
            matches[n - 1] += sum(min(c, max_ref[g]) for g, c in counts.items())
            # at least 1, as nltk does for hypotheses shorter than n
            totals[n - 1] += max(1, len(hyp) - n + 1)
    if hyp_len == 0 or min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals, strict=True)) / max_n
    brevity = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    return brevity * math.exp(log_precision)


class CaptionModel(Protocol):
    params: dict[str, np.ndarray]

    def loss(self, features: np.ndarray, captions: np.ndarray) -> tuple[float, dict]: ...

    def sample(self, features: np.ndarray, max_length: int = 30) -> np.ndarray: ...


def evaluate_bleu(
    model: CaptionModel,
    data: Mapping[str, Any],
    split: str = "val",
    max_length: int = 20,
    batch_size: int = 500,
) -> dict[str, Any]:
    """BLEU-1 and BLEU-4 of the model's greedy captions on every image of a split.

    One caption is sampled per image (``model.sample``) and compared with all the
    image's reference captions (their full tokenised text). Returns a dict with
    ``bleu1``, ``bleu4`` and the decoded ``captions`` (one string per image).
    """
    features = data[f"{split}_features"]
    num_images = features.shape[0]
    references: list[list[list[str]]] = [[] for _ in range(num_images)]
    for idx, text in zip(data[f"{split}_image_idxs"], data[f"{split}_caption_text"], strict=True):
        references[int(idx)].append(text.split())
    sampled = np.concatenate(
        [
            model.sample(features[i : i + batch_size], max_length)
            for i in range(0, num_images, batch_size)
        ]
    )
    texts = decode_captions(sampled, data["idx_to_word"])
    hypotheses = [t.split() for t in texts]
    return {
        "bleu1": corpus_bleu(references, hypotheses, max_n=1),
        "bleu4": corpus_bleu(references, hypotheses, max_n=4),
        "captions": texts,
    }


def show_captions(
    data: Mapping[str, Any],
    split: str,
    image_idxs: Sequence[int] | np.ndarray,
    sampled: Sequence[str] | None = None,
    ground_truth: Sequence[str] | None = None,
    ncols: int = 4,
) -> Figure:
    """Show images of a split with their sampled and ground-truth captions.

    Inputs:
    - data: the dict of :func:`load_captions` (with thumbnails)
    - split: "train" or "val"
    - image_idxs: which images (indices into ``data[f"{split}_features"]``)
    - sampled: one generated caption per image, or None
    - ground_truth: one reference caption per image, or None (then the image's
      first reference caption is shown)

    Returns the Figure (displayed by Jupyter when it is a cell's last value).
    """
    import textwrap

    from matplotlib.figure import Figure

    key = f"{split}_thumbnails"
    if key not in data:
        raise ValueError("the data has no thumbnails: load it with load_captions(thumbnails=True)")
    image_idxs = [int(i) for i in np.asarray(image_idxs).reshape(-1)]
    if ground_truth is None:
        first: dict[int, str] = {}
        for idx, text in zip(
            data[f"{split}_image_idxs"], data[f"{split}_caption_text"], strict=True
        ):
            first.setdefault(int(idx), text)
        ground_truth = [first.get(i, "") for i in image_idxs]
    for name, texts in (("sampled", sampled), ("ground_truth", ground_truth)):
        if texts is not None and len(texts) != len(image_idxs):
            raise ValueError(f"{name} has {len(texts)} captions for {len(image_idxs)} images")
    ncols = max(1, min(ncols, len(image_idxs)))
    nrows = math.ceil(len(image_idxs) / ncols)
    fig = Figure(figsize=(3.2 * ncols, 3.6 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).reshape(-1)
    for k, ax in enumerate(axes):
        ax.axis("off")
        if k >= len(image_idxs):
            continue
        ax.imshow(data[key][image_idxs[k]])
        lines = []
        if sampled is not None:
            lines.append(textwrap.fill(f"sampled: {sampled[k]}", 38))
        lines.append(textwrap.fill(f"truth: {ground_truth[k]}", 38))
        ax.set_title("\n".join(lines), fontsize=8, loc="left")
    return fig


class CaptioningSolver:
    """Trains a captioning model with minibatch gradient descent (CS231n's CaptioningSolver).

    Inputs:
    - model: has ``params`` and ``loss(features, captions) -> (loss, grads)``
    - data: the dict of :func:`load_captions`
    - update_rule: ``update(w, dw, config) -> (next_w, config)``, e.g. ``optim.adam``
    - optim_config: hyperparameters given to the update rule (each parameter gets
      its own copy, which holds its state)
    - lr_decay: the learning rate is multiplied by this after every epoch
    - batch_size, num_epochs: an epoch is ``num_train_captions / batch_size`` iterations
    - print_every: print the loss every this many iterations (stdout); 0 never
    - seed: seeds the minibatch sampling (a private generator)

    After ``train()``, ``loss_history`` holds the loss of every iteration.
    """

    def __init__(
        self,
        model: CaptionModel,
        data: Mapping[str, Any],
        update_rule: UpdateRule,
        optim_config: Mapping[str, Any] | None = None,
        lr_decay: float = 1.0,
        batch_size: int = 100,
        num_epochs: int = 10,
        print_every: int = 10,
        seed: int | None = None,
    ) -> None:
        if not callable(update_rule):
            raise TypeError(
                "update_rule must be a function such as optim.adam (import it from your optim.py)"
            )
        self.model = model
        self.data = data
        self.update_rule = update_rule
        self.optim_configs = {p: dict(optim_config or {}) for p in model.params}
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.num_epochs = num_epochs
        self.print_every = print_every
        self.rng = np.random.default_rng(seed)
        self.loss_history: list[float] = []

    def _step(self) -> float:
        captions, features, _ = sample_minibatch(self.data, self.batch_size, "train", self.rng)
        loss, grads = self.model.loss(features, captions)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"the loss became {loss} at iteration {len(self.loss_history)}: "
                "lower the learning rate, or check loss and its gradients"
            )
        for name, w in self.model.params.items():
            next_w, self.optim_configs[name] = self.update_rule(
                w, grads[name], self.optim_configs[name]
            )
            self.model.params[name] = next_w
        return float(loss)

    def train(self) -> list[float]:
        """Run ``num_epochs`` epochs; returns ``loss_history``."""
        num_train = self.data["train_captions"].shape[0]
        per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * per_epoch
        start = time.perf_counter()
        for t in range(num_iterations):
            self.loss_history.append(self._step())
            if self.print_every and (t % self.print_every == 0 or t == num_iterations - 1):
                print(
                    f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:.4f} "
                    f"({time.perf_counter() - start:.1f} s)",
                    file=sys.stdout,
                )
            if (t + 1) % per_epoch == 0:
                for config in self.optim_configs.values():
                    if "learning_rate" in config:
                        config["learning_rate"] *= self.lr_decay
        return self.loss_history
