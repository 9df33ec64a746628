"""The shipped schemes, the checker's warnings, the example data, the commands."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from appraisal import methods
from appraisal.check import check_scheme_file
from appraisal.demo import SCHEMES, ensure_examples, run_demo
from appraisal.scheme import Indicator, Step, load_scheme, resolve_scheme
from charter import charter_unit_ids
from governance.decide import decide
from governance.load import resolve_ruleset
from governance.source import load_yaml
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
SCHEME_ROOT = ROOT / "rules" / "appraisal"
SCHEME_FILES = sorted((ROOT / "rules" / "appraisal").glob("*/*.yaml"))


def test_three_schemes_are_shipped() -> None:
    assert {p.parent.name for p in SCHEME_FILES} == {*SCHEMES, "national-key-indicators"}


@pytest.mark.parametrize("path", SCHEME_FILES, ids=lambda p: p.parent.name)
def test_shipped_scheme_is_clean(path: Path) -> None:
    assert [str(d) for d in check_scheme_file(path)] == []


@pytest.mark.parametrize("path", SCHEME_FILES, ids=lambda p: p.parent.name)
def test_weights_and_targets_not_in_the_plans_are_marked(path: Path) -> None:
    scheme = load_scheme(path)
    assert sum(i.weight for i in scheme.indicators) == pytest.approx(scheme.total_points)
    for ind in scheme.indicators:
        assert ind.status in ("law", "drafter-choice", "drafter-reading", "uncertain-reading")
        if ind.status != "law":
            assert ind.note and len(ind.note) > 20, ind.id


@pytest.mark.parametrize(
    ("scheme_id", "ruleset_id"),
    [("zhenghe-member-appraisal", "zhenghe-appraisal-consequences"),
     ("huangzhong-member-appraisal", "huangzhong-appraisal-consequences")],
)
def test_scheme_consequences_agree_with_the_consequences_rule_set(
    scheme_id: str, ruleset_id: str
) -> None:
    on = dt.date(2019, 6, 30)
    scheme = resolve_scheme(scheme_id, 2019, SCHEME_ROOT)
    ruleset = resolve_ruleset(ruleset_id, on, ROOT / "rules")
    for band in scheme.grades:
        outputs = decide(ruleset, {"grade": band.grade}, on).outputs
        for key, value in band.consequences.items():
            if key in outputs:
                assert outputs[key] == pytest.approx(value), (band.grade, key)


@pytest.mark.parametrize("county", ["zhenghe", "huangzhong"])
def test_units_come_from_the_charter(county: str) -> None:
    charter = (ROOT / "rules" / "charters" / f"{county}-2017.yaml").read_text(encoding="utf-8")
    charter_ids = set(re.findall(r"id: ([a-z0-9-]+)", charter))
    scheme = resolve_scheme(f"{county}-member-appraisal", 2019, SCHEME_ROOT)
    ids = {u.id for u in scheme.units}
    if county == "huangzhong":
        assert ids <= charter_ids
        assert len(ids) == 15  # 7 + 7 + Lushaer (II.1-II.3)
    else:
        assert {"tieshan-health-centre", "lingyao-health-centre"} <= ids & charter_ids
        assert len(ids) == 10  # 8 township hospitals + 2 community centres (I)
        unnamed = [u for u in scheme.units if u.id not in charter_ids]
        assert all(u.note and "drafter" in u.note for u in unnamed)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    source = (ROOT / "rules" / "appraisal" / "zhenghe-member-appraisal" / "2017.1.yaml")
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("        weight: 20\n        method: linear\n        floor: 70",
         "        weight: 25\n        method: linear\n        floor: 70",
         r"warning: the weights add up to 105, not the scheme's total_points 100"),
        ("        floor: 10\n        target: 40", "        floor: 10\n        target: 5",
         r"warning: indicator downward_referral_ratio: the target 5 lies outside the floor 10"),
        ("    min: 75\n    max: 90", "    min: 77\n    max: 90",
         r"warning: the bands leave a gap: totals from 75 to 77 lie between pass and good"),
        ("        clause: zhenghe-2017 IV.2.5", "        clause: zhenghe-2017 IV.2.55",
         r"error: indicator antibiotic_prescription_rate: clause 'zhenghe-2017 IV.2.55' is not"),
        ('        formula: outpatient_visits / service_population',
         '        formula: outpatient_visits / service_populaton',
         r"broken.yaml:\d+:\d+: error: .*service_populaton"),
        ("        method: percentile", "        method: percentil",
         r"broken.yaml:\d+:\d+: error: .*percentil"),
    ],
    ids=["weights", "target-outside-floor", "band-gap", "clause", "formula", "schema"],
)
def test_checker_findings_carry_file_line_col(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    found = [str(d) for d in check_scheme_file(_broken(tmp_path, old, new))]
    assert any(re.search(expected, f) for f in found), found
    assert all(re.match(r".*broken\.yaml:\d+:\d+: ", f) for f in found), found


def test_duplicate_key_is_reported_with_position(tmp_path: Path) -> None:
    path = _broken(tmp_path, "status: draft\n", "status: draft\nstatus: adopted\n")
    (finding,) = check_scheme_file(path)
    # the core reports the repeated key at its second line (earlier, at the first): either is positioned
    assert re.match(rf"{re.escape(str(path))}:(8|9):1: error: duplicate key 'status'", str(finding)), str(finding)


def test_demo_writes_workbook_report_and_explanations(tmp_path: Path) -> None:
    written = run_demo(tmp_path)
    names = {p.name for p in written}
    assert {"appraisal.xlsx", "report.html", "results.csv", "explanations.json"} <= names
    folder = tmp_path / "zhenghe-member-appraisal" / "2019"
    exps = json.loads((folder / "explanations.json").read_text(encoding="utf-8"))
    assert exps and all("SYNTHETIC" in e["data_label"] for e in exps)
    for exp in exps:
        for dim in exp["dimensions"]:
            assert all(re.match(r"zhenghe-2017 [IVX]", i["clause"]) for i in dim["indicators"])
        w = exp["what_if"]
        assert w["summary"]
        if w["next_grade"] and not w.get("blocked_by_veto"):
            assert w["points_missing"] > 0 and len(w["changes"]) == 7
    text = (folder / "explanations" / "tieshan-health-centre.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text and "## 怎样改变考核结果" in text  # the officers' letter: Chinese by default
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2 and "SYNTHETIC" in html
    results = pd.read_csv(folder / "results.csv")
    assert results["rank"].min() == 1 and results["grade"].isin(
        ["excellent", "good", "pass", "fail"]).all()


def test_example_files_say_synthetic() -> None:
    for path in ensure_examples():
        assert "SYNTHETIC" in path.name
        frame = pd.read_csv(path)
        assert frame["data_label"].str.contains("SYNTHETIC").all()


def test_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    data = ensure_examples()[1]
    out = tmp_path / "out"
    result = runner.invoke(app, ["appraise", "huangzhong-member-appraisal", "--year", "2019",
                                 "--data", str(data), "--out", str(out)])
    assert result.exit_code == 3, result.output  # done, with the example's deliberate rejections
    assert "SYNTHETIC" in result.output and "rejected row" in result.output
    assert (out / "appraisal.xlsx").exists() and (out / "results.csv").exists()
    template = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", "huangzhong-member-appraisal", "--year", "2020",
                                 "--out", str(template)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(template)["Data"]
    assert ws["A2"].value == "hz-shangxinzhuang" and ws["B2"].value == 2020
    assert len(ws.data_validations.dataValidation) >= len(
        load_scheme(SCHEME_FILES[1]).columns)
    result = runner.invoke(app, ["appraise", "county-monitoring", "--year", "2016",
                                 "--data", str(data), "--out", str(out)])
    assert result.exit_code == 1 and "no version is in force in 2016" in result.output


def test_template_round_trip(tmp_path: Path) -> None:
    """A filled-in template is read back by the appraisal (header row 1, unit_name ignored)."""
    from appraisal.demo import register_of
    from appraisal.pipeline import appraise_file
    from appraisal.synthetic import generate
    from appraisal.template import write_template

    scheme = resolve_scheme("county-monitoring", 2019, SCHEME_ROOT)
    register = register_of("county-monitoring")
    path = write_template(scheme, 2019, tmp_path / "t.xlsx", register)
    wb = openpyxl.load_workbook(path)
    ws = wb["Data"]
    filled = generate(scheme, 2019, unit_ids=[u.id for u in register.units])
    headers = [c.value for c in ws[1]]
    for row in range(2, 4):
        unit = ws.cell(row=row, column=1).value
        values = filled.set_index("unit_id").loc[unit]
        for col, name in enumerate(headers, start=1):
            if name in scheme.columns and name in values.index:  # the counts; rate columns left empty
                ws.cell(row=row, column=col).value = values[name].item()
    wb.save(path)
    run = appraise_file(scheme, path, 2019, tmp_path / "out", stability_draws=3, register=register)
    assert len(run.appraisal.results) == 2 and len(run.appraisal.validated.rejected) == 0


values_ = st.floats(min_value=0, max_value=1000, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(value=values_, gain=st.floats(min_value=0.01, max_value=20), method=st.sampled_from(
    ["linear-up", "linear-down", "ratio-up", "ratio-down", "steps", "deduction"]))
def test_required_value_gives_the_points_it_promises(value: float, gain: float, method: str) -> None:
    """Inverse of each method: scoring the required value gives at least the points asked."""
    kinds = {
        "linear-up": dict(method="linear", direction="higher", floor=10.0, target=80.0),
        "linear-down": dict(method="linear", direction="lower", floor=80.0, target=10.0),
        "ratio-up": dict(method="ratio", direction="higher", target=50.0, cap=1.0),
        "ratio-down": dict(method="ratio", direction="lower", target=50.0, cap=1.0),
        "steps": dict(method="steps", direction="higher",
                      steps=(Step(20, 5.0), Step(50, 12.0), Step(90, 20.0))),
        "deduction": dict(method="deduction", direction="lower", per_occurrence=3.0),
    }
    ind = Indicator(id="x", title="x", unit="u", weight=20.0, clause="zhenghe-2017 IV.5",
                    **kinds[method])
    v = np.array([round(value) if method == "deduction" else value])
    have = methods.points(ind, v)
    need = have + gain
    req, _ = methods.required_values(ind, need, v, v)
    if need[0] > ind.max_points + 1e-9:
        assert np.isnan(req[0])
        return
    assert not np.isnan(req[0])
    got = methods.points(ind, req)
    assert got[0] >= need[0] - 1e-6


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=20), min_size=2, max_size=30))
def test_percentile_rank_counts_others_beaten(values: list[int]) -> None:
    v = np.array(values, dtype=float)
    got = methods.percentile_rank(v, "higher")
    n = len(values)
    for i, x in enumerate(values):
        worse = sum(1 for j, y in enumerate(values) if j != i and y < x)
        ties = sum(1 for j, y in enumerate(values) if j != i and y == x)
        assert got[i] == pytest.approx((worse + 0.5 * ties) / (n - 1))
    assert methods.percentile_rank(v, "lower") == pytest.approx(1 - got)


def test_yaml_dates_stay_strings() -> None:
    doc = load_yaml(SCHEME_FILES[0])
    assert isinstance(doc.data["effective"]["from"], str)


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=50), min_size=3, max_size=25),
    who=st.integers(min_value=0, max_value=24),
    gain=st.floats(min_value=0.1, max_value=10),
    direction=st.sampled_from(["higher", "lower"]),
)
def test_percentile_required_value_really_gives_the_points(
    values: list[int], who: int, gain: float, direction: str
) -> None:
    """Move one unit to the value the what-if names (just past it when strict): it gets the points."""
    ind = Indicator(id="x", title="x", unit="u", weight=10.0, clause="zhenghe-2017 IV.5",
                    method="percentile", direction=direction)
    v = np.array(values, dtype=float)
    who %= len(values)
    have = methods.points(ind, v)
    need = have + gain
    req, strict = methods.required_values(ind, need, v, v)
    if np.isnan(req[who]):
        assert need[who] > 10.0 - 1e-9 or not np.isfinite(need[who])
        return
    moved = v.copy()
    step = 0.5 if strict[who] else 0.0
    moved[who] = req[who] + (step if direction == "higher" else -step)
    assert methods.points(ind, moved)[who] >= need[who] - 1e-9


def test_progress_is_reported_on_long_runs() -> None:
    """More than a few thousand units: the explanation step reports its progress."""
    import dataclasses

    from appraisal.pipeline import appraise_frame
    from appraisal.scheme import Unit
    from appraisal.synthetic import generate

    base = resolve_scheme("huangzhong-member-appraisal", 2019, SCHEME_ROOT)
    ids = [f"unit-{i}" for i in range(6000)]
    scheme = dataclasses.replace(base, units=tuple(Unit(i, i) for i in ids))
    calls: list[tuple[str, int, int]] = []
    app_, exps = appraise_frame(scheme, generate(scheme, 2019, unit_ids=ids), 2019,
                                progress=lambda s, a, t: calls.append((s, a, t)))
    assert len(exps) == 6000 and len(app_.results) == 6000
    assert calls[0] == ("explaining", 0, 6000)
    assert sum(a for _, a, _ in calls) == 6000


def test_zero_value_policy_fills_with_zero(tmp_path: Path) -> None:
    from appraisal.pipeline import appraise_frame

    path = _broken(tmp_path, "    missing: zero-points\n", "    missing: zero-value\n")
    scheme = load_scheme(path)
    frame = pd.read_csv(ensure_examples()[0])
    frame = frame[frame["year"] == 2018].copy()
    frame["patient_satisfaction"] = frame["patient_satisfaction"].astype(object)
    unit = frame["unit_id"].iloc[0]
    frame.loc[frame["unit_id"] == unit, "patient_satisfaction"] = None
    app_, _ = appraise_frame(scheme, frame, 2018)
    res = app_.results.set_index("unit_id")
    assert res.loc[unit, "value.patient_satisfaction"] == 0.0
    assert res.loc[unit, "points.patient_satisfaction"] == 0.0
    assert app_.validated.filled["policy"].tolist() == ["zero-value"]


def test_overlapping_versions_are_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "rules" / "appraisal" / "zhenghe-member-appraisal"
    folder.mkdir(parents=True)
    source = ROOT / "rules" / "appraisal" / "zhenghe-member-appraisal" / "2017.1.yaml"
    text = source.read_text(encoding="utf-8")
    (folder / "2017.1.yaml").write_text(text, encoding="utf-8")
    newer = text.replace('version: "2017.1"', 'version: "2019.1"').replace(
        "  from: 2017-01-01", "  from: 2019-01-01")
    (folder / "2019.1.yaml").write_text(newer, encoding="utf-8")
    found = [str(d) for d in check_scheme_file(folder / "2019.1.yaml")]
    assert any("overlaps version 2017.1" in f for f in found), found
    fixed = text.replace("  from: 2017-01-01", "  from: 2017-01-01\n  until: 2018-12-31")
    (folder / "2017.1.yaml").write_text(fixed, encoding="utf-8")
    assert not [d for d in check_scheme_file(folder / "2019.1.yaml") if "overlaps" in str(d)]


def test_a_unit_outside_the_charter_needs_a_note(tmp_path: Path) -> None:
    path = _broken(
        tmp_path,
        "  - {id: lingyao-health-centre, name: Lingyao Health Center, name_zh: 岭腰乡卫生院, "
        "group: township}",
        "  - {id: lingyao-clinic, name: Lingyao Health Center, group: township}",
    )
    found = [str(d) for d in check_scheme_file(path, charter_units=charter_unit_ids)]
    assert any("unit 'lingyao-clinic' is not a unit of the charter zhenghe-2017" in f
               for f in found), found
    assert not any("not a unit of the charter" in str(f) for f in check_scheme_file(path)), (
        "without a charter reader the scheme is checked on its own")


def test_bundled_examples_are_what_the_seeded_script_writes(tmp_path: Path) -> None:
    from appraisal.demo import SEED, YEARS, example_file, register_of
    from appraisal.synthetic import write_examples

    for sid in SCHEMES:
        register = register_of(sid)
        ids = [u.id for u in register.units] if register is not None else None
        written = write_examples(resolve_scheme(sid, max(YEARS), SCHEME_ROOT), tmp_path, YEARS, SEED, ids)
        assert written[0].read_bytes() == example_file(sid).read_bytes(), sid


def test_a_part_above_its_whole_is_rejected() -> None:
    """referral_files_complete may not exceed referrals_up (the rate would pass 100%)."""
    from appraisal.validate import validate_rows

    scheme = resolve_scheme("zhenghe-member-appraisal", 2018, SCHEME_ROOT)
    frame = pd.read_csv(ensure_examples()[0])
    frame = frame[frame["year"] == 2018].reset_index(drop=True)
    up = int(frame.loc[3, "referrals_up"])
    frame.loc[3, "referral_files_complete"] = up + 5
    rejected = validate_rows(scheme, frame, 2018).rejected
    mine = rejected[rejected["column"] == "referral_files_complete"]
    assert mine["row"].tolist() == [5]
    assert mine["reason"].tolist() == [f"more than referrals_up ({up})"]
