"""Issue 12: every shipped rule set tells a resident, in plain Chinese (and English), who it applies to and
what it gives, under its Chinese jurisdiction and its topics; every reading of the law comes in Chinese too;
and `medunion check` warns, at the rule set or the item and in the reader's language, where one is missing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fixtures.builders import position, rule, write_ruleset
from typer.testing import CliRunner

from governance.check import SUMMARY_WARNINGS, TOPICS, check_labels, check_readings, check_summary
from governance.load import load_ruleset, load_rulesets, ruleset_versions
from governance.model import LAW
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
HAN = re.compile(r"[\u4e00-\u9fff]")
COUNTIES = {"Zhenghe County, Fujian": "政和县", "Huangzhong County, Xining, Qinghai": "湟中县"}

SUMMARY = ("jurisdiction_zh: 测试县\n"
           "topics: [referral]\n"
           "plain:\n"
           "  applies_to_zh: 测试县的参保患者\n"
           "  gives_zh: 报销一半费用\n"
           "  applies_to: insured patients of Test County\n"
           "  gives: half of the cost\n")
BODY = """inputs:
  cost: {type: number, label_zh: 费用}
outputs:
  pay: {type: number, label_zh: 报销金额}
rules:
  - id: pay
    title: Pay half
    title_zh: 支付一半
    clause: demo-2017 I.1
    status: law
    source: The plan says so.
    then:
      pay: cost * 0.5
"""


def _shipped() -> list:
    return [r for versions in load_rulesets(RULES).values() for r in versions]


def _fixture(tmp_path: Path, summary: str = SUMMARY, body: str = BODY) -> Path:
    """A draft rule set with every label; `summary` goes where the shipped files put it, after `jurisdiction:`."""
    path = write_ruleset(tmp_path, body)
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: Demo\n", "title: Demo\ntitle_zh: 演示\n", 1)
    path.write_text(text.replace("jurisdiction: Test County\n", "jurisdiction: Test County\n" + summary, 1),
                    encoding="utf-8")
    return path


# --- the shipped rule sets ------------------------------------------------------------------------


def test_every_shipped_rule_set_version_has_its_jurisdiction_topics_and_plain_summary() -> None:
    shipped = _shipped()
    assert len(shipped) >= 13  # every version, amendments merged (2019.1 extends 2018.1)
    for ruleset in shipped:
        where = f"{ruleset.path}"
        assert ruleset.jurisdiction_zh == COUNTIES[ruleset.jurisdiction], where
        assert ruleset.topics and set(ruleset.topics) <= set(TOPICS), where
        assert ruleset.plain is not None, where
        plain = ruleset.plain
        for chinese in (plain.applies_to_zh, plain.gives_zh):
            assert len(HAN.findall(chinese)) >= 10, (where, chinese)  # sentences, not a label
            assert not re.search(r"[A-Za-z]{4,}", chinese), (where, chinese)  # no English left in the Chinese
        for english in (plain.applies_to, plain.gives):
            assert english and not HAN.search(english) and len(english.split()) >= 8, (where, english)
        assert check_summary(ruleset) == [], where


def test_the_topics_cover_what_the_site_navigates_by() -> None:
    """Every topic of the site's navigation has at least one shipped rule set (else its page is empty)."""
    found = {topic for ruleset in _shipped() for topic in ruleset.topics}
    assert found == set(TOPICS)


def test_a_summary_says_so_where_it_rests_on_a_drafters_figure_or_an_uncertain_reading() -> None:
    """A resident must not take an illustrative figure for the county's: where a rule set's parameters are not
    law, its summary says whose figure or which reading it is, in both languages."""
    for ruleset in _shipped():
        flagged = [p for p in ruleset.parameters.values() if p.status != LAW]
        if not flagged:
            continue
        plain = ruleset.plain
        assert plain is not None
        assert re.search("起草者|不确定", plain.gives_zh), (ruleset.path, plain.gives_zh)
        assert re.search("drafter|uncertain", plain.gives or ""), (ruleset.path, plain.gives)


