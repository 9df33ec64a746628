"""Issue 12, Chinese first, for lifecycles, charters, records, bulk and the API: the program's words
in Chinese with --lang zh (or Accept-Language: zh), English by default, and the lifecycle file's own
Chinese labels in a case's history."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from batch.run import reason_in, rejects_frame
from governance.diagnostics import Message
from governance.i18n import N_
from medunion.cli import app
from medunion.service.app import create_app
from medunion.service.language import accepted_language

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
LIFECYCLES = RULES / "lifecycles"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])  # English unless --lang (conftest)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


# --- check: appraisal schemes and lifecycles ---------------------------------------------------

def test_check_of_a_bad_appraisal_scheme_speaks_chinese_at_its_place(tmp_path: Path) -> None:
    folder = tmp_path / "rules" / "appraisal" / "another-name"
    folder.mkdir(parents=True)
    scheme = folder / "2017.1.yaml"
    shutil.copy(RULES / "appraisal" / "zhenghe-member-appraisal" / "2017.1.yaml", scheme)
    line = _line_of(scheme, "id: zhenghe-member-appraisal")
    code, out, _ = _run("check", scheme, "--lang", "zh")
    assert code == 1
    assert f"{scheme}:{line}:5: 错误: id“zhenghe-member-appraisal”必须与所在文件夹名“another-name”相同" in out
    code, out, _ = _run("check", scheme)  # English by default, as before
    assert f"{scheme}:{line}:5: error: id 'zhenghe-member-appraisal' must equal the folder name 'another-name'" in out


def test_check_of_a_bad_lifecycle_speaks_chinese_at_its_place(tmp_path: Path) -> None:
    folder = tmp_path / "rules" / "lifecycles"
    folder.mkdir(parents=True)
    lifecycle = folder / "referral-case.yaml"
    text = (LIFECYCLES / "referral-case.yaml").read_text(encoding="utf-8")
    lifecycle.write_text(text.replace("\nevents:\n", "\nevents:\n  orphan:\n    title: Nobody takes it\n"
                                                    "    title_zh: 无人受理\n", 1), encoding="utf-8")
    line = _line_of(lifecycle, "  orphan:")
    code, out, _ = _run("check", lifecycle, "--lang", "zh")
    assert code == 1
    assert f"{lifecycle}:{line}:3: 错误: 没有任何转换接受事件“orphan”；请删除它或添加一个转换" in out
    assert "event 'orphan' is accepted by no transition" not in out


def test_a_charter_check_in_chinese(tmp_path: Path) -> None:
    code, out, _ = _run("charter", "check", "--rules", RULES, "--lang", "zh")
    assert code == 0, out
    assert re.search(r"已检查 \d+ 个章程文件：0 个错误，\d+ 个警告", out)
    code, _, err = _run("charter", "check", tmp_path, "--lang", "zh")
    assert code == 1 and f"{tmp_path}:1:1: 错误: {tmp_path} 中没有章程文件（kind: charter）" in err

    charter = tmp_path / "huangzhong-2017.yaml"
    lines = (RULES / "charters" / "huangzhong-2017.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(n for n, line in enumerate(lines) if "id: hz-first-peoples-hospital," in line)
    charter.write_text("".join([*lines[:first + 1], lines[first], *lines[first + 1:]]), encoding="utf-8")
    column = lines[first].index("hz-first-peoples-hospital") + 1
    code, out, _ = _run("charter", "check", charter, "--lang", "zh")
    assert code == 1
    assert (f"{charter}:{first + 2}:{column}: 错误: 单位“hz-first-peoples-hospital”被定义了两次 [huangzhong-2017 II.1]"
            in out), out
    english = _run("charter", "check", charter)[1]
    assert (f"{charter}:{first + 2}:{column}: error: unit 'hz-first-peoples-hospital' is defined twice "
            "[huangzhong-2017 II.1]") in english


# --- a case's history -------------------------------------------------------------------------

def test_lifecycle_show_in_chinese_uses_the_files_labels_and_chinese_dates(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cases.sqlite'}"
    data = tmp_path / "finding.yaml"
    data.write_text("violation_found: true\nfinding: referral files missing\n", encoding="utf-8")
    common = ["--db", db, "--lifecycles", LIFECYCLES]
    code, out, err = _run("lifecycle", "event", "zhenghe-membership", "tieshan", "assessment", "--data", data,
                          "--on", "2017-09-01", *common, "--lang", "zh")
    assert code == 0, err
    assert "已执行：案件 tieshan：正常成员（active） → 责令整改（rectification_ordered）" in out
    assert "2017年9月1日" in out
    assert _run("lifecycle", "tick", "--on", "2017-12-02", *common, "--lang", "zh")[0] == 0

    code, out, err = _run("lifecycle", "show", "tieshan", *common, "--lang", "zh")
    assert code == 0, err
    assert out.startswith("案件 tieshan（zhenghe-membership 2017.1）：自 2017年12月1日 起处于 "
                          "取消成员资格（terminated）")
    assert "经过：" in out and "整改期限届满（rectification_deadline）" in out
    assert "期限 2017年11月30日 已过" in out and "设定期限：2017年11月30日" in out
    assert "= 是" in out and "violation_found=是" in out
    assert "（方案英文译本（非原文））" in out  # the plan's words stay English, labelled as the translation
    assert "History:" not in out and "2017-12-01" not in out

    english = _run("lifecycle", "show", "tieshan", *common)[1]
    assert english.startswith("Case tieshan (zhenghe-membership 2017.1): terminated since 2017-12-01")
    assert not CHINESE.search(english)  # the English history is as it was: names, ISO dates, true/false

    code, out, _ = _run("lifecycle", "show", "tieshan", *common, "--format", "json")
    shown = json.loads(out)
    assert shown["case"]["state_label"]["label_zh"] == "取消成员资格" and shown["case"]["state_label"]["label"]
    assert shown["history"][0]["to_label"]["label_zh"] == "责令整改"


def test_refusals_of_lifecycle_commands_in_chinese(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.sqlite'}"
    code, _, err = _run("lifecycle", "show", "nobody", "--db", db, "--lang", "zh")
    assert code == 1 and "中没有案件 nobody" in err
    common = ["--db", db, "--lifecycles", LIFECYCLES]
    data = tmp_path / "finding.yaml"
    data.write_text("violation_found: true\nfinding: files missing\n", encoding="utf-8")
    assert _run("lifecycle", "event", "zhenghe-membership", "c1", "assessment", "--data", data, "--on",
                "2017-09-01", *common)[0] == 0
    code, _, err = _run("lifecycle", "event", "zhenghe-membership", "c1", "rectification_check", "--on", "2017-09-02",
                        *common, "--lang", "zh")
    assert code == 1
    assert ("已拒绝：案件 c1，事件 rectification_check：事件“rectification_check”在状态“rectification_ordered”"
            "下不引起任何改变") in err
    code, _, err = _run("lifecycle", "event", "zhenghe-membership", "c1", "rectification_check", "--on", "2017-09-02",
                        *common)
    assert "refused: case c1, event rectification_check: event 'rectification_check' changes nothing" in err
    code, _, err = _run("lifecycle", "event", "zhenghe-membership", "c1", "assessment", "--on", "2017-08-01",
                        *common, "--lang", "zh")
    assert code == 1 and "事件按日期顺序执行，因此未作任何改变" in err
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n- 2\n", encoding="utf-8")
    code, _, err = _run("lifecycle", "event", "zhenghe-membership", "c2", "assessment", "--data", bad, "--on",
                        "2017-09-01", *common, "--lang", "zh")
    assert code == 1 and f"{bad}:1:1: 错误: 事件数据应是“数据项名: 值”的映射；此文件是一个列表" in err
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("violation_found: true\nnonsense: 1\n", encoding="utf-8")
    code, _, err = _run("lifecycle", "event", "zhenghe-membership", "c2", "assessment", "--data", unknown, "--on",
                        "2017-09-01", *common, "--lang", "zh")
    assert code == 1 and f"{unknown}:2:1: 错误: 事件“assessment”不携带“nonsense”（它携带：" in err


# --- decide-bulk --------------------------------------------------------------------------------

def test_decide_bulk_summary_in_chinese_and_both_reasons_in_the_rejects(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate_claims", ROOT / "examples" / "bulk" / "generate_claims.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    frame, _ = generate.claims(6, 0.0, 3)
    frame.to_csv(tmp_path / "c.csv", index=False)
    text = (tmp_path / "c.csv").read_text(encoding="utf-8").splitlines()
    cells = text[2].split(",")
    boolean_at = next(i for i, value in enumerate(cells) if value in ("True", "False", "true", "false"))
    cells[boolean_at] = "maybe"
    text[2] = ",".join(cells)
    (tmp_path / "c.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    code, _, err = _run("decide-bulk", "zhenghe-referral", "--data", tmp_path / "c.csv", "--out",
                        tmp_path / "o.parquet", "--columns", ROOT / "examples" / "bulk" / "columns.yaml", "--on",
                        "2017-05-01", "--rejects", tmp_path / "r.csv", "--rules", RULES, "--lang", "zh")
    assert code == 3, err
    assert "读入 6 行 = 已决定 5 行 + 已拒绝 1 行（1 个错误单元格）" in err
    rejects = pd.read_csv(tmp_path / "r.csv")
    assert list(rejects.columns) == ["row", "column", "value", "reason", "reason_zh"]
    assert rejects.loc[0, "reason"] == "expected true or false (or 1 or 0), found 'maybe'"
    assert rejects.loc[0, "reason_zh"] == "应为 true 或 false（或 1、0），实际为 'maybe'"
    code, _, err = _run("decide-bulk", "zhenghe-referral", "--data", tmp_path / "c.csv", "--out",
                        tmp_path / "o2.parquet", "--columns", ROOT / "examples" / "bulk" / "columns.yaml", "--on",
                        "2017-05-01", "--rules", RULES)
    assert "rows in 6 = decided 5 + rejected 1 (1 bad cells)" in err and "give --rejects FILE" in err


def test_reasons_are_given_in_both_languages_and_neutralised_in_a_csv(tmp_path: Path) -> None:
    from batch.write import RejectsWriter

    frame = rejects_frame([(2, "b", "=cmd", Message(N_("expected true or false (or 1 or 0), found {value}"),
                                                    value="'=cmd'")),
                           (1, "a", "", "no date: the row cannot be placed in a version of the rule set")])
    assert frame["row"].tolist() == [1, 2]  # in row order
    assert frame.loc[0, "reason_zh"] == "没有日期：无法确定该行适用规则集的哪个版本"
    assert frame.loc[1, "reason_zh"] == "应为 true 或 false（或 1、0），实际为 '=cmd'"
    assert reason_in("a reason nobody translated", "zh") == "a reason nobody translated"  # English, not nothing
    hostile = frame.copy()
    hostile.loc[0, "reason_zh"] = "=HYPERLINK(\"http://x\")"
    writer = RejectsWriter(tmp_path / "r.csv")
    writer.write(hostile)
    writer.close()
    written = pd.read_csv(tmp_path / "r.csv")
    assert written.loc[0, "reason_zh"].startswith("'=") and written.loc[1, "value"] == "'=cmd"


# --- the HTTP API -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def api() -> TestClient:
    with TestClient(create_app(RULES, None)) as client:
        yield client


@pytest.mark.parametrize(("header", "lang"), [("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("fr, en;q=0.5", "en"),
                                              ("en-US,zh;q=0.5", "en"), ("", "en"), ("*", "en"),
                                              ("en;q=0.2, zh", "zh")])
def test_accept_language(header: str, lang: str) -> None:
    assert accepted_language(header) == lang


def test_api_refusals_in_chinese_on_request_and_english_by_default(api: TestClient) -> None:
    english = api.get("/records/abc")
    assert english.status_code == 404 and english.json() == {
        "detail": "this server keeps no decision records (it was started with --no-record)"}
    chinese = api.get("/records/abc", headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 404 and CHINESE.search(chinese.json()["detail"])
    assert chinese.json()["detail_en"] == english.json()["detail"]
    assert api.get("/records/abc?lang=zh").json()["detail"] == chinese.json()["detail"]

    missing = api.get("/rulesets/zhenghe-referral/versions/9.9", headers={"Accept-Language": "zh"})
    assert missing.status_code == 404 and "没有版本“9.9”" in missing.json()["detail"]

    body = {"on": "2017-09-01", "inputs": {"referral_direction": "upward", "no_such_input": 1}}
    refused = api.post("/rulesets/zhenghe-referral/decide?lang=zh", json=body)
    assert refused.status_code == 422
    problem = next(p for p in refused.json()["detail"] if p["loc"][-1] == "no_such_input")
    assert CHINESE.search(problem["msg"]) and problem["msg_en"] and not CHINESE.search(problem["msg_en"])
    plain = api.post("/rulesets/zhenghe-referral/decide", json=body).json()["detail"]
    assert all("msg_en" not in p for p in plain)


def test_a_body_over_the_limit_is_refused_in_chinese_on_request(api: TestClient) -> None:
    from medunion.service.refusals import DECIDE_BODY_LIMIT

    big = b'{"on": "' + b"x" * (DECIDE_BODY_LIMIT + 10) + b'"}'
    headers = {"content-type": "application/json"}
    chinese = api.post("/rulesets/zhenghe-referral/decide", content=big, headers={**headers, "Accept-Language": "zh"})
    assert chinese.status_code == 413
    assert chinese.json() == {"detail": "请求体超过上限", "detail_en": "Content Too Large"}
    english = api.post("/rulesets/zhenghe-referral/decide", content=big, headers=headers)
    assert english.status_code == 413 and english.text == "Content Too Large"  # the framework's answer, unchanged


def test_api_decision_letter_in_the_language_asked_for(api: TestClient) -> None:
    case = {"on": "2017-09-01", "inputs": {"referral_direction": "upward", "within_primary_scope": False,
                                           "severity": "acute", "within_association": True, "eligible_cost": 12000}}
    chinese = api.post("/rulesets/zhenghe-referral/decide", json=case, headers={"Accept-Language": "zh"})
    english = api.post("/rulesets/zhenghe-referral/decide", json=case)
    assert chinese.status_code == english.status_code == 200
    assert "决定结果：" in chinese.json()["text"] and "What was decided:" in english.json()["text"]
    assert chinese.json()["outputs"] == english.json()["outputs"]
    assert chinese.json()["explanation"] == english.json()["explanation"]  # carries both languages already


# --- the impact report --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def impact_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """impact.xlsx and impact.html of the shipped amendment of huangzhong-insurance-payment on its
    synthetic claims, written in Chinese (the default, tested in test_impact_language_default) and in English."""
    from governance.load import ruleset_versions

    versions = ruleset_versions("huangzhong-insurance-payment", RULES)
    if len(versions) < 2:
        pytest.skip("rules/huangzhong-insurance-payment has one version only")
    old, new = versions[-2], versions[-1]
    data = ROOT / "examples" / "impact" / "huangzhong-claims-SYNTHETIC.csv"
    found = {}
    for lang in ("zh", "en"):
        out = tmp_path_factory.mktemp(f"impact-{lang}")
        code, stdout, stderr = _run("impact", "huangzhong-insurance-payment", "--rules", RULES, "--from", old.version,
                                    "--to", new.version, "--data", data, "--out", out, "--lang", lang)
        assert code == 0, stdout + stderr
        found[lang] = out
        assert ("rows:" in stdout) == (lang == "en")  # the terminal summary in the same language
    return found


def test_impact_language_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --lang or MEDUNION_LANG, the workbook, the page and the summary are Chinese."""
    import openpyxl

    from governance.load import ruleset_versions

    monkeypatch.delenv("MEDUNION_LANG")
    versions = [v.version for v in ruleset_versions("huangzhong-insurance-payment", RULES)]
    data = ROOT / "examples" / "impact" / "huangzhong-claims-SYNTHETIC.csv"
    code, stdout, stderr = _run("impact", "huangzhong-insurance-payment", "--rules", RULES, "--from", versions[-2],
                                "--to", versions[-1], "--data", data, "--out", tmp_path)
    assert code == 0, stdout + stderr
    assert "rows:" not in stdout and CHINESE.search(stdout)
    assert CHINESE.search(openpyxl.load_workbook(tmp_path / "impact.xlsx").sheetnames[0])


