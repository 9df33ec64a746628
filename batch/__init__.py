"""Decisions on whole files: a CSV or Parquet table of cases decided row by row in bounded memory.

`batch.run.decide_table` decides a DataFrame (the HTTP API calls it); `batch.run.decide_file`
streams a file in record batches to a Parquet output; `batch.distributed` runs the same
per-frame function on the partitions of a Parquet dataset with Dask. Bad cells send their row
to the rejects, the other rows are decided: rows in = rows decided + rows rejected.
"""
