"""Kernel side of the guards: sent as the source of the cell before each test (never imported).

Prints the marker and the names ``__dl_grading_restore__`` (defined by ``capture.py``) put back.
"""

print("__dl_grading_guard__", ",".join(__dl_grading_restore__()))  # noqa: F821
