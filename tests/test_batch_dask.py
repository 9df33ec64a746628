"""decide-bulk on a Dask cluster gives the single-process run's results, row for row."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from batch.run import decide_table

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is not installed (pip install 'medunion[dask]'); the Dask engine "
                          "is optional")

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"


def _claims(rows: int) -> pd.DataFrame:
    """Typed claims with both versions of huangzhong-insurance-payment in play and some bad rows."""
    frame = pd.DataFrame({
        "institution_kind": (["secondary_hospital", "township_health_centre", "community_health_service_centre"]
                             * rows)[:rows],
        "eligible_cost": [float((i * 37) % 5000) for i in range(rows)],
        "day": [dt.date(2017, 1, 1) + dt.timedelta(days=(i * 13) % 900) for i in range(rows)],
    })
    frame.loc[5, "eligible_cost"] = -10.0
    frame.loc[40, "institution_kind"] = "village_clinic"
    frame.loc[77, "day"] = dt.date(2016, 6, 1)
    return frame


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A local cluster of two worker processes on 127.0.0.1, shared by this module's tests."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True,
                                  dashboard_address=None) as local:
        yield local


def test_dask_results_are_identical_to_a_single_process_run(tmp_path: Path, cluster: object) -> None:
    from batch.distributed import decide_dataset
    from batch.write import arrow_table, neutral_text, output_schema

    frame = _claims(900)
    data = tmp_path / "claims"
    data.mkdir()
    for part, start in enumerate(range(0, len(frame), 300)):  # three files: three partitions
        pq.write_table(pa.Table.from_pandas(frame.iloc[start:start + 300], preserve_index=False),
                       data / f"part{part}.parquet")
    summary = decide_dataset("huangzhong-insurance-payment", data, tmp_path / "out", RULES, date_column="day",
                             rejects=tmp_path / "rejects.csv", scheduler=cluster.scheduler_address)
    parts = sorted((tmp_path / "out").glob("*.parquet"))
    assert len(parts) == 3
    on_dask = pd.read_parquet(tmp_path / "out").sort_values("row", ignore_index=True)

    local = decide_table("huangzhong-insurance-payment", frame, RULES, date_column="day")
    from batch.run import make_job

    job = make_job("huangzhong-insurance-payment", RULES, date_column="day", text_cells=False)
    written = arrow_table(local.decided, output_schema(job.columns(), job.outputs())).to_pandas()
    pd.testing.assert_frame_equal(on_dask, written, check_dtype=False)
    assert len(set(on_dask["version"])) >= 2  # rows decided by different versions

    rejects = pd.read_csv(tmp_path / "rejects.csv")
    assert rejects["row"].tolist() == local.rejects["row"].tolist() == [6, 41, 78]
    assert rejects["reason"].tolist() == [neutral_text(r) for r in local.rejects["reason"]]
    assert summary.rows_in == 900 == summary.rows_decided + summary.rows_rejected
    assert summary.rows_rejected == 3


def test_dask_output_folder_must_be_new(tmp_path: Path, cluster: object) -> None:
    from batch.distributed import decide_dataset
    from governance.diagnostics import MedunionError

    pq.write_table(pa.Table.from_pandas(_claims(10), preserve_index=False), tmp_path / "c.parquet")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("not ours", encoding="utf-8")
    with pytest.raises(MedunionError, match="exists and is not empty"):
        decide_dataset("huangzhong-insurance-payment", tmp_path / "c.parquet", tmp_path / "out", RULES,
                       date_column="day", scheduler=cluster.scheduler_address)
    assert (tmp_path / "out" / "keep.txt").read_text(encoding="utf-8") == "not ours"
    shutil.rmtree(tmp_path / "out")


def test_the_command_runs_on_a_scheduler(tmp_path: Path, cluster: object) -> None:
    from typer.testing import CliRunner

    from medunion.cli import app

    pq.write_table(pa.Table.from_pandas(_claims(90), preserve_index=False), tmp_path / "c.parquet")
    result = CliRunner().invoke(app, ["decide-bulk", "huangzhong-insurance-payment", "--data",
                                      str(tmp_path / "c.parquet"), "--out", str(tmp_path / "out"), "--date-column",
                                      "day", "--scheduler", cluster.scheduler_address, "--rules", str(RULES)])
    assert result.exit_code == 3, result.output
    assert "rows in 90 = decided 87 + rejected 3" in result.output
