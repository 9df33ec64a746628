"""A CSV or Parquet data file read in record batches, so memory is bounded by a batch, not the file.

CSV goes through pyarrow's streaming reader (`pyarrow.csv.open_csv`), every column read as text
(the rules say what each input is; `batch.cells` reads the text), empty cells as nulls, in
UTF-8 or GB18030 as sniffed from the file's start (`governance.textfile`). Parquet goes through
`ParquetFile.iter_batches`, only the columns the rules read. Refusals of the whole file say why
and what to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from governance.diagnostics import Location, MedunionError, error
from governance.i18n import N_
from governance.textfile import sniff_encoding

CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_BLOCK_BYTES = 2 << 20
"""Text per CSV batch: about 35,000 rows of a claims file. pyarrow's streaming reader reads up to
32 blocks ahead on a background thread, so this also bounds the read-ahead (64 MiB)."""
PARQUET_BATCH_ROWS = 131_072


def file_error(path: Path, message: str, **args: Any) -> MedunionError:
    """A refusal of the whole file, at its first line; `message` is a catalog template filled with `args`."""
    return MedunionError(error(message, Location(str(path), 1, 1), **args))


def _detail(exc: BaseException) -> str:
    return " ".join(str(exc).split())


@dataclass
class DataSource:
    path: Path
    kind: str  # csv | parquet
    headers: list[str]  # as the file has them (CSV headers stripped of surrounding spaces)
    raw_headers: dict[str, str]  # stripped -> as written
    encoding: str | None = None  # CSV only: the label shown
    codec: str = "utf-8"
    block_bytes: int = CSV_BLOCK_BYTES
    rows_read: int = 0

    def frames(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """The chosen columns, a batch at a time, as DataFrames (CSV cells as text or null)."""
        import pyarrow as pa

        batches = self._csv_batches(columns) if self.kind == "csv" else self._parquet_batches(columns)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise file_error(self.path, N_("cannot read it as {kind} after data row {row}: {problem}"),
                                 kind=self.kind.upper(), row=f"{self.rows_read:,}", problem=_detail(exc)) from None
            if batch.num_rows == 0:
                continue
            frame = batch.to_pandas()
            frame.columns = [self._stripped(c) for c in frame.columns]
            for name in columns:  # a CSV batch without the column cannot happen; a Parquet one might
                if name not in frame.columns:
                    frame[name] = None
            self.rows_read += len(frame)
            yield frame[columns]

    def _stripped(self, name: str) -> str:
        return next((k for k, v in self.raw_headers.items() if v == name), name)

    def _csv_batches(self, columns: list[str]) -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.csv as pc

        raw = [self.raw_headers[c] for c in columns]
        reader = pc.open_csv(
            self.path,
            read_options=pc.ReadOptions(block_size=self.block_bytes, encoding=self.codec),
            parse_options=pc.ParseOptions(newlines_in_values=True),
            convert_options=pc.ConvertOptions(
                column_types=dict.fromkeys(raw, pa.string()), include_columns=raw,
                strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""]),
        )
        yield from reader

    def _parquet_batches(self, columns: list[str]) -> Iterator[Any]:
        import pyarrow.parquet as pq

        handle = pq.ParquetFile(self.path)
        try:
            yield from handle.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns)
        finally:
            handle.close()

    def count_rows(self, at_most: int) -> int:
        """The number of data rows, counting stops past `at_most` (for runs limited in rows)."""
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(self.path).metadata.num_rows)
        counted = 0
        probe = DataSource(self.path, self.kind, self.headers, self.raw_headers, self.encoding, self.codec,
                           self.block_bytes)
        for frame in probe.frames(self.headers[:1]):
            counted += len(frame)
            if counted > at_most:
                break
        return counted


def _duplicates(names: list[str]) -> list[str]:
    return [name for name, count in Counter(names).items() if count > 1]


def open_data(path: Path, batch_bytes: int | None = None) -> DataSource:
    """The file's kind (by its extension) and headers; the whole file refused when unreadable."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, N_("no such file") if not path.exists() else N_("not a file"))
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        source = _open_parquet(path)
    elif suffix in CSV_SUFFIXES:
        source = _open_csv(path)
    else:
        raise file_error(path, N_("a data file is CSV (.csv) or Parquet (.parquet), not '{suffix}': save it as one "
                                  "of those") if suffix else
                         N_("a data file is CSV (.csv) or Parquet (.parquet), not a file with no extension: save it "
                            "as one of those"), suffix=suffix)
    if batch_bytes is not None:
        source.block_bytes = batch_bytes
    dupes = _duplicates(source.headers)
    if dupes:
        raise file_error(path, N_("the header names the column(s) {columns} more than once: which one holds the "
                                  "data cannot be told; keep one"), columns=", ".join(dupes))
    return source


def _open_csv(path: Path) -> DataSource:
    import pyarrow as pa
    import pyarrow.csv as pc

    encoding = sniff_encoding(path)
    if path.stat().st_size == 0:
        raise file_error(path, N_("the file is empty: a CSV needs a header row naming its columns"))
    try:
        reader = pc.open_csv(path, read_options=pc.ReadOptions(encoding=encoding.codec, block_size=1 << 16),
                             convert_options=pc.ConvertOptions(column_types={}, include_columns=[]))
        names = list(reader.schema.names)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise file_error(path, N_("cannot read its header as CSV: {problem}"), problem=_detail(exc)) from None
    if not names or all(not n.strip() for n in names):
        raise file_error(path, N_("the file has no header row naming its columns"))
    raw = {name.strip(): name for name in names}
    return DataSource(path, "csv", [n.strip() for n in names], raw, encoding.label, encoding.codec)


def _open_parquet(path: Path) -> DataSource:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
        names = [str(n) for n in handle.schema_arrow.names]
        handle.close()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise file_error(path, N_("cannot read it as Parquet: {detail}"), detail=_detail(exc)) from None
    return DataSource(path, "parquet", names, {n: n for n in names})
