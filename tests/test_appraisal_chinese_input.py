"""The input table as a Chinese officer fills it (issue 12): 是/否 and 有/无, thousands separators,
full-width digits and punctuation, Chinese percent signs, in CSV (UTF-8 and GB18030) and .xlsx.

Each file holds the same figures as the example table written the plain way, and must score
exactly the same; a malformed number is still refused with its row and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from appraisal.read import officer_text, read_input
from appraisal.scheme import resolve_scheme
from appraisal.validate import ValidatedData, read_table, validate_rows

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "appraisal" / "zhenghe-member-appraisal-2017-2019-SYNTHETIC.csv"
YEAR = 2019
FULL_WIDTH = str.maketrans("0123456789.,%-", "０１２３４５６７８９．，％－")


def _scheme():
    return resolve_scheme("zhenghe-member-appraisal", YEAR, ROOT / "rules" / "appraisal")


def _plain() -> pd.DataFrame:
    """The example's 2019 rows as text, the way the plain reader has always taken them; only the
    rows it accepts (the example also holds rows made to be rejected)."""
    rows = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    rows = rows[rows["year"] == str(YEAR)].drop(columns=["data_label"]).reset_index(drop=True)
    bad = set(validate_rows(_scheme(), rows, YEAR).rejected["row"] - 2)
    rows = rows.drop(index=sorted(bad)).reset_index(drop=True)
    assert {"True", "False"} == set(rows["serious_violation"]) and len(rows) == 8
    return rows


def _as_officer_types(rows: pd.DataFrame) -> pd.DataFrame:
    """The same figures written as a Chinese officer would: every form the reader must accept."""
    out = rows.copy()
    out["outpatient_visits"] = [f"{int(v):,}" for v in rows["outpatient_visits"]]  # 39,711
    out["service_population"] = [v.translate(FULL_WIDTH) for v in rows["service_population"]]  # １６９５２
    out["antibiotic_prescription_rate"] = [  # ２４．０, then 24.0%, then ２４．０％
        (v.translate(FULL_WIDTH), f"{v}%", f"{v}%".translate(FULL_WIDTH))[i % 3]
        for i, v in enumerate(rows["antibiotic_prescription_rate"])
    ]
    out["inpatient_admissions"] = [f"{int(v):,}".translate(FULL_WIDTH).replace("，", ",") if i % 2 else
                                   f"{int(v):,}".translate(FULL_WIDTH)  # １，１３０ and １,１３０
                                   for i, v in enumerate(rows["inpatient_admissions"])]
    words = {"True": ("是", "有"), "False": ("否", "无"), "": ("", "")}
    out["serious_violation"] = [words[v][i % 2] for i, v in enumerate(rows["serious_violation"])]
    out["year"] = [str(YEAR).translate(FULL_WIDTH) if i == 0 else v for i, v in enumerate(rows["year"])]
    return out


def _write_csv(rows: pd.DataFrame, path: Path, encoding: str) -> Path:
    path.write_bytes(rows.to_csv(index=False).encode(encoding))
    return path


def _write_xlsx(rows: pd.DataFrame, path: Path) -> Path:
    """Text cells as typed into cells formatted as text, plain figures as numbers (as Excel stores them)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(list(rows.columns))
    for record in rows.itertuples(index=False):
        ws.append([_excel_value(v) for v in record])
    wb.save(path)
    return path


def _excel_value(text: str) -> object:
    try:
        number = float(text)
    except ValueError:
        return text if text else None
    return int(number) if number.is_integer() else number


def _validate(path: Path) -> ValidatedData:
    raw, first = read_table(path)
    return validate_rows(_scheme(), raw, YEAR, first)


@pytest.fixture(scope="module")
def expected() -> ValidatedData:
    return validate_rows(_scheme(), _plain(), YEAR)


