"""Adversarial submissions graded by the real pipeline beside an honest one.

Every submission is a copy of the fixture course (plus a numpy notebook,
tests/fixtures/adversarial/) with one attack; an attacker hands in only the
notebook it attacks (the others are missing and score 0 without running, to
keep the suite fast). Each is graded through ``grading.autograde.run.autograde``
with two workers, and the suite checks every cell's score and the reason in
the log, and that the honest student beside them gets every point.
"""

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import textwrap
import threading
from pathlib import Path

import nbformat
import pytest

from grading.autograde.run import AutogradeSettings, autograde
from grading.layout import CoursePaths
from grading.sandbox.isolation import MEMORY_ENV

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
CELL_TIMEOUT = 12  # the infinite loop's cost; honest cells need well under a second
KERNEL_MEMORY = "2G"

pytestmark = pytest.mark.slow

FULL = {
    ("1_basics", "square_test"): 2, ("1_basics", "add_test"): 1, ("1_basics", "hypotenuse_test"): 1,
    ("1_basics", "cube_test"): 1, ("1_basics", "why_square"): 0, ("2_loops", "total_test"): 2,
    ("2_loops", "loop_bonus"): 0, ("3_vectors", "norm_test"): 2, ("3_vectors", "dot_test"): 1,
}
NOTEBOOKS = ("1_basics", "2_loops", "3_vectors")


def only(notebook: str, **changes: float) -> dict:
    """Full marks on ``notebook`` except ``changes`` (grade_id=score), 0 on the others (not handed in)."""
    scores = {key: (value if key[0] == notebook else 0) for key, value in FULL.items()}
    for grade_id, value in changes.items():
        assert (notebook, grade_id) in scores
        scores[(notebook, grade_id)] = value
    return scores


EXPECTED = {
    "honest": FULL,
    "infinite_loop": only("1_basics", hypotenuse_test=0),
    # Ignores the interrupt at the cell limit: the kernel is replaced, cube_test still runs and passes.
    "ignores_interrupt": only("1_basics", hypotenuse_test=0),
    "os_exit": only("1_basics", square_test=0, hypotenuse_test=0),
    "memory_bomb": only("3_vectors", norm_test=0),
    "fork_bomb": only("1_basics", add_test=0),
    # A message with a forged signature on the kernel's output channel breaks nbclient's reading
    # (ValueError: Invalid Signature), as a fork bomb's children writing at once do: that cell only.
    "forged_message": only("1_basics", add_test=0),
    "network": only("1_basics", square_test=0, hypotenuse_test=0),
    "edited_test": only("1_basics", square_test=0, hypotenuse_test=0),
    "deleted_and_moved_tests": only("1_basics", square_test=0, hypotenuse_test=0),
    "traceback_hooks": only("1_basics", square_test=0, hypotenuse_test=0),
    "swallows_failure": only("2_loops", total_test=0),
    "exits_early": only("2_loops", total_test=0),
    "monkeypatch": only("3_vectors", norm_test=0, dot_test=0),
    "reads_secrets": only("1_basics"),
    "writes_outside": only("1_basics"),
    "huge_output": only("1_basics"),
    "empty_ipynb": only("1_basics", square_test=0, add_test=0, hypotenuse_test=0, cube_test=0),
    "corrupt_ipynb": only("1_basics", square_test=0, add_test=0, hypotenuse_test=0, cube_test=0),
    # The import fails: only the notebook's own cube survives in 1_basics; 2_loops imports it too.
    "missing_module": {**only("1_basics", square_test=0, add_test=0, hypotenuse_test=0),
                       ("2_loops", "total_test"): 0},
}

