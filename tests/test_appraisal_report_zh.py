"""The HTML appraisal report in Chinese (the default) and English, checked cell by cell (issue 12).

The report is built from the SYNTHETIC Zhenghe example of 2019 (examples/appraisal/), parsed
with html.parser, and read as a meeting would read it: the score table's header row, a grade
cell, the grade table, a drafter's-choice threshold, a unit's Chinese name beside its id; and no
raw Python value (a dict, True/False, None, nan) anywhere in the text.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from appraisal import labels, report_html
from appraisal.pipeline import appraise_frame
from appraisal.report_html import indicator_figures, score_table, threshold_name, write_html
from appraisal.scheme import resolve_scheme
from appraisal.stability import stability
from governance.i18n import translator

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "appraisal"
DATA = ROOT / "examples" / "appraisal" / "zhenghe-member-appraisal-2017-2019-SYNTHETIC.csv"
YEAR = 2019
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_GRADES = {"excellent": "优秀 excellent", "good": "良好 good", "pass": "合格 pass", "fail": "不合格 fail"}


# --- a parsed page ---------------------------------------------------------------------------------

@dataclasses.dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


class Page(HTMLParser):
    """The parts of the report a test reads: the html tag's lang, headings, tables (cell texts,
    a cell's nested spans joined), the text outside <style>/<script>, and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.tags: list[str] = []
        self.text: list[str] = []
        self.headings: list[tuple[str, str]] = []  # (tag, text)
        self.tables: list[Table] = []
        self.sections: list[tuple[str, int]] = []  # (h2 id, index of the next table)
        self._skip = 0
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None
        self._row: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang")
        if tag in ("style", "script"):
            self._skip += 1
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading = []
            if tag == "h2":
                self.sections.append((found.get("id") or "", len(self.tables)))
        if tag == "table":
            self.tables.append(Table([], []))
        if tag == "thead":
            self._in_head = True
        if tag == "tr":
            self._row = []
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        if tag in ("h1", "h2", "h3", "h4") and self._heading is not None:
            self.headings.append((tag, " ".join("".join(self._heading).split())))
            self._heading = None
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if self._in_head:
                table.header = self._row
            else:
                table.rows.append(self._row)
            self._row = None
        if tag == "thead":
            self._in_head = False

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if data.strip():
            self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)

    def section_table(self, section: str, k: int = 0) -> Table:
        """The k-th table after the <h2 id=section>."""
        start = dict(self.sections)[section]
        return self.tables[start + k]


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


# --- the appraisal -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def run() -> tuple[Any, Any]:
    scheme = resolve_scheme("zhenghe-member-appraisal", YEAR, RULES)
    raw = pd.read_csv(DATA)
    raw = raw[raw["year"] == YEAR]
    app, _ = appraise_frame(scheme, raw, YEAR, label=str(raw["data_label"].iloc[0]))
    return app, stability(app, draws=5)


@pytest.fixture(scope="module")
def pages(run: tuple[Any, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, Page]]:
    app, stab = run
    folder = tmp_path_factory.mktemp("report")
    links = {uid: f"explanations/{uid}.md" for uid in app.results["unit_id"]}
    out = {}
    for lang in ("zh", "en"):
        path = write_html(folder / f"report.{lang}.html", app, None, stab, links, None, lang=lang)
        text = path.read_text(encoding="utf-8")
        out[lang] = (text, parse(text))
    default = write_html(folder / "report.html", app, None, stab, links, None)
    out["default"] = (default.read_text(encoding="utf-8"), parse(default.read_text(encoding="utf-8")))
    return out


def _row_of(table: Table, first_cells: str) -> list[str]:
    found = [r for r in table.rows if any(first_cells in cell for cell in r[:2])]
    assert len(found) == 1, (first_cells, table.rows[:3])
    return found[0]


# --- Chinese, the default --------------------------------------------------------------------------

