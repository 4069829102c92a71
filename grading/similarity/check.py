"""Compare every pair of students on every module and notebook; write ``OUT/similarity/``.

Memory stays bounded: one file at a time, each student's written code of that
file is fingerprinted once (a few numpy arrays), every pair is scored and
written to ``pairs.csv`` as it comes, and only the top pairs (per file and
overall) are kept for the HTML pages. Per-pair totals over all files are
students x students integer matrices.
"""

from __future__ import annotations

import csv
import heapq
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

from grading.autograde.submissions import SubmissionsError, find_students
from grading.errors import GradingError
from grading.layout import module_files, notebook_ids
from grading.similarity.extract import SkippedFile, WrittenCode, given_code, written_code
from grading.similarity.fingerprints import Fingerprint, boilerplate_hashes, fingerprint, score
from grading.similarity.thresholds import GUARANTEE_THRESHOLD, NOISE_THRESHOLD

PAIRS_HEADER = ["student_a", "student_b", "file", "similarity", "fraction_a", "fraction_b",
                "shared_tokens_a", "shared_tokens_b", "tokens_a", "tokens_b"]
OVERALL = "(all files)"


class SimilarityError(GradingError, RuntimeError):
    """The similarity check cannot run at all (the message says what to fix)."""


@dataclass(frozen=True)
class SimilaritySettings:
    threshold: float = 0.5  # pairs at or above it are listed on the index page
    top: int = 25  # pairs kept for the pages, per file and overall
    noise: int = NOISE_THRESHOLD  # copydetect's k, in filtered characters
    guarantee: int = GUARANTEE_THRESHOLD
    allowed: tuple[Path, ...] = ()  # folders of code students were allowed to reuse: boilerplate too


@dataclass(frozen=True, order=True)
class PairResult:
    similarity: float
    student_a: str
    student_b: str
    file: str
    fraction_a: float
    fraction_b: float
    shared_a: int
    shared_b: int
    tokens_a: int
    tokens_b: int

    def row(self) -> list[str]:
        return [self.student_a, self.student_b, self.file, f"{self.similarity:.4f}", f"{self.fraction_a:.4f}",
                f"{self.fraction_b:.4f}", str(self.shared_a), str(self.shared_b), str(self.tokens_a),
                str(self.tokens_b)]


@dataclass
class SimilarityResult:
    out_dir: Path
    students: list[str]
    files: list[str]
    settings: SimilaritySettings
    top: dict[str, list[PairResult]] = field(default_factory=dict)  # file (or OVERALL) -> best first
    above_threshold: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (student, file, reason)
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pairs_compared: int = 0
    seconds: float = 0.0


def assignment_files(release_dir: Path) -> list[str]:
    """The modules and notebooks of the release, the files students hand in."""
    if not release_dir.is_dir():
        raise SimilarityError(f"no release at {release_dir}; run `python -m grading release` or pass --release")
    return module_files(release_dir) + [f"{notebook}.ipynb" for notebook in notebook_ids(release_dir)]


class Boilerplate:
    """The code of each file that the release (and the allowed folders) gave every student."""

    def __init__(self, release_dir: Path, allowed: tuple[Path, ...], noise: int):
        self.folders = (release_dir, *allowed)
        self.noise = noise
        self._cache: dict[str, np.ndarray] = {}

    def hashes(self, file: str) -> np.ndarray:
        if file not in self._cache:
            self._cache[file] = boilerplate_hashes([text for folder in self.folders for text in given_code(folder, file)],
                                                   self.noise)
        return self._cache[file]


def _fingerprints(students: list[str], submissions: Path, release_dir: Path, file: str,
                  given: np.ndarray, settings: SimilaritySettings,
                  result: SimilarityResult) -> dict[str, Fingerprint]:
    found = {}
    for student in students:
        try:
            code = written_code(submissions / student, release_dir, file)
        except SkippedFile as skip:
            result.skipped.append((student, file, str(skip)))
            continue
        if code.note:
            result.notes.append((student, file, code.note))
        found[student] = fingerprint(code.texts, file, given, settings.noise, settings.guarantee)
    return found


def _keep(heap: list[PairResult], pair: PairResult, size: int) -> None:
    if len(heap) < size:
        heapq.heappush(heap, pair)
    elif pair > heap[0]:
        heapq.heapreplace(heap, pair)