# One line of the log per (student/notebook): the reason it must give.
EXPECTED_LOG = {
    "honest/1_basics": r"graded 5/7 \[",
    "infinite_loop/1_basics": rf"hypotenuse_test stopped by the {CELL_TIMEOUT} s limit per cell",
    "ignores_interrupt/1_basics": r"hypotenuse_test: the cell did not stop when interrupted at its time limit; "
                                  r"the kernel was restarted",
    "os_exit/1_basics": r"square_test: the kernel died while running this cell.*hypotenuse_test: the kernel died",
    "memory_bomb/3_vectors": r"norm_test: MemoryError",
    "fork_bomb/1_basics": r"add_test: the cell started more than 32 processes \(a fork bomb\); they and "
                          r"the kernel were killed",
    "forged_message/1_basics": r"graded 4/7 \(add_test: the connection to the kernel failed while running this "
                               r"cell \(ValueError: Invalid Signature: .*\); the kernel was restarted\)",
    "network/1_basics": r"square_test: ConnectionError: no network",
    "edited_test/1_basics": r"square_test: edited in the submission, graded with the source's version",
    "deleted_and_moved_tests/1_basics": r"\(square_test: deleted from the submission, restored from the source; "
                                        r"cube_test: moved in the submission, put back in its place\)",
    "traceback_hooks/1_basics": r"showtraceback changed by the student's code, restored before",
    "swallows_failure/2_loops": r"total_test: its AssertionError was not displayed \(traceback silenced\)",
    "exits_early/2_loops": r"total_test: (SystemExit|did not run to its end)",
    "monkeypatch/3_vectors": r"numpy\.allclose changed by the student's code, restored before norm_test"
                             r".*starter\.gradient_check\.rel_error changed",
    "huge_output/1_basics": r"output over 1,000,000 characters, truncated",
    "empty_ipynb/1_basics": r"invalid: notebook is not valid JSON",
    "corrupt_ipynb/1_basics": r"invalid: notebook is not valid JSON",
    "missing_module/1_basics": r"ModuleNotFoundError: No module named 'mathops'",
}


def _replace_function(module: Path, name: str, body: str) -> None:
    """Replace the whole body of top-level function ``name`` by ``body`` (indented 4)."""
    lines = module.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {name}("))
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith((" ", "#"))),
               len(lines))
    new = [lines[start]] + ["    " + line if line else "" for line in body.strip("\n").splitlines()]
    module.write_text("\n".join(lines[:start] + new + [""] + lines[end:]) + "\n")


def _prepend(module: Path, code: str) -> None:
    module.write_text(code.strip("\n") + "\n\n" + module.read_text())


def _edit_notebook(path: Path, edit) -> None:
    notebook = nbformat.read(path, as_version=4)
    edit(notebook)
    nbformat.write(notebook, path)


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class _Listener:
    """A TCP service on the host's 127.0.0.1 that counts connections (there must be none)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.server.close()


def outside_targets(submissions: Path, out: Path) -> list[Path]:
    """Files outside its scratch folder that a submission tries to write (none may change)."""
    return [submissions / "honest" / "mathops.py", out / "planted.txt", REPO / "planted.txt",
            Path(tempfile.gettempdir()) / "dl-planted.txt"]


def build_class(source: Path, submissions: Path, port: int, out: Path) -> None:
    def student(name: str, *notebooks: str) -> Path:
        folder = shutil.copytree(source, submissions / name)
        for notebook in NOTEBOOKS:
            if notebook not in notebooks:
                (folder / f"{notebook}.ipynb").unlink()
        return folder

    shutil.copytree(source, submissions / "honest")

    folder = student("infinite_loop", "1_basics")
    _replace_function(folder / "mathops.py", "hypotenuse", "while True:\n    pass")

    folder = student("ignores_interrupt", "1_basics")
    _replace_function(folder / "mathops.py", "hypotenuse",
                      "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")

    folder = student("os_exit", "1_basics")
    _replace_function(folder / "mathops.py", "square", "import os\nos._exit(1)")

    folder = student("memory_bomb", "3_vectors")
    _replace_function(folder / "vectors.py", "norm2",
                      "blocks = []\nwhile True:\n    blocks.append(np.ones(2**24))")

    folder = student("fork_bomb", "1_basics")
    _replace_function(folder / "mathops.py", "add", "import os\nwhile True:\n    os.fork()")

    folder = student("forged_message", "1_basics")
    _replace_function(folder / "mathops.py", "add", """
