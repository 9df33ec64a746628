"""Hand-computed appraisal of a small table: every scoring method, a veto, a missing
value under the zero-points policy, rejected rows; and the what-if answers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from appraisal.check import check_scheme_file
from appraisal.explain import to_markdown, to_text
from appraisal.pipeline import appraise_file, appraise_frame
from appraisal.scheme import load_scheme
from appraisal.stability import stability
from appraisal.validate import read_table, validate_rows
from appraisal.whatif import what_if
from governance.diagnostics import MedunionError
from governance.expressions import parse_expression, render_with_values

SCHEME = """\
kind: appraisal-scheme
id: test-scheme
title: Test scheme
jurisdiction: Nowhere
version: "1.0"
status: draft
effective: {from: 2020-01-01, until: 2020-12-31}
sources: [{key: zhenghe-2017, title: Zhenghe plan}]
total_points: 100
missing: reject
unit_kind: member_unit
expected_units:
  - {id: u1, name: Unit One}
  - {id: u2, name: Unit Two}
  - {id: u3, name: Unit Three}
  - {id: u4, name: Unit Four}
  - {id: u5, name: Unit Five}
  - {id: u6, name: Unit Six}
columns:
  a: {type: number, unit: points}
  b: {type: percent, unit: percent, missing: zero-points}
  visits: {type: integer, unit: visits}
  pop: {type: integer, unit: residents, minimum: 1}
  c: {type: number, unit: things}
  events: {type: integer, unit: events}
  violation: {type: boolean, unit: yes/no}
dimensions:
  - id: one
    title: One
    indicators:
      - {id: lin, title: Linear, unit: points, direction: higher, value: a, weight: 20,
         method: linear, floor: 10, target: 30, clause: zhenghe-2017 IV.5}
      - id: stp
        title: Steps
        unit: percent
        direction: higher
        value: b
        weight: 20
        method: steps
        target: 90
        steps: [{at: 50, points: 5}, {at: 70, points: 10}, {at: 90, points: 20}]
        clause: zhenghe-2017 IV.5
      - {id: rat, title: Ratio, unit: visits per resident, direction: higher,
         formula: visits / pop, weight: 20, method: ratio, target: 2, cap: 1,
         clause: zhenghe-2017 IV.5}
  - id: two
    title: Two
    indicators:
      - {id: pct, title: Percentile, unit: things, direction: higher, value: c, weight: 20,
         method: percentile, clause: zhenghe-2017 IV.5}
      - {id: ded, title: Deduction, unit: events, direction: lower, value: events, weight: 20,
         method: deduction, per_occurrence: 4, clause: zhenghe-2017 IV.5}
      - {id: vet, title: Veto, unit: yes/no, direction: lower, value: violation, weight: 0,
         method: veto, veto_grade: fail, clause: zhenghe-2017 IV.8.1}
grades:
  - {grade: excellent, min: 90, consequences: {coefficient: 1.1}}
  - {grade: good, min: 75, max: 90, consequences: {coefficient: 1.0}}
  - {grade: pass, min: 60, max: 75, consequences: {coefficient: 0.95}}
  - {grade: fail, min: 0, max: 60, consequences: {coefficient: 0.85}}
rectification: {below: pass, clause: zhenghe-2017 IV.8.1}
consequences:
  - {id: coefficient, type: number, clause: zhenghe-2017 IV.8.3, status: drafter-choice,
     note: test figure}
