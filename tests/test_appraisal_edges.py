"""The officer's file read as the officer meant it, and outputs that cannot inject.

The hostile corpus (tests/hostile/data, listed in corpus.yaml) is run through the real
`medunion appraise`: each file gives its exit status and its message at its place (the row,
column and cell, or the file). Then: percent cells, formulas without values, merged cells,
dates; honest exit codes; output folders replaced whole; and text from the data or the scheme
neutralised in every workbook and CSV, escaped in the HTML report and the Markdown.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import html
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from appraisal import report
from appraisal.pipeline import NothingScored, appraise_file
from appraisal.read import is_percent_format, read_input
from appraisal.safe_cells import TRIGGERS, neutral, neutral_text
from appraisal.scheme import Scheme, Unit, load_scheme
from appraisal.template import write_template
from governance.diagnostics import MedunionError
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "hostile" / "data"
SCHEME = CORPUS / "scheme.yaml"
ENTRIES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "corpus.yaml").read_text(encoding="utf-8"))
HEADER = "unit_id,year,visits,satisfaction,coverage,spend"


def _appraise(data: Path, out: Path, scheme: Path = SCHEME) -> Any:
    return CliRunner().invoke(app, ["appraise", str(scheme), "--year", "2020", "--data", str(data),
                                    "--out", str(out)])


def _entry_id(entry: dict[str, Any]) -> str:
    at = entry["at"]
    return f"{entry['file']}@{at if isinstance(at, str) else 'row' + str(at['row'])}"


def test_every_corpus_file_has_an_entry() -> None:
    files = {p.name for p in CORPUS.iterdir()} - {"corpus.yaml", "scheme.yaml", "make_corpus.py"}
    assert files == {e["file"] for e in ENTRIES}


@pytest.mark.parametrize("entry", ENTRIES, ids=_entry_id)
def test_hostile_file_gives_its_message_at_its_place(entry: dict[str, Any], tmp_path: Path) -> None:
    data, out = CORPUS / entry["file"], tmp_path / "out"
    result = _appraise(data, out)
    lines = result.output.splitlines()
    assert result.exit_code == entry["exit"], result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    at = entry["at"]
    if at == "file":
        errors = [line for line in lines if ": error: " in line]
        assert errors == [f"{data}: error: {errors[0].split(': error: ', 1)[1]}"], result.output
        assert entry["message"] in errors[0]
    elif at == "note":
        assert f"  note: {entry['message']}" in lines, result.output
    else:
        prefix = f"  rejected row {at['row']} ("
        mine = [line for line in lines if line.startswith(prefix) and f") {at['column']}: " in line]
        assert any(entry["message"] in line for line in mine), result.output
        if "cell" in at:
            assert any(at["cell"] in line for line in mine)
    if entry["exit"] == 1:
        assert not out.exists(), "a refused run writes nothing"
    else:  # rows in = units scored + rows rejected
        scored = pd.read_csv(out / "results.csv")
        rejected = pd.read_csv(out / "rejected.csv")
        assert len(scored) + rejected["row"].nunique() == entry["rows"]


def test_real_process_refuses_a_corrupt_file_with_one_line() -> None:
    """`python -m medunion` itself, not the test runner: one line on stderr, exit 1."""
    done = subprocess.run(
        [sys.executable, "-m", "medunion", "appraise", str(SCHEME), "--year", "2020", "--data",
         str(CORPUS / "corrupt.xlsx"), "--out", str(CORPUS / "never-written")],
        capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{CORPUS / 'corrupt.xlsx'}: error: cannot read it as an Excel workbook (File is not a zip file): "
        "open it in Excel and save it as .xlsx"]
    assert not (CORPUS / "never-written").exists()


# --- readers ------------------------------------------------------------------------------------

def _results(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "results.csv").set_index("unit_id")


def test_gbk_csv_is_scored_like_its_utf8_twin(tmp_path: Path) -> None:
    assert _appraise(CORPUS / "gbk.csv", tmp_path / "gbk").exit_code == 0
    assert _appraise(CORPUS / "utf8-bom.csv", tmp_path / "bom").exit_code == 0
    gbk, bom = _results(tmp_path / "gbk"), _results(tmp_path / "bom")
    assert gbk["total"].to_dict() == bom["total"].to_dict()
    assert gbk.loc["u2", "value.spend"] == 700
    notes = (tmp_path / "gbk" / "results.json").read_text(encoding="utf-8")
    assert "gbk.csv read as GB18030 (GBK) text" in notes and "单位名称" in notes


def test_percent_cell_is_read_as_the_percent_typed(tmp_path: Path) -> None:
    """22% typed into Excel is stored 0.22: a percent column reads 22, a ratio column 0.4 for 40%."""
    run = appraise_file(load_scheme(SCHEME), CORPUS / "percent-cells.xlsx", 2020, tmp_path / "out",
                        stability_draws=2)
    res = run.appraisal.results.set_index("unit_id")
    assert res.loc["u1", "value.satisfaction"] == 22.0
    assert res.loc["u1", "points.satisfaction"] == 0.0  # 22 is below the floor 50; 0.22 was too, by luck
    assert res.loc["u2", "value.coverage"] == 0.4


@pytest.mark.parametrize(("fmt", "scaled"), [
    ("0%", True), ("0.0%", True), ("#,##0.00%;[Red]-0.00%", True),
    ('0"%"', False), ("0\\%", False), ("General", False), ("0.00", False), (None, False),
])
def test_percent_format_is_a_percent_only_when_excel_scales(fmt: str | None, scaled: bool) -> None:
    assert is_percent_format(fmt) is scaled


def _scheme_text(**replace: str) -> str:
    text = SCHEME.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


def test_formula_without_saved_value_is_refused_not_scored_zero(tmp_path: Path) -> None:
    """Even where a missing value would score 0 points, a formula without a value is no missing value."""
    scheme = tmp_path / "s.yaml"
    scheme.write_text(_scheme_text(**{"spend: {type: number, unit: yuan}":
                                      "spend: {type: number, unit: yuan, missing: zero-points}"}),
                      encoding="utf-8")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(HEADER.split(","))
    ws.append(["u1", 2020, 80, 70, 0.5, 500])
    ws.append(["u2", 2020, 60, 85, 0.4, "=SUM(A1:A2)"])  # openpyxl saves no cached result
    ws.append(["u3", 2020, 100, 90, 0.9, 1000])
    wb.save(tmp_path / "f.xlsx")
    result = _appraise(tmp_path / "f.xlsx", tmp_path / "out", scheme)
    assert result.exit_code == 3, result.output
    assert ("  rejected row 3 (u2) spend: Sheet1!F3 holds the formula =SUM(A1:A2) without a saved value: "
            "open the file in Excel and save it so formulas have values") in result.output.splitlines()
    assert "u2" not in set(_results(tmp_path / "out").index)
    filled = pd.read_excel(tmp_path / "out" / "appraisal.xlsx", sheet_name=None)
    assert "Missing values" not in filled, "the formula cell was not treated as an empty cell"


def test_formula_with_saved_value_is_read(tmp_path: Path) -> None:
    """What Excel writes on saving: the formula and its result; the result is read, nothing refused."""
    source = CORPUS / "formula-no-value.xlsx"
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            content = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<f>C3*10</f><v />" in content
                content = content.replace(b"<f>C3*10</f><v />", b"<f>C3*10</f><v>600</v>")
            new.writestr(item, content)
    result = _appraise(saved, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _results(tmp_path / "out").loc["u2", "value.spend"] == 600


def test_a_timestamp_column_the_scheme_does_not_read_is_fine(tmp_path: Path) -> None:
    frame = pd.read_csv(CORPUS / "utf8-bom.csv", encoding="utf-8-sig")
    frame["submitted_at"] = pd.to_datetime(["2021-01-05", "2021-01-06", "2021-01-07"])
    frame.to_parquet(tmp_path / "d.parquet", index=False)
    result = _appraise(tmp_path / "d.parquet", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "columns not used by the scheme: submitted_at" in result.output


def test_blank_line_inside_a_csv_keeps_row_numbers(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(f"{HEADER}\nu1,2020,80,70,0.5,500\n\nu2,2020,-4,85,0.4,700\nu3,2020,100,90,0.9,1000\n",
                    encoding="utf-8")
    result = _appraise(data, tmp_path / "out")
    assert result.exit_code == 3, result.output
    assert "  rejected row 4 (u2) visits: negative count" in result.output.splitlines()
    assert "  note: 1 empty row(s) skipped: row(s) 3" in result.output.splitlines()


def test_header_only_and_empty_refused_by_the_library_too(tmp_path: Path) -> None:
    for name in ("empty.csv", "headers-only.xlsx", "corrupt.parquet"):
        with pytest.raises(MedunionError) as caught:
            read_input(CORPUS / name)
        assert str(caught.value).startswith(f"{CORPUS / name}: error: ")


# --- exit codes ---------------------------------------------------------------------------------

def test_exit_codes_of_appraise(tmp_path: Path) -> None:
    assert _appraise(CORPUS / "utf8-bom.csv", tmp_path / "a").exit_code == 0
    assert _appraise(CORPUS / "injection.csv", tmp_path / "b").exit_code == 3
    assert _appraise(CORPUS / "other-year.csv", tmp_path / "c").exit_code == 1
    usage = CliRunner().invoke(app, ["appraise", str(SCHEME), "--data", str(CORPUS / "gbk.csv")])
    assert usage.exit_code == 2  # --year missing: typer's usage error


def test_exit_codes_of_template(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["template", str(SCHEME), "--year", "2020", "--out", str(tmp_path / "t.xlsx")])
    assert ok.exit_code == 0 and (tmp_path / "t.xlsx").is_file()
    assert runner.invoke(app, ["template", str(SCHEME), "--year", "2016"]).exit_code == 1
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    blocked = runner.invoke(app, ["template", str(SCHEME), "--year", "2020", "--out",
                                  str(tmp_path / "a-file" / "t.xlsx")])
    assert blocked.exit_code == 1 and "Traceback" not in blocked.output
    assert [line for line in blocked.output.splitlines() if ": error: " in line] != []
    assert runner.invoke(app, ["template", str(SCHEME)]).exit_code == 2


def test_nothing_scored_is_refused_by_the_library(tmp_path: Path) -> None:
    with pytest.raises(NothingScored, match=r"no row for 2020 \(it has rows for 2019\)"):
        appraise_file(load_scheme(SCHEME), CORPUS / "other-year.csv", 2020, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- atomic output folders ----------------------------------------------------------------------

def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_crash_mid_write_leaves_the_previous_folder_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scheme, out = load_scheme(SCHEME), tmp_path / "out"
    appraise_file(scheme, CORPUS / "utf8-bom.csv", 2020, out, stability_draws=2)
    before = _snapshot(out)

    def crash(*_: object, **__: object) -> Path:
        raise RuntimeError("disk full while writing the report")

    monkeypatch.setattr(report, "write_html", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        appraise_file(scheme, CORPUS / "injection.csv", 2020, out, stability_draws=2)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "no temporary folder left behind"


def test_a_new_run_replaces_the_folder_as_a_whole(tmp_path: Path) -> None:
    scheme, out = load_scheme(SCHEME), tmp_path / "out"
    appraise_file(scheme, CORPUS / "injection.csv", 2020, out, stability_draws=2)
    (out / "explanations" / "stale.md").write_text("from an older run", encoding="utf-8")
    run = appraise_file(scheme, CORPUS / "utf8-bom.csv", 2020, out, stability_draws=2)
    assert not (out / "explanations" / "stale.md").exists()
    assert pd.read_csv(out / "rejected.csv").empty
    assert all(p.is_file() and p.parent.parent in (tmp_path, out) for p in run.written)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_folder_of_other_files_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "letter.docx").write_text("keep me", encoding="utf-8")
    with pytest.raises(MedunionError, match="not an earlier appraisal's output"):
        appraise_file(load_scheme(SCHEME), CORPUS / "utf8-bom.csv", 2020, out, stability_draws=2)
    assert (out / "letter.docx").read_text(encoding="utf-8") == "keep me"


# --- no injection -------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert(1)</script>"
LINK = "[click](http://evil.example) *bold*"
HOSTILE_UNITS = (
    Unit(FORMULA, SCRIPT),
    Unit("+1+1", FORMULA),
    Unit("@SUM(A1)", LINK),
    Unit("u4", "-2+3+cmd|' /C calc'!A0"),
    Unit("u5", "Unit Five"),
    Unit("u6", "Unit Six"),
)


@pytest.fixture()
def hostile(tmp_path: Path) -> tuple[Scheme, Path]:
    """A scheme whose unit ids and names are formulas and script (the schema forbids such ids;
    a scheme built in code does not), and data with a formula as a value and an unknown unit."""
    scheme = dataclasses.replace(load_scheme(SCHEME), units=HOSTILE_UNITS)
    rows = [[u.id, 2020, 50 + 10 * i, 80, 0.5, 600] for i, u in enumerate(HOSTILE_UNITS)]
    rows[4][2] = "=1+2"  # u5: a formula typed as a value: rejected, and shown in the outputs
    rows[5][2] = -1  # u6: a negative count: the value -1 stays a number in the outputs
    rows.append(["@evil", 2020, 1, 1, 0.1, 1])
    data = tmp_path / "hostile.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*HEADER.split(","), "<img src=x onerror=alert(1)>"])
        writer.writerows([[*r, "x"] for r in rows])
    return scheme, data


def _is_safe_text(text: str) -> bool:
    return not text.startswith(TRIGGERS) or neutral_text(text) == text


def test_neutral_keeps_numbers_and_quotes_formulas() -> None:
    assert neutral(-1.5) == -1.5 and neutral(-3) == -3 and neutral(None) is None and neutral(True) is True
    assert neutral("-3") == "-3" and neutral("+1.5e3") == "+1.5e3"
    for text in (FORMULA, "+1+1", "@SUM(A1)", "-2+3", "\tx", "\r=1"):
        assert neutral(text) == "'" + text


def test_workbook_sheets_and_csvs_carry_no_live_formula(hostile: tuple[Scheme, Path], tmp_path: Path) -> None:
    scheme, data = hostile
    out = tmp_path / "out"
    appraise_file(scheme, data, 2020, out, stability_draws=2, lang="en")
    book = openpyxl.load_workbook(out / "appraisal.xlsx")  # formulas as formulas, if any were written
    seen: dict[str, set[Any]] = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert _is_safe_text(cell.value), f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                seen.setdefault(ws.title, set()).add(cell.value)
    for sheet in ("Scores", "Explanations", "What would change"):
        assert {"'" + FORMULA, "'+1+1", "'@SUM(A1)"} <= seen[sheet], sheet
    assert {"'=1+2", "'@evil", "-1"} <= seen["Rejected rows"]
    assert "'-2+3+cmd|' /C calc'!A0" in seen["Scores"]
    for name in ("results.csv", "rejected.csv"):
        with (out / name).open(encoding="utf-8", newline="") as handle:
            fields = [f for row in csv.reader(handle) for f in row]
        assert all(_is_safe_text(f) for f in fields), name
    results = pd.read_csv(out / "results.csv")
    assert {"'" + FORMULA, "'+1+1", "'@SUM(A1)"} <= set(results["unit_id"])
    assert "'" + FORMULA in set(results["unit_name"])
    assert {"unit_id", "year", "grade", "rank", "rectification_notice"} <= set(results.columns)  # lifecycle feed
    rejected = pd.read_csv(out / "rejected.csv", dtype=str)
    assert {"'=1+2", "-1"} <= set(rejected["value"]) and "'@evil" in set(rejected["unit_id"])


def test_template_carries_no_live_formula(hostile: tuple[Scheme, Path], tmp_path: Path) -> None:
    path = write_template(hostile[0], 2020, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    values = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    assert _is_safe_text(cell.value)
                values.add(cell.value)
    assert {"'" + FORMULA, "'+1+1", "'@SUM(A1)"} <= values
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.csv", "t.xlsx"]  # no partial file left


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> and <td> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.script_text: list[str] = []
        self.cell_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if "script" in self.open:
            self.script_text.append(data)
        if "td" in self.open or "li" in self.open:
            self.cell_text.append(data)


def _parsed(text: str) -> _Elements:
    parser = _Elements()
    parser.feed(text)
    parser.close()
    return parser


def test_report_html_shows_names_as_text(hostile: tuple[Scheme, Path], tmp_path: Path) -> None:
    scheme, data = hostile
    appraise_file(scheme, data, 2020, tmp_path / "out", stability_draws=2)
    page = _parsed((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    assert not any("alert" in t for t in page.script_text)
    assert [tag for tag, _ in page.tags if tag == "script"] == []
    assert not [(t, a) for t, a in page.tags if any(k.startswith("on") for k in a)], "no event handler"
    assert [a["href"] for t, a in page.tags if t == "a" and "evil" in (a.get("href") or "")] == []
    assert SCRIPT in page.cell_text  # the name, shown as text in its cell
    assert any("<img src=x onerror=alert(1)>" in t for t in page.cell_text)  # the column, in the notes


def test_markdown_shows_names_as_text(hostile: tuple[Scheme, Path], tmp_path: Path) -> None:
    scheme, data = hostile
    appraise_file(scheme, data, 2020, tmp_path / "out", stability_draws=2)
    folder = tmp_path / "out" / "explanations"
    for unit in HOSTILE_UNITS[:4]:
        path = folder / f"{report.unit_file_stem(unit.id)}.md"
        assert path.parent == folder
        text = path.read_text(encoding="utf-8")
        rendered = _parsed(markdown.markdown(text, extensions=["tables"]))
        assert [t for t, _ in rendered.tags if t in ("script", "a", "img")] == [], unit.id
        assert "<script>" not in text
    assert "# &lt;script&gt;alert(1)&lt;/script&gt; — 2020" in (
        folder / f"{report.unit_file_stem(FORMULA)}.md").read_text(encoding="utf-8")
    shown = markdown.markdown((folder / f"{report.unit_file_stem('@SUM(A1)')}.md").read_text(encoding="utf-8"))
    assert LINK in html.unescape(shown)  # shown as it was typed, neither a link nor emphasis


def test_unit_files_stay_in_their_folder() -> None:
    assert report.unit_file_stem("hz-xibao") == "hz-xibao"
    for hostile_id in ("../../etc/passwd", "a/b", "..", FORMULA, "x" * 300):
        stem = report.unit_file_stem(hostile_id)
        assert "/" not in stem and "\\" not in stem and not stem.startswith(".") and len(stem) < 120


def test_dates_refused_in_numbers_but_not_elsewhere(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*HEADER.split(","), "received"])
    ws.append(["u1", 2020, 80, 70, 0.5, 500, dt.date(2021, 1, 4)])
    ws.append(["u2", 2020, dt.datetime(2020, 5, 1), 85, 0.4, 700, dt.date(2021, 1, 4)])
    ws.append(["u3", 2020, 100, 90, 0.9, 1000, dt.date(2021, 1, 4)])
    wb.save(tmp_path / "d.xlsx")
    result = _appraise(tmp_path / "d.xlsx", tmp_path / "out")
    assert result.exit_code == 3, result.output
    assert [line for line in result.output.splitlines() if line.startswith("  rejected")] == [
        "  rejected row 3 (u2) visits: Sheet!C3 holds a date or time (2020-05-01), not a number: check the "
        "cell's format in Excel and type the number (visits)"]


def test_a_first_row_with_an_extra_field_is_refused_not_shifted(tmp_path: Path) -> None:
    # pandas would take the unit id as a row label and read every value one column to the left
    path = tmp_path / "shifted.csv"
    path.write_text("unit_id,year\nu1,2019,7\n", encoding="utf-8")
    with pytest.raises(MedunionError) as caught:
        read_input(path)
    assert "line 2 has more fields than the header has columns (2)" in str(caught.value.diagnostics[0])
