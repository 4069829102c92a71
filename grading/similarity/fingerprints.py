"""copydetect's fingerprints of written code, kept small, and the score of a pair.

copydetect tokenises code with pygments and replaces every variable,
attribute and function name by one letter and drops comments and whitespace
(so renaming and reformatting change nothing), hashes every k-gram of the
result and keeps the winnowed ones. Used here: its ``filter_code``,
``hashed_kgrams``, ``winnow``, ``get_copied_slices``, ``compare_files`` and
``highlight_overlap``. Not used: ``CopyDetector``, which keeps a
students x students matrix and every pair's copied slices in memory and
compares whole files; nor its boilerplate removal, which drops the wrong
fingerprints when a document repeats a boilerplate k-gram (it calls
``np.intersect1d(..., assume_unique=True)`` on hashes that are not unique).
Boilerplate is removed here with ``np.isin`` instead.

A :class:`Fingerprint` holds only numpy arrays (about 20 bytes per kept
k-gram), so a whole class's fingerprints of one file fit in memory; the text
is extracted again for the few pairs whose side-by-side page is written.
"""

from __future__ import annotations

import functools
import html
import warnings
from dataclasses import dataclass

import numpy as np
from copydetect.detector import compare_files
from copydetect.utils import (
    filter_code,
    get_copied_slices,
    hashed_kgrams,
    highlight_overlap,
    winnow,
)

from grading.similarity.thresholds import GUARANTEE_THRESHOLD, NOISE_THRESHOLD


@dataclass(frozen=True)
class Fingerprint:
    """The winnowed k-gram hashes of a text that are not boilerplate, and where they start."""

    hashes: np.ndarray  # int64, one per kept k-gram, in position order
    positions: np.ndarray  # int32, start of each kept k-gram in the filtered code
    unique: np.ndarray  # sorted distinct hashes
    coverage: int  # filtered characters (tokens) covered by kept k-grams: the student's own code
    k: int

    @property
    def nbytes(self) -> int:
        return self.hashes.nbytes + self.positions.nbytes + self.unique.nbytes


@dataclass(frozen=True)
class PairScore:
    shared_a: int  # tokens of a's own code that b shares
    shared_b: int
    fraction_a: float  # shared_a / a's own tokens
    fraction_b: float

    @property
    def similarity(self) -> float:
        """The larger fraction: a student whose written code is all in the other's scores 1."""
        return max(self.fraction_a, self.fraction_b)


