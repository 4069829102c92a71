"""Code the grader runs inside the student's kernel around the test cells (never shown to students).

* :data:`CAPTURE_SOURCE` (``in_kernel/capture.py``) runs first, before any student code: it records the
  pristine state of everything a test depends on or a failure passes through
  (numpy, ``starter``'s checking helpers, builtins, ``sys`` hooks, IPython's
  shell and kernel methods, traceback handlers, input/AST transformers, event
  callbacks).
* :data:`GUARD_SOURCE` (``in_kernel/guard.py``) runs right before each graded test cell: it puts back
  whatever the student's code changed, clears stale tracebacks (their frames
  hold on to a memory bomb's arrays; no gc.collect(), it costs ~0.2 s a cell
  with numpy loaded) and prints one line that names what it
  had to restore, for the grading log.

These two cells live in the kernel, so a determined attacker who patches the
interpreter itself could still fool them; the check that does not depend on
the kernel is the per-run token (:mod:`grading.sandbox.guarded_execute`): a test cell
scores only if it ran to its last line.
"""

from __future__ import annotations

from importlib import resources

GUARD_MARKER = "__dl_grading_guard__"


def _kernel_source(name: str) -> str:
    """The text of ``in_kernel/<name>``: real, linted Python that runs as a cell in the kernel."""
    return resources.files("grading.sandbox.in_kernel").joinpath(name).read_text(encoding="utf-8")


CAPTURE_SOURCE = _kernel_source("capture.py")
GUARD_SOURCE = _kernel_source("guard.py")