from IPython import get_ipython
get_ipython().kernel.iopub_socket.send_multipart(
    [b"kernel.forged.stream", b"<IDS|MSG>", b"0" * 64, b"{}", b"{}", b"{}", b"{}"])
import time
time.sleep(1)
return a + b""")

    folder = student("network", "1_basics")
    _replace_function(folder / "mathops.py", "square", f"""
import socket
for address in (("1.1.1.1", 53), ("127.0.0.1", {port})):
    try:
        socket.create_connection(address, timeout=3).close()
    except OSError as error:
        print("BLOCKED", address, type(error).__name__)
    else:
        print("LEAK", address)
        return x * x
raise ConnectionError("no network: cannot phone home")
""")

    folder = student("edited_test", "1_basics")
    _replace_function(folder / "mathops.py", "square", "return 0")

    def edit_test(notebook):
        cell = next(c for c in notebook.cells if _grade_id(c) == "square_test")
        cell.source = "assert True  # the test, improved"
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="all tests passed\n")]
        cell.execution_count = 3
    _edit_notebook(folder / "1_basics.ipynb", edit_test)

    folder = student("deleted_and_moved_tests", "1_basics")
    _replace_function(folder / "mathops.py", "square", "return 0")

    def delete_and_move(notebook):
        notebook.cells = [c for c in notebook.cells if _grade_id(c) != "square_test"]
        cube = next(c for c in notebook.cells if _grade_id(c) == "cube_test")
        notebook.cells.remove(cube)
        notebook.cells.insert(1, cube)  # before the import and before cube is defined
    _edit_notebook(folder / "1_basics.ipynb", delete_and_move)

    folder = student("traceback_hooks", "1_basics")
    _replace_function(folder / "mathops.py", "square", "return 0")
    _prepend(folder / "mathops.py", """
import sys

from IPython import get_ipython
from IPython.core.interactiveshell import InteractiveShell


def _quiet(*args, **kwargs):
    return None


_shell = get_ipython()
InteractiveShell.showtraceback = _quiet
_shell.showtraceback = _quiet
_shell.set_custom_exc((Exception,), _quiet)
_shell.events.register("post_run_cell", _quiet)
sys.excepthook = _quiet
""")

    folder = student("swallows_failure", "2_loops")
    _replace_function(folder / "mathops.py", "total", """
from IPython import get_ipython
get_ipython().set_custom_exc((AssertionError,), lambda *args, **kwargs: None)
return -1""")

    folder = student("exits_early", "2_loops")
    _replace_function(folder / "mathops.py", "total", "import sys\nsys.exit(0)")

    folder = student("monkeypatch", "3_vectors")
    _replace_function(folder / "vectors.py", "norm2", "return 0.0")
    _replace_function(folder / "vectors.py", "dot", "return 0.0")
    _prepend(folder / "vectors.py", """
import numpy as np
import starter.gradient_check

np.allclose = lambda *args, **kwargs: True
starter.gradient_check.rel_error = lambda *args, **kwargs: 0.0
""")

    folder = student("writes_outside", "1_basics")
    _prepend(folder / "mathops.py", f"""
for _path in {[str(p) for p in outside_targets(submissions, out)]!r}:
    try:
        with open(_path, "a") as _handle:
            _handle.write("# planted by a student\\n")
    except OSError as _error:
        print("BLOCKED", _path, type(_error).__name__)
""")

    folder = student("reads_secrets", "1_basics")
    secrets = [REPO / "solutions" / "dl" / "layers.py", REPO / "tests" / "fixtures" / "course" / "dl" / "mathops.py",
               REPO / ".git" / "HEAD", submissions / "honest" / "mathops.py", out / "autograde.log",
               Path("../../../gradebook.db"), Path("../../../job.json"), Path("/root/.bashrc")]
    _prepend(folder / "mathops.py", f"""
for _path in {[str(p) for p in secrets]!r}:
    try:
        with open(_path, "rb") as _handle:
            _handle.read(10)
    except OSError as _error:
        print("BLOCKED", _path, type(_error).__name__)
    else:
        print("LEAK", _path)
