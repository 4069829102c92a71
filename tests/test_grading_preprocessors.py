"""The preprocessors nbgrader runs for us, and the remote-resource check of feedback pages."""

from nbformat.v4 import new_code_cell, new_notebook, new_output

from grading.nbgrader.preprocessors import (
    HideHiddenTests,
    ShortenGradedErrors,
    StderrToStdout,
    hide_hidden_tests,
)
from grading.report.feedback import block_remote_resources, remote_resources

TEST_META = {"nbgrader": {"grade": True, "solution": False, "locked": True, "points": 1,
                          "grade_id": "t", "schema_version": 3}}


def new_error(ename, evalue, traceback):
    return new_output("error", ename=ename, evalue=evalue, traceback=traceback)


def _run(preprocessor, cell):
    notebook, _ = preprocessor.preprocess(new_notebook(cells=[cell]), {})
    return notebook.cells[0]


def test_hidden_regions_become_one_comment_each():
    source = ("check(1)\n    ### BEGIN HIDDEN TESTS\n    a\n    b\n    ### END HIDDEN TESTS\n"
              "check(2)\n### BEGIN HIDDEN TESTS\nc\n### END HIDDEN TESTS")
    assert hide_hidden_tests(source) == (
        "check(1)\n    # hidden tests (2 lines) ran here\ncheck(2)\n# hidden tests (1 lines) ran here")


def test_an_unclosed_hidden_region_hides_the_rest_of_the_cell():
    assert hide_hidden_tests("x\n### BEGIN HIDDEN TESTS\nsecret\nmore") == "x\n# hidden tests (2 lines) ran here"


def test_hide_hidden_tests_preprocessor_edits_code_cells():
    cell = new_code_cell("ok\n### BEGIN HIDDEN TESTS\nsecret\n### END HIDDEN TESTS", metadata=TEST_META)
    assert "secret" not in _run(HideHiddenTests(), cell).source


def test_graded_errors_keep_only_type_and_message():
    def error():
        return new_error(ename="AssertionError", evalue="dx is wrong",
                         traceback=["Traceback", "assert secret_reference(x) == dx", "AssertionError: dx is wrong"])

    cell = _run(ShortenGradedErrors(), new_code_cell("t()", metadata=TEST_META, outputs=[error()]))
    assert cell.outputs[0].traceback == ["AssertionError: dx is wrong"]
    plain = _run(ShortenGradedErrors(), new_code_cell("t()", outputs=[error()]))
    assert len(plain.outputs[0].traceback) == 3  # ungraded cells keep their traceback


def test_stderr_of_graded_cells_becomes_stdout_and_errors_stay():
    outputs = [new_output("stream", name="stderr", text="RuntimeWarning: overflow\n"),
               new_error(ename="ValueError", evalue="bad", traceback=[])]
    cell = _run(StderrToStdout(), new_code_cell("t()", metadata=TEST_META, outputs=outputs))
    assert [o.get("name") for o in cell.outputs] == ["stdout", None]
    assert cell.outputs[1].output_type == "error"
    warning = new_output("stream", name="stderr", text="RuntimeWarning: overflow\n")
    plain = _run(StderrToStdout(), new_code_cell("t()", outputs=[warning]))
    assert plain.outputs[0].name == "stderr"


def test_remote_resources_are_found_and_links_are_not():
    assert remote_resources('<a href="https://arxiv.org/abs/1207.0580">Dropout</a>') == []
    assert remote_resources('<img src="data:image/png;base64,AAAA">') == []
    for page in ('<script src="https://cdnjs.cloudflare.com/mathjax.js"></script>',
                 "<link rel=stylesheet href=//fonts.example/x.css>",
                 "<img alt='plot' src='http://example.org/p.png'>",
                 '<style>@import url("https://fonts.example/f.css");</style>',
                 "<div style='background: url(https://example.org/bg.png)'>"):
        assert remote_resources(page), page


def test_remote_resources_are_blocked_and_links_kept():
    page = ('<p><img alt="cat" src="https://example.org/cat.png"></p>'
            '<a href="https://arxiv.org">paper</a><style>p { background: url(//x.org/bg.png) }</style>')
    blocked, count = block_remote_resources(page)
    assert count == 2 and remote_resources(blocked) == []
    assert '<a href="https://arxiv.org">paper</a>' in blocked


def test_cell_timeout_takes_a_longer_declared_limit_only():
    from nbformat.v4 import new_code_cell

    from grading.nbgrader.preprocessors import cell_timeout

    plain = new_code_cell("x = 1")
    long = new_code_cell("train()", metadata={"course": {"timeout": 900}})
    short = new_code_cell("check()", metadata={"course": {"timeout": 60}})
    bogus = new_code_cell("check()", metadata={"course": {"timeout": "soon"}})
    assert cell_timeout(plain, default=300) == 300
    assert cell_timeout(long, default=300) == 900
    assert cell_timeout(short, default=300) == 300
    assert cell_timeout(bogus, default=300) == 300


def test_concurrent_kernels_share_the_cores_between_them(monkeypatch):
    from grading.autograde.run import blas_thread_env

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert blas_thread_env(1)["OPENBLAS_NUM_THREADS"] == "2"
    assert blas_thread_env(2) == {
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"
    }
    assert blas_thread_env(8)["OMP_NUM_THREADS"] == "1"


def _cell(cell_id, grade_id=None, locked=False):
    cell = new_code_cell(f"# {cell_id}")
    cell["id"] = cell_id
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "locked": locked, "solution": not locked,
                                     "grade": locked}
    return cell


def test_locked_cells_go_back_after_their_source_predecessor():
    from grading.nbgrader.preprocessors import RestoreLockedCells, source_order

    source = new_notebook(cells=[_cell("intro"), _cell("imports"), _cell("t1", "square_test", True),
                                 _cell("t2", "add_test", True), _cell("sol", "cube_solution"),
                                 _cell("t3", "cube_test", True)])
    order = source_order(source)
    assert [entry["locked"] for entry in order] == [False, False, True, True, False, True]
    # The student moved cube_test to the top, deleted square_test and add_test; the other cells stay.
    kept = [_cell("intro"), _cell("imports"), _cell("mine"), _cell("sol", "cube_solution")]
    assert RestoreLockedCells._place(order, 2, kept) == 2  # square_test: right after the imports
    kept.insert(2, _cell("t1", "square_test", True))
    assert RestoreLockedCells._place(order, 3, kept) == 3  # add_test: after square_test
    kept.insert(3, _cell("t2", "add_test", True))
    assert RestoreLockedCells._place(order, 5, kept) == 6  # cube_test: after the cube solution
    # Without cell ids (an old notebook format) the nearest following source cell anchors it.
    anonymous = [_cell("x"), _cell("sol", "cube_solution")]
    for cell in anonymous:
        cell.pop("id")
    assert RestoreLockedCells._place(order, 2, anonymous) == 1


def test_edits_are_judged_on_the_visible_lines_only():
    from grading.nbgrader.preprocessors.restore_locked_cells import _visible

    source = "assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n### END HIDDEN TESTS\n"
    assert _visible(source) == _visible("  assert f(1) == 2  \n\n") == ["assert f(1) == 2"]
    assert _visible(source) != _visible("assert True")
