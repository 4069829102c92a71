"""The similarity check on a synthetic class of a few hundred students: wall time and peak memory.

    python benchmarks/bench_similarity.py                  # 300 students
    python benchmarks/bench_similarity.py --students 100 --keep /tmp/class

The class: the sample class of :mod:`grading.sample_class` (with its copied
pair), then students up to ``--students``, each with, per module, a randomly
chosen variant (the solution or its correct alternatives from
``grading/mutation/mutants``), in a third of the modules one of the module's bugs, and
every module disguised with the student's own seed (renamed variables,
reordered functions, reworded comments), so no two files are the same text;
every 40th student is a disguised copy of an earlier one. The class is built
in a child process; this process then runs ``check_similarity`` (14 files,
every pair) and prints the wall time, its peak RSS (``ru_maxrss``) and, with
``--tracemalloc``, the peak of Python's allocations (slower).

Not a test: nothing asserts. The machine is shared: the load average is
printed with the numbers.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grading.sample_class import build_sample_class  # noqa: E402

from grading.layout import CoursePaths  # noqa: E402
from grading.mutation.mutant_files import BUNDLED_MUTANTS, apply_mutant, load_mutants  # noqa: E402
from grading.similarity.check import OVERALL, SimilaritySettings, check_similarity  # noqa: E402
from grading.similarity.disguise import disguise_folder, disguise_source  # noqa: E402
from grading.similarity.variants import variant_count, variant_source  # noqa: E402

MUTANTS = BUNDLED_MUTANTS


def build_class(dest: Path, students: int, seed: int) -> None:
    course = CoursePaths.from_repo(REPO)
    mutants = load_mutants(MUTANTS)
    build_sample_class(course.source_dir, course.release_dir, dest, mutants, max_mutants=2, copied_pair=True)
    rng = random.Random(seed)
    modules = sorted(path.name for path in course.source_dir.glob("*.py"))
    solutions = {module: (course.source_dir / module).read_text(encoding="utf-8") for module in modules}
    bugs = {module: [m for m in mutants if m.is_bug and f"{m.module}.py" == module] for module in modules}
    made = [p.name for p in dest.iterdir()]
    for number in range(len(made), students):
        name = f"student_{number:03d}"
        if number % 40 == 0:
            disguise_folder(dest / rng.choice(made), dest / name, seed=number)
            made.append(name)
            continue
        folder = dest / name
        shutil.copytree(course.source_dir, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        for module in modules:
            stem = module.removesuffix(".py")
            text = variant_source(solutions[module], mutants, stem, rng.randrange(variant_count(mutants, stem)))
            if bugs[module] and rng.random() < 1 / 3:
                try:
                    text = apply_mutant(text, rng.choice(bugs[module]))
                except ValueError:
                    pass
            (folder / module).write_text(disguise_source(text, seed=number * 100 + len(module)), encoding="utf-8")
        made.append(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--keep", type=Path, help="build the class (and OUT) here and keep it")
    parser.add_argument("--reuse", action="store_true", help="with --keep: use the class built there before")
    parser.add_argument("--tracemalloc", action="store_true", help="also the peak of Python allocations (slower)")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build_class(args.build_only, args.students, args.seed)
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-similarity-"))
    submissions, out = work / "submissions", work / "out"
    started = time.monotonic()
    if not (args.reuse and submissions.is_dir()):
        shutil.rmtree(submissions, ignore_errors=True)
        subprocess.run([sys.executable, __file__, "--build-only", str(submissions), "--students",
                        str(args.students), "--seed", str(args.seed)], check=True)
    print(f"class of {len(list(submissions.iterdir()))} students built in {time.monotonic() - started:.0f} s "
          f"({submissions})")
    if args.tracemalloc:
        tracemalloc.start()
    load = os.getloadavg()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.monotonic(), time.process_time()
    result = check_similarity(submissions, CoursePaths.from_repo(REPO).release_dir, out, SimilaritySettings(),
                              echo=lambda line: None)
    wall, cpu = time.monotonic() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pairs = out / "similarity" / "pairs.csv"
    print(f"{len(result.students)} students, {len(result.files)} files, {result.pairs_compared} pairs of files "
          f"compared, {len(result.skipped)} files skipped")
    print(f"wall {wall:.0f} s, CPU {cpu:.0f} s (load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, "
          f"after: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    print(f"peak RSS {rss:.0f} MiB ({rss_before:.0f} MiB before the check: the imports)" + (f", peak Python allocations {peak / 2**20:.0f} MiB" if peak else ""))
    print(f"pairs.csv {pairs.stat().st_size / 2**20:.1f} MiB; pages: "
          f"{len(list((out / 'similarity' / 'pairs').glob('*.html')))}")
    for pair in result.top[OVERALL][:5]:
        print(f"  {pair.student_a} / {pair.student_b}: {pair.similarity:.2f}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
