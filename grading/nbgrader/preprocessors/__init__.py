"""nbconvert preprocessors nbgrader runs for us, named in the generated nbgrader configs.

* StderrToStdout (autograde, right after execution): a test cell that passes
  but writes to stderr (a numpy or tqdm warning) would score 0 in nbgrader;
  its stderr text is kept but shown as stdout. Errors still score 0.
* RestoreLockedCells (sanitizing, before nbgrader's OverwriteCells): deleted
  or moved locked cells (the tests) come back from the source, in place.
* HideHiddenTests and ShortenGradedErrors (feedback): students see that hidden
  tests ran and whether they passed, never their source, not even through
  the frames of a traceback.

One module per preprocessor; nbgrader's configs (:mod:`grading.nbgrader.config`) and the
rest of the pipeline import them from here.
"""

from grading.nbgrader.preprocessors.cell_timeout import cell_timeout
from grading.nbgrader.preprocessors.cells import BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS
from grading.nbgrader.preprocessors.hide_hidden_tests import HideHiddenTests, hide_hidden_tests
from grading.nbgrader.preprocessors.restore_locked_cells import (
    SANITIZE_EVENTS_SUFFIX,
    SOURCE_ORDER_DIR,
    RestoreLockedCells,
    source_order,
)
from grading.nbgrader.preprocessors.shorten_graded_errors import ShortenGradedErrors
from grading.nbgrader.preprocessors.stderr_to_stdout import StderrToStdout

__all__ = [
    "BEGIN_HIDDEN_TESTS", "END_HIDDEN_TESTS", "SANITIZE_EVENTS_SUFFIX", "SOURCE_ORDER_DIR",
    "HideHiddenTests", "RestoreLockedCells", "ShortenGradedErrors", "StderrToStdout",
    "cell_timeout", "hide_hidden_tests", "source_order",
]