def test_the_report_is_chinese_by_default(pages: dict[str, tuple[str, Page]]) -> None:
    assert pages["default"][0] == pages["zh"][0]
    page = pages["zh"][1]
    assert page.lang == "zh-CN"
    assert page.headings[0] == ("h1", "政和县医联体成员单位年度绩效考核 2019年度考核报告")
    h2 = [text for tag, text in page.headings if tag == "h2"]
    assert h2[:3] == ["等级分布 Grades", "总分分布 Distribution of totals", "各维度得分 Points by dimension"]
    assert "得分表 Scores" in h2 and "指标与阈值 Indicators and thresholds" in h2


def test_the_score_table_header_row_cell_by_cell(run: tuple[Any, Any], pages: dict[str, tuple[str, Page]]) -> None:
    app, _ = run
    header = pages["zh"][1].section_table("scores").header
    expected = [labels.heading(c, app.scheme, "zh") for c in
                ("rank", "unit", "total", "grade", "vetoed_by", "rectification_notice",
                 "performance_pay_coefficient", "subsidy_eligible", "president_appointment_review",
                 "dimension.referral", "dimension.quantity", "dimension.quality", "dimension.satisfaction")]
    assert header == [*expected, "得分说明 Explanation"]
    assert header[3] == "等级 Grade"
    assert header[9:13] == ["双向转诊 Two-way referral", "服务数量 Service quantity", "服务质量 Quality",
                            "患者满意度 Patient satisfaction"]  # the scheme's title_zh beside its title
    for cell in (*header[:6], *header[9:]):
        chinese, _, english = cell.partition(" ")
        assert CJK.search(chinese) and english and not CJK.search(english), cell  # "得分 Score"
    assert not [c for c in header if c.startswith(("points.", "dimension.", "value."))]


def test_a_grade_cell_a_boolean_and_a_unit_named_in_chinese(
        run: tuple[Any, Any], pages: dict[str, tuple[str, Page]]) -> None:
    app, _ = run
    res = app.results.set_index("unit_id")
    table = pages["zh"][1].section_table("scores")
    row = _row_of(table, "（tieshan-health-centre）")
    assert row[1] == "铁山镇卫生院（tieshan-health-centre）"  # the Chinese name, its id beside it
    assert row[0] == str(res.loc["tieshan-health-centre", "rank"])
    assert row[3] == ZH_GRADES[res.loc["tieshan-health-centre", "grade"]]
    assert row[5] == ("是" if res.loc["tieshan-health-centre", "rectification_notice"] else "否")
    assert row[2] == f"{res.loc['tieshan-health-centre', 'total']:.2f}"
    failed = res.index[res["grade"] == "fail"][0]
    frow = _row_of(table, f"（{failed}）")
    assert frow[3] == "不合格 fail" and frow[5] == "是" and frow[7] == "否"  # subsidy_eligible false: 否
    vetoed = res.index[res["vetoed_by"] != ""]
    assert len(vetoed) == 1  # one serious violation in 2019, shown by its Chinese title
    assert _row_of(table, f"（{vetoed[0]}）")[4] == "违反目标要求和基本原则（一票否决）"


def test_the_grade_distribution_is_a_table(run: tuple[Any, Any], pages: dict[str, tuple[str, Page]]) -> None:
    app, _ = run
    counts = app.results["grade"].value_counts()
    total = len(app.results)
    table = pages["zh"][1].section_table("grades")
    assert table.header == ["等级 Grade", "单位数 Number of units", "占比 Share"]

    def share(n: int) -> str:
        return f"{100 * n / total:.1f}".removesuffix(".0") + "%"

    expected = [[ZH_GRADES[g], str(int(counts.get(g, 0))), share(int(counts.get(g, 0)))]
                for g in ("excellent", "good", "pass", "fail")]
    assert table.rows == [*expected, ["全部单位 All units", str(total), "100%"]]
    assert sum(int(r[1]) for r in table.rows[:-1]) == total


def test_no_raw_python_value_in_the_text(pages: dict[str, tuple[str, Page]]) -> None:
    for lang in ("zh", "en"):
        text, page = pages[lang]
        assert "script" not in page.tags
        words = " ".join(page.text)
        tokens = set(re.split(r"[^\w<>]+", words))
        assert not tokens & {"True", "False", "None", "nan", "NaN", "NaT", "<NA>", "inf"}, lang
        assert "{" not in words and "}" not in words, lang  # no dict, no unfilled {placeholder}
        assert "'pass'" not in text and '"pass":' not in text  # the old json.dumps of the grades


