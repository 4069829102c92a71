"""The `autograde` verb: submissions, one grading job per submission, outcomes, resume, executors."""