def test_the_summary_states_no_figure_the_rules_do_not_hold() -> None:
    """Every amount or share a summary names is a value of one of the rule set's parameters (or the
    plan's own threshold), so the summary promises nothing the rules do not decide."""
    for ruleset in _shipped():
        values = {float(v.value) for p in ruleset.parameters.values() for v in p.values
                  if isinstance(v.value, int | float) and not isinstance(v.value, bool)}
        plain = ruleset.plain
        assert plain is not None
        for amount in re.findall(r"(\d+(?:\.\d+)?)万元", plain.gives_zh):
            assert float(amount) * 10_000 in values, (ruleset.path, amount)
        for share in re.findall(r"(\d+)%", plain.gives_zh + (plain.gives or "")):
            assert float(share) / 100 in values, (ruleset.path, share)
        for months in re.findall(r"(\d+)个月", plain.gives_zh):
            assert float(months) in values, (ruleset.path, months)


def test_an_amendment_carries_the_summary_of_the_version_it_extends() -> None:
    versions = {r.version: r for r in ruleset_versions("huangzhong-insurance-payment", RULES)}
    amended, base = versions["2019.1"], versions["2018.1"]
    text = Path(amended.path).read_text(encoding="utf-8")
    assert "plain:" not in text and "jurisdiction_zh:" not in text  # inherited, not restated
    assert (amended.plain, amended.topics, amended.jurisdiction_zh) == (base.plain, base.topics, base.jurisdiction_zh)


def test_every_shipped_reading_of_the_law_has_its_chinese() -> None:
    for ruleset in _shipped():
        for item in (*ruleset.rules, *ruleset.tables):
            if item.reading.marked:
                assert item.reading.text_zh and HAN.search(item.reading.text_zh), (ruleset.path, item.id)
        for name, parameter in ruleset.parameters.items():
            if parameter.status != LAW:
                assert parameter.reading_zh and HAN.search(parameter.reading_zh), (ruleset.path, name)


def test_every_shipped_description_has_its_chinese() -> None:
    """The longer meaning of an input, output or parameter is public text too (the site shows it beside the
    label): where a file describes one in English it describes it in Chinese."""
    for ruleset in _shipped():
        for name, item in (*ruleset.inputs.items(), *ruleset.outputs.items(), *ruleset.parameters.items()):
            if item.description:
                assert item.description_zh and HAN.search(item.description_zh), (ruleset.path, name)


def test_an_amendment_that_restates_a_reading_restates_its_chinese() -> None:
    """2019.1 rewrites the county deductible's reading for its new figure: the Chinese follows it, so the
    merged version never shows the new English beside the old Chinese."""
    versions = {r.version: r for r in ruleset_versions("huangzhong-insurance-payment", RULES)}
    amended = versions["2019.1"].parameters["county_deductible"]
    base = versions["2018.1"].parameters["county_deductible"]
    assert amended.reading_text != base.reading_text
    assert amended.reading_zh != base.reading_zh and "600元" in (amended.reading_zh or "")