def test_a_drafters_choice_threshold_is_marked(pages: dict[str, tuple[str, Page]]) -> None:
    page = pages["zh"][1]
    start = dict(page.sections)["indicators"]
    figures = [t for t in page.tables[start:] if t.header[:1] == ["项目 Figure"]]
    assert len(figures) == 8  # one table per indicator of the scheme
    first = figures[0]  # downward_referral_ratio: weight 15, floor 10, target 40, all the drafter's
    assert first.header == ["项目 Figure", "数值 Value", "设定依据 Set by", "出处与解读 Source and reading"]
    assert first.rows[0][:3] == ["权重（分） Weight (points)", "15", "起草人设定 drafter's choice"]
    assert first.rows[1][:3] == ["零分线：等于或差于此值不得分 Floor: no points at or beyond it", "10%",
                                 "起草人设定 drafter's choice"]
    assert first.rows[2][:3] == ["满分线：达到此值得满分 Target: full points", "40%", "起草人设定 drafter's choice"]
    steps = figures[1]
    assert steps.rows[2][:3] \
        == ["第 1 档：达到此值得分 Step 1: points from this value", "80% → 6 分", "起草人设定 drafter's choice"]
    text = " ".join(page.text)
    assert "方案英文译本（非原文）" in text  # the quoted sentence is labelled a translation


def test_grade_bands_and_their_status(pages: dict[str, tuple[str, Page]]) -> None:
    page = pages["zh"][1]
    bands = next(t for t in page.tables if t.header == ["等级 Grade", "总分 Total points", "性质 Status"])
    assert bands.rows[0][:2] == ["优秀 excellent", "90 及以上"]
    assert bands.rows[1][:2] == ["良好 good", "75 至不足 90"]
    assert bands.rows[0][2].startswith("起草人设定")  # the scheme file gives a band no source
    assert bands.rows[-1][:2] == ["整改通知 Rectification notice", "低于合格 (zhenghe-2017 IV.8.1)"]


def test_the_values_used_per_unit(run: tuple[Any, Any], pages: dict[str, tuple[str, Page]]) -> None:
    app, _ = run
    table = pages["zh"][1].section_table("values")
    assert table.header[0] == "单位 Unit" and table.header[1] == "下转患者占上转患者比例（%）"
    assert table.header[-1] == "违反目标要求和基本原则（一票否决）"
    assert len(table.rows) == len(app.results)
    res = app.results.set_index("unit_id")
    row = _row_of(table, "（tieshan-health-centre）")
    admissions = res.loc["tieshan-health-centre", "value.inpatient_admissions"]
    assert row[4] == f"{int(admissions):,}"  # a count as a whole number, grouped
    assert row[1] == f"{res.loc['tieshan-health-centre', 'value.downward_referral_ratio']:.2f}"
    assert {r[-1] for r in table.rows} <= {"是", "否"} and "是" in {r[-1] for r in table.rows}
    no_survey = res.index[res["value.patient_satisfaction"].isna()]
    assert list(no_survey) and _row_of(table, f"（{no_survey[0]}）")[7] == "—"


# --- English --------------------------------------------------------------------------------------

def test_english_gives_english_headings(run: tuple[Any, Any], pages: dict[str, tuple[str, Page]]) -> None:
    app, _ = run
    page = pages["en"][1]
    assert page.lang == "en"
    assert page.headings[0] == ("h1", f"{app.scheme.title} — appraisal report 2019")
    assert [t for tag, t in page.headings if tag == "h2"][:4] == [
        "Grades", "Distribution of totals", "Points by dimension", "Scores"]
    assert not any(CJK.search(t) for _tag, t in page.headings)
    scores = page.section_table("scores")
    assert scores.header[:6] == ["Rank", "Unit", "Total score", "Grade", "Vetoed by", "Rectification notice"]
    row = _row_of(scores, "(tieshan-health-centre)")
    assert row[1] == "Tieshan Health Center (tieshan-health-centre)"
    assert row[3] == app.results.set_index("unit_id").loc["tieshan-health-centre", "grade"]
    assert row[5] in ("yes", "no")
    grades = page.section_table("grades")
    assert grades.header == ["Grade", "Number of units", "Share"] and grades.rows[-1][0] == "All units"
    assert "drafter's choice" in " ".join(page.text) and "起草人设定" not in pages["en"][0]


