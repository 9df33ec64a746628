"""Decisions explained wholly in Chinese (issue 12, item 1): the letter, the Markdown and the JSON.

The golden Chinese letters (tests/golden/text/*.zh.txt) may hold English only where it is code or
the law's own English: code names (of inputs, outputs, parameters, rules, tables, rows and enum
values), expressions with their values, clause keys, and the plans' sentences quoted in English
translation, each labelled 方案英文译本（非原文）. `_english_words` strips exactly those pieces, taken
from the decision's own trace, and returns what English is left; the checks below also show it
finds English where there is some (in the English letter, and in a reading given only in English).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fixtures.builders import write_ruleset
from typer.testing import CliRunner

from governance.cases import read_case_file
from governance.decide import decide
from governance.explain import render_markdown, render_text
from governance.load import load_ruleset
from governance.trace import DecisionTrace
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden" / "text"
QUOTE_LABEL = "方案英文译本（非原文）"
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _decided(case: Path) -> DecisionTrace:
    found = read_case_file(case, None, None, ROOT / "rules")
    return decide(found.ruleset, found.inputs, found.on, found.source).trace


def _code(trace: DecisionTrace) -> list[str]:
    """The pieces of a letter that are code or quoted law, longest first (so a piece is removed
    whole before any shorter piece inside it)."""
    data = json.loads(json.dumps(_json(trace)))
    pieces: set[str] = set()
    for rule in data["rules"]:
        pieces.update({rule["id"], rule["clause"]})
        for c in rule["conditions"]:
            pieces.update({c["expression"], c.get("with_values") or ""})
    for table in data["tables"]:
        pieces.update({table["id"], table["clause"], *table["matched"]})
        pieces.update(row["row"] for row in table["rows"])
    for name, output in data["outputs"].items():
        pieces.add(name)
        if isinstance(output["value"], str):
            pieces.add(output["value"])
        for formula in ([output["formula"]] if "formula" in output else []) + output.get("formulas", []):
            pieces.update({formula["expression"], formula["with_values"] or ""})
        for reading in output["readings"]:
            pieces.update({reading["id"], reading["clause"]})
    for name, value in data["inputs"].items():
        pieces.add(name)
        if isinstance(value, str):
            pieces.add(value)
    for name, parameter in data["parameters"].items():
        pieces.update({name, parameter["clause"]})
    pieces.update({data["ruleset"]["id"], data["ruleset"]["version"], *data["ruleset"]["sources"]})
    pieces.discard("")
    return sorted(pieces, key=len, reverse=True)


def _json(trace: DecisionTrace) -> dict[str, Any]:
    from governance.trace import to_json

    return to_json(trace)


def _english_words(letter: str, trace: DecisionTrace) -> list[str]:
    """The English words of a letter that are neither code nor the quoted English of the plans."""
    text = letter
    quoted = {r.source for r in trace.rules} | {t.source for t in trace.tables}
    for source in sorted(quoted, key=len, reverse=True):  # quoted English, each labelled as a translation
        text = text.replace(f"\u201c{source}\u201d ({QUOTE_LABEL})", "")
    text = re.sub(r"\u201c[^\u201d]*\u201d\uff08" + QUOTE_LABEL + r"\uff09", "", text)  # a figure's quoted reference
    plan = " ".join([*quoted, *(p.reference or "" for p in trace.parameters.values())]).lower()
    text = re.sub(r"\u201c([^\u201d]*)\u201d",  # a few words of the plan quoted in a Chinese reading
                  lambda m: "" if m.group(1).lower() in plan else m.group(0), text)
    for piece in _code(trace):
        text = text.replace(piece, "")
    return LATIN_WORD.findall(text)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_the_chinese_golden_letter_has_no_english_but_code_and_quoted_law(case: Path) -> None:
    trace = _decided(case)
    letter = (GOLDEN / f"{case.stem}.zh.txt").read_text(encoding="utf-8")
    assert _english_words(letter, trace) == []
    english = (GOLDEN / f"{case.stem}.en.txt").read_text(encoding="utf-8")
    assert len(_english_words(english, trace)) > 10  # the check finds English where there is some


def test_every_chinese_golden_letter_labels_the_quoted_english() -> None:
    for case in CASES:
        letter = (GOLDEN / f"{case.stem}.zh.txt").read_text(encoding="utf-8")
        quotes = letter.count("\u201d (")
        assert quotes and letter.count(f"\u201d ({QUOTE_LABEL})") == quotes, case.stem


# --- a rule set made for the words: labels, a missing input, a default, an uncertain figure, a draft -------

BODY = """title_zh: 演示补助
jurisdiction_zh: 测试县
inputs:
  cost:
    type: number
    label_zh: 费用
    minimum: 0
  insured:
    type: boolean
    label_zh: 已参保
  kind:
    type: enum
    values: [township, county]
    values_zh: {township: 乡镇卫生院, county: 县级医院}
    label_zh: 机构类别
