"""The nbgrader gradebook by URL, manual grades of the written answers, CSV export."""

# The layouts of ``python -m grading export``; here, so that the verb's parser needs no nbgrader.
EXPORT_FORMATS = ("canvas", "generic")