@functools.lru_cache(maxsize=4096)
def _filtered(text: str, name: str) -> tuple[str, np.ndarray]:
    """copydetect's ``filter_code`` (pygments: the slow part), cached: many students hand in the same
    pieces (stubs left as given, functions copied unchanged)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        filtered, offsets = filter_code(text, name if name.endswith(".py") else "code.py")
    offsets.flags.writeable = False
    return filtered, offsets


def _filtered_pieces(pieces: list[str], name: str) -> tuple[str, np.ndarray, list[int]]:
    """``filter_code`` of the pieces joined by newlines, each piece tokenised once: the filtered code,
    its offsets into the joined text (as copydetect's), and where each piece's filtered code ends."""
    filtered, offsets, ends = [], [], []
    raw_start = filtered_start = 0
    for piece in pieces:
        code, piece_offsets = _filtered(piece, name)
        if len(piece_offsets):
            offsets.append(piece_offsets + [filtered_start, raw_start - filtered_start])
        filtered.append(code)
        filtered_start += len(code)
        raw_start += len(piece) + 1  # the newline that joins the pieces
        ends.append(filtered_start)
    return "".join(filtered), (np.concatenate(offsets) if offsets else np.zeros((0, 2), dtype=np.int64)), ends


def _winnowed(filtered: str, k: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    if len(filtered) < k:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    hashes, index = winnow(hashed_kgrams(filtered, k).astype(np.int64), window, remove_duplicates=False)
    return np.asarray(hashes, dtype=np.int64), np.asarray(index, dtype=np.int64)


def boilerplate_hashes(texts: list[str], k: int = NOISE_THRESHOLD) -> np.ndarray:
    """Every k-gram hash of the given code (window 1, as copydetect does for boilerplate), sorted."""
    found = [hashed_kgrams(_filtered(text, "given.py")[0], k) for text in texts if text]
    found = [h.astype(np.int64) for h in found if len(h)]
    return np.unique(np.concatenate(found)) if found else np.array([], dtype=np.int64)


def _window(k: int, guarantee: int) -> int:
    if guarantee < k:
        raise ValueError(f"the guarantee threshold ({guarantee}) must be at least the noise threshold ({k})")
    return guarantee - k + 1


def fingerprint(pieces: list[str], name: str, boilerplate: np.ndarray, k: int = NOISE_THRESHOLD,
                guarantee: int = GUARANTEE_THRESHOLD) -> Fingerprint:
    """The fingerprint of the pieces of code joined by newlines, without the boilerplate's k-grams
    and without the k-grams that run from one piece into the next (no student wrote those)."""
    filtered, _, ends = _filtered_pieces(pieces, name)
    return _fingerprint_filtered(filtered, ends[:-1], boilerplate, k, guarantee)


def _fingerprint_filtered(filtered: str, ends: list[int], boilerplate: np.ndarray, k: int,
                          guarantee: int) -> Fingerprint:
    hashes, index = _winnowed(filtered, k, _window(k, guarantee))
    crossing = np.zeros(len(index), dtype=bool)
    for end in ends:
        crossing |= (index < end) & (index + k > end)
    keep = ~np.isin(hashes, boilerplate) & ~crossing
    hashes, index = hashes[keep], index[keep]
    covered = np.zeros(len(filtered), dtype=bool)
    for offset in range(k):  # as copydetect's get_token_coverage
        covered[index + offset] = True
    return Fingerprint(hashes, index.astype(np.int32), np.unique(hashes), int(covered.sum()), k)


def _shared_tokens(fp: Fingerprint, shared: np.ndarray) -> int:
    slices = get_copied_slices(fp.positions[np.isin(fp.hashes, shared)].astype(np.int64), fp.k)
    return int(np.sum(slices[1] - slices[0])) if slices.size else 0


def score(a: Fingerprint, b: Fingerprint) -> PairScore:
    """What copydetect's ``compare_files`` computes, on the compact fingerprints."""
    shared = np.intersect1d(a.unique, b.unique, assume_unique=True)
    if shared.size == 0:
        return PairScore(0, 0, 0.0, 0.0)
    shared_a, shared_b = _shared_tokens(a, shared), _shared_tokens(b, shared)
    return PairScore(shared_a, shared_b, shared_a / a.coverage if a.coverage else 0.0,
                     shared_b / b.coverage if b.coverage else 0.0)


class CodeView:
    """A student's written code of one file with the attributes of a ``copydetect.CodeFingerprint``
    that ``compare_files`` reads (the text kept, for the side-by-side pages)."""

    def __init__(self, pieces: list[str], name: str, boilerplate: np.ndarray, k: int = NOISE_THRESHOLD,
                 guarantee: int = GUARANTEE_THRESHOLD):
        self.raw_code = "\n".join(pieces)
        self.filtered_code, self.offsets, ends = _filtered_pieces(pieces, name)
        compact = _fingerprint_filtered(self.filtered_code, ends[:-1], boilerplate, k, guarantee)
        self.k = k
        self.hashes = set(compact.unique.tolist())
        self.hash_idx: dict[int, list[int]] = {}
        for value, position in zip(compact.hashes.tolist(), compact.positions.tolist(), strict=True):
            self.hash_idx.setdefault(value, []).append(position)
        self.token_coverage = compact.coverage


def _marked(text: str, slices: np.ndarray) -> str:
    if slices.size == 0:
        return html.escape(text, quote=False)
    return highlight_overlap(text, slices, "<mark>", "</mark>", escape_html=True)[0]


def highlighted(a: CodeView, b: CodeView) -> tuple[PairScore, str, str]:
    """copydetect's ``compare_files`` on two students' code: the score and both texts as HTML
    (escaped) with the shared fragments in ``<mark>`` (copydetect's ``highlight_overlap``)."""
    _, (fraction_a, fraction_b), (slices_a, slices_b) = compare_files(a, b)
    if not len(slices_a):
        return PairScore(0, 0, 0.0, 0.0), _marked(a.raw_code, np.array([])), _marked(b.raw_code, np.array([]))
    pair = PairScore(int(round(fraction_a * a.token_coverage)), int(round(fraction_b * b.token_coverage)),
                     float(fraction_a), float(fraction_b))
    return pair, _marked(a.raw_code, slices_a), _marked(b.raw_code, slices_b)