parameters:
  ratio:
    type: number
    label_zh: 报销比例
    unit: ratio
    clause: demo-2017 I.1
    description: The share paid.
    status: uncertain-reading
    reading: The plan gives no figure.
    reading_zh: 方案未给出数字。
    values:
      - from: 2017-01-01
        value: 0.5
outputs:
  covered:
    type: boolean
    label_zh: 予以报销
    default: false
  place:
    type: enum
    values: [township, county]
    values_zh: {township: 乡镇卫生院, county: 县级医院}
    label_zh: 就诊机构
  reimbursement:
    type: number
    label_zh: 报销金额
    unit: yuan
rules:
  - id: covered
    title: Insured patients are covered
    title_zh: 参保患者予以报销
    clause: demo-2017 I.1
    source: The plan says so.
    status: law
    when: insured
    then:
      covered: true
  - id: place
    title: Where the patient was seen
    title_zh: 就诊机构
    clause: demo-2017 I.1
    source: The plan says so.
    status: law
    then:
      place: kind
  - id: reimburse
    title: Reimburse a share of the cost
    title_zh: 按比例报销
    clause: demo-2017 I.2
    source: The plan says so.
    status: law
    when: covered
    then:
      reimbursement: round(cost * ratio, 2)
"""


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return write_ruleset(tmp_path / "rules", BODY)


def _letter(path: Path, case: dict[str, Any], lang: str = "zh", markdown: bool = False) -> tuple[str, DecisionTrace]:
    import datetime as dt

    trace = decide(load_ruleset(path), case, dt.date(2018, 1, 1)).trace
    return (render_markdown if markdown else render_text)(trace, lang), trace


def test_labels_values_money_and_the_uncertain_figure_in_chinese(demo: Path) -> None:
    letter, trace = _letter(demo, {"cost": 1002.5, "insured": True, "kind": "township"})
    assert letter.startswith("依据“演示补助”（测试县）于2018年1月1日施行的版本 1.0 作出的决定。")
    assert "- 予以报销（covered）：是\n" in letter
    assert "- 就诊机构（place）：乡镇卫生院（township）\n" in letter
    assert "- 报销金额（reimbursement）：501.25 元\n" in letter
    assert "计算：round(cost (= 1002.5) * ratio (= 0.5), 2) = 501.25 元" in letter
    assert "[对原文的理解尚不确定：参数“报销比例”（ratio），demo-2017 I.1] 方案未给出数字。" in letter
    assert "- 报销比例（ratio） = 0.5（自2017年1月1日起施行，demo-2017 I.1） [对原文的理解尚不确定]" in letter
    assert "警告：演示 demo 的版本" not in letter  # the draft warning names the rule set by its id
    assert "警告：demo 的版本 1.0 是草案，尚未通过" in letter
    assert "警告：参数“报销比例”（ratio），demo-2017 I.1：对原文的理解尚不确定。方案未给出数字。" in letter
    assert _english_words(letter, trace) == []


def test_the_english_letter_keeps_its_words(demo: Path) -> None:
    letter, _ = _letter(demo, {"cost": 100, "insured": True, "kind": "county"}, "en")
    assert "- reimbursement: 50 yuan\n  because of rule 'Reimburse a share of the cost' (demo-2017 I.2):" in letter
    assert "Warning: Version 1.0 of demo is a draft, not adopted" in letter
    assert "Warning: Parameter 'ratio' (demo-2017 I.1) is an uncertain reading of the source: " \
           "The plan gives no figure." in letter


def test_a_missing_input_and_a_default_are_explained_in_chinese(demo: Path) -> None:
    letter, trace = _letter(demo, {"cost": 100, "kind": "county"})  # insured is not given
    assert "- 予以报销（covered）：未能决定——没有适用的规则（covered：`insured` 需要输入项“insured”）" in letter
    assert "- 报销金额（reimbursement）：未能决定——没有适用的规则（reimburse：`covered` 用到结果项“covered”，" \
           "而该项未能决定（没有适用的规则（covered：`insured` 需要输入项“insured”）））" in letter
    assert "尚需提供：\n- 要决定 予以报销（covered），请提供 已参保（insured）" in letter
    assert "须待补齐缺少的事实才能适用的规则：\n" \
           "- 参保患者予以报销（demo-2017 I.1）：insured（需要输入项“insured”）" in letter
    assert _english_words(letter, trace) == []
    english, _ = _letter(demo, {"cost": 100, "kind": "county"}, "en")
    assert "- covered: not decided \u2014 no rule applies (covered: `insured` needs input 'insured')" in english
    assert "- to decide covered, give insured" in english


def test_a_rule_that_did_not_apply_and_a_default_in_chinese(demo: Path) -> None:
    letter, trace = _letter(demo, {"cost": 100, "insured": False, "kind": "county"})
    assert "- 予以报销（covered）：否\n  按默认值，因为没有适用的规则（covered：`insured (= false)` 不成立）" in letter
    assert "不适用于您的规则：\n- 参保患者予以报销（demo-2017 I.1）：insured (= false) 不成立" in letter
    assert _english_words(letter, trace) == []


def test_a_reading_given_only_in_english_is_marked_and_found(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY.replace("    reading_zh: 方案未给出数字。\n", ""))
    letter, trace = _letter(path, {"cost": 100, "insured": True, "kind": "county"})
    assert "[对原文的理解尚不确定：参数“报销比例”（ratio），demo-2017 I.1] （仅有英文说明）The plan gives no figure." \
        in letter
    assert _english_words(letter, trace) == ["The", "plan", "gives", "figure"] * 2  # beside the value, in the warning


def test_markdown_in_chinese(demo: Path) -> None:
    text, _trace = _letter(demo, {"cost": 100, "kind": "county"}, markdown=True)
    assert "| 报销金额（reimbursement） | 未能决定 |" in text
    assert "- 要决定 予以报销（covered），请提供 已参保（`insured`）" in text
    assert "- **参保患者予以报销**（demo-2017 I.1）暂不能适用：" in text
    assert "    - `insured` \u2192 需要输入项“insured”" in text
    assert "*对原文的理解尚不确定*" not in text  # nothing decided rests on the uncertain figure here
    assert "!!! warning \"理解尚不确定\"\n    demo 的版本 1.0 是草案" in text


def test_the_json_carries_the_chinese_labels_and_the_typed_warnings(demo: Path) -> None:
    import datetime as dt

    data = decide(load_ruleset(demo), {"cost": 100, "insured": True, "kind": "township"},
                  dt.date(2018, 1, 1)).explanation
    assert data["ruleset"]["jurisdiction"] == "Test County" and data["ruleset"]["jurisdiction_zh"] == "测试县"
    assert data["input_labels"]["kind"] == {"label_zh": "机构类别", "value_zh": "乡镇卫生院"}
    assert data["input_labels"]["cost"] == {"label_zh": "费用"}
    assert data["outputs"]["place"]["label_zh"] == "就诊机构" and data["outputs"]["place"]["value_zh"] == "乡镇卫生院"
    assert data["parameters"]["ratio"]["label_zh"] == "报销比例"
    (reading,) = data["outputs"]["reimbursement"]["readings"]
    assert reading["title_zh"] == "报销比例" and reading["reading_zh"] == "方案未给出数字。"
    assert data["relied_on"] == [{"severity": "warning", **reading}]
    assert data["warnings"] == [  # the English sentences, as before
        "Version 1.0 of demo is a draft, not adopted: this decision shows what the draft would decide, not what "
        "the law decides.",
        "Parameter 'ratio' (demo-2017 I.1) is an uncertain reading of the source: The plan gives no figure."]


# --- the commands in Chinese ----------------------------------------------------------------------

def _run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])  # English unless --lang (conftest)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_decide_refuses_in_chinese(demo: Path, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("on: 2016-06-01\ninputs: {cost: 1, insured: true, kind: county}\n", encoding="utf-8")
    code, _, err = _run("decide", demo, "--case", case, "--lang", "zh")
    assert code == 1
    assert "错误: demo 的版本 1.0 自 2017-01-01 起施行（未定终止日期），2016-06-01 不在其施行期内" in err
    code, _, err = _run("decide", demo, "--case", case, "--only", "nothing", "--record", "sqlite://", "--lang", "zh")
    assert code == 2 and "--record 只保存完整的决定" in err


def test_what_would_change_in_chinese(demo: Path, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("on: 2018-01-01\ninputs: {cost: 1, insured: true, kind: county}\n", encoding="utf-8")
    code, out, _ = _run("decide", demo, "--case", case, "--what-would-change", "covered", "--lang", "zh")
    assert code == 0
    assert out.startswith("予以报销（covered）为是。什么会改变它（每项均已重新决定验证）：\n")
    assert "- 已参保（insured） 由 是 改为 否：予以报销（covered）变为否" in out
    code, english, _ = _run("decide", demo, "--case", case, "--what-would-change", "covered")
    assert english.startswith("covered is yes. What would change it (each verified by deciding again):\n")
    assert "- insured = no instead of yes: covered becomes no" in english


def test_the_rule_tests_in_chinese(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY)
    tests = path.parent / "tests"
    tests.mkdir()
    (tests / "demo.yaml").write_text(
        "kind: ruleset-test\nruleset: demo\ntests:\n  - name: wrong\n    \"on\": 2018-01-01\n"
        "    inputs: {cost: 10, insured: true, kind: county}\n    expect: {reimbursement: 6}\n", encoding="utf-8")
    code, out, _ = _run("test", tests, "--lang", "zh")
    assert code == 1
    assert ": 未通过 wrong\n" in out and "  说明：\n    依据“演示补助”（测试县）" in out
    assert out.rstrip().endswith("0 个通过，1 个失败")
    code, out, _ = _run("test", tests)
    assert ": FAILED wrong\n" in out and "  explanation:\n    Decision under" in out
    assert out.rstrip().endswith("0 passed, 1 failed")


def test_diff_and_amend_in_chinese(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    write_ruleset(rules, BODY)
    code, out, _ = _run("diff", "demo", "--rules", rules, "--lang", "zh")
    assert code == 0 and out == "demo 只有一个版本（1.0）：无可比较\n"
    code, out, _ = _run("amend", "demo", "--version", "1.1", "--from", "2019-01-01", "--rules", rules, "--lang", "zh")
    assert code == 0, out
    assert f"已写入 {rules / 'demo' / '1.1.yaml'}\n" in out
    assert f"已截止 {rules / 'demo' / '1.0.yaml'}：施行至2019年1月1日前一日" in out
    code, out, _ = _run("diff", "demo", "--rules", rules, "--lang", "zh")
    assert out.startswith("demo: 1.0 \u2192 1.1\n"), out
    code, _, err = _run("diff", "demo", "--rules", rules, "--from", "0.9", "--to", "1.1", "--lang", "zh")
    assert code == 1 and "demo 有以下版本：1.0, 1.1；请以其中两个作为 --from 和 --to" in err


def test_a_date_is_shown_as_a_chinese_date(tmp_path: Path) -> None:
    import datetime as dt

    body = ("inputs:\n  found_on: {type: date, label_zh: 发现日期}\noutputs:\n"
            "  deadline: {type: date, label_zh: 整改期限}\nrules:\n"
            "  - id: deadline\n    title: Ninety days to rectify\n    title_zh: 九十日内整改\n"
            "    clause: demo-2017 I.1\n    source: The plan says so.\n    status: law\n"
            "    then:\n      deadline: found_on + 90\n")
    path = write_ruleset(tmp_path / "rules", body)
    trace = decide(load_ruleset(path), {"found_on": "2017-09-01"}, dt.date(2018, 1, 1)).trace
    letter = render_text(trace, "zh")
    assert "- 整改期限（deadline）：2017年11月30日\n" in letter
    assert "  计算：found_on (= 2017-09-01) + 90 = 2017年11月30日\n" in letter  # the formula keeps its code
    assert "- deadline: 2017-11-30\n" in render_text(trace, "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_two_readings_in_one_markdown_cell_need_no_raw_html(lang: str) -> None:
    """The site converts the core's Markdown with raw HTML off: a `<br>` between readings would be
    shown to the public as the text "<br>"."""
    trace = _decided(ROOT / "examples" / "cases" / "huangzhong-county-treatment-goal.yaml")
    target = trace.outputs["county_treatment_target_met"]
    assert len(target.readings) >= 2  # the case this test is about: several readings in one cell
    markdown = render_markdown(trace, lang)
    row = next(line for line in markdown.splitlines() if "county\\_treatment\\_target\\_met" in line
               or "county treatment target met" in line)
    assert "<br" not in row and "<" not in row.replace("&lt;", "").replace("&gt;", ""), row
    assert row.count("；" if lang == "zh" else "; *") >= len(target.readings) - 1, row  # the readings, apart
