"""`POST /rulesets/{id}/decide-bulk`: a CSV or Parquet upload decided row by row into one table.

The upload is read as `medunion decide-bulk` reads a file (`batch.read`: CSV cells as text in
UTF-8 or GB18030, Parquet typed) and decided by `batch.run.decide_table`, each row by the version
in force on its date. The answer is one table with a line for every row of the upload, in its
order: the decided rows with their outputs, the rule that decided each, the version and warning
flags, and the rejected rows with their reasons, so rows in = rows decided + rows rejected can be
seen in the answer itself (the counts are also in the `X-Rows-*` headers).

When the server records decisions, each decided row is recorded and carries its record id; that
decides each row once more with the one-case evaluator, so a recorded upload is limited to
`batch.run.ROW_BY_ROW_LIMIT` rows (a larger file goes through `medunion decide-bulk`, or a server
started with `--no-record`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, File, Header, Query, UploadFile
from fastapi.responses import Response

from governance.diagnostics import MedunionError
from medunion.service.catalogue import Catalogue
from medunion.service.refusals import BULK_BODY_LIMIT, NOT_FOUND, REFUSED, TOO_LARGE, Refusal, problem, refused_by_core
from medunion.service.schemas import Day
from records import record_of

if TYPE_CHECKING:
    import pandas as pd

    from governance.decide import Decision

PARQUET_TYPE = "application/vnd.apache.parquet"
CSV_TYPE = "text/csv"
PARQUET_MAGIC = b"PAR1"
COPY_CHUNK = 1 << 20
REJECTED, REJECTS = "rejected", "rejects"


class OutputFormat(str, Enum):
    csv = "csv"
    parquet = "parquet"


class Explain(str, Enum):
    none = "none"
    rules = "rules"
    full = "full"


def chosen_format(requested: OutputFormat | None, accept: str | None) -> OutputFormat:
    """`format` when given; else what `Accept` asks for (CSV or Parquet); else Parquet."""
    if requested is not None:
        return requested
    wanted = (accept or "").lower()
    if CSV_TYPE in wanted and PARQUET_TYPE not in wanted:
        return OutputFormat.csv
    return OutputFormat.parquet


def _saved(upload: UploadFile, folder: Path) -> Path:
    """The upload as a file of the kind its first bytes say (Parquet starts with PAR1), for `batch.read`."""
    head = upload.file.read(len(PARQUET_MAGIC))
    path = folder / ("upload.parquet" if head == PARQUET_MAGIC else "upload.csv")
    with path.open("wb") as out:
        out.write(head)
        while chunk := upload.file.read(COPY_CHUNK):
            out.write(chunk)
    return path


def read_upload(path: Path) -> pd.DataFrame:
    """The uploaded file as one DataFrame, every column (so a refusal can name the columns it has)."""
    import pandas as pd

    from batch.read import open_data

    source = open_data(path)
    frames = list(source.frames(list(source.headers)))
    if not frames:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in source.headers})
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)


def one_table(decided: pd.DataFrame, rejects: pd.DataFrame) -> pd.DataFrame:
    """Decided and rejected rows in one table in row order; a rejected row's bad cells as JSON."""
    import pandas as pd

    from batch.run import ROW

    table = decided.copy()
    table[REJECTED] = False
    table[REJECTS] = None
    if len(rejects):
        grouped = {
            int(row): json.dumps([{"column": c, "value": v, "reason": why} for c, v, why in
                                  zip(group["column"], group["value"], group["reason"], strict=True)],
                                 ensure_ascii=False)
            for row, group in rejects.groupby(ROW, sort=True)
        }
        refused = pd.DataFrame({ROW: list(grouped), REJECTED: True, REJECTS: list(grouped.values())})
        table = pd.concat([table, refused], ignore_index=True) if len(table) else refused.reindex(
            columns=table.columns)
        table = table.sort_values(ROW, kind="stable").reset_index(drop=True)
    table[REJECTED] = table[REJECTED].astype(bool)
    return table


def encoded(table: pd.DataFrame, output: OutputFormat) -> bytes:
    """The table as Parquet, or as CSV with every text cell that a spreadsheet would run neutralised."""
    if output is OutputFormat.csv:
        from appraisal.safe_cells import neutral_frame

        return neutral_frame(table).to_csv(index=False).encode("utf-8")
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _column_map(upload: UploadFile, folder: Path, ruleset_id: str, rules_root: Path) -> dict[str, str]:
    """file header -> input name, from an uploaded column map (the YAML of `decide-bulk --columns`)."""
    from batch.columns import read_input_map
    from governance.load import ruleset_versions

    path = folder / "columns.yaml"
    with path.open("wb") as out:
        while chunk := upload.file.read(COPY_CHUNK):
            out.write(chunk)
    try:
        return read_input_map(path, ruleset_versions(ruleset_id, rules_root))
    except MedunionError as exc:
        raise refused_by_core(exc, [], ["body", "columns"]) from None


