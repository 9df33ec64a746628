"""Every public label has a Chinese form (`medunion check` warns where one is missing, at the item),
and a quoted sentence of a plan is labelled for what it is: the English translation of the plan,
with any Chinese rendering written here labelled 译文（非原文）, never shown as the original."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from fixtures.builders import position, write_ruleset
from typer.testing import CliRunner

from governance.check import check_labels, missing_label
from governance.decide import decide
from governance.diagnostics import MedunionError
from governance.explain import render_text
from governance.i18n import translator
from governance.load import load_ruleset
from medunion.cli import app
from medunion.kinds import checkers

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"

LABELLED = """inputs:
  severity:
    type: enum
    label_zh: 病情程度
    values: [ordinary, acute]
    values_zh: {ordinary: 一般, acute: 急症}
  cost:
    type: number
    label_zh: 费用
parameters:
  ratio:
    type: number
    label_zh: 报销比例
    clause: demo-2017 I.1
    status: law
    values: [{from: 2017-01-01, value: 0.5}]
outputs:
  pay:
    type: number
    label_zh: 报销金额
rules:
  - id: pay
    title: Pay half
    title_zh: 支付一半
    clause: demo-2017 I.1
    status: law
    source: The plan says so.
    then:
      pay: cost * ratio
"""


def _warnings(path: Path) -> list[str]:
    return [str(d) for d in check_labels(load_ruleset(path))]


SUMMARY = ("jurisdiction_zh: 测试县\ntopics: [referral]\n"
           "plain: {applies_to_zh: 测试县的参保患者, gives_zh: 按一半报销,\n"
           "        applies_to: insured patients, gives: half}\n")
"""The summary for residents (tests/test_plain_summaries.py), so that only the labels tested here are missing."""


def _written(tmp_path: Path, body: str, title_zh: bool = True) -> tuple[Path, str]:
    path = write_ruleset(tmp_path, body)
    jurisdiction = "jurisdiction: Test County\n"
    text = path.read_text(encoding="utf-8").replace(jurisdiction, jurisdiction + SUMMARY, 1)
    return path, text.replace("title: Demo\n", "title: Demo\ntitle_zh: 演示\n", 1) if title_zh else text


def _labelled(tmp_path: Path, body: str = LABELLED) -> Path:
    path, text = _written(tmp_path, body)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_fully_labelled_rule_set_has_no_warning(tmp_path: Path) -> None:
    assert _warnings(_labelled(tmp_path)) == []


@pytest.mark.parametrize(("removed", "kind", "name", "key", "needle"), [
    ("    label_zh: 费用\n", "input", "cost", "label_zh", "cost:"),
    ("    label_zh: 报销比例\n", "parameter", "ratio", "label_zh", "ratio:"),
    ("    label_zh: 报销金额\n", "output", "pay", "label_zh", "pay:"),
    ("    title_zh: 支付一半\n", "rule", "pay", "title_zh", "- id: pay"),
])
def test_a_missing_label_is_a_warning_at_its_item(tmp_path: Path, removed: str, kind: str, name: str, key: str,
                                                  needle: str) -> None:
    assert removed in LABELLED
    path = _labelled(tmp_path, LABELLED.replace(removed, ""))
    text = path.read_text(encoding="utf-8")
    line, column = position(text, needle)
    column += 2 if needle.startswith("- ") else 0  # a rule is placed at its mapping, after the dash
    assert _warnings(path) == [
        f"{path}:{line}:{column}: warning: {kind} '{name}' has no Chinese label; add `{key}:` with its Chinese name "
        "(officers and the public read the Chinese one)"]


def test_an_enum_value_without_a_chinese_name_is_named(tmp_path: Path) -> None:
    body = LABELLED.replace("values_zh: {ordinary: 一般, acute: 急症}", "values_zh: {ordinary: 一般}")
    path = _labelled(tmp_path, body)
    line, column = position(path.read_text(encoding="utf-8"), "severity:")
    assert _warnings(path) == [
        f"{path}:{line}:{column}: warning: input 'severity': enum value(s) 'acute' have no Chinese label; "
        "add `values_zh: {acute: …}` naming each value in Chinese"]


def test_a_rule_set_without_a_chinese_title_is_warned_at_its_top(tmp_path: Path) -> None:
    path, text = _written(tmp_path, LABELLED, title_zh=False)
    path.write_text(text, encoding="utf-8")
    assert _warnings(path) == [f"{path}:1:1: warning: rule set 'demo' has no Chinese label; add `title_zh:` with "
                               "its Chinese name (officers and the public read the Chinese one)"]


def test_check_reports_the_warning_and_still_passes(tmp_path: Path) -> None:
    path = _labelled(tmp_path, LABELLED.replace("    label_zh: 费用\n", ""))
    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"{path}:" in result.output and "input 'cost' has no Chinese label" in result.output
    assert "0 error(s), 1 warning(s)" in result.output


def test_the_shipped_rules_have_every_chinese_label() -> None:
    result = CliRunner().invoke(app, ["check", str(RULES)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output, result.output
    assert "Chinese label" not in result.output


def test_the_labels_reach_the_model() -> None:
    referral = load_ruleset(RULES / "zhenghe-referral" / "2017.1.yaml")
    direction = referral.inputs["referral_direction"]
    assert direction.label_zh == "转诊方向"
    assert [direction.value_zh(v) for v in direction.type.values] == ["上转", "下转", "未经转诊"]
    assert referral.parameters["township_reimbursement_ratio"].label_zh == "乡镇卫生院报销比例"
    assert referral.outputs["reimbursement"].label_zh == "报销金额"


def test_an_amendment_is_not_warned_for_what_it_inherits(tmp_path: Path) -> None:
    """2019.1 restates one parameter's values: its label is the base's, reported (if at all) there."""
    folder = tmp_path / "huangzhong-insurance-payment"
    shutil.copytree(RULES / "huangzhong-insurance-payment", folder)
    shutil.copy(RULES / "clauses.yaml", tmp_path / "clauses.yaml")
    base = folder / "2018.1.yaml"
    base.write_text(base.read_text(encoding="utf-8").replace("    label_zh: 县级医院起付线\n", "", 1), encoding="utf-8")
    assert _warnings(folder / "2019.1.yaml") == []
    assert [w.split(": warning: ")[1] for w in _warnings(base)] == [
        "parameter 'county_deductible' has no Chinese label; add `label_zh:` with its Chinese name "
        "(officers and the public read the Chinese one)"]


# --- the other kinds of rule file ----------------------------------------------------------------


@pytest.mark.parametrize(("shipped", "removed", "expected"), [
    ("appraisal/zhenghe-member-appraisal/2017.1.yaml", "    label_zh: 门急诊人次\n",
     "data column 'outpatient_visits' has no Chinese label; add `label_zh:`"),
    ("charters/zhenghe-2017.yaml", "    name_zh: 铁山镇卫生院\n",
     "unit 'tieshan-health-centre' has no Chinese label; add `name_zh:`"),
    ("lifecycles/referral-case.yaml", "    title_zh: 医院接收转诊患者\n",
     "event 'admission' has no Chinese label; add `title_zh:`"),
    ("lifecycles/referral-case.yaml", "    values_zh: {first: 第一医联体, second: 第二医联体, third: 第三医联体}\n",
     "data field 'association': enum value(s) 'first', 'second', 'third' have no Chinese label"),
])
def test_each_kind_of_file_warns_at_the_item(tmp_path: Path, shipped: str, removed: str, expected: str) -> None:
    source = RULES / shipped
    text = source.read_text(encoding="utf-8")
    assert text.count(removed) == 1
    copy = tmp_path / "rules" / shipped
    shutil.copytree(RULES, tmp_path / "rules")
    copy.write_text(text.replace(removed, ""), encoding="utf-8")
    kind = {"appraisal": "appraisal-scheme", "charters": "charter", "lifecycles": "lifecycle"}[shipped.split("/")[0]]
    found = [str(d) for d in checkers()[kind](copy)]
    hits = [f for f in found if expected in f]
    assert len(hits) == 1 and found == hits, found
    # at the item: the line that held the removed label is the one after the item's key or its name
    line = int(hits[0].split(":")[1])
    lines = copy.read_text(encoding="utf-8").splitlines()
    assert any(word in lines[line - 1] for word in ("outpatient_visits:", "name:", "admission:", "association:"))


@pytest.mark.parametrize(("kind", "chinese"), [
    ("rule set", "规则集"), ("input", "输入项"), ("output", "输出项"), ("parameter", "参数"), ("rule", "规则"),
    ("table", "决策表"), ("appraisal scheme", "考核方案"), ("dimension", "考核维度"), ("indicator", "考核指标"),
    ("grade", "考核等次"), ("data column", "数据列"), ("unit", "单位"), ("charter", "章程"), ("association", "医联体"),
    ("governing body", "管理机构"), ("lifecycle", "流程"), ("state", "状态"), ("event", "事件"),
    ("transition", "状态转换"), ("data field", "数据字段"),
])
def test_the_missing_label_warning_reads_in_chinese_for_every_kind_of_item(kind: str, chinese: str) -> None:
    """Each kind the checkers of every file kind name has its own template: the kind itself is translated."""
    found = missing_label(kind, "tieshan", "name_zh", None)
    shown = found.text(translator("zh").gettext)
    assert shown.startswith(f"{chinese}“tieshan”没有中文名称；请加上`name_zh:`"), shown
    assert found.message.startswith(f"{kind} 'tieshan' has no Chinese label; add `name_zh:`")


def test_an_unknown_kind_still_warns_with_its_english_name_in_the_chinese_text() -> None:
    found = missing_label("widget", "w1", "title_zh", None)
    assert found.text(translator("zh").gettext).startswith("widget“w1”没有中文名称")


# --- the quoted law, labelled ---------------------------------------------------------------------


def _with_quote(tmp_path: Path, extra: str) -> Path:
    body = LABELLED.replace("    source: The plan says so.\n", "    source: The plan says so.\n" + extra)
    return _labelled(tmp_path, body)


def test_the_quote_is_labelled_the_english_translation_of_the_plan(tmp_path: Path) -> None:
    ruleset = load_ruleset(_labelled(tmp_path))
    decision = decide(ruleset, {"severity": "acute", "cost": 100}, dt.date(2018, 1, 1))
    text = render_text(decision.trace)
    assert "\u201cThe plan says so.\u201d (English translation of the plan)" in text
    assert "译文" not in text
    by = decision.explanation["outputs"]["pay"]["by"]
    assert by["source_label"] == "English translation of the plan"
    assert "source_zh" not in by


def test_a_chinese_rendering_is_labelled_a_translation_never_the_original(tmp_path: Path) -> None:
    path = _with_quote(tmp_path, "    source_zh: 方案如此规定。\n    source_zh_status: translation\n")
    decision = decide(load_ruleset(path), {"severity": "acute", "cost": 100}, dt.date(2018, 1, 1))
    text = render_text(decision.trace)
    assert "译文（非原文）：\u201c方案如此规定。\u201d" in text
    by = decision.explanation["outputs"]["pay"]["by"]
    assert (by["source_zh"], by["source_zh_status"], by["source_zh_label"]) == (
        "方案如此规定。", "translation", "译文（非原文）")
    rule = decision.explanation["rules"][0]
    assert rule["source_zh_label"] == "译文（非原文）"


def test_a_chinese_quote_must_say_whether_it_is_the_original(tmp_path: Path) -> None:
    path = _with_quote(tmp_path, "    source_zh: 方案如此规定。\n")
    with pytest.raises(MedunionError) as raised:
        load_ruleset(path)
    assert any("source_zh_status" in d.message for d in raised.value.diagnostics), raised.value.diagnostics


def test_the_site_labels_the_quote(tmp_path: Path) -> None:
    from publication.pages.ruleset import ruleset_page

    path = _with_quote(tmp_path, "    source_zh: 方案如此规定。\n    source_zh_status: translation\n")
    ruleset = load_ruleset(path)
    page = ruleset_page(ruleset, [ruleset])
    assert "*(English translation of the plan)*" in page
    assert '<span lang="zh-Hans">译文（非原文）</span>：<span lang="zh-Hans">方案如此规定。</span>' in page
    assert '<span lang="zh-Hans">病情程度</span>' in page and '<span lang="zh-Hans">急症</span>' in page