# --- the unit's name: fallback and hostile ones ---------------------------------------------------------

def test_without_chinese_names_the_unit_name_is_shown(run: tuple[Any, Any]) -> None:
    app, _ = run
    bare = dataclasses.replace(app, results=app.results.drop(columns=["unit_name_zh"]))
    table = score_table(translator("zh"), bare, None)
    first = bare.results.iloc[0]
    assert (table.rows[0][1].text, table.rows[0][1].sub) == (first["unit_name"], f"（{first['unit_id']}）")


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "{'pass': 2} True nan"])
def test_a_hostile_unit_name_shows_as_text(run: tuple[Any, Any], tmp_path: Path, name: str) -> None:
    app, stab = run
    res = app.results.copy()
    res.loc[0, "unit_name_zh"] = name
    text = write_html(tmp_path / "r.html", dataclasses.replace(app, results=res), None, stab).read_text("utf-8")
    page = parse(text)
    assert "script" not in page.tags and "<script>" not in text
    assert page.section_table("scores").rows[0][1] == f"{name}（{res.loc[0, 'unit_id']}）"
    assert name in page.text  # one text node: the name as typed


# --- pieces ---------------------------------------------------------------------------------------

def test_figures_taken_from_parameters_carry_their_own_status() -> None:
    """national-key-indicators scores by named parameters: law, drafter's reading, uncertain reading."""
    scheme = resolve_scheme("national-key-indicators", 2019, RULES)
    zh = translator("zh")
    rows = {(ind.id, r.item.en): r for ind in scheme.indicators for r in indicator_figures(zh, ind)}
    visit_target = rows[("county_visit_rate", "Target: full points")]
    param = scheme.parameters["visit_target"]
    assert visit_target.status == param.status == "uncertain-reading"
    assert (visit_target.status_words.text, visit_target.status_words.en) == ("解读存疑", "uncertain reading")
    assert visit_target.source == param.source and visit_target.reading == param.reading
    floor = rows[("county_inpatient_rate", "Floor: no points at or beyond it")]
    assert floor.status == "drafter-reading" and floor.status_words.text == "起草人设定"
    laws = [name for name, p in scheme.parameters.items() if p.status == "law"]
    assert laws and any(r.status == "law" and r.status_words.text == "方案规定" for r in rows.values())


def test_sensitivity_thresholds_are_named_for_officers(run: tuple[Any, Any]) -> None:
    app, _ = run
    zh, en = translator("zh"), translator("en")
    assert threshold_name(zh, app.scheme, "grade pass from") == "合格：下限"
    assert threshold_name(en, app.scheme, "grade pass from") == "pass: lower bound"
    assert threshold_name(zh, app.scheme, "referral_file_completeness.steps[0].at") == "转诊档案完整率：第 1 档"
    assert threshold_name(en, app.scheme, "downward_referral_ratio.floor") == (
        "Downward referrals received per 100 upward referrals: floor")
    assert threshold_name(zh, app.scheme, "no_such.floor") == "no_such.floor"


def test_a_cut_table_says_where_the_rest_is(run: tuple[Any, Any]) -> None:
    app, _ = run
    table = score_table(translator("zh"), app, None, max_rows=3)
    assert len(table.rows) == 3 and table.note is not None
    total = len(app.results)
    assert table.note.text == f"按名次列出前 3 个单位（共 {total} 个）；全部见 results.csv。"
    assert table.note.en == f"The first 3 of {total} units by rank; results.csv holds them all."


