"""The `demo` verb: a sample class built from the solutions and mutants, graded end to end."""
