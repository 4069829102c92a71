"""``python -m grading autograde SUBMISSIONS --out OUT [--workers N | --scheduler ADDRESS] [--db URL] [--force]``.

Each submission is graded by the real ``nbgrader autograde`` in a scratch
course directory of its own (see :mod:`grading.autograde.submissions`), as a sandboxed
job (see :mod:`grading.autograde.executors.job`), several at a time: on this machine, or on a
dask.distributed cluster (see :mod:`grading.autograde.executors.dask_cluster`). The results are merged
into the course gradebook (``OUT/gradebook.db``, or the PostgreSQL/SQLite ``--db``
URL, recorded without its password in ``OUT/results.json``) and written out as ``OUT/grades.csv``,
``OUT/results.json`` (read by the report), ``OUT/autograde.log``, the
autograded notebooks under ``OUT/autograded/`` and the feedback pages under
``OUT/feedback/``. A submission that crashes is graded 0 with the reason; it
never stops the others.

Re-running on the same SUBMISSIONS and OUT skips the submissions already
graded whose files did not change (see :mod:`grading.autograde.resume`); ``force``
regrades everyone.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grading.autograde.executors.job import Executor, Job, JobResult
from grading.autograde.executors.local_pool import LocalExecutor
from grading.autograde.grade_job import autograded_path, log_path
from grading.autograde.outcomes import (
    FAILED,
    GRADED,
    INVALID,
    NotebookOutcome,
    SubmissionOutcome,
    isolation_notes,
    job_not_enforced,
    notebook_seconds,
    notebook_status,
)
from grading.autograde.resume import ResumeState, folder_hash, grading_fingerprint
from grading.autograde.submissions import (
    VALID_STUDENT_ID,
    PreparedSubmission,
    find_students,
    prepare_submission,
)
from grading.gradebook.database import (
    DEFAULT_GRADEBOOK,
    GRADEBOOK_URL_KEY,
    CourseGradebook,
    GradeRow,
    check_db_url,
    public_url,
    sqlite_url,
    write_grades_csv,
)
from grading.layout import (
    ASSIGNMENT_ID,
    CourseDirectory,
    CourseError,
    CoursePaths,
    OutLayout,
    extra_credit_cells,
    module_files,
    notebook_ids,
)
from grading.nbgrader.config import write_autograde_config
from grading.nbgrader.run import nbgrader_env
from grading.release.build import generate_assignment
from grading.report.feedback import generate_feedback
from grading.sandbox.preflight import isolation_line, require_isolation

# The training notebooks run for minutes; a loaded machine can make that ten.
SECONDS_PER_NOTEBOOK = 1200.0


@dataclass(frozen=True)
class AutogradeSettings:
    workers: int = 1
    notebooks: Sequence[str] | None = None  # None: every notebook of the assignment
    cell_timeout: int = 300  # seconds per cell unless it declares more, then the kernel is interrupted
    # Seconds per submission before it is killed; None: SECONDS_PER_NOTEBOOK per notebook it has.
    submission_timeout: float | None = None
    # A dask.distributed scheduler (tcp://host:8786) to run the jobs on instead of local processes.
    scheduler: str | None = None
    # The course gradebook's SQLAlchemy URL (postgresql://...); None: SQLite OUT/gradebook.db.
    db_url: str | None = None
    force: bool = False  # regrade submissions already graded whose files did not change
    # Grade even where part of the sandbox cannot be enforced (every output then says what was not).
    allow_unisolated: bool = False


@dataclass
class AutogradeSummary:
    out_dir: Path
    students: list[str]
    notebooks: list[str]
    outcomes: dict[str, SubmissionOutcome]
    seconds: float
    skipped: list[str] = field(default_factory=list)  # graded in an earlier run, unchanged
    gradebook_url: str | None = None  # the --db URL without password; None for OUT/gradebook.db
    # notebook -> {grade_id: points} of extra-credit cells (not in the points possible)
    extra_credit: dict[str, dict[str, float]] = field(default_factory=dict)
    not_enforced: list[str] = field(default_factory=list)  # parts of the sandbox this machine lacked

    @property
    def graded_everyone(self) -> bool:
        return all(
            nb.status == GRADED for outcome in self.outcomes.values() for nb in outcome.notebooks.values()
        )


def _selected_notebooks(source_dir: Path, wanted: Sequence[str] | None) -> list[str]:
    known = notebook_ids(source_dir)
    if not wanted:
        return known
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise CourseError(
            f"unknown notebook {', '.join(unknown)}; --notebook takes an nbgrader notebook id, "
            f"one of: {', '.join(known)}"
        )
    return sorted(set(wanted))


LOGGER = logging.getLogger("grading.autograde")


class _EchoHandler(logging.Handler):
    """Each record's message to ``echo``: the console, or the demo's indented print."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        super().__init__()
        self.echo = echo

    def emit(self, record: logging.LogRecord) -> None:
        self.echo(self.format(record))


