"""Appraisal at province and country scale: explanations kept as columns and built per unit on
demand, large runs written as Parquet beside a summary workbook, constant-memory workbooks whose
cells cannot inject, the fast CSV writer, the stability ranks, and progress over every step.

No test here times anything: speed and memory are measured by benchmarks/bench_appraisal.py.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from appraisal import explain as explain_module
from appraisal import report
from appraisal.explain import Explanations, explain_all, to_markdown, to_text
from appraisal.pipeline import appraise_file, appraise_frame
from appraisal.safe_cells import neutral_frame, write_csv
from appraisal.scheme import Unit, resolve_scheme
from appraisal.stability import _ranks_min
from appraisal.synthetic import generate
from appraisal.whatif import what_if
from medunion.cli import app as cli_app

ROOT = Path(__file__).resolve().parents[1]
SCHEMES = ROOT / "rules" / "appraisal"
YEAR = 2019


@pytest.fixture(scope="module")
def zhenghe() -> tuple[Any, pd.DataFrame]:
    """The Zhenghe scheme over 60 SYNTHETIC units (vetoes, steps, percentiles, formulas)."""
    base = resolve_scheme("zhenghe-member-appraisal", YEAR, SCHEMES)
    ids = [f"unit-{i:03d}" for i in range(60)]
    scheme = dataclasses.replace(base, units=tuple(Unit(i, f"Unit {i}") for i in ids))
    return scheme, generate(scheme, YEAR, seed=11, unit_ids=ids)


@pytest.fixture(scope="module")
def scored(zhenghe: tuple[Any, pd.DataFrame]) -> tuple[Any, Explanations]:
    scheme, frame = zhenghe
    app, explanations = appraise_frame(scheme, frame, YEAR)
    return app, explanations


@pytest.fixture()
def data_file(zhenghe: tuple[Any, pd.DataFrame], tmp_path: Path) -> Path:
    path = tmp_path / "units-SYNTHETIC.csv"
    zhenghe[1].to_csv(path, index=False)
    return path


# --- explanations as columns -------------------------------------------------------------------

def test_no_unit_dict_is_built_until_asked(zhenghe: tuple[Any, pd.DataFrame], monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    original = Explanations._one
    monkeypatch.setattr(Explanations, "_one", lambda self, k: built.append(k) or original(self, k))
    scheme, frame = zhenghe
    app, explanations = appraise_frame(scheme, frame, YEAR)
    assert len(explanations) == len(app.results) == 60 and built == []
    explanations.table()
    explanations.indicators()
    assert built == []
    uid = app.results["unit_id"].iloc[7]
    assert explanations.unit(uid)["unit"]["id"] == uid and built == [7]


def test_indexing_iteration_and_lookup_agree(scored: tuple[Any, Explanations]) -> None:
    app, explanations = scored
    every = list(explanations)
    assert [e["unit"]["id"] for e in every] == app.results["unit_id"].tolist()  # rank order
    assert [e["rank"] for e in every] == app.results["rank"].tolist()
    assert explanations[-1] == every[-1] and explanations[2:5] == every[2:5]
    assert explanations.unit(every[30]["unit"]["id"]) == every[30]
    with pytest.raises(IndexError):
        explanations[60]
    with pytest.raises(KeyError):
        explanations.unit("no-such-unit")


def test_every_point_cites_its_clause_and_matches_the_scores(scored: tuple[Any, Explanations]) -> None:
    app, explanations = scored
    res = app.results.set_index("unit_id")
    for exp in explanations:
        uid = exp["unit"]["id"]
        assert exp["total"] == round(res.loc[uid, "total"], 4) and exp["grade"] == res.loc[uid, "grade"]
        for dim in exp["dimensions"]:
            for ind in dim["indicators"]:
                assert ind["clause"].startswith("zhenghe-2017"), ind["id"]
                assert ind["why"]
                if ind["method"] != "veto":
                    assert ind["points"] == pytest.approx(res.loc[uid, f"points.{ind['id']}"], abs=1e-4)
        assert exp["what_if"]["summary"]
        assert to_text(exp) and to_markdown(exp)


def test_table_holds_the_numbers_once_per_unit_and_indicator(scored: tuple[Any, Explanations]) -> None:
    app, explanations = scored
    table = explanations.table()
    inds = app.scheme.indicators
    assert len(table) == len(app.results) * len(inds)
    assert set(table.columns).isdisjoint({"clause", "title", "method", "why"})  # metadata lives once, elsewhere
    meta = explanations.indicators()
    assert meta["id"].tolist() == [i.id for i in inds] and meta["clause"].notna().all()
    for ind in inds:
        part = table[table["indicator"] == ind.id].set_index("unit_id")
        values = app.values[ind.id].reindex(part.index).to_numpy()
        assert np.allclose(part["value"].to_numpy(), values, equal_nan=True)
        if ind.is_veto:
            assert part["points"].isna().all()
            assert (part["veto_triggered"].to_numpy() == app.vetoes[ind.id].reindex(part.index).to_numpy()).all()
        else:
            assert np.allclose(part["points"].to_numpy(), app.points[ind.id].reindex(part.index).to_numpy())
    first = explanations[0]
    lin = table[(table["unit_id"] == first["unit"]["id"])]
    shown = {i["id"]: i for d in first["dimensions"] for i in d["indicators"]}
    for row in lin.itertuples():
        if not math.isnan(row.points):
            assert shown[row.indicator]["points"] == round(row.points, 4)


def test_explain_all_reports_its_progress(scored: tuple[Any, Explanations]) -> None:
    app, _ = scored
    calls: list[int] = []
    explanations = explain_all(app, what_if(app), calls.append)
    assert calls == [len(app.results)] and len(explanations) == len(app.results)


# --- writing: a small run and a large one --------------------------------------------------------

def test_streamed_explanation_json_holds_every_unit_one_a_line(
        zhenghe: tuple[Any, pd.DataFrame], data_file: Path, tmp_path: Path) -> None:
    run = appraise_file(zhenghe[0], data_file, YEAR, tmp_path / "out", stability_draws=3)
    text = (tmp_path / "out" / "explanations.json").read_text(encoding="utf-8")
    assert json.loads(text) == list(run.explanations)
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 60 + 2
    assert json.loads(lines[1].rstrip(",")) == run.explanations[0]
    assert len(list((tmp_path / "out" / "explanations").glob("*.md"))) == 60


def test_a_large_run_gets_parquet_and_a_summary_workbook(
        zhenghe: tuple[Any, pd.DataFrame], data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "FULL_WORKBOOK_UNITS", 50)  # 60 units: a large run
    out = tmp_path / "out"
    run = appraise_file(zhenghe[0], data_file, YEAR, out, stability_draws=3, lang="en")
    names = {p.name for p in out.iterdir()}
    assert {"results.csv", "results.json", "results.parquet", "explanations.parquet", "appraisal.xlsx",
            "report.html", "rejected.csv"} <= names
    assert not {"explanations", "explanations.json"} & names
    results = pd.read_parquet(out / "results.parquet")
    app = run.appraisal
    assert results["unit_id"].tolist() == app.results["unit_id"].tolist()
    assert np.allclose(results["total"], app.results["total"])
    assert {"what_if.next_grade", "what_if.points_missing", "stability.grade_change_share"} <= set(results.columns)
    long = pd.read_parquet(out / "explanations.parquet")
    assert len(long) == 60 * len(app.scheme.indicators)
    payload = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert payload["results"] is None and payload["results_file"] == "results.parquet"
    assert [i["id"] for i in payload["indicators"]] == [i.id for i in app.scheme.indicators]
    book = openpyxl.load_workbook(out / "appraisal.xlsx", read_only=True)
    assert "Scores" not in book.sheetnames and "Explanations" not in book.sheetnames
    assert {"About", "Summary", "Indicators", "Rejected rows", "Stability"} <= set(book.sheetnames)
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert "results.parquet" in about["Full tables"]
    summary = pd.read_excel(out / "appraisal.xlsx", sheet_name="Summary")
    assert int(summary["Units"].sum()) == 60
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "the workbook holds summaries" in html
    # one unit's explanation is still there, on demand
    uid = app.results["unit_id"].iloc[3]
    assert run.explanations.unit(uid)["unit"]["id"] == uid


def test_the_terminal_says_where_the_full_tables_are(
        data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "FULL_WORKBOOK_UNITS", 50)
    scheme = SCHEMES / "zhenghe-member-appraisal" / "2017.1.yaml"
    units = tmp_path / "units.csv"
    pd.DataFrame({"id": [f"unit-{i:03d}" for i in range(60)]}).to_csv(units, index=False)
    result = CliRunner().invoke(cli_app, ["appraise", str(scheme), "--year", str(YEAR), "--data", str(data_file),
                                          "--units", str(units), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "60 units are more than 50: the workbook holds summaries" in result.output
    assert "results.parquet" in result.output


def test_the_report_cuts_long_tables_and_says_so(
        zhenghe: tuple[Any, pd.DataFrame], data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("appraisal.report_html.REPORT_ROWS", 5)
    appraise_file(zhenghe[0], data_file, YEAR, tmp_path / "out", stability_draws=3)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    scores = html.split('<h2 id="scores"', 1)[1].split("</table>", 1)[0]
    assert scores.count("<tr>") == 1 + 5  # the header and five units
    assert "The first 5 of 60 units by rank; results.csv holds them all." in html


def test_progress_covers_every_slow_step_the_writing_included(
        zhenghe: tuple[Any, pd.DataFrame], data_file: Path, tmp_path: Path) -> None:
    steps: list[str] = []
    appraise_file(zhenghe[0], data_file, YEAR, tmp_path / "out", progress=lambda s, a, t: steps.append(s),
                  stability_draws=3)
    for step in ("reading the data", "validating and scoring", "explaining", "stability of the ranking",
                 "writing results.csv", "writing explanations", "writing the workbook", "writing the report"):
        assert step in steps, step


# --- workbooks, CSV and ranks ------------------------------------------------------------------

def test_constant_memory_workbook_cells_are_strings_numbers_or_blank(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "=name": ['=HYPERLINK("http://x","y")', "+1+1", "-3", "plain", None],
        "number": [1.5, np.nan, float("inf"), -2.0, 0.0],
        "flag": [True, False, True, False, True],
        "count": np.array([1, 2, 3, 4, 5], dtype=np.int64),
    })
    path = report.write_book(tmp_path / "b.xlsx", [report.frame_sheet("Data", frame, numbers=frozenset({"number"})),
                                                   report.Sheet("Rows", ["a"], iter([["@x"], [7]]))])
    book = openpyxl.load_workbook(path)
    ws = book["Data"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("'=name", "number", "flag", "count")
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1+1", "-3", "plain", None]
    assert [r[1] for r in rows[1:]] == [1.5, None, "inf", -2.0, 0.0]
    assert [r[2] for r in rows[1:]] == [True, False, True, False, True]
    assert [r[3] for r in rows[1:]] == [1, 2, 3, 4, 5]
    assert all(c.data_type != "f" for s in book.worksheets for row in s.iter_rows() for c in row)
    assert [r[0] for r in book["Rows"].iter_rows(values_only=True)] == ["a", "'@x", 7]
    assert ws["B2"].number_format == "0.00"


def test_fast_csv_is_what_pandas_writes_after_neutralising(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "a": [1.5, np.nan, 1e20, -0.0, float("inf"), 1e-7],
        "b": ["=x", None, "-3", "a,b", 'q"q', "line\nbreak"],
        "c": [True, False, True, False, True, False],
        "d": pd.array([1, None, 3, 4, 5, 6], dtype="Int64"),
        "e": np.arange(6),
        "f": pd.Series(["x", None, "@y", "", "z", "\tt"], dtype="string"),
        "g": [np.nan, 1, "t", 2.5, None, True],
        "=h": [0.1, 123456789.123, 2.0, 3.0, 4.0, 5.0],
    })
    write_csv(frame, tmp_path / "new.csv")
    neutral_frame(frame).to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    empty = pd.DataFrame({"row": [], "reason": []})
    write_csv(empty, tmp_path / "e.csv")
    assert (tmp_path / "e.csv").read_text(encoding="utf-8") == "row,reason\n"


@pytest.mark.parametrize("seed", range(5))
def test_stability_ranks_are_pandas_min_ranks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    totals = np.round(rng.integers(0, 12, size=(200, 9)) / 3.0, 6)  # many ties
    expected = pd.DataFrame(totals).rank(ascending=False, method="min").to_numpy().astype(int)
    assert (_ranks_min(totals) == expected).all()
    assert _ranks_min(np.zeros((1, 1))).tolist() == [[1]]


def test_metadata_is_shared_not_copied(scored: tuple[Any, Explanations]) -> None:
    """The metadata dict of an indicator is built once for the run; each unit gets a copy of it
    with its own numbers, and changing one unit's explanation changes no other."""
    app, explanations = scored
    a, b = explanations[0], explanations[1]
    a["dimensions"][0]["indicators"][0]["title"] = "changed"
    assert b["dimensions"][0]["indicators"][0]["title"] != "changed"
    assert explanations[0]["dimensions"][0]["indicators"][0]["title"] != "changed"
    assert explain_module.indicator_metadata(app.scheme.indicators[0])["clause"] == app.scheme.indicators[0].clause


def test_province_summary_workbook_is_written_safely(zhenghe: tuple[Any, pd.DataFrame], tmp_path: Path) -> None:
    """The summary beside the per-cohort folders is an xlsxwriter workbook too: a cohort named like
    a formula is text with a leading quote, never a formula."""
    frame = zhenghe[1].copy()
    frame["cohort"] = np.where(np.arange(len(frame)) % 2, '=HYPERLINK("http://x","y")', "plain county")
    data = tmp_path / "province-SYNTHETIC.csv"
    frame.to_csv(data, index=False)
    appraise_file(zhenghe[0], data, YEAR, tmp_path / "out", stability_draws=2, lang="en")
    book = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx")
    assert all(c.data_type != "f" for s in book.worksheets for row in s.iter_rows() for c in row)
    cohorts = {r[0] for r in book["Summary by cohort"].iter_rows(min_row=2, values_only=True)}
    assert cohorts == {"'=HYPERLINK(\"http://x\",\"y\")", "plain county"}
