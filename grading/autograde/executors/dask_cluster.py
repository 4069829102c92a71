"""Run grading jobs on a dask.distributed cluster: ``autograde --scheduler tcp://HOST:8786``.

The same :class:`grading.autograde.executors.job.Job` as the local executor, but no shared
filesystem is needed: the parent packs the job's prepared scratch course
directory (template gradebook, the student's files, nbgrader config) into a
tar archive, a worker unpacks it into a temporary directory of its own and
runs :func:`grading.autograde.executors.job.run_job` there, then sends back what the parent
reads (the scratch ``gradebook.db``, ``job.json``, the autograded notebooks,
the logs), which the parent unpacks over the scratch directory. Results are
yielded as they finish, so each one is merged into the course gradebook by
the parent alone.

What a worker needs: this package installed (``pip install -e .`` of the course
repository, which brings nbgrader, numpy and the ``starter`` package) and the
course datasets: ``DL_COURSE_DATA`` set in the worker's environment, or the
repository's ``datasets/`` beside the installed package. Start workers with
``dask worker tcp://SCHEDULER:8786 --nthreads 1 --nworkers N``: each worker
thread grades one submission at a time (its kernels run in child processes).
"""

from __future__ import annotations

import io
import os
import sys
import tarfile
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from grading.autograde.executors.job import Job, JobResult, run_job
from grading.errors import GradingError
from grading.extras import GRADER_INSTALL

# Never shipped back: the student's own files (the parent has them) and oversized outputs.
_NOT_RETURNED = ("submitted",)
MAX_RETURNED_FILE_BYTES = 50 * 1024 * 1024
# Job environment entries that describe the parent machine, not the job.
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
SCATTER_ABOVE_BYTES = 4 * 1024 * 1024  # larger archives go to the cluster once, not in the task graph


class DaskExecutorError(GradingError, RuntimeError):
    """The dask scheduler cannot be reached or used."""


def pack_directory(root: Path, leave_out: Sequence[str] = ()) -> tuple[bytes, list[str]]:
    """A gzip tar of ``root``'s regular files; returns (archive, notes on what was left out)."""
    buffer, notes = io.BytesIO(), []
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if relative.parts and relative.parts[0] in leave_out:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            if path.stat().st_size > MAX_RETURNED_FILE_BYTES:
                notes.append(f"{relative}: larger than {MAX_RETURNED_FILE_BYTES // 2**20} MB, not returned")
                continue
            archive.add(path, arcname=relative.as_posix(), recursive=False)
    return buffer.getvalue(), notes


def unpack_directory(archive: bytes, root: Path) -> None:
    """Unpack into ``root``; the ``data`` filter refuses absolute paths, ``..`` and links out of it."""
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        tar.extractall(root, filter="data")


def _portable(job: Job) -> tuple[list[str], dict[str, str]]:
    """argv with the scratch path and interpreter as placeholders; the env entries the job adds."""
    root = str(job.cwd)
    argv = ["{python}" if arg == sys.executable else arg.replace(root, "{course}") for arg in job.argv]
    added = {
        name: value for name, value in (job.env or {}).items()
        if os.environ.get(name) != value and name != "PYTHONPATH"
    }
    return argv, added


def _worker_env(added: Mapping[str, str], blas_threads: int | None) -> dict[str, str]:
    """The worker's own environment, with this package importable and the job's additions."""
    from grading.nbgrader.run import nbgrader_env

    env = nbgrader_env({name: value for name, value in added.items() if name != "DL_COURSE_DATA"})
    data = added.get("DL_COURSE_DATA")
    if data and "DL_COURSE_DATA" not in os.environ and Path(data).is_dir():
        env["DL_COURSE_DATA"] = data  # same machine, or the same path on every machine
    if blas_threads:
        env.update({name: str(blas_threads) for name in _BLAS_THREADS})
    for name in [name for name in env if name.startswith("PG")]:
        del env[name]
    return env