def _pair(a: str, b: str, file: str, shared_a: int, shared_b: int, tokens_a: int, tokens_b: int) -> PairResult:
    fraction_a = shared_a / tokens_a if tokens_a else 0.0
    fraction_b = shared_b / tokens_b if tokens_b else 0.0
    return PairResult(max(fraction_a, fraction_b), a, b, file, fraction_a, fraction_b,
                      shared_a, shared_b, tokens_a, tokens_b)


def check_similarity(submissions: Path, release_dir: Path, out_dir: Path,
                     settings: SimilaritySettings = SimilaritySettings(),
                     echo: Callable[[str], None] = print) -> SimilarityResult:
    """Write ``out_dir/similarity/`` (pairs.csv, overall.csv, skipped.csv, the pages); returns what it found."""
    started = time.monotonic()
    try:
        students, warnings = find_students(submissions)
    except SubmissionsError as error:
        raise SimilarityError(str(error)) from error
    if not 0 <= settings.threshold <= 1:
        raise SimilarityError(f"--threshold must be between 0 and 1, got {settings.threshold}")
    for folder in settings.allowed:
        if not folder.is_dir():
            raise SimilarityError(f"--allowed {folder}: not a folder")
    files = assignment_files(release_dir)
    target = out_dir / "similarity"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    result = SimilarityResult(target, students, files, settings, warnings=warnings)
    index = {student: i for i, student in enumerate(students)}
    shared = np.zeros((len(students), len(students)), dtype=np.int64)  # [i, j]: i's tokens that j shares
    own = np.zeros((len(students), len(students)), dtype=np.int64)  # [i, j]: i's tokens, files both have
    boilerplate = Boilerplate(release_dir, settings.allowed, settings.noise)
    with open(target / "pairs.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PAIRS_HEADER)
        for file in files:
            fingerprints = _fingerprints(students, submissions, release_dir, file, boilerplate.hashes(file),
                                         settings, result)
            heap: list[PairResult] = []
            above = 0
            for a, b in combinations(list(fingerprints), 2):
                fa, fb = fingerprints[a], fingerprints[b]
                pair_score = score(fa, fb)
                pair = _pair(a, b, file, pair_score.shared_a, pair_score.shared_b, fa.coverage, fb.coverage)
                writer.writerow(pair.row())
                _keep(heap, pair, settings.top)
                above += pair.similarity >= settings.threshold and pair.similarity > 0
                i, j = index[a], index[b]
                shared[i, j] += pair.shared_a
                shared[j, i] += pair.shared_b
                own[i, j] += fa.coverage
                own[j, i] += fb.coverage
                result.pairs_compared += 1
            result.top[file] = sorted(heap, reverse=True)
            result.above_threshold[file] = above
            del fingerprints
            echo(f"{file}: {above} pair(s) at or above {settings.threshold:g}")
    _overall(result, shared, own)
    _write_lists(result)
    from grading.similarity.pages import write_pages  # here: pages imports this module

    write_pages(result, submissions, release_dir, boilerplate)
    result.seconds = time.monotonic() - started
    return result


def _overall(result: SimilarityResult, shared: np.ndarray, own: np.ndarray) -> None:
    heap: list[PairResult] = []
    above = 0
    students = result.students
    with open(result.out_dir / "overall.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PAIRS_HEADER)
        for i, j in combinations(range(len(students)), 2):
            pair = _pair(students[i], students[j], OVERALL, int(shared[i, j]), int(shared[j, i]),
                         int(own[i, j]), int(own[j, i]))
            writer.writerow(pair.row())
            _keep(heap, pair, result.settings.top)
            above += pair.similarity >= result.settings.threshold and pair.similarity > 0
    result.top[OVERALL] = sorted(heap, reverse=True)
    result.above_threshold[OVERALL] = above


def _write_lists(result: SimilarityResult) -> None:
    with open(result.out_dir / "skipped.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "file", "reason"])
        writer.writerows(result.skipped)
    lines = [f"warning: {w}" for w in result.warnings]
    lines += [f"skipped: {s}: {f}: {r}" for s, f, r in result.skipped]
    lines += [f"note: {s}: {f}: {r}" for s, f, r in result.notes]
    (result.out_dir / "similarity.log").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def pair_code(submissions: Path, release_dir: Path, student: str, file: str) -> WrittenCode | None:
    try:
        return written_code(submissions / student, release_dir, file)
    except SkippedFile:
        return None
