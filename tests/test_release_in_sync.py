"""CI's guard that `assignments/` is what `python -m grading release` makes of `solutions/`."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_committed_release_is_up_to_date():
    done = subprocess.run(
        [sys.executable, "-m", "grading", "release", "--check"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, (
        "assignments/ is stale: run `python -m grading release` and commit it\n"
        + done.stdout + done.stderr
    )
