"""Where grading jobs run: a local process pool, or a dask.distributed cluster."""
