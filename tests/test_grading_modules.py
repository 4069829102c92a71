"""Solution regions in student modules become stubs; everything else stays byte for byte."""

import pytest

from grading.release.strip_solutions import MarkerError, find_solution_regions, strip_solutions

MODULE = '''"""Doc."""

import numpy as np


def affine_forward(x, w, b):
    """Affine."""
    # TODO: compute out.
    ### BEGIN SOLUTION
    out = x.reshape(x.shape[0], -1) @ w + b
    ### END SOLUTION
    cache = (x, w, b)
    return out, cache


class Model:
    def loss(self, X):
        if X is None:
            ### BEGIN SOLUTION
            return np.zeros(1)
            ### END SOLUTION
        return 1
'''


def test_region_becomes_a_stub_with_the_markers_indentation():
    stripped = strip_solutions(MODULE, "layers.py")
    assert '    raise NotImplementedError("affine_forward in layers.py: not implemented yet")\n' in stripped
    assert '            raise NotImplementedError("Model.loss in layers.py: not implemented yet")\n' in stripped
    assert "BEGIN SOLUTION" not in stripped and "reshape" not in stripped and "np.zeros" not in stripped


def test_everything_outside_the_regions_is_kept_byte_for_byte():
    expected = (
        MODULE.replace(
            "    ### BEGIN SOLUTION\n    out = x.reshape(x.shape[0], -1) @ w + b\n    ### END SOLUTION\n",
            '    raise NotImplementedError("affine_forward in layers.py: not implemented yet")\n',
        ).replace(
            "            ### BEGIN SOLUTION\n            return np.zeros(1)\n            ### END SOLUTION\n",
            '            raise NotImplementedError("Model.loss in layers.py: not implemented yet")\n',
        )
    )
    assert expected.count("NotImplementedError") == 2
    assert strip_solutions(MODULE, "layers.py") == expected


def test_windows_line_endings_survive():
    stripped = strip_solutions(MODULE.replace("\n", "\r\n"), "layers.py")
    assert "\n" not in stripped.replace("\r\n", "")
    compile(stripped, "layers.py", "exec")


def test_keep_functions_keeps_their_code_without_markers():
    partly = strip_solutions(MODULE, "layers.py", keep_functions=["affine_forward"])
    assert "out = x.reshape(x.shape[0], -1) @ w + b" in partly
    assert "### BEGIN SOLUTION" not in partly
    assert 'raise NotImplementedError("Model.loss in layers.py' in partly


def test_stub_raises_not_implemented_error_naming_the_function():
    namespace: dict = {}
    exec(compile(strip_solutions(MODULE, "layers.py"), "layers.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="affine_forward in layers.py"):
        namespace["affine_forward"](None, None, None)


def test_regions_name_their_enclosing_function():
    regions = find_solution_regions(MODULE, "layers.py")
    assert [(r.function, r.begin_line, r.end_line) for r in regions] == [
        ("affine_forward", 9, 11), ("Model.loss", 19, 21),
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", r"line 2: .*never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", r"line 3: .*without a matching"),
        ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n",
         r"line 3: .*inside the region opened on line 2"),
        ("### BEGIN SOLUTION\nX = 1\n### END SOLUTION\n", r"line 1: solution region outside any function"),
        ("def f(:\n    pass\n", r"line 1: not valid Python"),
    ],
)
def test_bad_markers_are_reported_with_file_and_line(source, message):
    with pytest.raises(MarkerError, match=message) as error:
        strip_solutions(source, "optim.py")
    assert str(error.value).startswith("optim.py line")


def test_keep_functions_must_name_a_function_with_a_region():
    with pytest.raises(MarkerError, match="no solution region in nope"):
        strip_solutions(MODULE, "layers.py", keep_functions=["nope"])
