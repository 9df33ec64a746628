"""The decided rows and the rejects written batch by batch, to a temporary name renamed when done.

The output's schema is fixed before the first batch from the rule set's outputs (a batch in
which an output is never decided still has its type), so every batch appends to one Parquet
file. Rejects go to CSV or Parquet by extension; in a CSV, text that a spreadsheet would take
as a formula (`=`, `+`, `-`, `@`, tab, CR first) is prefixed with `'` (OWASP's advice; the
appraisal writers do the same).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from governance.diagnostics import Location, MedunionError, error
from governance.escaping import neutral_text
from governance.i18n import N_

if TYPE_CHECKING:
    import pyarrow as pa

    from governance.expressions import ExpressionType

class _PartialFile:
    """A file written under a temporary name beside its own, renamed into place only when
    whole: a refused or interrupted run leaves nothing that looks like a result."""

    path: Path
    partial: Path
    writer: Any

    def close(self) -> None:
        self.writer.close()
        self.partial.replace(self.path)

    def abandon(self) -> None:
        self.writer.close()
        self.partial.unlink(missing_ok=True)


def _temporary(path: Path) -> Path:
    import os

    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def output_schema(columns: list[str], outputs: dict[str, ExpressionType]) -> pa.Schema:
    """The Parquet schema of decided rows: `row` an integer, outputs typed as declared, the rest text."""
    import pyarrow as pa

    fields = []
    for name in columns:
        kind = outputs.get(name)
        if name == "row":
            arrow: Any = pa.int64()
        elif kind is not None and kind.numeric:
            arrow = pa.float64()
        elif kind is not None and kind.kind == "boolean":
            arrow = pa.bool_()
        elif kind is not None and kind.kind == "date":
            arrow = pa.timestamp("ms")
        else:
            arrow = pa.string()
        fields.append(pa.field(name, arrow))
    return pa.schema(fields)


def arrow_table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


class ParquetOutput(_PartialFile):
    """One Parquet file, appended to a batch at a time."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        import pyarrow.parquet as pq

        self.path = Path(path)
        self.schema = schema
        self.partial = _temporary(self.path)
        try:
            self.writer = pq.ParquetWriter(self.partial, schema, compression="zstd")
        except OSError as exc:
            raise MedunionError(error(N_("cannot write the output: {problem}"), Location(str(path), 1, 1),
                                      problem=exc.strerror or exc)) from None

    def write(self, frame: pd.DataFrame) -> None:
        if len(frame):
            self.writer.write_table(arrow_table(frame, self.schema))



def open_output(path: Path, columns: list[str], outputs: dict[str, ExpressionType]) -> ParquetOutput:
    if Path(path).suffix.lower() not in (".parquet", ".pq"):
        raise MedunionError(error(N_("the output is written as Parquet: give it a .parquet name"),
                                  Location(str(path), 1, 1)))
    return ParquetOutput(path, output_schema(columns, outputs))


class RejectsWriter(_PartialFile):
    """The rejects (row, column, value, reason, reason_zh), CSV or Parquet by the file's extension."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa

        self.path = Path(path)
        self.kind = "parquet" if self.path.suffix.lower() in (".parquet", ".pq") else "csv"
        if self.kind == "csv" and self.path.suffix.lower() != ".csv":
            raise MedunionError(error(N_("the rejects are written as CSV (.csv) or Parquet (.parquet): "
                                         "give one of those extensions"), Location(str(path), 1, 1)))
        self.schema = pa.schema([("row", pa.int64()), ("column", pa.string()), ("value", pa.string()),
                                 ("reason", pa.string()), ("reason_zh", pa.string())])
        self.partial = _temporary(self.path)
        self.writer: Any = None
        self._open()

    def _open(self) -> None:
        import pyarrow.csv as pc
        import pyarrow.parquet as pq

        try:
            if self.kind == "parquet":
                self.writer = pq.ParquetWriter(self.partial, self.schema)
            else:
                self.writer = pc.CSVWriter(self.partial, self.schema)
        except OSError as exc:
            raise MedunionError(error(N_("cannot write the rejects: {problem}"), Location(str(self.path), 1, 1),
                                      problem=exc.strerror or exc)) from None

    def write(self, rejects: pd.DataFrame) -> None:
        if not len(rejects):
            return
        if self.kind == "csv":
            rejects = rejects.copy()
            for name in ("column", "value", "reason", "reason_zh"):
                rejects[name] = rejects[name].map(neutral_text)
        self.writer.write_table(arrow_table(rejects, self.schema))

