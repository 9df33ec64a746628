"""The site in Chinese and English, checked without building it: the ways in by county and topic,
the plain summary at the top of a rule page, the rules read with the file's Chinese names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import markdown
import pytest

from appraisal.scheme import load_schemes
from governance.expressions import parse_expression
from governance.load import load_rulesets
from governance.model import PlainSummary, RuleSet
from governance.tables import parse_cell
from publication.pages import ruleset_page
from publication.pages.browse import browse_view, home_section, slug, topic_page
from publication.plain_zh import cell_zh, condition_zh, conditions_zh, names_of, value_zh

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2020, 6, 1)


@pytest.fixture(scope="module")
def groups() -> dict[str, list[RuleSet]]:
    return load_rulesets(REPO / "rules")


def _with(versions: list[RuleSet], **changes: object) -> list[RuleSet]:
    return [replace(v, **changes) for v in versions]


def _county_data(groups: dict[str, list[RuleSet]]) -> dict[str, list[RuleSet]]:
    """Two rule sets of one invented county with Chinese names and topics, one of another county
    without its Chinese name yet: the grouping must follow the data, whatever the county."""
    ids = ("zhenghe-referral", "huangzhong-insurance-payment", "zhenghe-subsidy")
    referral, payment, subsidy = (groups[i] for i in ids)
    plain = PlainSummary("上转的患者", "按乡镇卫生院比例报销", "patients referred upward", "the township ratio")
    return {
        "a": _with(referral, jurisdiction="Test County, Nowhere", jurisdiction_zh="测试县", topics=("referral",),
                   plain=plain),
        "b": _with(payment, jurisdiction="Test County, Nowhere", jurisdiction_zh="测试县",
                   topics=("insurance-payment", "referral")),
        "c": _with(subsidy, jurisdiction="Other County", jurisdiction_zh=None, topics=("subsidy", "new-topic")),
    }


def test_rule_sets_are_grouped_by_their_county_and_topics(groups: dict[str, list[RuleSet]]) -> None:
    data = _county_data(groups)
    browse = browse_view(data, {}, TODAY, "zh")
    assert [(c.title, c.slug, len(c.entries)) for c in browse.counties] == [
        ("测试县", "test-county-nowhere", 2), ("Other County", "other-county", 1)]
    titles = {t.code: (t.title, [e.title for e in t.entries]) for t in browse.topics}
    assert titles["referral"] == ("转诊", [data["a"][-1].title_zh, data["b"][-1].title_zh])
    assert titles["insurance-payment"][0] == "医保支付"
    assert titles["subsidy"][0] == "补助"
    assert titles["new-topic"][0] == "new-topic"  # a topic with no title yet is shown as written
    assert "appraisal" not in titles  # no rule set and no scheme: no empty topic
    english = browse_view(data, {}, TODAY, "en")
    assert [c.title for c in english.counties] == ["Test County, Nowhere", "Other County"]
    assert {t.code: t.title for t in english.topics}["referral"] == "Referral"


def test_appraisal_schemes_are_listed_under_the_appraisal_topic(groups: dict[str, list[RuleSet]]) -> None:
    schemes = load_schemes(REPO / "rules" / "appraisal")
    assert schemes
    browse = browse_view({}, schemes, TODAY, "zh")
    (topic,) = browse.topics
    assert topic.title == "考核"
    assert {e.uri.split("/")[1] for e in topic.entries} == set(schemes)
    page = topic_page(topic, "zh")
    for versions in schemes.values():
        assert (versions[-1].title_zh or versions[-1].title) in page


def test_the_home_section_links_each_county_its_rule_sets_and_each_topic(groups: dict[str, list[RuleSet]]) -> None:
    data = _county_data(groups)
    section = home_section(browse_view(data, {}, TODAY, "zh"), "zh")
    assert "## 按县" in section and "## 按主题" in section
    assert "[测试县](counties/test-county-nowhere/index.md)" in section
    assert f"[{data['a'][-1].title_zh}](rules/zhenghe-referral/" in section
    assert "[转诊](topics/referral/index.md)" in section
    english = home_section(browse_view(data, {}, TODAY, "en"), "en")
    assert "## By county" in english and "[Referral](topics/referral/index.md)" in english


def test_a_rule_page_says_who_it_applies_to_and_what_it_gives_in_its_language(
    groups: dict[str, list[RuleSet]]
) -> None:
    versions = _county_data(groups)["a"]
    ruleset = versions[-1]
    zh = ruleset_page(ruleset, versions, (), "zh")
    head = zh[: zh.index("## 参数")]
    assert head.startswith(f"# {ruleset.title_zh} — 第 {ruleset.version} 版")
    assert "**适用对象：** 上转的患者" in head and "**规定内容：** 按乡镇卫生院比例报销" in head
    assert "**本规则集的规则**" in head
    for rule in ruleset.rules:
        assert f"[{rule.title_zh}](#rule-{rule.id})" in head
    en = ruleset_page(ruleset, versions, (), "en")
    assert "**Applies to:** patients referred upward" in en and "**What it gives:** the township ratio" in en
    without = replace(ruleset, plain=None)
    assert "此规则集尚无通俗说明" in ruleset_page(without, versions, (), "zh")
    assert "No plain summary yet." in ruleset_page(without, versions, (), "en")


def test_a_chinese_rule_page_has_no_english_headings(groups: dict[str, list[RuleSet]]) -> None:
    versions = groups["huangzhong-insurance-payment"]
    page = ruleset_page(versions[-1], versions, (), "zh")
    headings = [line for line in page.splitlines() if line.startswith("## ")]
    assert headings == ["## 参数", "## 案件事实", "## 判定结果", "## 规则", "## 决策表", "## 示例"]
    assert "Applies when" not in page and "Then:" not in page and "Dated values" not in page
    assert "方案英文译本（非原文）" in page  # the quoted law keeps its label


def test_a_plain_summary_from_a_rule_file_is_shown_as_text(groups: dict[str, list[RuleSet]]) -> None:
    versions = groups["zhenghe-referral"]
    hostile = PlainSummary("<script>alert(1)</script>", "[链接](javascript:alert(1)) **粗体**")
    page = ruleset_page(replace(versions[-1], plain=hostile), versions, (), "zh")
    body = markdown.markdown(page, extensions=["tables", "admonition", "attr_list", "md_in_html"])
    assert "<script" not in body and "javascript:" not in re.findall(r'href="([^"]*)"', body).__str__()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "**粗体**" in body


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("referral_direction == 'upward'", "转诊方向为上转"),
        ("severity in ['acute', 'severe']", "病情程度为急症或重症"),
        ("severity not in ['acute']", "病情程度不为急症"),
        ("not within_primary_scope", "属于基层诊疗范围（否）"),
        ("within_association == true", "医联体内双向转诊（是）"),
        ("eligible_cost > 6000", "新农合报销范围内费用大于6,000元"),
        ("not within_association or referral_direction == 'none'", "医联体内双向转诊（否），或转诊方向为未经转诊"),
        ("unknown_name >= 3", "unknown_name不少于3"),  # no Chinese name in the file: the code name, nothing invented
    ],
)
def test_conditions_read_in_chinese_with_the_files_names(
    groups: dict[str, list[RuleSet]], text: str, expected: str
) -> None:
    names = names_of(groups["zhenghe-referral"][-1])
    assert condition_zh(parse_expression(text), names) == expected


def test_a_when_list_and_formulas_read_in_chinese(groups: dict[str, list[RuleSet]]) -> None:
    names = names_of(groups["huangzhong-insurance-payment"][-1])
    assert conditions_zh([], names) == "始终"
    formula = value_zh(parse_expression("round(max(eligible_cost - deductible, 0) * payment_ratio, 2)"), names)
    assert formula.endswith("，四舍五入保留2位小数")
    assert "与0中的较大者" in formula and "×" in formula and "eligible_cost" not in formula
    referral = names_of(groups["zhenghe-referral"][-1])
    both = conditions_zh([parse_expression("within_association"), parse_expression("a or b")], referral)
    assert both == "医联体内双向转诊（是），且（a（是），或b（是））"


@pytest.mark.parametrize(
    ("cell", "unit", "expected"),
    [("-", None, "任意"), ("> 6", "month", "大于6个月"), ("[0, 6)", "month", "0至不足6个月"),
     ("(0, 6]", "month", "大于0至6个月"), ("in ['upward', 'downward']", None, "上转或下转"),
     ("not in ['none']", None, "不为未经转诊"), ("!= 'none'", None, "不为未经转诊"), ("'upward'", None, "上转")],
)
def test_table_cells_read_in_chinese(cell: str, unit: str | None, expected: str) -> None:
    enum = {"upward": "上转", "downward": "下转", "none": "未经转诊"}
    assert cell_zh(parse_cell(cell), unit, enum) == expected


def test_county_folders_are_ascii() -> None:
    assert slug("Huangzhong County, Xining, Qinghai") == "huangzhong-county-xining-qinghai"
    assert slug("湟中县") == "county"

