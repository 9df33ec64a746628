"""Appraisal on real-shaped data: units from the data or a register, published rates and counts,
column maps, the national scheme, figures taken from rule sets, provisional results, many
cohorts in one run, threshold sensitivity and honest exit codes (issues 13 and 11)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from appraisal.check import check_scheme_file
from appraisal.explain import to_markdown, to_text
from appraisal.pipeline import Province, appraise_file, appraise_frame, cohort_folder
from appraisal.scheme import load_scheme, resolve_scheme
from appraisal.score import grade_of_totals
from appraisal.sensitivity import threshold_sensitivity
from appraisal.template import readers_of
from appraisal.units import read_units_file
from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.load import resolve_ruleset
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
SCHEME_ROOT = ROOT / "rules" / "appraisal"
EXAMPLES = ROOT / "examples" / "appraisal"
NATIONAL_DATA = EXAMPLES / "national-pilot-counties-SYNTHETIC.csv"
NATIONAL_MAP = EXAMPLES / "national-pilot-counties.columns.yaml"
RATES = ("county_inpatient_rate", "county_visit_rate", "primary_outpatient_share", "fund_in_county_share",
         "primary_fund_share")


def _national():
    return resolve_scheme("national-key-indicators", 2019, SCHEME_ROOT)


def _run(args: list[str]):
    return CliRunner().invoke(app, args)


# --- the national scheme on a published-shaped table ------------------------------------------

def test_national_table_scores_with_one_command_and_a_column_map(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run(["appraise", "national-key-indicators", "--year", "2019", "--data", str(NATIONAL_DATA),
                   "--columns", str(NATIONAL_MAP), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "8 unit(s) scored" in result.output and "SYNTHETIC" in result.output
    res = pd.read_csv(out / "results.csv").set_index("unit_id")
    assert sorted(res.index) == ["A1", "A2", "B1", "B2", "C1", "C2", "D1", "D2"]  # ids as printed
    # a graded line 70 → 90: 79.58% earns 9.58 of 20, not the 17.68 of a ratio to the target
    assert res.loc["C1", "points.county_visit_rate"] == pytest.approx(9.58)
    # no cliff at 50%: each county below it still earns points in proportion
    low = res[res["value.primary_outpatient_share"] < 50]
    assert len(low) == 4
    expected = 20 * (low["value.primary_outpatient_share"] - 40) / 25
    assert np.allclose(low["points.primary_outpatient_share"], expected)
    assert (low["points.primary_outpatient_share"] > 0).all()


def test_national_scheme_states_every_figure_as_a_parameter_with_status_and_source() -> None:
    scheme = _national()
    assert scheme.unit_kind == "county" and not scheme.units
    assert set(scheme.columns) == set(RATES) and all(c.type == "percent" for c in scheme.columns.values())
    for ind in scheme.indicators:
        fields = {f.field for f in ind.figures}
        assert fields == {"floor", "target"}, ind.id
        for fig in ind.figures:
            assert fig.status in ("law", "drafter-reading", "uncertain-reading") and fig.source
            assert fig.status == "law" or fig.reading
    law = {f.parameter for i in scheme.indicators for f in i.figures if f.status == "law"}
    assert law == {"primary_target"}  # "at least 65%" of the 2015 standard; the rest are readings
    assert check_scheme_file(scheme.path) == []


def test_explanation_shows_the_rate_as_given_and_invents_no_count(tmp_path: Path) -> None:
    run = appraise_file(_national(), NATIONAL_DATA, 2019, tmp_path / "out", columns=NATIONAL_MAP,
                        stability_draws=3)
    exp = next(e for e in run.explanations if e["unit"]["id"] == "C1")
    ind = next(i for d in exp["dimensions"] for i in d["indicators"] if i["id"] == "county_visit_rate")
    assert ind["raw"] == {"county_visit_rate": 79.58}
    assert "published rate" in ind["given_as"] and "percent" in ind["given_as"]
    assert ind["computed"] is None
    text = to_text(exp)
    assert "given: given as a published rate" in text and "visit_target" in text
    assert "visits_total" not in text and "visits_in_county" not in text
    assert "from `visit_target`" in to_markdown(exp)


# --- units from the data, or a register --------------------------------------------------------

def test_any_non_empty_text_is_a_unit_id_and_names_come_from_the_data(tmp_path: Path) -> None:
    data = tmp_path / "counties.csv"
    data.write_text("unit_id,unit_name,year," + ",".join(RATES) + "\n"
                    "政和县医院,Zhenghe County Hospital,2019,80,85,60,75,20\n"
                    "A1,,2019,88,91,66,82,28\n", encoding="utf-8")
    run = appraise_file(_national(), data, 2019, tmp_path / "out", stability_draws=3)
    res = run.appraisal.results.set_index("unit_id")
    assert res.loc["政和县医院", "unit_name"] == "Zhenghe County Hospital"
    assert res.loc["A1", "unit_name"] == "A1"  # no name given: the id names it
    assert not run.appraisal.validated.missing_units
    assert sorted(p.name for p in (tmp_path / "out" / "explanations").glob("*.md"))[0] != "政和县医院.md"


def test_a_units_file_names_the_units_expected_and_absent(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("id,name,name_zh,group\nA1,County A1,甲一县,east\nA2,County A2,,east\nZ9,County Z9,,west\n",
                     encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("unit_id,year," + ",".join(RATES) + "\nA1,2019,88,91,66,82,28\nA2,2019,80,85,60,75,20\n"
                    "Q7,2019,80,85,60,75,20\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _run(["appraise", "national-key-indicators", "--year", "2019", "--data", str(data), "--units",
                   str(units), "--out", str(out)])
    assert result.exit_code == 3, result.output  # Q7 is outside the register: rejected
    assert "expected but absent: Z9" in result.output
    assert "unknown unit: not in the units file units.csv" in result.output
    payload = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert payload["units_expected_without_row"] == ["Z9"]
    assert "Z9" in (out / "report.html").read_text(encoding="utf-8")
    res = pd.read_csv(out / "results.csv").set_index("unit_id")
    assert res.loc["A1", "unit_name"] == "County A1" and res.loc["A1", "group"] == "east"


def test_a_units_file_is_refused_at_its_row_and_column(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("id,name\nA1,One\n,Two\nA1,Again\n", encoding="utf-8")
    with pytest.raises(MedunionError) as caught:
        read_units_file(units)
    messages = [d.message for d in caught.value.diagnostics]
    assert any("row 3, column id: the unit id is empty" in m for m in messages), messages
    assert any("row 2, column id: the unit id 'A1' is given in rows 2, 4" in m for m in messages), messages
    bad = tmp_path / "nocol.csv"
    bad.write_text("code,name\nA1,One\n", encoding="utf-8")
    with pytest.raises(MedunionError, match="needs an 'id' column"):
        read_units_file(bad)


def test_the_units_of_a_charter_are_expected(tmp_path: Path) -> None:
    data = EXAMPLES / "zhenghe-member-appraisal-2017-2019-SYNTHETIC.csv"
    result = _run(["appraise", "zhenghe-member-appraisal", "--year", "2019", "--data", str(data),
                   "--charter", "zhenghe-2017", "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert "not a unit of the charter zhenghe-2017" in result.output  # the drafter's units are not the charter's
    res = pd.read_csv(tmp_path / "out" / "results.csv")
    assert {"tieshan-health-centre", "lingyao-health-centre"} <= set(res["unit_id"])
    assert _run(["appraise", "zhenghe-member-appraisal", "--year", "2019", "--data", str(data), "--charter",
                 "nowhere", "--units", str(data), "--out", str(tmp_path / "x")]).exit_code == 2


# --- column maps ----------------------------------------------------------------------------------

def test_column_map_refusals_are_positioned(tmp_path: Path) -> None:
    cmap = tmp_path / "map.yaml"
    cmap.write_text("县名: unit_id\n没有这列: county_visit_rate\n县域内就诊率(%): county_visit_rte\n", encoding="utf-8")
    result = _run(["appraise", "national-key-indicators", "--year", "2019", "--data", str(NATIONAL_DATA),
                   "--columns", str(cmap), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(cmap))}:3:\d+: error: header '县域内就诊率\(%\)' maps to 'county_visit_rte'.*"
                     r"did you mean 'county_visit_rate'", result.output), result.output
    cmap.write_text("县名: unit_id\n没有这列: county_visit_rate\n", encoding="utf-8")
    result = _run(["appraise", "national-key-indicators", "--year", "2019", "--data", str(NATIONAL_DATA),
                   "--columns", str(cmap), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(cmap))}:2:\d+: error: the data file .* has no column '没有这列'", result.output)
    assert not (tmp_path / "out").exists()


def test_a_header_and_a_mapped_header_for_the_same_column_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("unit_id,县名,year," + ",".join(RATES) + "\nA1,A1,2019,88,91,66,82,28\n", encoding="utf-8")
    cmap = tmp_path / "m.yaml"
    cmap.write_text("县名: unit_id\n", encoding="utf-8")
    with pytest.raises(MedunionError, match="also has a column 'unit_id'"):
        appraise_file(_national(), data, 2019, tmp_path / "out", columns=cmap)


def test_template_headers_need_no_map_and_a_missing_year_column_is_the_year(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("unit_id," + ",".join(RATES) + "\nA1,88,91,66,82,28\n", encoding="utf-8")
    run = appraise_file(_national(), data, 2019, tmp_path / "out", stability_draws=3)
    assert len(run.appraisal.results) == 1
    assert any("no year column" in n for n in run.appraisal.notes)


def test_template_lists_only_the_indicators_that_read_a_column() -> None:
    scheme = resolve_scheme("county-monitoring", 2019, SCHEME_ROOT)
    readers = readers_of(scheme)
    assert readers["visits_in_county"] == ["county_visit_rate"]  # not primary_outpatient_share
    assert readers["outpatient_visits_in_county"] == ["primary_outpatient_share"]
    assert readers["county_visit_rate"] == ["county_visit_rate"]  # the published-rate alternative


# --- rates and counts --------------------------------------------------------------------------

def _county_rows(with_rates: bool, with_counts: bool) -> pd.DataFrame:
    rows = {"unit_id": ["zhenghe", "huangzhong"], "year": [2019, 2019]}
    if with_counts:
        rows |= {"admissions_total": [20000, 30000], "admissions_in_county": [17000, 24000],
                 "visits_total": [900000, 1000000], "visits_in_county": [810000, 905000],
                 "outpatient_visits_in_county": [700000, 800000], "outpatient_visits_primary": [420000, 500000],
                 "fund_total": [3e8, 4e8], "fund_in_county": [2.4e8, 3.2e8], "fund_primary": [6e7, 8e7]}
    if with_rates:
        rows |= {"county_inpatient_rate": [85.0, 80.0], "county_visit_rate": [90.0, 90.5],
                 "primary_outpatient_share": [60.0, 62.5], "fund_in_county_share": [80.0, 80.0],
                 "primary_fund_share": [25.0, 25.0]}
    return pd.DataFrame(rows)


def test_county_monitoring_takes_rates_or_counts_and_says_which() -> None:
    scheme = resolve_scheme("county-monitoring", 2019, SCHEME_ROOT)
    by_rate, exps = appraise_frame(scheme, _county_rows(True, False), 2019)
    ind = by_rate.scheme.indicator("county_visit_rate")
    assert ind.form == "rate" and "visits_total" not in by_rate.scheme.columns
    raw = exps[0]["dimensions"][0]["indicators"][1]["raw"]
    assert list(raw) == ["county_visit_rate"]
    by_count, exps = appraise_frame(scheme, _county_rows(False, True), 2019)
    assert by_count.scheme.indicator("county_visit_rate").form == "parts"
    raw = exps[0]["dimensions"][0]["indicators"][1]["raw"]
    assert set(raw) == {"visits_total", "visits_in_county"}
    assert "no published rate" in exps[0]["dimensions"][0]["indicators"][1]["given_as"]
    # the two forms of the same figures score the same
    a = by_rate.results.set_index("unit_id")["points.county_visit_rate"]
    b = by_count.results.set_index("unit_id")["points.county_visit_rate"]
    assert a["zhenghe"] == b["zhenghe"] == 17.0  # exactly 90%: not "more than 90%"


def test_neither_form_is_refused_naming_both() -> None:
    scheme = resolve_scheme("county-monitoring", 2019, SCHEME_ROOT)
    frame = _county_rows(False, True).drop(columns=["visits_total"])
    with pytest.raises(MedunionError, match=r"county_visit_rate: the data gives neither its rate \(column "
                                            r"county_visit_rate\) nor all its parts .*missing visits_total"):
        appraise_frame(scheme, frame, 2019)


def test_a_ratio_column_is_read_into_a_percent_indicator(tmp_path: Path) -> None:
    text = (SCHEME_ROOT / "county-monitoring" / "2017.1.yaml").read_text(encoding="utf-8")
    text = text.replace("  county_visit_rate:\n    type: percent", "  county_visit_rate:\n    type: ratio", 1)
    path = tmp_path / "2017.1.yaml"
    path.write_text(text, encoding="utf-8")
    scheme = load_scheme(path, dt.date(2019, 1, 1), ROOT / "rules")
    rows = _county_rows(True, False)
    rows["county_visit_rate"] = [0.9, 0.905]
    result, exps = appraise_frame(scheme, rows, 2019)
    assert result.values["county_visit_rate"].tolist() == pytest.approx([90.0, 90.5])
    ind = exps[0]["dimensions"][0]["indicators"][1]
    assert "a ratio, 0-1" in ind["given_as"] and ind["formula"] == "100 * county_visit_rate"


# --- one clause, one figure, one boundary (issue 11) -----------------------------------------------

def test_the_90_percent_is_read_from_huangzhong_goals_with_the_same_boundary() -> None:
    scheme = resolve_scheme("county-monitoring", 2019, SCHEME_ROOT)
    ind = scheme.indicator("county_visit_rate")
    assert ind.target == 90.0 and ind.boundary == "exclusive" and ind.status == "uncertain-reading"
    (fig,) = {f.parameter for f in ind.figures}
    assert fig == "huangzhong-goals.county_treatment_target"
    assert all(f.status == "uncertain-reading" for f in ind.figures)
    goals = resolve_ruleset("huangzhong-goals", dt.date(2019, 6, 30), ROOT / "rules")
    assert goals.parameters["county_treatment_target"].status == "uncertain-reading"
    for share, met in ((90.0, False), (90.01, True)):
        treated = round(share * 100)
        outputs = decide(goals, {"patients_total": 10000, "patients_treated_in_county": treated},
                         dt.date(2019, 6, 30)).outputs
        assert outputs["county_treatment_target_met"] is met
        rows = _county_rows(True, False)
        rows["county_visit_rate"] = [share, share]
        app_, _ = appraise_frame(scheme, rows, 2019)
        full = bool(app_.results["points.county_visit_rate"].iloc[0] == 20.0)
        assert full is met, share  # the scheme and the rule set agree at the boundary
    # the other reading (90%以上 includes 90%): exactly 90 would earn full points
    inclusive = dataclasses.replace(ind, boundary="inclusive")
    from appraisal import methods
    assert methods.points(inclusive, np.array([90.0]))[0] == 20.0
    assert methods.points(ind, np.array([90.0]))[0] == 17.0


def test_rectification_of_counties_is_marked_a_drafters_reading() -> None:
    for sid in ("county-monitoring", "national-key-indicators"):
        scheme = resolve_scheme(sid, 2019, SCHEME_ROOT)
        assert scheme.rectification_clause == "huangzhong-2017 V.3"
        assert scheme.rectification_status == "drafter-reading"
        assert scheme.rectification_note.startswith("Drafter's reading")


def test_an_unknown_parameter_is_refused_at_its_place(tmp_path: Path) -> None:
    text = (SCHEME_ROOT / "national-key-indicators" / "2019.1.yaml").read_text(encoding="utf-8")
    path = tmp_path / "2019.1.yaml"
    path.write_text(text.replace("target: {parameter: visit_target}", "target: {parameter: visit_targt}"),
                    encoding="utf-8")
    (finding,) = check_scheme_file(path)
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: error: indicator county_visit_rate: target: no parameter "
                    "'visit_targt'", str(finding)), str(finding)
    path.write_text(text.replace("target: {parameter: visit_target}",
                                 "target: {parameter: huangzhong-goals.no_such_figure}"), encoding="utf-8")
    (finding,) = check_scheme_file(path)
    assert "'no_such_figure' is not a parameter of the rule set" in str(finding)


# --- sensitivity, provisional results, exit codes ---------------------------------------------------

def test_threshold_sensitivity_counts_what_a_rescoring_finds(tmp_path: Path) -> None:
    run = appraise_file(_national(), NATIONAL_DATA, 2019, tmp_path / "out", columns=NATIONAL_MAP,
                        stability_draws=3)
    app_ = run.appraisal
    table = threshold_sensitivity(app_).set_index("threshold")
    scheme = app_.scheme
    base = app_.results.set_index("unit_id")["grade"]
    raw = pd.read_csv(NATIONAL_DATA).rename(columns={v: k for k, v in {
        "unit_id": "县名", "year": "年份", **dict(zip(RATES, [c for c in pd.read_csv(NATIONAL_DATA).columns[2:]],
                                                    strict=True))}.items()})
    for ind in scheme.indicators:
        for name in ("floor", "target"):
            for factor, column in ((0.95, "units_changing_grade_lower"), (1.05, "units_changing_grade_higher")):
                moved = dataclasses.replace(ind, **{name: getattr(ind, name) * factor})
                dims = tuple(dataclasses.replace(d, indicators=tuple(moved if i.id == ind.id else i
                                                                     for i in d.indicators))
                             for d in scheme.dimensions)
                again, _ = appraise_frame(dataclasses.replace(scheme, dimensions=dims), raw, 2019)
                grades = again.results.set_index("unit_id")["grade"]
                changed = int((grades != base.loc[grades.index]).sum())
                assert table.loc[f"{ind.id}.{name}", column] == changed, (ind.id, name, factor)
    assert table.loc["county_visit_rate.target", "status"] == "uncertain-reading"
    assert table.loc["county_visit_rate.target", "parameter"] == "visit_target"
    band = scheme.grade_band("pass")
    totals = app_.results["total"].to_numpy()
    lowered = dataclasses.replace(scheme, grades=tuple(dataclasses.replace(b, min=b.min * 0.95)
                                                       if b.grade == "pass" else b for b in scheme.grades))
    changed = int((grade_of_totals(lowered, totals) != grade_of_totals(scheme, totals)).sum())
    assert table.loc["grade pass from", "units_changing_grade_lower"] == changed and band.min == 60
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Threshold sensitivity" in html


PERCENTILE_SCHEME = """\
kind: appraisal-scheme
id: relative
title: Relative
jurisdiction: Nowhere
version: "1.0"
status: draft
effective: {from: 2020-01-01}
sources: [{key: zhenghe-2017, title: Zhenghe plan}]
unit_kind: member_unit
columns:
  c: {type: number, unit: things}
  d: {type: number, unit: things}
