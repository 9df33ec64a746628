"""The same decisions on a Dask cluster, for Parquet data beyond one machine.

Each partition of the Parquet dataset goes through the same per-frame function as the local
run (`batch.run.decide_part`), with its first row number worked out from the partitions'
lengths, so the results are the local run's, row for row. The decided rows are written by
the workers as a folder of Parquet parts; the rejects (a small share, by nature) come back to
the caller and are written to one file. On a real cluster the data, the output folder and the
rejects file must be on storage every worker and the caller can reach (a shared file system or
object storage URL that fsspec understands); the rule files are read once by the caller and
sent to the workers with the job.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from batch.run import (
    REJECT_COLUMNS,
    ROW,
    FileSummary,
    Job,
    decide_part,
    header_map,
    make_job,
    named,
    rejects_frame,
    wanted_columns,
)
from batch.write import RejectsWriter, output_schema
from governance.diagnostics import Location, MedunionError, error, first_line
from governance.i18n import N_

_REJECTED = "__rejected"
_PREFIX = "__reject_"


def _combined(frame: pd.DataFrame, job: Job, rename: dict[str, str], offsets: list[int],
              partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    """One partition decided: its decided rows, then one line per bad cell, in one frame (a
    `__rejected` flag tells them apart), so one pass over the data gives both."""
    number = partition_info["number"] if partition_info is not None else 0
    part = decide_part(job, frame.rename(columns=rename).reset_index(drop=True), offsets[number] + 1)
    decided = part.decided.copy()
    decided[_REJECTED] = False
    for name in REJECT_COLUMNS[1:]:
        decided[_PREFIX + name] = pd.Series(None, index=decided.index, dtype=object)
    rejected = rejects_frame(part.rejects)
    lines = pd.DataFrame(index=pd.RangeIndex(len(rejected)))
    for name in decided.columns:
        if name == ROW:
            lines[name] = rejected[ROW].to_numpy(dtype=np.int64)
        elif name == _REJECTED:
            lines[name] = True
        elif name.startswith(_PREFIX):
            lines[name] = rejected[name[len(_PREFIX):]].to_numpy(dtype=object)
        else:
            lines[name] = pd.Series(None, index=lines.index, dtype=decided[name].dtype)
    return pd.concat([decided, lines], ignore_index=True) if len(lines) else decided


def _client(scheduler: str | None) -> tuple[Any, Any]:
    """A client of the scheduler given, or of a local cluster of one worker process per core."""
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None, host="127.0.0.1")
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="15s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise MedunionError(error(N_("cannot reach the Dask scheduler at {scheduler}: {problem}; start one with "
                                     "`dask scheduler` and give its tcp://HOST:PORT"), scheduler=scheduler,
                                  problem=first_line(exc))) from None


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise MedunionError(error(N_("the output of a Dask run is a folder of Parquet parts, and this one exists "
                                     "and is not empty: give a new folder (nothing is overwritten)"),
                                  Location(str(out), 1, 1)))


def decide_dataset(ruleset_id: str, data: Path, out: Path, rules_root: Path, *, on: dt.date | None = None,
                   date_column: str | None = None, explain: str = "rules", rejects: Path | None = None,
                   columns: Path | None = None, scheduler: str | None = None, client: Any = None) -> FileSummary:
    """Decide a Parquet file or folder on Dask into the folder `out` (one Parquet part per partition).

    `client` (a distributed.Client) is used when given; else `scheduler` (tcp://HOST:PORT), else
    a local cluster started for the run.
    """
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:
        raise MedunionError(error(N_("the Dask engine needs dask[distributed]: pip install 'medunion[dask]'"))) \
            from None
    import pyarrow as pa
    import pyarrow.parquet as pq

    data, out = Path(data), Path(out)
    if not (data.is_dir() or data.suffix.lower() in (".parquet", ".pq")):
        raise MedunionError(error(N_("the Dask engine reads Parquet (a file or a folder of parts): convert the CSV "
                                     "to Parquet, or use the local engine"), Location(str(data), 1, 1)))
    _check_out(out)
    try:
        headers = [str(n) for n in pq.ParquetDataset(data).schema.names]
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise MedunionError(error(N_("cannot read it as Parquet: {detail}"), Location(str(data), 1, 1),
                                  detail=first_line(exc))) from None
    job = make_job(ruleset_id, rules_root, on=on, date_column=date_column, explain=explain, text_cells=False)
    rename = header_map(columns, job)
    job = named(job, rename, date_column)
    wanted = wanted_columns(job, headers, rename, date_column)

    own = client is None
    cluster = None
    if own:
        client, cluster = _client(scheduler)
    try:
        frame = dd.read_parquet(str(data), columns=wanted)
        lengths = [int(n) for n in frame.map_partitions(len).compute()]
        offsets = [0, *np.cumsum(lengths).tolist()]
        schema = output_schema(job.columns(), job.outputs())
        meta = _combined(frame._meta, job, rename, offsets)
        both = frame.map_partitions(_combined, job, rename, offsets, meta=meta, align_dataframes=False)
        decided = both[~both[_REJECTED]][job.columns()]
        lines = both[both[_REJECTED]]
        write = decided.to_parquet(str(out), schema=schema, write_index=False, compute=False,
                                   name_function=lambda i: f"part.{i:05d}.parquet")
        _, found, counts = dask.compute(write, lines, decided.map_partitions(len))
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    found = found.rename(columns={_PREFIX + n: n for n in REJECT_COLUMNS[1:]})[list(REJECT_COLUMNS)]
    found = found.sort_values(ROW, kind="stable").reset_index(drop=True)
    found[ROW] = found[ROW].astype("int64")
    if rejects is not None:
        writer = RejectsWriter(rejects)
        writer.write(found)
        writer.close()
    summary = FileSummary(rows_in=offsets[-1], rows_decided=int(sum(counts)),
                          rows_rejected=int(found[ROW].nunique()), reject_lines=len(found),
                          unused_columns=tuple(h for h in headers if h not in wanted))
    if summary.rows_in != summary.rows_decided + summary.rows_rejected:
        raise AssertionError(f"rows in {summary.rows_in} != decided {summary.rows_decided} + rejected "
                             f"{summary.rows_rejected}")
    return summary