def grade_remotely(job: Job, argv: list[str], added: dict[str, str], archive: bytes,
                   jobs_per_host: Mapping[str, int]) -> tuple[JobResult, bytes, list[str]]:
    """On a worker: unpack the scratch course, run the job, pack what the parent reads."""
    try:
        from distributed import get_worker

        host = get_worker().address.split("://")[-1].rsplit(":", 1)[0]
    except (ImportError, ValueError):
        host = ""
    blas_threads = max(1, (os.cpu_count() or 1) // max(1, jobs_per_host.get(host, 1)))
    with tempfile.TemporaryDirectory(prefix="grading-dask-job-") as work:
        course = Path(work) / "course"
        unpack_directory(archive, course)
        local = replace(
            job,
            argv=[arg.replace("{python}", sys.executable).replace("{course}", str(course)) for arg in argv],
            cwd=course,
            env=_worker_env(added, blas_threads),
        )
        result = run_job(local)
        returned, notes = pack_directory(course, leave_out=_NOT_RETURNED)
    return result, returned, notes


class DaskExecutor:
    """Runs jobs on the workers of a dask.distributed scheduler; yields results as they finish."""

    def __init__(self, scheduler: str, connect_timeout: float = 30.0, max_in_flight: int | None = None) -> None:
        self.scheduler = scheduler
        self.connect_timeout = connect_timeout
        self.max_in_flight = max_in_flight  # None: twice the cluster's threads, at least 4
        self._connected = None

    def connect(self) -> DaskExecutor:
        """Connect now (autograde does, before any work), so a wrong address fails at once."""
        if self._connected is None:
            self._connected = self._client()
        return self

    def _client(self):
        try:
            from distributed import Client
        except ImportError as error:
            raise DaskExecutorError(
                f"--scheduler needs dask.distributed, part of the grader's install extra: {GRADER_INSTALL}"
            ) from error
        try:
            return Client(self.scheduler, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise DaskExecutorError(
                f"cannot reach the dask scheduler at {self.scheduler} ({type(error).__name__}: {error}); "
                "start one with `dask scheduler` and workers with `dask worker ADDRESS --nthreads 1`, "
                "or grade locally with --workers N"
            ) from error

    def run_all(self, jobs: Sequence[Job]) -> Iterator[JobResult]:
        if not jobs:
            return
        from distributed import as_completed

        client, self._connected = self._connected or self._client(), None
        try:
            workers = client.scheduler_info()["workers"].values()
            if not workers:
                raise DaskExecutorError(f"the dask scheduler at {self.scheduler} has no workers")
            jobs_per_host: dict[str, int] = {}
            for worker in workers:
                jobs_per_host[worker["host"]] = jobs_per_host.get(worker["host"], 0) + int(worker["nthreads"])
            # A window of jobs in flight (twice the cluster's threads), so that the archives of a
            # whole class never sit in the scheduler's memory at once.
            window = self.max_in_flight or max(4, 2 * sum(jobs_per_host.values()))
            queue = list(jobs)
            pending: dict = {}

            def submit_next() -> None:
                job = queue.pop(0)
                argv, added = _portable(job)
                archive, _ = pack_directory(job.cwd)
                payload = client.scatter(archive, hash=False) if len(archive) > SCATTER_ABOVE_BYTES else archive
                future = client.submit(grade_remotely, job, argv, added, payload, jobs_per_host,
                                       key=f"grade-{job.name}-{uuid.uuid4().hex[:8]}", pure=False)
                pending[future] = job
                running.add(future)

            running = as_completed([], loop=client.loop)
            while queue and len(pending) < window:
                submit_next()
            for future in running:
                job = pending.pop(future)
                if queue:
                    submit_next()
                try:
                    result, returned, notes = future.result()
                except Exception as error:  # a worker lost, the archive refused: this job only
                    yield JobResult(job.name, None, False, 0.0,
                                    launch_error=f"on the dask cluster: {type(error).__name__}: {error}")
                    continue
                finally:
                    future.release()
                unpack_directory(returned, job.cwd)
                tail = result.output_tail + "".join(f"\n{note}" for note in notes)
                yield replace(result, output_tail=tail)
        finally:
            client.close()

