"""What changed between two versions of a rule set (governance.diff)."""

from __future__ import annotations

import datetime as dt

from governance.diff import consecutive_diffs, diff_lines, diff_rulesets
from governance.load import build_ruleset
from governance.model import RuleSet
from governance.source import parse_yaml

BASE = """\
kind: ruleset
id: demo-subsidy
title: Yearly subsidy
jurisdiction: Zhenghe County, Fujian
version: "{version}"
status: adopted
effective:
  from: {start}
sources:
  - key: zhenghe-2017
    title: Zhenghe plan
inputs:
  association_type:
    type: enum
    values: [close, loose]
  completed:
    type: boolean
parameters:
  close_subsidy:
    type: number
    unit: yuan
    clause: zhenghe-2017 IV.7.4
    status: law
    values:
{close_values}
  loose_subsidy:
    type: number
    unit: yuan
    clause: zhenghe-2017 IV.7.4
    status: {loose_status}
    note: The figure reads "654.38+10,000"; 100,000 is the likely original.
    values:
      - from: 2017-01-01
        value: 100000
        reference: uncertain reading
outputs:
  subsidy:
    type: number
    unit: yuan
    default: 0
rules:
{rules}
"""

CLOSE_RULE = """\
  - id: close
    title: Close association subsidy
    clause: zhenghe-2017 IV.7.4
    source: close medical associations will be subsidized by 200,000 yuan per year
    when:
      - {condition}
    then:
      subsidy: close_subsidy
"""
LOOSE_RULE = """\
  - id: loose
    title: Loose association subsidy
    clause: zhenghe-2017 IV.7.4
    source: loose medical associations will be subsidized by 654.38+10,000 yuan per year
    when: association_type == 'loose' and completed
    then:
      subsidy: loose_subsidy
"""
STAFF_RULE = """\
  - id: nothing-without-indicators
    title: No subsidy without the indicators
    clause: zhenghe-2017 IV.7.4
    source: pilot units that have completed the established assessment indicators
    when: not completed
    then:
      subsidy: 0
"""


def ruleset(
    version: str,
    start: str,
    close_values: list[tuple[str, int]],
    rules: list[str],
    loose_status: str = "uncertain-reading",
) -> RuleSet:
    values = "\n".join(
        f"      - from: {day}\n        value: {value}\n        reference: plan" for day, value in close_values
    )
    text = BASE.format(
        version=version,
        start=start,
        close_values=values,
        loose_status=loose_status,
        rules="".join(rules),
    )
    return build_ruleset(parse_yaml(text, f"rules/demo-subsidy/{version}.yaml"))


def close_rule(condition: str = "association_type == 'close' and completed") -> str:
    return CLOSE_RULE.format(condition=condition)


def test_identical_versions_have_no_changes() -> None:
    a = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000)], [close_rule(), LOOSE_RULE])
    b = ruleset("2017.2", "2017-01-01", [("2017-01-01", 200000)], [close_rule(), LOOSE_RULE])
    diff = diff_rulesets(a, b)
    assert diff.empty
    assert diff_lines(diff)[-1].strip() == "no changes"


def test_reformatting_an_expression_is_not_a_change() -> None:
    a = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000)], [close_rule()])
    b = ruleset(
        "2017.2",
        "2017-01-01",
        [("2017-01-01", 200000)],
        [close_rule("(association_type=='close')   and completed")],
    )
    assert diff_rulesets(a, b).rules == ()


def test_restating_a_figure_from_the_new_versions_first_day_is_not_a_change() -> None:
    a = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000)], [close_rule()])
    b = ruleset("2018.1", "2018-01-01", [("2018-01-01", 200000)], [close_rule()])
    assert [p.name for p in diff_rulesets(a, b).parameters] == []


def test_parameter_values_are_compared_as_each_version_applies_them() -> None:
    a = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000)], [close_rule()])
    b = ruleset(
        "2018.1",
        "2018-01-01",
        [("2017-01-01", 180000), ("2018-07-01", 250000)],
        [close_rule()],
        loose_status="law",
    )
    diff = diff_rulesets(a, b)
    by_name = {p.name: p for p in diff.parameters}
    assert set(by_name) == {"close_subsidy", "loose_subsidy"}

    close = by_name["close_subsidy"]
    assert close.kind == "changed"
    assert close.fields == ()
    # 180,000 is in force when 2018.1 starts, where 2017.1 had 200,000; from 1 July 2018 the
    # new version applies 250,000 where the old one would still apply 200,000
    changes = {(v.start, v.kind) for v in close.values}
    assert changes == {(dt.date(2018, 1, 1), "changed"), (dt.date(2018, 7, 1), "changed")}
    later = next(v for v in close.values if v.start == dt.date(2018, 7, 1))
    assert later.old is not None and later.old.value == 200000
    assert later.new is not None and later.new.value == 250000
    changed = next(v for v in close.values if v.kind == "changed")
    assert changed.old is not None and changed.old.value == 200000
    assert changed.new is not None and changed.new.value == 180000

    loose = by_name["loose_subsidy"]
    assert [(f.field, f.old, f.new) for f in loose.fields] == [
        ("status", "uncertain-reading", "law")
    ]
    assert loose.values == ()

    assert [(f.field, f.old, f.new) for f in diff.header] == [
        ("effective from", dt.date(2017, 1, 1), dt.date(2018, 1, 1))
    ]