def test_impact_workbook_headers_are_chinese_first_with_the_english_beside(impact_reports: dict[str, Path]) -> None:
    import openpyxl

    book = openpyxl.load_workbook(impact_reports["zh"] / "impact.xlsx")
    english_names = ["Summary", "Attribution", "Outputs", "Money", "Groups", "Rows", "Rejected"]
    for title, english in zip([s.title for s in book.worksheets], english_names, strict=True):
        chinese, _, after = title.partition(" ")  # Chinese first, the English beside it
        assert CHINESE.search(chinese) and not CHINESE.search(after) and after == english, title
    assert book.worksheets[1].title == "归因 Attribution"
    summary = book.worksheets[0]
    labels = [row[0].value for row in summary.iter_rows(min_row=1, max_row=14)]
    assert "决定改变的案件数 rows with a changed decision" in labels
    assert "读入行数 rows in" in labels and "规则集 rule set" in labels
    assert summary["A1"].value.startswith("合成数据：") and "SYNTHETIC DATA" in summary["A1"].value
    attribution = [c.value for c in book.worksheets[1][1]]
    assert attribution[:4] == ["步骤 step", "修改 change", "原值 old", "新值 new"]
    assert attribution[9] == "改变行数 rows changed"
    money = [c.value for c in book.worksheets[3][1]]
    assert money[3:6] == ["原合计 sum old", "新合计 sum new", "差额 difference"]
    assert [c.value for c in book.worksheets[6][1]][2].endswith(" reason")
    for sheet in book.worksheets:  # still no formula anywhere
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)

    english = openpyxl.load_workbook(impact_reports["en"] / "impact.xlsx")
    assert [s.title for s in english.worksheets] == ["Summary", "Attribution", "Outputs", "Money", "Groups", "Rows",
                                                    "Rejected"]
    assert [c.value for c in english["Attribution"][1]][:4] == ["step", "change", "old", "new"]
    assert not any(CHINESE.search(str(c.value)) for c in english["Money"][1])


def test_impact_page_in_chinese_by_default_and_english_on_request(impact_reports: dict[str, Path]) -> None:
    page = (impact_reports["zh"] / "impact.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert "<th>决定改变的案件数 With a changed decision</th>" in page
    assert "<h2>各结果项的决定改变 Decisions changed, per output</h2>" in page
    assert "huangzhong-2017 IV.3" in page and "SYNTHETIC DATA" in page
    english = (impact_reports["en"] / "impact.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english and "<th>With a changed decision</th>" in english
    assert "决定改变" not in english