def test_the_shipped_rules_check_without_any_warning() -> None:
    result = CliRunner().invoke(app, ["check", str(RULES)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output, result.output


# --- check warns where a summary is missing -------------------------------------------------------


def test_a_rule_set_with_its_summary_has_no_warning(tmp_path: Path) -> None:
    path = _fixture(tmp_path)
    ruleset = load_ruleset(path)
    assert check_labels(ruleset) == [] and check_readings(ruleset) == []
    assert ruleset.plain is not None and ruleset.plain.gives_zh == "报销一半费用"


@pytest.mark.parametrize(("removed", "expected"), [
    ("jurisdiction_zh: 测试县\n",
     "rule set 'demo' has no `jurisdiction_zh`; add `jurisdiction_zh:` at the top of the file with the "
     "jurisdiction's Chinese name (e.g. 政和县): the public site groups rule sets by it"),
    ("topics: [referral]\n",
     "rule set 'demo' has no `topics`; add `topics: [...]` at the top of the file with one or more of referral, "
     "insurance-payment, subsidy, membership, appraisal, staffing, goals: the public site lists rule sets by topic"),
    (SUMMARY.split("topics: [referral]\n")[1],
     "rule set 'demo' has no plain summary; add `plain:` at the top of the file with `applies_to_zh:` (who it "
     "applies to) and `gives_zh:` (what it gives or decides), in words a resident understands, and their English "
     "`applies_to:` and `gives:`"),
    ("  applies_to: insured patients of Test County\n  gives: half of the cost\n",
     "rule set 'demo': the plain summary has no English; add `applies_to:` and `gives:` under `plain:` "
     "(the English page shows them)"),
])
def test_a_missing_part_of_the_summary_is_a_warning_at_the_rule_set(tmp_path: Path, removed: str,
                                                                    expected: str) -> None:
    assert SUMMARY.count(removed) == 1
    path = _fixture(tmp_path, SUMMARY.replace(removed, ""))
    found = check_labels(load_ruleset(path))
    assert [str(d) for d in found] == [f"{path}:1:1: warning: {expected}"]
    assert found[0].template in SUMMARY_WARNINGS


def test_check_prints_the_warnings_with_file_line_and_column_and_still_passes(tmp_path: Path) -> None:
    path = _fixture(tmp_path, "")
    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(f"{path}:1:1: warning: rule set 'demo'")]
    assert len(lines) == 3, result.output  # jurisdiction_zh, topics, plain
    assert "0 error(s), 3 warning(s)" in result.output


def test_an_amendment_is_not_warned_for_a_summary_it_inherits(tmp_path: Path) -> None:
    """Reported once, at the base version's file, where it is to be added."""
    folder = tmp_path / "huangzhong-insurance-payment"
    shutil.copytree(RULES / "huangzhong-insurance-payment", folder)
    shutil.copy(RULES / "clauses.yaml", tmp_path / "clauses.yaml")
    base = folder / "2018.1.yaml"
    text = base.read_text(encoding="utf-8")
    base.write_text(re.sub(r"plain:\n(  .*\n(    .*\n)+)+", "", text, count=1), encoding="utf-8")
    assert load_ruleset(base).plain is None
    assert check_summary(load_ruleset(folder / "2019.1.yaml")) == []
    assert [d.template for d in check_summary(load_ruleset(base))] == [SUMMARY_WARNINGS[2]]


# --- check warns where a reading has no Chinese ---------------------------------------------------


READINGS = """inputs:
  cost: {type: number, label_zh: 费用}
parameters:
  ratio:
    type: number
    label_zh: 比例
    clause: demo-2017 I.1
    status: drafter-reading
    reading: The plan gives no figure; one half is the drafter's.
    reading_zh: 方案未给出数字；一半是起草者设定的。
    values: [{from: 2017-01-01, value: 0.5}]
  fee:
    type: number
    label_zh: 手续费
    clause: demo-2017 I.1
    status: drafter-choice
    note: An invented fee.
    reading_zh: 虚构的手续费。
    values: [{from: 2017-01-01, value: 1}]
outputs:
  pay: {type: number, label_zh: 报销金额}
  charged: {type: number, label_zh: 收费}
rules:
  - id: pay
    title: Pay a share
    title_zh: 按比例支付
    clause: demo-2017 I.1
    status: drafter-reading
    reading: The plan says pay; the share is read into it.
    reading_zh: 方案规定支付；比例是解读出来的。
    source: The plan says so.
    then:
      pay: cost * ratio
tables:
  - id: charged
    title: Charge the fee
    title_zh: 收取手续费
    clause: demo-2017 I.1
    status: uncertain-reading
    reading: The translation is unclear whether the fee applies.
    reading_zh: 译文不清楚是否收取手续费。
    source: The plan says so.
    hit: unique
    inputs: [cost > 0]
    outputs: [charged]
    rows:
      - {when: ["true"], then: [fee]}
      - {when: ["false"], then: ["0"]}
"""


def test_a_fixture_with_every_reading_in_chinese_has_no_warning(tmp_path: Path) -> None:
    assert check_readings(load_ruleset(_fixture(tmp_path, body=READINGS))) == []


@pytest.mark.parametrize(("removed", "needle", "expected"), [
    ("    reading_zh: 方案未给出数字；一半是起草者设定的。\n", "ratio:",
     "parameter 'ratio' is a drafter-reading with a reading (`reading` or `note`) but no `reading_zh`"),
    ("    reading_zh: 虚构的手续费。\n", "fee:",  # the older drafter-choice, its reading in `note`
     "parameter 'fee' is a drafter-reading with a reading (`reading` or `note`) but no `reading_zh`"),
    ("    reading_zh: 方案规定支付；比例是解读出来的。\n", "id: pay",
     "rule 'pay' is a drafter-reading with a `reading` but no `reading_zh`"),
    ("    reading_zh: 译文不清楚是否收取手续费。\n", "id: charged",
     "table 'charged' is a uncertain-reading with a `reading` but no `reading_zh`"),
])
def test_a_reading_without_its_chinese_is_a_warning_at_its_item(tmp_path: Path, removed: str, needle: str,
                                                                 expected: str) -> None:
    assert READINGS.count(removed) == 1
    path = _fixture(tmp_path, body=READINGS.replace(removed, ""))
    line, column = position(path.read_text(encoding="utf-8"), needle)
    found = [str(d) for d in check_readings(load_ruleset(path))]
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:{line}:{column}: warning: {expected}; add `reading_zh:` beside it"), found


def test_a_law_item_needs_no_chinese_reading(tmp_path: Path) -> None:
    body = BODY.replace("rules:\n", "rules:\n" + rule("other", None, "pay: 1", "    status: law\n")
                        .replace("title: Rule other\n", "title: Rule other\n    title_zh: 其他\n"))
    assert check_readings(load_ruleset(_fixture(tmp_path, body=body))) == []


# --- in Chinese -----------------------------------------------------------------------------------


def test_check_speaks_chinese_with_lang_zh(tmp_path: Path) -> None:
    body = READINGS.replace("    reading_zh: 方案规定支付；比例是解读出来的。\n", "")
    path = _fixture(tmp_path, SUMMARY.replace("topics: [referral]\n", ""), body)
    result = CliRunner().invoke(app, ["check", "--lang", "zh", str(tmp_path)])
    assert result.exit_code == 0, result.output
    line, column = position(path.read_text(encoding="utf-8"), "id: pay")
    assert (f"{path}:1:1: 警告: 规则集“demo”没有`topics`；请在文件开头加上`topics: [...]`，从referral, "
            "insurance-payment, subsidy, membership, appraisal, staffing, goals中选一个或多个：公开网站按主题列出规则集"
            ) in result.output, result.output
    assert (f"{path}:{line}:{column}: 警告: 规则“pay”的状态是drafter-reading，有`reading`但没有`reading_zh`；"
            "请在旁边加上`reading_zh:`") in result.output, result.output
    assert "0 个错误，2 个警告" in result.output
    english = CliRunner().invoke(app, ["check", "--lang", "en", str(tmp_path)])
    assert f"{path}:1:1: warning: rule set 'demo' has no `topics`" in english.output


def test_the_errors_of_check_speak_chinese_too(tmp_path: Path) -> None:
    """Every message of governance/check.py is a catalog template: an error reads in Chinese, its values kept."""
    body = BODY.replace("then:\n      pay: cost * 0.5\n", "when: cost > 700\n    then:\n      pay: cost * 0.5\n")
    body = body.replace("cost: {type: number, label_zh: 费用}",
                        "cost: {type: number, minimum: 0, maximum: 600, label_zh: 费用}")
    path = _fixture(tmp_path, body=body)
    result = CliRunner().invoke(app, ["check", "--lang", "zh", str(path)])
    assert result.exit_code == 1, result.output
    line, column = position(path.read_text(encoding="utf-8"), "id: pay")
    assert (f"{path}:{line}:{column}: 错误: 规则“pay”永远不会适用：“cost”没有任何取值落在其界限之内"
            "（声明的范围为0至600）；请修改或删除该规则") in result.output, result.output