def test_rules_added_removed_and_changed() -> None:
    a = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000)], [close_rule(), LOOSE_RULE])
    b = ruleset(
        "2018.1",
        "2017-01-01",
        [("2017-01-01", 200000)],
        [close_rule("association_type == 'close'"), STAFF_RULE],
    )
    diff = diff_rulesets(a, b)
    kinds = {r.id: r.kind for r in diff.rules}
    assert kinds == {"close": "changed", "nothing-without-indicators": "added", "loose": "removed"}
    close = next(r for r in diff.rules if r.id == "close")
    assert [f.field for f in close.fields] == ["conditions"]
    (change,) = close.fields
    assert change.old == ("association_type == 'close' and completed",)
    assert change.new == ("association_type == 'close'",)
    text = "\n".join(diff_lines(diff))
    assert "rule loose removed" in text
    assert "rule nothing-without-indicators added" in text


def test_consecutive_diffs_follow_version_order_not_list_order() -> None:
    v1 = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000)], [close_rule()])
    v2 = ruleset("2017.2", "2017-01-01", [("2017-01-01", 210000)], [close_rule()])
    v10 = ruleset("2017.10", "2017-01-01", [("2017-01-01", 220000)], [close_rule()])
    diffs = consecutive_diffs([v10, v1, v2])
    assert [(d.old_version, d.new_version) for d in diffs] == [
        ("2017.1", "2017.2"),
        ("2017.2", "2017.10"),
    ]
    first = diffs[0].parameters[0].values[0]
    assert first.old is not None and first.new is not None
    assert (first.old.value, first.new.value) == (200000, 210000)


def test_a_value_copied_with_its_old_date_or_a_scheduled_step_kept_is_not_a_change() -> None:
    """What is in force on each date is compared: restating the old dates (a copied file), or
    keeping a step the old version already scheduled, changes nothing."""
    a = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000), ("2018-07-01", 250000)], [close_rule()])
    copied = ruleset("2018.1", "2018-01-01", [("2017-01-01", 200000), ("2018-07-01", 250000)], [close_rule()])
    restated = ruleset("2018.1", "2018-01-01", [("2018-01-01", 200000), ("2018-07-01", 250000)], [close_rule()])
    for b in (copied, restated):
        diff = diff_rulesets(a, b)
        assert [p.name for p in diff.parameters] == []
        assert not any("→" in line and "value from" in line for line in diff_lines(diff))


def test_dropping_a_scheduled_step_is_a_change_on_its_date() -> None:
    a = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000), ("2018-07-01", 250000)], [close_rule()])
    b = ruleset("2018.1", "2018-01-01", [("2018-01-01", 200000)], [close_rule()])
    (close,) = diff_rulesets(a, b).parameters
    assert [(v.start, v.old.value if v.old else None, v.new.value if v.new else None) for v in close.values] == [
        (dt.date(2018, 7, 1), 250000, 200000)
    ]


def test_the_same_figure_with_a_new_reference_is_not_a_changed_value() -> None:
    a = ruleset("2017.1", "2017-01-01", [("2017-01-01", 200000)], [close_rule()])
    text = BASE.format(version="2018.1", start="2018-01-01", loose_status="uncertain-reading", rules=close_rule(),
                       close_values="      - from: 2018-01-01\n        value: 200000.0\n        reference: copied")
    b = build_ruleset(parse_yaml(text, "rules/demo-subsidy/2018.1.yaml"))
    assert diff_rulesets(a, b).parameters == ()


def test_the_diff_in_both_languages() -> None:
    """`medunion diff --lang`: the English is diff_lines' word for word; the Chinese words its own
    frame (the changed values are the files' own text) and writes dates as Chinese dates."""
    from pathlib import Path

    from governance.explain import render_diff
    from governance.load import load_rulesets

    versions = load_rulesets(Path(__file__).resolve().parents[1] / "rules")["huangzhong-insurance-payment"]
    diffs = consecutive_diffs(versions)
    assert diffs
    for diff in diffs:
        assert render_diff(diff, "en") == "\n".join(diff_lines(diff))
    chinese = render_diff(diffs[0], "zh")
    assert "  参数 township_deductible：修改\n" in chinese
    assert "    自2018年1月1日起的值：200 \u2192 100" in chinese
    assert "  effective from: 2017年1月1日 \u2192 2018年1月1日" in chinese
    assert "parameter " not in chinese and "value from" not in chinese
