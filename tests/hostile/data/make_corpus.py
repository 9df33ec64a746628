"""Writes the hostile input corpus beside this file (run it to regenerate; the files are kept
in the repository so the tests read exactly what an officer might send).

Each file is appraised with scheme.yaml for 2020; corpus.yaml states, per file, the exit
status and the line `medunion appraise` must print (with its row, column and cell, or the
file for a refusal of the whole file).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
HEADER = ["unit_id", "year", "visits", "satisfaction", "coverage", "spend"]
GOOD = [
    ["u1", 2020, 80, 70, 0.5, 500],
    ["u2", 2020, 60, 85, 0.4, 700],
    ["u3", 2020, 100, 90, 0.9, 1000],
]


def _csv(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.encode(encoding))


def _sheet(name: str, rows: list[list[object]], edit: Callable[[Worksheet], object] | None = None) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for row in [HEADER, *rows]:
        ws.append(row)
    if edit is not None:
        edit(ws)
    wb.save(HERE / name)


def _lines(rows: list[list[object]], header: list[str] = HEADER) -> str:
    return "\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n"


def main() -> None:
    rng = random.Random(2020)
    # Chinese Excel's usual CSV export: GBK, here with a Chinese column name and unit names
    _csv("gbk.csv", _lines([[*r, n] for r, n in zip(GOOD, ["上新庄镇卫生院", "西堡镇卫生院", "群加乡卫生院"],
                                                     strict=True)], [*HEADER, "单位名称"]), "gb18030")
    _csv("utf8-bom.csv", "\ufeff" + _lines(GOOD))
    _csv("utf16.csv", _lines(GOOD).replace(",", "\t"), "utf-16")
    _csv("latin1.csv", _lines([[*r, n] for r, n in zip(GOOD, ["Café", "Señor", "Über"], strict=True)],
                              [*HEADER, "name"]), "latin-1")
    _csv("empty.csv", "")
    _csv("headers-only.csv", _lines([]))
    _csv("duplicate-header.csv", _lines(GOOD, [*HEADER[:-1], "visits"]))
    _csv("other-year.csv", _lines([[r[0], 2019, *r[2:]] for r in GOOD]))
    _csv("all-rejected.csv", _lines([[r[0], 2020, -1, *r[3:]] for r in GOOD]))
    _csv("percent-text.csv", _lines([[*GOOD[0][:3], "22%", *GOOD[0][4:]], *GOOD[1:]]))
    _csv("percent-text-in-count.csv", _lines([GOOD[0], [*GOOD[1][:2], "60%", *GOOD[1][3:]], GOOD[2]]))
    _csv("injection.csv", _lines([*GOOD, ['"=HYPERLINK(""http://x"",""y"")"', 2020, 1, 1, 0.1, 1]]))
    (HERE / "corrupt.xlsx").write_bytes(rng.randbytes(600))
    (HERE / "corrupt.parquet").write_bytes(rng.randbytes(600))
    (HERE / "not-data.txt").write_text(_lines(GOOD), encoding="utf-8")

    def percent(ws: Worksheet) -> None:
        ws["D2"] = 0.22  # typed as 22% in Excel: stored 0.22, shown with a percent format
        ws["D2"].number_format = "0%"
        ws["E3"].number_format = "0.0%"  # 0.4 in a ratio column, shown as 40.0%

    _sheet("percent-cells.xlsx", GOOD, percent)

    def percent_in_count(ws: Worksheet) -> None:
        ws["C3"] = 0.6
        ws["C3"].number_format = "0%"

    _sheet("percent-in-count.xlsx", GOOD, percent_in_count)

    def formula(ws: Worksheet) -> None:
        ws["F3"] = "=C3*10"  # openpyxl saves no result: the file has none, as if never recalculated

    _sheet("formula-no-value.xlsx", GOOD, formula)
    _sheet("merged.xlsx", GOOD, lambda ws: ws.merge_cells("D3:D4"))
    _sheet("merged-header.xlsx", GOOD, lambda ws: ws.merge_cells("E1:F1"))

    def date(ws: Worksheet) -> None:
        ws["F2"] = dt.datetime(2020, 3, 1)
        ws["F2"].number_format = "yyyy-mm-dd"

    _sheet("date-in-number.xlsx", GOOD, date)
    _sheet("headers-only.xlsx", [])
    frame = pd.DataFrame(GOOD, columns=HEADER)
    frame["spend"] = pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"])
    frame.to_parquet(HERE / "timestamp.parquet", index=False)


if __name__ == "__main__":
    main()