try:
    open("../../../gradebook.db", "ab").close()  # appends nothing: only an empty file it made is empty
except OSError:
    print("BLOCKED writing the gradebook")
else:
    import os as _os
    print("LEAK: wrote the gradebook" if _os.path.getsize("../../../gradebook.db") else
          "PRIVATE: an empty gradebook.db in its own view, the real one is hidden")
""")

    folder = student("huge_output", "1_basics")
    _replace_function(folder / "mathops.py", "square", "print('spam ' * 6_000_000)\nreturn x * x")

    folder = student("empty_ipynb", "1_basics")
    (folder / "1_basics.ipynb").write_bytes(b"")

    folder = student("corrupt_ipynb", "1_basics")
    text = (folder / "1_basics.ipynb").read_bytes()
    (folder / "1_basics.ipynb").write_bytes(text[: len(text) // 2])

    folder = student("missing_module", "1_basics", "2_loops")
    (folder / "mathops.py").unlink()


AS_ORDINARY_USER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from grading.autograde.run import AutogradeSettings, autograde
    from grading.layout import CoursePaths
    source, submissions, out = map(Path, sys.argv[1:4])
    settings = AutogradeSettings(workers=2, cell_timeout=int(sys.argv[4]), submission_timeout=300)
    autograde(submissions, out, CoursePaths(source, source), settings, echo=lambda line: None)
""")


@pytest.fixture(scope="module", params=["root", "ordinary user"])
def graded(request, tmp_path_factory):
    """The class graded by root (in this process), then by an ordinary user (``nobody``, in its
    own environment): every attack must be contained and scored the same way both times."""
    if request.param == "root":
        work = tmp_path_factory.mktemp("adversarial")
    else:
        from ordinary_user import world_readable_folder

        user = request.getfixturevalue("ordinary_user")
        work = world_readable_folder("dl-adversarial-")
    source = shutil.copytree(FIXTURES / "course" / "dl", work / "course" / "dl")
    for name in ("3_vectors.ipynb", "vectors.py"):
        shutil.copyfile(FIXTURES / "adversarial" / name, source / name)
    submissions, out = work / "submissions", work / "out"
    listener = _Listener()
    monkeypatch = pytest.MonkeyPatch()
    # The memory bomb fails at its second 1 GiB block. Honest cells need ~200 MB, but huge_output's two
    # 30 MB prints peak at 992 MB of address space (measured with both interpreters): 1 GiB left it
    # within 4 % of the limit, which the ordinary user's kernel crossed.
    monkeypatch.setenv(MEMORY_ENV, KERNEL_MEMORY)
    try:
        build_class(source, submissions, listener.port, out)
        if request.param == "root":
            settings = AutogradeSettings(workers=2, cell_timeout=CELL_TIMEOUT, submission_timeout=300)
            summary = autograde(submissions, out, CoursePaths(source, source), settings, echo=lambda line: None)
        else:
            subprocess.run(["chown", "-R", "nobody", str(work)], check=True)
            done = user.run([user.python, "-c", AS_ORDINARY_USER, str(source), str(submissions), str(out),
                             str(CELL_TIMEOUT)], cwd=work, env={MEMORY_ENV: KERNEL_MEMORY})
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            summary = None
    finally:
        monkeypatch.undo()
        listener.close()
    yield out, summary, listener, request.param
    if request.param != "root" and not os.environ.get("DL_KEEP"):
        shutil.rmtree(work, ignore_errors=True)


