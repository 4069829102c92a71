"""The nbgrader gradebook by URL, manual grades of the written answers, CSV export."""
