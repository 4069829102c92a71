"""The local executor: up to N grading jobs at once on this machine (``--workers N``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from grading.autograde.executors.job import Job, JobResult, run_job


class LocalExecutor:
    """Runs up to ``workers`` jobs at once as local subprocesses.

    Threads suffice to drive them: each thread only waits on its subprocess,
    all the work happens in the child processes.
    """

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers

    def run_all(self, jobs: Sequence[Job]) -> Iterator[JobResult]:
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="grading-job") as pool:
            futures = [pool.submit(run_job, job) for job in jobs]
            for future in as_completed(futures):
                yield future.result()