def test_every_cell_of_every_adversarial_submission_has_the_expected_score(graded):
    out, _, _, _ = graded
    with open(out / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    scores = {(r["student_id"], r["notebook"], r["grade_id"]): float(r["score"]) for r in rows}
    expected = {(student, notebook, grade_id): float(score)
                for student, table in EXPECTED.items() for (notebook, grade_id), score in table.items()}
    wrong = {key: (scores.get(key), value) for key, value in expected.items() if scores.get(key) != value}
    assert wrong == {}, "(got, expected) per cell"
    assert set(scores) == set(expected)


def test_the_log_gives_each_attack_its_reason(graded):
    out, _, _, _ = graded
    log = (out / "autograde.log").read_text()
    for prefix, pattern in EXPECTED_LOG.items():
        lines = [line for line in log.splitlines() if line.startswith(prefix + ":")]
        assert len(lines) == 1 and re.search(pattern, lines[0]), (prefix, pattern, lines)
    # The honest student's notebooks carry no event: nothing was restored or killed.
    for notebook in ("1_basics", "2_loops", "3_vectors"):
        line = next(line for line in log.splitlines() if line.startswith(f"honest/{notebook}:"))
        assert re.search(r"graded \d+/\d+ \[", line), line


def test_isolation_is_reported_and_enforced_as_root_and_as_an_ordinary_user(graded):
    out, _, _, grader = graded
    log = (out / "autograde.log").read_text()
    isolation = [line for line in log.splitlines() if line.startswith("honest: isolation:")]
    assert len(isolation) == 1, log[:2000]
    own = "kernel runs as uid" if grader == "root" else "kernel's own user and PID namespace"
    for what in ("no network", own, "private mount namespace", "memory 2 GiB"):
        assert what in isolation[0], (what, isolation[0])
    assert "NOT enforced" not in isolation[0]
    assert "isolation: enforced (network, files, processes, limits)" in log.splitlines()[:3]
    assert json.loads((out / "results.json").read_text())["isolation_not_enforced"] == []


def test_nothing_outside_the_scratch_folder_is_written(graded):
    out, _, _, _ = graded
    submissions = out.parent / "submissions"
    for target in outside_targets(submissions, out):
        if target.name == "mathops.py":  # the honest student's own file, untouched
            assert "planted" not in target.read_text(), target
        else:
            assert not target.exists(), target
    text = _printed(out / "autograded" / "writes_outside" / "dl" / "1_basics.ipynb")
    assert text.count("BLOCKED") == len(outside_targets(submissions, out)) - 1, text  # /tmp: a private one


def test_no_network_and_no_secrets_reach_the_student_code(graded):
    out, _, listener, grader = graded
    assert listener.connections == 0
    text = _printed(out / "autograded" / "network" / "dl" / "1_basics.ipynb")
    assert "BLOCKED ('1.1.1.1', 53)" in text and "BLOCKED ('127.0.0.1'" in text and "LEAK" not in text, text
    text = _printed(out / "autograded" / "reads_secrets" / "dl" / "1_basics.ipynb")
    assert "LEAK" not in text, text
    if grader == "root":  # the hidden folders' empty stand-ins belong to root: the kernel's uid cannot write
        assert text.count("BLOCKED") == 9, text
    else:  # the kernel is root of its own user namespace: it may write its private view, nothing else
        assert text.count("BLOCKED") == 8 and "PRIVATE: an empty gradebook.db" in text, text


def _printed(path: Path) -> str:
    """What the notebook's code printed (stream outputs), not the source quoted by tracebacks."""
    notebook = nbformat.read(path, as_version=4)
    return "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream")


def test_guards_and_tokens_never_reach_the_autograded_notebooks_or_feedback(graded):
    out, _, _, _ = graded
    pages = list((out / "autograded").rglob("*.ipynb")) + list((out / "feedback").rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text()
        assert "dl-grading-done-" not in text and "__dl_grading" not in text, page
    huge = out / "autograded" / "huge_output" / "dl" / "1_basics.ipynb"
    assert huge.stat().st_size < 5_000_000


def test_restored_test_cells_are_in_source_order(graded):
    out, _, _, _ = graded
    notebook = nbformat.read(out / "autograded" / "deleted_and_moved_tests" / "dl" / "1_basics.ipynb",
                             as_version=4)
    order = [_grade_id(cell) for cell in notebook.cells if _grade_id(cell)]
    assert order == ["square_test", "add_test", "hypotenuse_test", "cube_solution", "cube_test", "why_square"]