"""

# header = row 1, so u1 is row 2 ... u6 row 7, the stranger row 8
DATA = """\
unit_id,year,a,b,visits,pop,c,events,violation
u1,2020,30,95,500,200,40,0,false
u2,2020,20,75,300,200,30,1,false
u3,2020,5,,100,100,30,6,false
u4,2020,25,90,400,200,10,2,true
u5,2020,12,50,200,100,20,0,false
u6,2020,20,80,200,100,25,-1,false
zz,2020,20,80,200,100,25,1,false
u1,2019,1,1,1,1,1,1,false
"""

# hand-computed: points per indicator
EXPECTED_POINTS = {
    #     lin   stp   rat   pct   ded
    "u1": (20.0, 20.0, 20.0, 20.0, 20.0),  # all at or above target; c=40 beats all 4 others
    "u2": (10.0, 10.0, 15.0, 12.5, 16.0),  # (20-10)/20; 75>=70; 1.5/2; (2+0.5)/4; 20-4
    "u3": (0.0, 0.0, 10.0, 12.5, 0.0),  # below floor; b missing -> 0; (100/100)/2; tie; 20-24
    "u4": (15.0, 20.0, 20.0, 0.0, 12.0),  # (25-10)/20; 90>=90; 2/2; beats none; 20-8
    "u5": (2.0, 5.0, 20.0, 5.0, 20.0),  # (12-10)/20; 50>=50; 2/2; beats 1 of 4
}
EXPECTED = {  # total, grade, rank, rectification notice
    "u1": (100.0, "excellent", 1, False),
    "u2": (63.5, "pass", 3, False),
    "u3": (22.5, "fail", 5, True),
    "u4": (67.0, "fail", 2, True),  # pass by points, capped at fail by the veto
    "u5": (52.0, "fail", 4, True),
}


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(SCHEME, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text(DATA, encoding="utf-8")
    return scheme, data


def _appraise(files: tuple[Path, Path]):
    scheme = load_scheme(files[0])
    raw, first = read_table(files[1])
    return appraise_frame(scheme, raw, 2020, first)


def test_scheme_is_clean(files: tuple[Path, Path]) -> None:
    found = check_scheme_file(files[0])
    assert [d for d in found if "no Chinese label" not in d.message] == []  # labels: test_chinese_labels.py


def test_hand_computed_points_totals_grades_ranks(files: tuple[Path, Path]) -> None:
    app, _ = _appraise(files)
    res = app.results.set_index("unit_id")
    assert sorted(res.index) == ["u1", "u2", "u3", "u4", "u5"]
    for unit, pts in EXPECTED_POINTS.items():
        got = tuple(res.loc[unit, f"points.{i}"] for i in ("lin", "stp", "rat", "pct", "ded"))
        assert got == pytest.approx(pts), unit
        assert res.loc[unit, "dimension.one"] == pytest.approx(sum(pts[:3]))
        assert res.loc[unit, "dimension.two"] == pytest.approx(sum(pts[3:]))
    for unit, (total, grade, rank, notice) in EXPECTED.items():
        assert res.loc[unit, "total"] == pytest.approx(total)
        assert res.loc[unit, "grade"] == grade
        assert res.loc[unit, "rank"] == rank
        assert bool(res.loc[unit, "rectification_notice"]) is notice
    assert res.loc["u4", "grade_by_points"] == "pass"
    assert res.loc["u4", "vetoed_by"] == "vet"
    assert res.loc["u1", "coefficient"] == 1.1
    assert res.loc["u5", "coefficient"] == 0.85


def test_rejected_rows_are_reported_with_row_column_reason(files: tuple[Path, Path]) -> None:
    app, _ = _appraise(files)
    rej = app.validated.rejected
    assert rej[["row", "unit_id", "column"]].values.tolist() == [
        [7, "u6", "events"],
        [8, "zz", "unit_id"],
    ]
    assert rej["reason"].tolist() == [
        "negative count",
        "unknown unit: not a unit of test-scheme",
    ]
    assert app.validated.filled[["row", "unit_id", "column", "policy"]].values.tolist() == [
        [4, "u3", "b", "zero-points"]
    ]
    assert any("other years" in n for n in app.notes)


def test_every_row_problem_is_named() -> None:
    scheme = load_scheme_from_text(SCHEME)
    raw = pd.DataFrame(
        {
            "unit_id": ["u1", "u1", "u2", "u3", "u4", ""],
            "year": ["2020"] * 6,
            "a": ["1", "1", "x", "1", "1", "1"],
            "b": ["50", "50", "50", "120", "50", "50"],
            "visits": ["1", "1", "1", "1", "1.5", "1"],
            "pop": ["1", "1", "1", "1", "1", "1"],
            "c": ["1", "1", "1", "1", "1", "1"],
            "events": ["0", "0", "0", "0", "0", "0"],
            "violation": ["false", "false", "maybe", "false", "", "false"],
        }
    )
    rej = validate_rows(scheme, raw, 2020).rejected
    reasons = {(r.row, r.column): r.reason for r in rej.itertuples()}
    assert reasons[(2, "unit_id")].startswith("duplicate unit")
    assert reasons[(3, "unit_id")].startswith("duplicate unit")
    assert reasons[(4, "a")] == "wrong type: expected a number"
    assert reasons[(4, "violation")] == "wrong type: expected true or false"
    assert reasons[(5, "b")] == "a rate above 100%"
    assert reasons[(6, "visits")].startswith("wrong type: expected a whole number")
    assert reasons[(6, "violation")] == "missing value (the scheme rejects it)"
    assert reasons[(7, "unit_id")] == "unit_id is missing"


def load_scheme_from_text(text: str, tmp: Path | None = None):
    import tempfile

    folder = Path(tmp or tempfile.mkdtemp())
    path = folder / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scheme(path)


def test_what_if_hand_computed(files: tuple[Path, Path]) -> None:
    app, exps = _appraise(files)
    wi = what_if(app)
    # u5: 52 points, fail; pass needs 60: 8 points
    assert wi.next_grade["u5"] == "pass"
    assert wi.points_missing["u5"] == pytest.approx(8.0)
    assert wi.required.loc["u5", "lin"] == pytest.approx(20.0)  # 10 + (10/20) * 20
    assert wi.required.loc["u5", "stp"] == pytest.approx(90.0)  # the 20-point step
    assert not wi.reachable.loc["u5", "rat"]  # already full
    assert not wi.reachable.loc["u5", "ded"]  # already full
    assert wi.required.loc["u5", "pct"] == pytest.approx(30.0)  # must pass a 30
    assert bool(wi.strict.loc["u5", "pct"])
    # u2: 63.5, good needs 75: 11.5 points, no indicator alone has that much room
    assert wi.points_missing["u2"] == pytest.approx(11.5)
    assert not wi.reachable.loc["u2"].any()
    # u4: the veto blocks any lift; u1 is at the top
    assert bool(wi.blocked_by_veto["u4"])
    assert wi.next_grade["u1"] == ""
    by_unit = {e["unit"]["id"]: e for e in exps}
    changes = {c["indicator"]: c for c in by_unit["u5"]["what_if"]["changes"]}
    assert changes["lin"]["required"] == 20.0 and changes["lin"]["change"] == 8.0
    assert changes["pct"]["relation"] == "more than"
    assert by_unit["u1"]["what_if"]["summary"] == "already in the top grade"
    assert by_unit["u4"]["what_if"]["blocked_by_veto"] is True


def test_what_if_change_really_reaches_the_next_grade(files: tuple[Path, Path]) -> None:
    """Apply each proposed change alone and re-score: the unit reaches the next grade."""
    scheme = load_scheme(files[0])
    raw, first = read_table(files[1])
    _, exps = appraise_frame(scheme, raw, 2020, first)
    exp = next(e for e in exps if e["unit"]["id"] == "u5")
    column = {"lin": "a", "stp": "b", "pct": "c"}
    for change in exp["what_if"]["changes"]:
        if not change["reachable"]:
            continue
        new = raw.copy()
        bump = 0.01 if change["relation"] == "more than" else 0.0
        new.loc[new["unit_id"] == "u5", column[change["indicator"]]] = str(change["required"] + bump)
        again, _ = appraise_frame(scheme, new, 2020, first)
        assert again.results.set_index("unit_id").loc["u5", "grade"] == "pass", change


def test_explanations_name_clause_method_and_why(files: tuple[Path, Path]) -> None:
    _, exps = _appraise(files)
    u2 = next(e for e in exps if e["unit"]["id"] == "u2")
    inds = {i["id"]: i for d in u2["dimensions"] for i in d["indicators"]}
    assert inds["rat"]["raw"] == {"pop": 200, "visits": 300}
    # the core renders the formula with its numbers; the explanation shows exactly that
    assert inds["rat"]["computed"] == render_with_values(
        parse_expression("visits / pop"), {"visits": 300, "pop": 200})
    assert "300" in inds["rat"]["computed"] and "200" in inds["rat"]["computed"]
    assert inds["rat"]["value"] == 1.5
    assert inds["lin"]["clause"] == "zhenghe-2017 IV.5"
    assert "10 points" in inds["lin"]["why"]
    u3 = next(e for e in exps if e["unit"]["id"] == "u3")
    stp = next(i for d in u3["dimensions"] for i in d["indicators"] if i["id"] == "stp")
    assert "zero-points" in stp["why"] and stp["points"] == 0.0
    u4 = next(e for e in exps if e["unit"]["id"] == "u4")
    assert u4["vetoes"][0]["id"] == "vet"
    text, md = to_text(u4), to_markdown(u4)
    assert "VETO vet" in text and "zhenghe-2017 IV.8.1" in text
    assert "| Linear | `zhenghe-2017 IV.5` |" in md


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_same_results_from_csv_excel_parquet(files: tuple[Path, Path], suffix: str) -> None:
    scheme = load_scheme(files[0])
    frame = pd.read_csv(files[1], dtype=str, keep_default_na=False)
    path = files[1].with_suffix(suffix)
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    raw, first = read_table(path)
    app, _ = appraise_frame(scheme, raw, 2020, first)
    res = app.results.set_index("unit_id")
    assert {u: res.loc[u, "total"] for u in EXPECTED} == pytest.approx(
        {u: v[0] for u, v in EXPECTED.items()})
    expected_rows = [7, 8] if suffix != ".parquet" else [6, 7]
    assert app.validated.rejected["row"].tolist() == expected_rows


def test_stability_counts_grade_changes(files: tuple[Path, Path]) -> None:
    app, _ = _appraise(files)
    still = stability(app, delta=0.0, draws=5)
    assert still.one_at_a_time["units_changing_grade"].sum() == 0
    assert still.joint_max_rank_changes == 0
    table = stability(app, delta=0.1, draws=5).one_at_a_time.set_index(["indicator", "move"])
    assert len(table) == 10
    # lin +10%: weights (22,20,20,20,20)*100/102; u2 = (11+53.5)/1.02 = 63.24: still pass
    assert table.loc[("lin", "+10%"), "units_changing_grade"] == 0
    # move the good band down to 63.4: u2 (63.5) is good, and lin +10% drops it to pass
    edge = dataclasses.replace(
        app.scheme,
        grades=tuple(
            dataclasses.replace(b, min=63.4) if b.grade == "good" else
            dataclasses.replace(b, max=63.4) if b.grade == "pass" else b
            for b in app.scheme.grades
        ),
    )
    app2 = dataclasses.replace(app, scheme=edge)
    table2 = stability(app2, delta=0.1, draws=5).one_at_a_time.set_index(["indicator", "move"])
    assert table2.loc[("lin", "+10%"), "units_changing_grade"] == 1


def test_appraise_file_writes_outputs(files: tuple[Path, Path], tmp_path: Path) -> None:
    scheme = load_scheme(files[0])
    out = tmp_path / "out"
    run = appraise_file(scheme, files[1], 2020, out, stability_draws=5, lang="en")
    names = {p.name for p in run.written}
    assert {"results.csv", "rejected.csv", "results.json", "explanations.json",
            "appraisal.xlsx", "report.html", "u1.md", "u1.txt"} <= names
    results = pd.read_csv(out / "results.csv")
    assert {"unit_id", "year", "total", "grade", "rank", "rectification_notice"} <= set(
        results.columns)
    assert results.set_index("unit_id").loc["u4", "rectification_notice"]
    sheets = pd.read_excel(out / "appraisal.xlsx", sheet_name=None)
    assert {"Scores", "Explanations", "Rejected rows", "What would change"} <= set(sheets)
    assert sheets["Rejected rows"]["Row"].tolist() == [7, 8]
    assert "data:image/png;base64," in (out / "report.html").read_text(encoding="utf-8")


def test_scheme_out_of_force(files: tuple[Path, Path]) -> None:
    from appraisal.scheme import resolve_scheme

    with pytest.raises(MedunionError, match="not in force in 2021"):
        resolve_scheme(str(files[0]), 2021)
    assert resolve_scheme(str(files[0]), 2020).id == "test-scheme"