@pytest.mark.parametrize("form", ["utf-8", "utf-8-sig", "gb18030", "xlsx"])
def test_a_table_typed_the_chinese_way_scores_as_the_plain_one(
    tmp_path: Path, expected: ValidatedData, form: str
) -> None:
    rows = _as_officer_types(_plain())
    path = (_write_xlsx(rows, tmp_path / "数据.xlsx") if form == "xlsx"
            else _write_csv(rows, tmp_path / "数据.csv", form))
    got = _validate(path)
    assert got.rejected.empty, got.rejected.to_dict("records")
    assert expected.rejected.empty and len(got.frame) == len(expected.frame) == 8
    for name in _scheme().columns:
        np.testing.assert_array_equal(got.frame[name].to_numpy(dtype=float),
                                      expected.frame[name].to_numpy(dtype=float), err_msg=name)
    assert got.frame["serious_violation"].sum() == 1  # the one 是/有 row


def test_the_notes_say_which_cells_were_read_from_the_chinese_forms(tmp_path: Path) -> None:
    path = _write_csv(_as_officer_types(_plain()), tmp_path / "data.csv", "gb18030")
    assert "data.csv read as GB18030 (GBK) text" in read_input(path).notes
    notes = "\n".join(_validate(path).notes)
    assert "outpatient_visits: 8 cell(s) with thousands separators or full-width characters read" in notes
    assert "'39,711' → 39711" in notes
    assert "antibiotic_prescription_rate: 5 percentage cell(s) read as percent points" in notes


@pytest.mark.parametrize(
    ("column", "typed", "reason"),
    [
        ("outpatient_visits", "5,20,00", "groups of three digits"),  # not Excel's grouping
        ("outpatient_visits", "3,97,110", "groups of three digits"),  # Indian lakh grouping
        ("outpatient_visits", "３９７，１１", "groups of three digits"),
        ("antibiotic_prescription_rate", "24,5", "decimal point, not a comma"),  # a decimal comma
        ("outpatient_visits", "0,711", "groups of three digits"),
        ("outpatient_visits", "39711。", "expected a number"),
        ("outpatient_visits", "８５％", "is a percentage, but column outpatient_visits is not a percent"),
        ("serious_violation", "是的", "expected true or false"),
        ("serious_violation", "８５％", "is a percentage; column serious_violation is true or false"),
    ],
)
@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_malformed_cell_is_refused_with_its_row_and_column(
    tmp_path: Path, column: str, typed: str, reason: str, form: str
) -> None:
    rows = _plain()
    rows.loc[3, column] = typed
    path = (_write_xlsx(rows, tmp_path / "data.xlsx") if form == "xlsx"
            else _write_csv(rows, tmp_path / "data.csv", "utf-8"))
    got = _validate(path)
    assert got.rejected[["row", "column"]].values.tolist() == [[5, column]]  # header row 1, data from row 2
    found = got.rejected.iloc[0]
    assert reason in found["reason"]
    assert found["value"] == typed  # shown as the officer typed it, not as it was normalised
    assert len(got.frame) == 7


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("52,000", "52000"), ("1,234.5", "1234.5"), ("1,234,567.89", "1234567.89"), ("-1,000", "-1000"),
        ("５２０００", "52000"), ("１２．５", "12.5"), ("52，000", "52000"), ("８５％", "85%"),
        ("85%", "85%"), ("\u3000是\u3000", "是"), ("ＹＥＳ", "YES"),
        # left as typed, so the parse fails and the row is rejected
        ("5,20,00", "5,20,00"), ("12,5", "12,5"), ("0,123", "0,123"), ("1,23", "1,23"), ("²", "²"),
    ],
)
def test_officer_text(typed: str, read: str) -> None:
    assert officer_text(typed) == read


def test_plain_english_forms_are_read_as_before() -> None:
    rows = _plain()
    rows["serious_violation"] = ["yes", "no", "1", "0", "TRUE", "false", "Y", "n"]
    got = validate_rows(_scheme(), rows, YEAR)
    assert got.rejected.empty
    assert got.frame["serious_violation"].tolist() == [1.0, 0.0] * 4
