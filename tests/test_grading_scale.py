"""Scale-out: the same class graded by the local pool, and by a dask LocalCluster of worker
processes into a real PostgreSQL gradebook, must get the same grades, feedback and records."""

import json
import os
import shutil
from pathlib import Path

import pytest
from postgres_server import postgres_server

from grading.autograde.executors.dask_cluster import DaskExecutor
from grading.autograde.run import AutogradeSettings, autograde
from grading.demo.sample_class import build_sample_class
from grading.gradebook.database import CourseGradebook, gradebook_url
from grading.gradebook.export import export
from grading.layout import CoursePaths
from grading.mutation.mutant_files import load_mutants
from grading.release.build import build_release

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = FIXTURES / "course" / "dl"
# A correct, a partial, a buggy submission, one whose kernel dies, one with a corrupt notebook.
CLASS = ("correct", "partial", "bug_mathops_add_abs", "kernel_crash", "corrupt_notebook")
SETTINGS = dict(cell_timeout=12, submission_timeout=300)
PASSWORD = "never-stored-s3cret"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course_and_class(tmp_path_factory):
    work = tmp_path_factory.mktemp("scale")
    release = work / "release" / "dl"
    build_release(SOURCE, release)
    submissions = work / "submissions"
    build_sample_class(SOURCE, release, submissions, load_mutants(FIXTURES / "mutants"))
    for student in submissions.iterdir():
        if student.name not in CLASS:
            shutil.rmtree(student)
    assert sorted(p.name for p in submissions.iterdir()) == sorted(CLASS)
    return CoursePaths(SOURCE, release), submissions, work


@pytest.fixture(scope="module")
def local_out(course_and_class):
    course, submissions, work = course_and_class
    out = work / "local"
    autograde(submissions, out, course, AutogradeSettings(workers=2, **SETTINGS), echo=lambda line: None)
    return out


@pytest.fixture(scope="module")
def cluster_out(course_and_class):
    """The class graded on a dask LocalCluster (2 worker processes) into a PostgreSQL gradebook."""
    from distributed import Client, LocalCluster

    course, submissions, work = course_and_class
    out = work / "cluster"
    with postgres_server() as (host, port), LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
    ) as cluster, Client(cluster, set_as_default=False) as client:
        worker_pids = set(client.run(os.getpid).values())
        url = f"postgresql://postgres:{PASSWORD}@{host}:{port}/gradebook"
        settings = AutogradeSettings(scheduler=cluster.scheduler_address, db_url=url, **SETTINGS)
        lines: list[str] = []
        # Two jobs in flight at a time: the others are sent as results come back.
        executor = DaskExecutor(cluster.scheduler_address, max_in_flight=2).connect()
        summary = autograde(submissions, out, course, settings, executor=executor, echo=lines.append)
        # Read back while the server runs, through the URL the OUT folder records.
        stored = gradebook_url(out)
        rows = CourseGradebook(stored).rows(CLASS, summary.notebooks)
        yield out, summary, lines, worker_pids, stored, rows, port


def _csv(out: Path) -> str:
    return (out / "grades.csv").read_text()


def test_dask_workers_are_separate_processes(cluster_out):
    _, _, _, worker_pids, _, _, _ = cluster_out
    assert len(worker_pids) == 2 and os.getpid() not in worker_pids


def test_cluster_and_postgres_give_the_local_pools_grades(local_out, cluster_out):
    out, summary, lines, _, _, rows, _ = cluster_out
    assert _csv(out) == _csv(local_out)
    assert "correct,1_basics,add_test,auto,1,1" in _csv(out)
    assert any(line.startswith("graded 5 submissions x 2 notebooks") and "on the dask cluster" in line
               for line in lines)
    local = json.loads((local_out / "results.json").read_text())["students"]
    remote = json.loads((out / "results.json").read_text())["students"]
    for student in CLASS:
        for notebook, result in local[student]["notebooks"].items():
            other = remote[student]["notebooks"][notebook]
            assert (other["status"], other["score"], other["cells"]) == (
                result["status"], result["score"], result["cells"]), (student, notebook)
    assert "the kernel died" in remote["kernel_crash"]["notebooks"]["1_basics"]["reason"]
    # The rows the PostgreSQL gradebook holds are the ones grades.csv was written from.
    assert sum(row.score for row in rows if row.student_id == "correct") == 5 + 2


def test_postgres_gradebook_is_recorded_without_its_password(cluster_out):
    out, _, _, _, stored, _, port = cluster_out
    assert stored == f"postgresql+psycopg2://postgres@127.0.0.1:{port}/gradebook"
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".log", ".csv", ".html"):
            assert PASSWORD not in path.read_text(errors="replace"), path
    assert not (out / "gradebook.db").exists()  # the course gradebook is the PostgreSQL one


def test_feedback_from_the_cluster_run_reads_the_postgres_scores(cluster_out):
    out, _, _, _, _, _, _ = cluster_out
    correct = (out / "feedback" / "correct" / "1_basics.html").read_text()
    assert "(Score: 5.0 / 7.0)" in correct
    assert "not valid JSON" in (out / "feedback" / "corrupt_notebook" / "1_basics.html").read_text()


def test_export_reads_the_postgres_gradebook(local_out, cluster_out, tmp_path):
    out = cluster_out[0]
    local = export(local_out, "generic", tmp_path / "local.csv", warn=lambda line: None).read_text()
    remote = export(out, "generic", tmp_path / "cluster.csv", warn=lambda line: None).read_text()
    assert remote == local
    # columns auto, manual, extra_credit, total, max (2_loops' 1-point bonus is not in max), manual_pending
    assert "correct,5,2,7,0,0,7,9,2" in remote.splitlines()


def test_an_unreachable_scheduler_is_a_clear_error():
    from grading.autograde.executors.dask_cluster import DaskExecutor, DaskExecutorError

    with pytest.raises(DaskExecutorError, match="cannot reach the dask scheduler at tcp://127.0.0.1:9 .*"
                       "start one with `dask scheduler`"):
        DaskExecutor("tcp://127.0.0.1:9", connect_timeout=2).connect()