class _Log:
    """autograde.log and the console, one line per student/notebook event (``logging`` handlers)."""

    def __init__(self, path: Path, echo: Callable[[str], None]) -> None:
        self.handlers = [logging.FileHandler(path, mode="w", encoding="utf-8"), _EchoHandler(echo)]
        for handler in self.handlers:
            handler.setFormatter(logging.Formatter("%(message)s"))
            LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False  # the console gets every line through echo already

    def __call__(self, line: str) -> None:
        LOGGER.info(line)

    def close(self) -> None:
        for handler in self.handlers:
            LOGGER.removeHandler(handler)
            handler.close()


def blas_thread_env(workers: int) -> dict[str, str]:
    """BLAS threads per kernel so that concurrent kernels share the cores, not oversubscribe them.

    Two 2-thread OpenBLAS kernels on 2 cores run 10-40x slower than two 1-thread ones
    (measured here), which would push training cells past their timeouts.
    """
    threads = str(max(1, (os.cpu_count() or 1) // max(1, workers)))
    return {name: threads for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def _job_for(prepared: PreparedSubmission, settings: AutogradeSettings, course: CoursePaths) -> Job:
    extra = blas_thread_env(settings.workers)
    if course.datasets_dir:
        extra["DL_COURSE_DATA"] = str(course.datasets_dir)
    env = nbgrader_env(extra)
    for name in [name for name in env if name.startswith("PG")]:
        del env[name]  # the instructor's PostgreSQL credentials (PGPASSWORD, ...) stay out of student code
    return Job(
        name=prepared.student_id,
        argv=[sys.executable, "-m", "grading.autograde.grade_job", str(prepared.course_root),
              prepared.student_id, *prepared.gradable],
        cwd=prepared.course_root,
        wall_clock_limit=settings.submission_timeout or SECONDS_PER_NOTEBOOK * len(prepared.gradable),
        env=env,
    )


def _prepare(
    student_dir: Path, course_root: Path, template_gradebook: Path, notebooks: list[str],
    modules: list[str], cell_timeout: int,
) -> PreparedSubmission:
    """The student's scratch course directory, or the reason it cannot have one."""
    student = student_dir.name
    if not VALID_STUDENT_ID.match(student):
        reason = (f"student id {student!r} has characters nbgrader cannot use; "
                  "rename the folder (letters, digits, _ . @ -)")
        return PreparedSubmission(student, course_root, problems={nb: (INVALID, reason) for nb in notebooks})
    prepared = prepare_submission(student_dir, course_root, template_gradebook, notebooks)
    write_autograde_config(course_root, modules, cell_timeout)
    return prepared


def _collect(
    prepared: PreparedSubmission, job: JobResult | None, gradebook: CourseGradebook,
    out_dir: Path, settings: AutogradeSettings, notebooks: list[str],
    extra_credit: dict[str, dict[str, float]] | None = None,
) -> SubmissionOutcome:
    """Merge one graded submission into the course gradebook and keep its autograded notebooks."""
    student = prepared.student_id
    outcome = SubmissionOutcome(student, round(job.seconds, 2) if job else 0.0,
                                list(prepared.notes) + (isolation_notes(prepared.course_root) if job else []))
    statuses: dict[str, tuple[str, str]] = dict(prepared.problems)
    if job is not None:
        for notebook in prepared.gradable:
            statuses[notebook] = notebook_status(
                prepared.course_root, student, notebook, job, settings.cell_timeout
            )
    graded = [nb for nb in notebooks if statuses[nb][0] == GRADED]
    gradebook.merge_graded(sqlite_url(CourseDirectory(prepared.course_root).gradebook), student, graded)
    gradebook.record_zero(student, [nb for nb in notebooks if nb not in graded])
    kept = OutLayout(out_dir).autograded(student)
    for notebook in notebooks:  # nothing stale from an earlier run may reach the feedback
        (kept / f"{notebook}.ipynb").unlink(missing_ok=True)
    for notebook in graded:
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(autograded_path(prepared.course_root, student, notebook), kept / f"{notebook}.ipynb")
    logs = OutLayout(out_dir).logs(student)
    for notebook in notebooks:
        (logs / f"{notebook}.log").unlink(missing_ok=True)
        if log_path(prepared.course_root, notebook).is_file():
            logs.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log_path(prepared.course_root, notebook), logs / f"{notebook}.log")
    rows = gradebook.rows([student], notebooks)
    for notebook in notebooks:
        status, reason = statuses[notebook]
        cells = {row.grade_id: row.score for row in rows if row.notebook == notebook}
        extra = (extra_credit or {}).get(notebook, {})
        outcome.notebooks[notebook] = NotebookOutcome(
            status, reason,
            score=sum(cells.values()),
            max_score=sum(row.max_score for row in rows if row.notebook == notebook and row.grade_id not in extra),
            extra_credit=sum(score for grade_id, score in cells.items() if grade_id in extra),
            seconds=round(notebook_seconds(prepared.course_root, notebook), 2),
            cells=cells,
        )
    return outcome


def _zero_rows(gradebook: CourseGradebook, students: list[str], notebooks: list[str]) -> list[GradeRow]:
    """Rows for students the gradebook cannot hold: every graded cell at 0."""
    cells = [cell for cell in gradebook.graded_cells() if cell.notebook in notebooks]
    return [GradeRow(student, cell.notebook, cell.grade_id, cell.kind, 0.0, cell.max_score, None, None)
            for student in students for cell in cells]


def _collect_safely(
    prepared: PreparedSubmission, job: JobResult | None, gradebook: CourseGradebook,
    out_dir: Path, settings: AutogradeSettings, notebooks: list[str],
    extra_credit: dict[str, dict[str, float]] | None = None,
) -> tuple[SubmissionOutcome, bool]:
    """_collect, but a submission whose results cannot be read is graded 0, never stops the batch.

    The flag says whether the grading really finished (a job that could not start, or
    results that could not be read, are graded 0 now and again on the next run).
    """
    try:
        outcome = _collect(prepared, job, gradebook, out_dir, settings, notebooks, extra_credit)
        return outcome, job is None or job.launch_error is None
    except Exception as error:  # student code runs with write access to its scratch gradebook
        reason = f"the grading results could not be read ({type(error).__name__}: {str(error)[:200]})"
        prepared.problems = {notebook: (FAILED, reason) for notebook in notebooks}
        prepared.gradable = []
        return _collect(prepared, None, gradebook, out_dir, settings, notebooks, extra_credit), False


def _log_outcome(log: _Log, outcome: SubmissionOutcome) -> None:
    for note in outcome.notes:
        log(f"{outcome.student_id}: {note}")
    for notebook, result in outcome.notebooks.items():
        score = f"{result.score:g}/{result.max_score:g}"
        if result.extra_credit:
            score += f" ({result.extra_credit:g} of it extra credit)"
        if result.status == GRADED:
            detail = f" ({result.reason})" if result.reason else ""
            log(f"{outcome.student_id}/{notebook}: graded {score}{detail} [{result.seconds:.1f} s]")
        else:
            log(f"{outcome.student_id}/{notebook}: {result.status}: {result.reason}: graded 0 "
                f"[{result.seconds:.1f} s]")


def autograde(
    submissions_dir: Path, out_dir: Path, course: CoursePaths,
    settings: AutogradeSettings = AutogradeSettings(),
    executor: Executor | None = None, echo: Callable[[str], None] = print,
) -> AutogradeSummary:
    """Grade every student folder of ``submissions_dir`` into ``out_dir``.

    Raises SubmissionsError / CourseError / NbgraderError when grading itself
    cannot run; a student's faults never raise.
    """
    started = time.monotonic()
    students, warnings = find_students(submissions_dir)
    notebooks = _selected_notebooks(course.source_dir, settings.notebooks)
    # Before any student's code runs: refuse (UnisolatedError) where the sandbox cannot be enforced.
    # A dask cluster's workers isolate each job themselves and record it in the job's report.
    not_enforced = [] if settings.scheduler else require_isolation(settings.allow_unisolated)
    extra_credit = extra_credit_cells(course.source_dir, notebooks)
    db_url = check_db_url(settings.db_url) if settings.db_url else None
    out_dir.mkdir(parents=True, exist_ok=True)
    executor = executor or _executor_for(settings)
    log = _Log(OutLayout(out_dir).log, echo)
    for warning in warnings:
        log(warning)
    log(isolation_line(not_enforced) + (" (graded anyway: --allow-unisolated)" if not_enforced else ""))
    resume = ResumeState.load(out_dir, grading_fingerprint(
        course.source_dir, notebooks, cell_timeout=settings.cell_timeout,
        submission_timeout=settings.submission_timeout,
        gradebook=public_url(db_url) if db_url else DEFAULT_GRADEBOOK,
    ))
    try:
        with tempfile.TemporaryDirectory(prefix="grading-autograde-") as work_dir:
            work = Path(work_dir)
            phase = time.monotonic()
            template = generate_assignment(course.source_dir, work / "template")
            log(f"gradebook template from {course.source_dir}: {time.monotonic() - phase:.1f} s")
            phase = time.monotonic()
            gradebook = CourseGradebook(db_url or sqlite_url(OutLayout(out_dir).gradebook))
            if db_url:
                log(f"course gradebook: {public_url(db_url)}")
            gradebook.start_from_template(template.gradebook)
            modules = module_files(course.source_dir)

            outcomes: dict[str, SubmissionOutcome] = {}
            valid = [s for s in students if VALID_STUDENT_ID.match(s)]
            hashes = {student: folder_hash(submissions_dir / student) for student in valid}
            skipped = []
            for student in valid:
                why = "--force" if settings.force else resume.why_grade(
                    student, hashes[student], out_dir, notebooks)
                if why is None:
                    skipped.append(student)
                    outcomes[student] = resume.outcome(student)
                    log(f"{student}: skipped: files unchanged since graded at {resume.finished_at(student)} "
                        "(--force regrades)")
                else:
                    log(f"{student}: grading: {why}")
            prepared = {
                student: _prepare(submissions_dir / student, work / "students" / student,
                                  template.gradebook, notebooks, modules, settings.cell_timeout)
                for student in students if student not in skipped
            }
            to_grade = [s for s in valid if s not in skipped]
            for student in to_grade:
                resume.started(student, hashes[student])
            resume.save()

            jobs_not_enforced: set[str] = set()  # what the jobs' own sandboxes lacked (on a cluster too)

            def finish(student: str, result: JobResult | None) -> None:
                if result is not None:
                    jobs_not_enforced.update(job_not_enforced(prepared[student].course_root))
                outcome, done = _collect_safely(prepared[student], result, gradebook, out_dir, settings, notebooks,
                                                extra_credit)
                outcomes[student] = outcome
                _log_outcome(log, outcome)
                if done:
                    resume.finished(student, hashes[student], outcome)

            for student in to_grade:
                if not prepared[student].gradable:
                    finish(student, None)
            jobs = [_job_for(prepared[s], settings, course) for s in to_grade if prepared[s].gradable]
            for result in executor.run_all(jobs):
                finish(result.name, result)
            for student in students:
                if student not in valid:  # not in the gradebook: nbgrader cannot hold the id
                    outcomes[student] = SubmissionOutcome(student, notebooks={
                        nb: NotebookOutcome(*prepared[student].problems[nb]) for nb in notebooks})
                    _log_outcome(log, outcomes[student])

        not_enforced = not_enforced or sorted(jobs_not_enforced)
        if jobs_not_enforced and not settings.allow_unisolated:  # a worker lacked what this machine has
            log(f"WARNING: grading jobs ran without: {'; '.join(sorted(jobs_not_enforced))}")
        log(f"autograding {len(students) - len(skipped)} submissions "
            f"({len(skipped)} skipped, graded before): {time.monotonic() - phase:.1f} s")
        rows = gradebook.rows(valid, notebooks) + _zero_rows(gradebook, sorted(set(students) - set(valid)), notebooks)
        write_grades_csv(sorted(rows, key=lambda row: (row.student_id, row.notebook, row.grade_id)),
                         OutLayout(out_dir).grades_csv)
        summary = AutogradeSummary(out_dir, students, notebooks,
                                   {s: outcomes[s] for s in students}, time.monotonic() - started,
                                   skipped, public_url(db_url) if db_url else None, extra_credit, not_enforced)
        _write_results(summary, settings)
        phase = time.monotonic()
        # Skipped submissions keep their pages if they have them (`python -m grading feedback OUT`
        # rewrites all, e.g. after hand grading).
        pages_needed = [s for s in students if s not in skipped or not all(
            (OutLayout(out_dir).feedback(s) / f"{nb}.html").is_file() for nb in notebooks)]
        generate_feedback(out_dir, executor_workers=settings.workers, echo=log, db_url=db_url,
                          students=pages_needed if skipped else None)
        log(f"feedback: {time.monotonic() - phase:.1f} s")
        summary.seconds = time.monotonic() - started
        _write_results(summary, settings)
        where = f"on the dask cluster {settings.scheduler}" if settings.scheduler else (
            f"with {settings.workers} worker(s)")
        log(f"graded {len(students) - len(skipped)} submissions x {len(notebooks)} notebooks "
            f"in {summary.seconds:.1f} s {where}; {len(skipped)} skipped (unchanged, graded before)")
        return summary
    finally:
        log.close()


def _executor_for(settings: AutogradeSettings) -> Executor:
    if settings.scheduler:
        from grading.autograde.executors.dask_cluster import DaskExecutor

        return DaskExecutor(settings.scheduler).connect()
    return LocalExecutor(settings.workers)


def _write_results(summary: AutogradeSummary, settings: AutogradeSettings) -> None:
    data = {
        "assignment": ASSIGNMENT_ID,
        "notebooks": summary.notebooks,
        "workers": settings.workers,
        "scheduler": settings.scheduler,
        "skipped": summary.skipped,
        "extra_credit": summary.extra_credit,
        # what the sandbox could not enforce on this machine ([]: everything was)
        "isolation_not_enforced": summary.not_enforced,
        "cell_timeout": settings.cell_timeout,
        "submission_timeout": settings.submission_timeout,
        "seconds": round(summary.seconds, 2),
        "students": {student: outcome.to_json() for student, outcome in summary.outcomes.items()},
    }
    if summary.gradebook_url:  # readers (feedback, export, manual grades) find the gradebook here
        data[GRADEBOOK_URL_KEY] = summary.gradebook_url
    OutLayout(summary.out_dir).results.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
