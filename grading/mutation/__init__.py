"""The `mutate` verb: mutant files applied to the solutions, graded through autograde, summarised."""