def decide_upload(catalogue: Catalogue, ruleset_id: str, upload: UploadFile, on: dt.date | None,
                  date_column: str | None, explain: Explain, columns: UploadFile | None = None) -> Any:
    """Decide every row of an upload; a recorded server records each decided row."""
    from batch.run import ROW_BY_ROW_LIMIT, BulkResult, decide_part, decide_table, make_job, rejects_frame

    catalogue.ruleset_versions(ruleset_id)  # 404 for an id not served
    store = catalogue.store
    with tempfile.TemporaryDirectory(prefix="medunion-upload-") as folder:
        rename = _column_map(columns, Path(folder), ruleset_id, catalogue.rules_root) if columns else {}
        try:
            frame = read_upload(_saved(upload, Path(folder))).rename(columns=rename)
        except MedunionError as exc:
            raise refused_by_core(exc, [], ["body", "file"]) from None
    if date_column is not None:
        date_column = rename.get(date_column, date_column)
    try:
        if store is None:
            return decide_table(ruleset_id, frame, catalogue.rules_root, on=on, date_column=date_column,
                                explain=explain.value)

        def record(decision: Decision, day: dt.date) -> str:
            return store.append(record_of(decision, day, engine=catalogue.engine)).record_id

        job = make_job(ruleset_id, catalogue.rules_root, on=on, date_column=date_column, explain=explain.value,
                       record=record)
        if len(frame) > ROW_BY_ROW_LIMIT:
            raise Refusal([problem(["body", "file"], f"this server records every decision, which decides each row "
                                   f"again with the one-case evaluator: an upload may have at most "
                                   f"{ROW_BY_ROW_LIMIT:,} rows, and this one has {len(frame):,}; split the file, "
                                   "or decide it with `medunion decide-bulk`")])
        part = decide_part(job, frame.reset_index(drop=True), 1)
        return BulkResult(part.decided, rejects_frame(part.rejects), len(frame))
    except MedunionError as exc:
        raise refused_by_core(exc, [], ["body", "file"]) from None


BULK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One line for every row of the upload, in its order: outputs, `<output>__by` (what decided "
                       "each), version, warnings, `record_id` when recorded; `rejected` and `rejects` (JSON: column, "
                       "value, reason of each bad cell) for a rejected row",
        "content": {PARQUET_TYPE: {"schema": {"type": "string", "format": "binary"}},
                    CSV_TYPE: {"schema": {"type": "string"}}},
        "headers": {name: {"description": text, "schema": {"type": "integer"}} for name, text in (
            ("X-Rows-In", "Rows of the upload"), ("X-Rows-Decided", "Rows decided"),
            ("X-Rows-Rejected", "Rows rejected (each with its reasons in the table)"))},
    },
}


def add_bulk_routes(app: FastAPI, catalogue: Catalogue) -> None:
    """The bulk endpoint, with its own larger body limit."""

    @app.post("/rulesets/{ruleset_id}/decide-bulk", response_class=Response, tags=["decide"],
              responses={**BULK_RESPONSES, **NOT_FOUND, **REFUSED, **TOO_LARGE}, max_body_size=BULK_BODY_LIMIT)
    def decide_bulk(
        ruleset_id: str,
        file: Annotated[UploadFile, File(description="A CSV (UTF-8 or GB18030, a header line naming the inputs) "
                                                     "or Parquet file, one case a row")],
        columns: Annotated[UploadFile | None, File(description="Optional: a column map, the YAML of `medunion "
                                                               "decide-bulk --columns` (`file header: input name`, "
                                                               "one pair a line)")] = None,
        on: Annotated[Day | None, Query(description="Decide every row on this date (YYYY-MM-DD)")] = None,
        date_column: Annotated[str | None, Query(description="Or: the column holding each row's date")] = None,
        explain: Annotated[Explain, Query(description="none: outputs only; rules: and the rule that decided each "
                                                      "output; full: and each row's conditions (at most 10,000 "
                                                      "rows)")] = Explain.rules,
        format: Annotated[OutputFormat | None, Query(description="csv or parquet (default: by Accept, else "
                                                                 "parquet)")] = None,
        accept: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Decide every row of a CSV or Parquet file; bad rows are rejected with their reasons, the rest decided."""
        if (on is None) == (date_column is None):
            raise Refusal([problem(["query", "on"], "give either `on` (one date for every row) or `date_column` "
                                   "(the column of each row's date): " + ("not both" if on else "neither was given"))])
        result = decide_upload(catalogue, ruleset_id, file, on, date_column, explain, columns)
        output = chosen_format(format, accept)
        table = one_table(result.decided, result.rejects)
        rejected = result.rows_rejected
        if result.rows_in != result.rows_decided + rejected:  # a fault of medunion, never of the upload
            raise AssertionError(f"rows in {result.rows_in} != decided {result.rows_decided} + rejected {rejected}")
        return Response(encoded(table, output), media_type=PARQUET_TYPE if output is OutputFormat.parquet
                        else f"{CSV_TYPE}; charset=utf-8",
                        headers={"X-Rows-In": str(result.rows_in), "X-Rows-Decided": str(result.rows_decided),
                                 "X-Rows-Rejected": str(rejected)})
