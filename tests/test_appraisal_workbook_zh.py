"""The appraisal's officer outputs in Chinese (issue 12, items 5 and 6): the workbook, the per-unit
scoring sheet (考核评分表) and its print set-up, the Chinese template and its round trip, the
explanation letters, and rejected rows' reasons in both languages.

Every check reads the written files back (openpyxl reads the xlsx XML), cell by cell.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from appraisal.labels import data_label_text, grade_name, heading, unit_label, yes_no
from appraisal.messages import Message, shown
from appraisal.pipeline import Run, appraise_file
from appraisal.scheme import resolve_scheme
from appraisal.scoresheet import CJK_FONT, _unique_name
from appraisal.template import write_template
from appraisal.validate import scheme_headers, validate_rows
from governance.i18n import LANG_ENV
from medunion.cli import app as cli_app

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "appraisal" / "zhenghe-member-appraisal-2017-2019-SYNTHETIC.csv"
YEAR = 2019
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SHEETS_ZH = ["关于", "汇总", "成绩", "指标明细", "假设分析"]
SHEETS_EN = ["About", "Summary", "Scores", "Explanations", "What would change"]


def _scheme() -> Any:
    return resolve_scheme("zhenghe-member-appraisal", YEAR, ROOT / "rules" / "appraisal")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Run, Path]]:
    """The example year appraised twice, in Chinese (the default) and in English."""
    out: dict[str, tuple[Run, Path]] = {}
    for lang in ("zh", "en"):
        folder = tmp_path_factory.mktemp(f"out-{lang}")
        kwargs = {} if lang == "zh" else {"lang": "en"}
        run = appraise_file(_scheme(), DATA, YEAR, folder, stability_draws=5, **kwargs)
        assert isinstance(run, Run)
        out[lang] = (run, folder)
    return out


def _rows(ws: Any) -> list[tuple[Any, ...]]:
    return list(ws.iter_rows(values_only=True))


# --- labels ------------------------------------------------------------------------------------

def test_headings_grades_units_and_booleans_in_both_languages() -> None:
    scheme = _scheme()
    assert heading("points", scheme) == "得分 Score"
    assert heading("points", scheme, both=False) == "得分"
    assert heading("points", scheme, "en") == "Score"
    assert heading("total", scheme) == "总分 Total score"
    assert heading("dimension.quality", scheme) == "服务质量 Quality"
    assert heading("points.adverse_events", scheme, both=False) == "医疗不良事件与纠纷得分"
    assert heading("value.adverse_events", scheme, "en") == "Medical adverse events and disputes: value"
    assert heading("performance_pay_coefficient", scheme, both=False) == "绩效工资总额系数"
    assert heading("no_such_column", scheme) == "no_such_column"  # an unknown code comes back unchanged
    assert grade_name("excellent", scheme) == "优秀 excellent"
    assert grade_name("fail", scheme, both=False) == "不合格"
    assert grade_name("good", scheme, "en") == "good"
    assert grade_name("unheard-of", scheme) == "unheard-of"
    assert unit_label("zhenghe-dongping-thc", "东平镇卫生院", "Dongping Town Health Centre") == \
        "东平镇卫生院（zhenghe-dongping-thc）"
    assert unit_label("u1", None, "Unit One", "en") == "Unit One (u1)"
    assert unit_label("u1", None, None) == "u1"
    assert (yes_no(True, "zh"), yes_no(False, "zh"), yes_no(True, "en")) == ("是", "否", "yes")
    assert data_label_text("SYNTHETIC example", "zh") == "模拟数据，非真实（SYNTHETIC example）"
    assert data_label_text("SYNTHETIC example", "en") == "SYNTHETIC example"


# --- the workbook ------------------------------------------------------------------------------

def test_the_workbook_is_chinese_by_default(runs: dict[str, tuple[Run, Path]]) -> None:
    run, out = runs["zh"]
    book = openpyxl.load_workbook(out / "appraisal.xlsx")
    assert book.sheetnames[:5] == SHEETS_ZH
    assert {"指标说明", "被拒数据行", "稳定性"} <= set(book.sheetnames)
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in book.sheetnames)
    rows = _rows(book["成绩"])
    header = list(rows[0])
    assert header[:4] == ["排名 Rank", "单位编码 Unit ID", "单位中文名称 Unit name (Chinese)", "单位名称 Unit name"]
    assert "等级 Grade" in header and "总分 Total score" in header and "整改通知 Rectification notice" in header
    assert "绩效工资总额系数 Performance pay coefficient" in header
    assert "服务质量 Quality" in header
    by_id = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    dongping = by_id["zhenghe-dongping-thc"]
    assert dongping["单位中文名称 Unit name (Chinese)"] == "东平镇卫生院"  # the Chinese name beside the id
    results = run.appraisal.results.set_index("unit_id")
    grade = results.loc["zhenghe-dongping-thc", "grade"]
    assert dongping["等级 Grade"] == {"excellent": "优秀 excellent", "good": "良好 good", "pass": "合格 pass",
                                     "fail": "不合格 fail"}[grade]
    booleans = [v for r in rows[1:] for v in r if isinstance(v, bool) or v in ("TRUE", "FALSE", "True", "False")]
    assert booleans == []  # never TRUE/FALSE: 是/否
    notices = {r[1]: dict(zip(header, r, strict=True))["整改通知 Rectification notice"] for r in rows[1:]}
    assert set(notices.values()) <= {"是", "否"}
    assert {k for k, v in notices.items() if v == "是"} == set(results.index[results["rectification_notice"]])
    about = dict(_rows(book["关于"])[1:])
    assert about["数据 Data"].startswith("模拟数据，非真实")
    assert about["名称 Title"] == "政和县医联体成员单位年度绩效考核"
    assert about["须整改等级 Rectification below"].startswith("合格 pass")
    assert "行属于其他年度" in about["说明 Notes"]  # the run's notes in Chinese
    indicators = _rows(book["指标说明"])[0]
    assert "依据（方案英文译本，非原文） Source (English translation of the plan)" in indicators
    what_if = _rows(book["假设分析"])
    assert what_if[0][6] == "指标 Indicator"
    titles = {i.title_zh for i in _scheme().indicators}
    assert {r[6] for r in what_if[1:] if r[6]} <= titles  # indicators by their Chinese titles
    rejected = _rows(book["被拒数据行"])
    assert rejected[0][:6] == ("行号 Row", "单位编码 Unit ID", "列 Column", "数值 Value", "原因 Reason",
                               "原因（中文） Reason (Chinese)")
    reasons = {(r[0], r[2]): (r[4], r[5]) for r in rejected[1:]}
    assert ("a rate above 100%", "比率超过 100%") in reasons.values()
    assert any(en.startswith("unknown unit") and zh.startswith("未知单位") for en, zh in reasons.values())


def test_english_on_request(runs: dict[str, tuple[Run, Path]]) -> None:
    _, out = runs["en"]
    book = openpyxl.load_workbook(out / "appraisal.xlsx")
    assert book.sheetnames[:5] == SHEETS_EN
    header = _rows(book["Scores"])[0]
    assert header[:3] == ("Unit ID", "Unit name", "Unit name (Chinese)") and "Grade" in header
    grades = {r[header.index("Grade")] for r in _rows(book["Scores"])[1:]}
    assert grades <= {"excellent", "good", "pass", "fail"}
    notices = {r[header.index("Rectification notice")] for r in _rows(book["Scores"])[1:]}
    assert notices <= {"yes", "no"}
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(book.sheetnames))
    sheet = book[book.sheetnames[5]]  # the first unit's scoring sheet, named after the unit
    assert sheet["A1"].value == ("Yearly performance appraisal of the member units of the Zhenghe medical "
                                 "association scoring sheet, 2019")


def test_results_files_carry_the_chinese_names(runs: dict[str, tuple[Run, Path]]) -> None:
    run, out = runs["zh"]
    results = pd.read_csv(out / "results.csv", dtype=str, keep_default_na=False).set_index("unit_id")
    assert results.loc["zhenghe-dongping-thc", "unit_name_zh"] == "东平镇卫生院"
    assert results.loc["zhenghe-dongping-thc", "unit_name"] == "Dongping Town Health Centre"
    payload = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {r["unit_id"]: r["unit_name_zh"] for r in payload["results"]}["tieshan-health-centre"] == "铁山镇卫生院"
    rejected = pd.read_csv(out / "rejected.csv", dtype=str, keep_default_na=False)
    assert list(rejected.columns[-2:]) == ["reason", "reason_zh"]
    assert (rejected["reason_zh"] != "").all() and len(rejected) == len(run.appraisal.validated.rejected)
    explanations = json.loads((out / "explanations.json").read_text(encoding="utf-8"))
    first = explanations[0]
    assert first["unit"]["name_zh"] and first["grade_zh"] in ("优秀", "良好", "合格", "不合格")
    assert first["scheme"]["title_zh"] == "政和县医联体成员单位年度绩效考核"
    assert first["consequence_labels_zh"]["subsidy_eligible"] == "保留财政拨款及补助资格"
    assert all("title_zh" in i for d in first["dimensions"] for i in d["indicators"])


# --- the scoring sheet -------------------------------------------------------------------------

def test_one_scoring_sheet_per_unit_fits_a4(runs: dict[str, tuple[Run, Path]]) -> None:
    run, out = runs["zh"]
    book = openpyxl.load_workbook(out / "appraisal.xlsx")
    units = run.appraisal.results
    names = [n if n else i for i, n in zip(units["unit_id"], units["unit_name_zh"], strict=True)]
    assert [n for n in book.sheetnames if n in names] == names  # rank order, named in Chinese
    ws = book["东平镇卫生院"]
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # one page wide
    assert ws.print_title_rows == "$4:$4"  # the indicator header repeats on every page
    assert ws.print_area.startswith("'东平镇卫生院'!$A$1:$G$")
    assert ws.page_margins.left == pytest.approx(0.6) and ws.print_options.horizontalCentered
    assert ws["A1"].font.name == CJK_FONT and ws["A1"].font.charset == 134
    assert ws["B6"].alignment.wrap_text
    assert "&P" in ws.oddFooter.center.text


def test_the_scoring_sheet_cells(runs: dict[str, tuple[Run, Path]]) -> None:
    run, out = runs["zh"]
    ws = openpyxl.load_workbook(out / "appraisal.xlsx")["东平镇卫生院"]
    rows = _rows(ws)
    assert rows[0][0] == "政和县医联体成员单位年度绩效考核 考核评分表 2019年度"
    assert rows[1][0].startswith("模拟数据，非真实")
    assert rows[2][:2] == ("被考核单位", "东平镇卫生院（zhenghe-dongping-thc）")
    assert rows[3] == ("指标 Indicator", "数据 Data", "标准 Target", "满分 Full marks", "得分 Score",
                       "扣分 Deduction", "否决项 Veto item")
    exp = run.explanations.unit("zhenghe-dongping-thc")
    items = {i["id"]: i for d in exp["dimensions"] for i in d["indicators"]}
    by_title = {r[0].split("\n")[0]: r for r in rows[4:] if isinstance(r[0], str) and "\n" in r[0]}
    ratio = by_title["下转患者占上转患者比例"]
    assert ratio[0].endswith("zhenghe-2017 IV.5")
    assert "上转患者数：129" in ratio[1] and "接收下转患者数：49" in ratio[1] and "（由计数计算）" in ratio[1]
    assert ratio[2] == "下限 10%，达到 40% 得满分（起草人设定）"
    points = items["downward_referral_ratio"]["points"]
    assert ratio[3] == 15 and ratio[4] == pytest.approx(round(points, 2)) and ratio[5] == pytest.approx(
        round(15 - points, 2))
    assert ratio[6] == "—"
    steps = by_title["转诊档案完整率"]
    assert steps[2] == "达到 80%：6 分；达到 90%：11 分；达到 95%：15 分（起草人设定）"
    deduction = by_title["医疗不良事件与纠纷"]
    assert deduction[2] == "每发生一次扣 3 分，最多扣 15 分（起草人设定）"
    veto = by_title["违反目标要求和基本原则（一票否决）"]
    assert veto[1] == "严重违反目标要求和基本原则：否" and veto[3:] == ("—", "—", "—", "否")
    assert veto[2] == "如为“是”：等级最高为不合格（起草人设定）"
    dimension = next(r for r in rows if r[0] == "双向转诊")
    assert dimension[3] == 30
    foot = {r[0]: r[1] for r in rows if isinstance(r[0], str) and r[1] is not None and " " in r[0]}
    assert foot["总分 Total score"] == f"{exp['total']:.2f} / 100"
    assert foot["等级 Grade"] == grade_name(exp["grade"], _scheme())
    assert foot["排名 Rank"] == f"第 {exp['rank']} 名（共 8 个单位）"
    assert foot["否决项 Veto items"] == "无"
    consequences = foot["考核结果运用 Consequences"].split("\n")
    assert consequences[0].startswith("绩效工资总额系数：") and "保留财政拨款及补助资格：是" in consequences
    assert consequences[-1] == "须限期整改：否（zhenghe-2017 IV.8.1）"
    texts = [r[0] for r in rows if isinstance(r[0], str)]
    assert any(t.startswith("（起草人设定）：方案未规定该数值") for t in texts)  # the footnote of the mark
    assert "考核人（签字）：______________    日期：______年____月____日" in texts
    assert "被考核单位负责人（签字）：______________    日期：______年____月____日" in texts
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_a_vetoed_unit_says_so_on_its_sheet(runs: dict[str, tuple[Run, Path]]) -> None:
    run, out = runs["zh"]
    res = run.appraisal.results
    vetoed = res[res["vetoed_by"] != ""]
    if vetoed.empty:
        pytest.skip("the example year has no vetoed unit")
    row = vetoed.iloc[0]
    ws = openpyxl.load_workbook(out / "appraisal.xlsx")[row["unit_name_zh"]]
    rows = _rows(ws)
    veto = next(r for r in rows if isinstance(r[0], str) and r[0].startswith("违反目标要求和基本原则"))
    assert veto[6] == "是"
    foot = {r[0]: r[1] for r in rows if isinstance(r[0], str) and r[1] is not None and " " in r[0]}
    assert foot["否决项 Veto items"] == "违反目标要求和基本原则（一票否决）（zhenghe-2017 IV.8.1）"
    assert foot["等级 Grade"].startswith("不合格 fail")


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert _unique_name("东平镇卫生院", taken) == "东平镇卫生院"
    assert _unique_name("东平镇卫生院", taken) == "东平镇卫生院(2)"
    assert _unique_name("a/b:c*d?[e]'f", taken) == "a_b_c_d__e__f"
    assert _unique_name("x" * 40, taken) == "x" * 31
    assert _unique_name("x" * 40, taken) == "x" * 28 + "(2)"
    assert _unique_name("History", taken) == "History_"


# --- the template and its round trip -----------------------------------------------------------

def _fill_in_chinese(template: Path, target: Path) -> int:
    """The template filled as a Chinese officer would: 是/否, '39,711', full-width digits."""
    source = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    source = source[source["year"] == str(YEAR)].drop_duplicates("unit_id").set_index("unit_id")
    book = openpyxl.load_workbook(template)
    ws = book["Data"]
    headers = [c.value for c in ws[1]]
    filled = 0
    for r in range(2, ws.max_row + 1):
        uid = ws.cell(r, 1).value
        if uid not in source.index:
            continue
        filled += 1
        for c, header in enumerate(headers, start=1):
            code = header.split()[-1]
            if code in ("unit_id", "year", "unit_name") or code not in source.columns:
                continue
            value = source.loc[uid, code]
            if code == "serious_violation":
                value = {"True": "是", "False": "否"}.get(value, value)
            elif code == "outpatient_visits" and value.isdigit():
                value = f"{int(value):,}"
            elif code == "service_population":
                value = value.translate(FULL_WIDTH)
            ws.cell(r, c).value = value
    book.save(target)
    return filled


def test_the_template_is_chinese_and_a_filled_one_scores(tmp_path: Path) -> None:
    runner = CliRunner()
    template = tmp_path / "t.xlsx"
    made = runner.invoke(cli_app, ["template", "zhenghe-member-appraisal", "--year", str(YEAR), "--out",
                                   str(template)], env={LANG_ENV: None})
    assert made.exit_code == 0, made.output
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["Data", "单位名单", "数据列说明"]
    header = [c.value for c in book["Data"][1]]
    assert header[:3] == ["单位编码 unit_id", "年度 year", "上转患者数 referrals_up"]
    assert header[-1] == "单位名称 unit_name"
    assert book["Data"]["M2"].value == "东平镇卫生院"
    lists = {dv.formula1 for dv in book["Data"].data_validations.dataValidation}
    assert '"是,否"' in lists and "='单位名单'!$A$2:$A$11" in lists
    assert [c.value for c in book["数据列说明"][1]][:3] == ["列名", "中文名称", "类型"]
    assert book["数据列说明"]["C2"].value == "整数 integer"
    filled = tmp_path / "filled.xlsx"
    assert _fill_in_chinese(template, filled) == 10
    out = tmp_path / "out"
    result = runner.invoke(cli_app, ["appraise", "zhenghe-member-appraisal", "--year", str(YEAR), "--data",
                                     str(filled), "--out", str(out)], env={LANG_ENV: None})
    assert result.exit_code == 3, result.output  # the example's two bad rows are rejected, the rest scored
    # no --lang and no MEDUNION_LANG: the terminal speaks Chinese, as the files do
    assert "个表头（如 " in result.output and "按中文列名读取了" in result.output
    assert "退回第 5 行（zhenghe-zhenqian-thc）antibiotic_prescription_rate：比率超过 100%" in result.output
    scored = pd.read_csv(out / "results.csv", dtype=str, keep_default_na=False)
    assert len(scored) == 8 and (scored["unit_name_zh"] != "").all()
    book = openpyxl.load_workbook(out / "appraisal.xlsx")
    assert book.sheetnames[:3] == SHEETS_ZH[:3] and "东平镇卫生院" in book.sheetnames
    # the same figures typed the plain way score the same totals
    plain = appraise_file(_scheme(), DATA, YEAR, tmp_path / "plain", stability_draws=2, lang="en")
    assert isinstance(plain, Run)
    totals = dict(zip(scored["unit_id"], scored["total"].astype(float), strict=True))
    expected = plain.appraisal.results.set_index("unit_id")["total"]
    assert {k: pytest.approx(v) for k, v in totals.items()} == expected.to_dict()


def test_the_english_template_keeps_code_headers(tmp_path: Path) -> None:
    path = write_template(_scheme(), YEAR, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Data", "Units", "Columns"]
    assert [c.value for c in book["Data"][1]][:3] == ["unit_id", "year", "referrals_up"]


def test_headers_by_chinese_name_code_or_both() -> None:
    scheme = _scheme()
    frame = pd.DataFrame({"单位编码": ["a"], "年度": [2019], "上转患者数（referrals_up）": [1],
                          "接收下转患者数 referrals_down_received": [1], "outpatient_visits": [1],
                          "服务人口": [1], "其他": [1]})
    renamed, notes = scheme_headers(scheme, frame)
    assert list(renamed.columns) == ["unit_id", "year", "referrals_up", "referrals_down_received",
                                     "outpatient_visits", "service_population", "其他"]
    assert notes and isinstance(notes[0], Message) and shown(notes[0], "zh").startswith("按中文列名读取了 5 个表头")
    # a wrong code beside a Chinese name is not guessed at
    assert list(scheme_headers(scheme, pd.DataFrame({"上转患者数 adverse_events": [1]}))[0].columns) == [
        "上转患者数 adverse_events"]
    from governance.diagnostics import MedunionError

    with pytest.raises(MedunionError, match="which one holds the data cannot be told"):
        scheme_headers(scheme, pd.DataFrame({"上转患者数": [1], "上转患者数 referrals_up": [2]}))


def test_rejection_reasons_and_notes_in_both_languages() -> None:
    scheme = _scheme()
    rows = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    checked = validate_rows(scheme, rows, YEAR)
    rejected = checked.rejected
    assert len(rejected) and list(rejected.columns).index("reason_zh") == list(rejected.columns).index("reason") + 1
    pairs = dict(zip(rejected["reason"], rejected["reason_zh"], strict=True))
    assert pairs["negative count"] == "计数为负数"
    assert pairs["missing value (the scheme rejects it)"] == "数值缺失（考核方案规定退回）"
    duplicate = next(k for k in pairs if k.startswith("duplicate unit"))
    assert re.fullmatch(r"单位重复：同一单位出现在第 \d+, \d+ 行", pairs[duplicate])
    assert pairs["unknown unit: not a unit of zhenghe-member-appraisal"] == \
        "未知单位：不是 zhenghe-member-appraisal 的考核单位"
    notes = [shown(n, "zh") for n in checked.notes]
    assert any(re.fullmatch(r"\d+ 行属于其他年度，未计入 2019 年度", n) for n in notes)


def test_the_terminal_speaks_chinese_on_request(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["appraise", "zhenghe-member-appraisal", "--year", str(YEAR), "--data",
                                          str(DATA), "--out", str(tmp_path / "out"), "--lang", "zh"],
                                env={LANG_ENV: None})
    assert result.exit_code == 3, result.output
    assert "计数为负数" in result.output and "negative count" not in result.output
    assert "说明：" in result.output or "注：" in result.output or "行属于其他年度" in result.output
    refused = CliRunner().invoke(cli_app, ["appraise", "zhenghe-member-appraisal", "--year", str(YEAR), "--data",
                                           str(tmp_path / "missing.csv"), "--lang", "zh"], env={LANG_ENV: None})
    assert refused.exit_code == 1 and "数据文件不存在" in refused.output


# --- the explanation letters -------------------------------------------------------------------

def test_the_explanation_letters_are_chinese_by_default(runs: dict[str, tuple[Run, Path]]) -> None:
    _, out = runs["zh"]
    text = (out / "explanations" / "zhenghe-dongping-thc.txt").read_text(encoding="utf-8")
    assert text.startswith("[模拟数据，非真实")
    assert "单位：东平镇卫生院（zhenghe-dongping-thc）" in text
    assert re.search(r"总分：[\d.]+（满分 100）；等级：(优秀|良好|合格|不合格)；排名：第 \d+ 名（共 8 个单位）", text)
    assert "双向转诊：" in text and "  - 下转患者占上转患者比例 [zhenghe-2017 IV.5]" in text
    assert "方案英文译本（非原文）" in text
    assert "保留财政拨款及补助资格 = 是" in text
    assert "怎样改变考核结果：" in text
    md = (out / "explanations" / "zhenghe-dongping-thc.md").read_text(encoding="utf-8")
    assert md.startswith("> **模拟数据，非真实") and "# 东平镇卫生院 — 2019" in md
    assert "| 指标 | 条款 | 原始数据 | 值 | 满分线 | 计分方法 | 得分 | 计分说明 |" in md
    assert "## 所引依据" in md and "## 怎样改变考核结果" in md
    _, out_en = runs["en"]
    english = (out_en / "explanations" / "zhenghe-dongping-thc.txt").read_text(encoding="utf-8")
    assert "Unit: Dongping Town Health Centre (zhenghe-dongping-thc)" in english
    assert "(English translation of the plan)" in english and not re.search(r"[\u4e00-\u9fff]", english.split(
        "\n", 2)[2].replace("政和县医联体成员单位年度绩效考核", ""))


def test_the_province_summary_workbook_is_chinese(tmp_path: Path) -> None:
    frame = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    frame["cohort"] = ["政和县" if i % 2 else "松溪县" for i in range(len(frame))]
    data = tmp_path / "province-SYNTHETIC.csv"
    frame.to_csv(data, index=False)
    appraise_file(_scheme(), data, YEAR, tmp_path / "out", stability_draws=2)
    book = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx")
    assert book.sheetnames == ["关于", "各考核组汇总", "被拒数据行"]
    rows = _rows(book["各考核组汇总"])
    assert rows[0][:4] == ("考核组 Cohort", "行数 Rows", "评分单位数 Units scored", "退回行数 Rows rejected")
    assert {r[0] for r in rows[1:]} == {"政和县", "松溪县"}
    assert {r[-1] for r in rows[1:]} <= {"是", "否"}
    assert dict(_rows(book["关于"])[1:])["数据 Data"].startswith("模拟数据，非真实")
    per_cohort = openpyxl.load_workbook(tmp_path / "out" / "政和县" / "appraisal.xlsx")
    assert per_cohort.sheetnames[:3] == SHEETS_ZH[:3]