def test_the_report_prints_on_a4(pages: dict[str, tuple[str, Page]]) -> None:
    text = pages["zh"][0]
    style = text.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@page { size: A4;" in style
    printing = style.split("@media print", 1)[1]
    assert "break-before: page" in printing and "break-inside: avoid" in printing
    assert "thead { display: table-header-group; }" in printing  # a long table repeats its header
    assert [h for h in re.findall(r'<h2 id="(\w+)" class="page">', text)][:3] == [
        "distribution", "scores", "indicators"]


def test_every_word_of_the_report_has_a_chinese_translation() -> None:
    zh = translator("zh")
    words = [*report_html._HEADINGS.values(), *report_html.STATUS_WORDS.values(), *report_html.METHOD_WORDS.values(),
             *report_html.DIRECTION_WORDS.values(), *report_html.FORM_WORDS.values()]
    assert [w for w in words if not CJK.search(zh.gettext(w))] == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_numbers_are_formatted_as_babel_formats_them(lang: str) -> None:
    """The report formats thousands of cells with the locale's symbols read once from Babel; the
    result must be Babel's own, half up (四舍五入)."""
    from decimal import Decimal

    from babel.numbers import format_decimal

    from governance.rounding import round_half_up

    locale = "zh_CN" if lang == "zh" else "en_US"
    for value in (0.0, 0.125, 2.675, 1002.005, -2.345, 1234567.891, 99.995, -0.004):
        exact = Decimal(repr(round_half_up(value, 2))).quantize(Decimal("0.01"))
        assert report_html._number(value, lang) == format_decimal(exact, format="#,##0.00", locale=locale), value
    for whole in (0, 7, 1130, -52000, 10**9):
        assert report_html._whole(whole, lang) == format_decimal(whole, format="#,##0", locale=locale)
    assert report_html._number(0.125, lang) == "0.13" and report_html._whole(1130, lang) == "1,130"


def test_other_symbols_are_put_in_their_place(monkeypatch: pytest.MonkeyPatch) -> None:
    import governance.i18n

    monkeypatch.setattr(governance.i18n, "_number_symbols", lambda lang: (".", ",", "−"))  # as German writes numbers
    assert report_html._number(-1234567.891, "zh") == "−1.234.567,89"


def test_units_expected_but_absent_are_named_in_chinese(tmp_path: Path) -> None:
    scheme = resolve_scheme("zhenghe-member-appraisal", YEAR, RULES)
    raw = pd.read_csv(DATA)
    raw = raw[(raw["year"] == YEAR) & (raw["unit_id"] != "zhenghe-dongping-thc")]
    app, _ = appraise_frame(scheme, raw, YEAR)
    assert "zhenghe-dongping-thc" in app.validated.missing_units
    page = parse(write_html(tmp_path / "r.html", app, None, None).read_text(encoding="utf-8"))
    line = next(t for t in page.text if "东平镇卫生院（zhenghe-dongping-thc）" in t)
    assert line.startswith(": ") and "个单位：" in line
    assert "stability" not in dict(page.sections)  # no stability given: no section, no empty table


CHROMIUM = Path("/usr/bin/chromium")
A4_POINTS = (595, 842)  # 210 mm × 297 mm in PDF points, rounded


def _printed(html: Path, tmp_path: Path) -> tuple[list[tuple[int, int]], int]:
    """The page sizes (points, rounded) and the page count of `html` printed by headless Chromium."""
    import subprocess

    pdf = tmp_path / f"{html.stem}.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    html.as_uri()], check=True, capture_output=True, timeout=300)
    data = pdf.read_bytes()
    boxes = [(round(float(w)), round(float(h))) for w, h in
             re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)]
    return boxes, len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


@pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"printing test skipped: {CHROMIUM} is not installed "
                    "(`make browser` installs Debian's chromium)")
def test_chromium_prints_the_report_on_a4_pages(pages: dict[str, tuple[str, Page]], tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(pages["zh"][0], encoding="utf-8")
    boxes, count = _printed(report, tmp_path)
    assert boxes and set(boxes) == {A4_POINTS}, boxes
    assert count >= 6  # the first page, then charts, scores, indicators, values and sensitivity each on new pages
    control = tmp_path / "no-page-size.html"  # the control: without `@page { size: A4 }` Chromium's default paper
    control.write_text(pages["zh"][0].replace("@page { size: A4;", "@page {"), encoding="utf-8")
    assert set(_printed(control, tmp_path)[0]) != {A4_POINTS}