dimensions:
  - id: one
    title: One
    indicators:
      - {id: pct, title: Percentile, unit: things, value: c, weight: 50, method: percentile,
         clause: zhenghe-2017 IV.5}
      - {id: lin, title: Linear, unit: things, value: d, weight: 50, method: linear, floor: 0, target: 10,
         clause: zhenghe-2017 IV.5}
grades:
  - {grade: excellent, min: 90}
  - {grade: good, min: 75, max: 90}
  - {grade: pass, min: 60, max: 75}
  - {grade: fail, min: 0, max: 60}
rectification: {below: pass, clause: zhenghe-2017 IV.8.1}
"""


def test_results_after_rejections_are_provisional_where_relative(tmp_path: Path) -> None:
    scheme_path = tmp_path / "s.yaml"
    scheme_path.write_text(PERCENTILE_SCHEME, encoding="utf-8")
    scheme = load_scheme(scheme_path)
    clean = pd.DataFrame({"unit_id": ["a", "b", "c"], "year": 2020, "c": [1, 2, 3], "d": [5, 6, 7]})
    whole, exps = appraise_frame(scheme, clean, 2020)
    assert not whole.results["points_provisional"].any() and not whole.results["rank_provisional"].any()
    assert exps[0]["provisional"] is None
    spoilt = clean.astype(object)
    spoilt.loc[2, "d"] = "n/a"
    reduced, exps = appraise_frame(scheme, spoilt, 2020)
    assert reduced.results["points_provisional"].all() and reduced.results["rank_provisional"].all()
    assert "percentile points of pct" in exps[0]["provisional"]
    assert "PROVISIONAL" in to_text(exps[0]) and any("PROVISIONAL" in n for n in reduced.notes)
    # without a relative method only the rank is provisional
    plain = dataclasses.replace(scheme, dimensions=tuple(
        dataclasses.replace(d, indicators=tuple(i for i in d.indicators if i.id != "pct"))
        for d in scheme.dimensions))
    only_rank, _ = appraise_frame(plain, spoilt, 2020)
    assert only_rank.results["rank_provisional"].all() and not only_rank.results["points_provisional"].any()


def test_exit_status_nothing_scored_and_rows_rejected(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("unit_id,year," + ",".join(RATES) + "\nA1,2019,188,91,66,82,28\n", encoding="utf-8")
    result = _run(["appraise", "national-key-indicators", "--year", "2019", "--data", str(data),
                   "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "nothing scored" in result.output  # every row rejected
    data.write_text("unit_id,year," + ",".join(RATES) + "\nA1,2019,188,91,66,82,28\nA2,2019,88,91,66,82,28\n",
                    encoding="utf-8")
    result = _run(["appraise", "national-key-indicators", "--year", "2019", "--data", str(data),
                   "--out", str(tmp_path / "out")])
    assert result.exit_code == 3 and "a rate above 100%" in result.output


# --- many cohorts in one run -----------------------------------------------------------------------

def test_many_cohorts_are_scored_each_on_its_own_with_a_summary(tmp_path: Path) -> None:
    scheme_path = tmp_path / "s.yaml"
    scheme_path.write_text(PERCENTILE_SCHEME, encoding="utf-8")
    data = tmp_path / "province.csv"
    data.write_text("机构,县,年份,c,d\n"
                    "卫生院1,甲县,2020,1,5\n卫生院2,甲县,2020,2,9\n卫生院3,甲县,2020,3,10\n"
                    "卫生院1,乙县,2020,30,2\n卫生院2,乙县,2020,10,4\n卫生院3,乙县,2020,x,4\n"
                    "卫生院4,,2020,5,5\n", encoding="utf-8")
    cmap = tmp_path / "m.yaml"
    cmap.write_text("机构: unit_id\n县: cohort\n年份: year\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _run(["appraise", str(scheme_path), "--year", "2020", "--data", str(data), "--columns", str(cmap),
                   "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "2 cohort(s)" in result.output and "PROVISIONAL" in result.output
    summary = pd.read_csv(out / "summary.csv").set_index("cohort")
    assert summary.loc["甲县", ["rows", "units_scored", "rows_rejected"]].tolist() == [3, 3, 0]
    assert summary.loc["乙县", ["rows", "units_scored", "rows_rejected"]].tolist() == [3, 2, 1]
    assert bool(summary.loc["乙县", "provisional"]) and not bool(summary.loc["甲县", "provisional"])
    assert summary[["excellent", "good", "pass", "fail"]].sum(axis=1).tolist() == summary["units_scored"].tolist()
    rejected = pd.read_csv(out / "rejected.csv")
    assert set(rejected["row"]) == {7, 8}  # 乙县's bad value and the row without a cohort
    # percentiles within each cohort: the same as scoring that cohort alone
    scheme = load_scheme(scheme_path)
    alone, _ = appraise_frame(scheme, pd.DataFrame({"unit_id": ["卫生院1", "卫生院2", "卫生院3"], "year": 2020,
                                                    "c": [1, 2, 3], "d": [5, 9, 10]}), 2020)
    payload = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert payload["folders"]["甲县"] == "甲县"  # a plain name is its own folder
    assert cohort_folder("../etc").startswith("etc-") and "/" not in cohort_folder("a/b")
    folder = out / payload["folders"]["甲县"]
    together = pd.read_csv(folder / "results.csv").set_index("unit_id")["total"]
    assert together.to_dict() == pytest.approx(alone.results.set_index("unit_id")["total"].to_dict())
    assert (folder / "report.html").is_file() and (folder / "appraisal.xlsx").is_file()


def test_province_run_from_the_python_api(tmp_path: Path) -> None:
    scheme_path = tmp_path / "s.yaml"
    scheme_path.write_text(PERCENTILE_SCHEME, encoding="utf-8")
    data = tmp_path / "p.csv"
    data.write_text("unit_id,cohort,year,c,d\nu1,k1,2020,1,5\nu1,k2,2020,2,6\nu1,k2,2020,3,6\n", encoding="utf-8")
    run = appraise_file(load_scheme(scheme_path), data, 2020, tmp_path / "out", stability_draws=3)
    assert isinstance(run, Province)
    assert run.summary.set_index("cohort").loc["k1", "units_scored"] == 1  # the same id in two cohorts is fine
    assert "duplicate unit: the same unit of the same cohort" in run.rejected["reason"].iloc[0]
