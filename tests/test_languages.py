"""The program's own messages in Chinese and English: catalogs, `--lang`, MEDUNION_LANG, formats.

The golden letters of `decide --lang zh|en` for every example case are in tests/golden/text/;
after a deliberate change to the wording, rewrite them with

    MEDUNION_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/test_languages.py -k golden

and read the diff before committing it (a regenerating run skips rather than passes).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fixtures.builders import COVERED_BODY, position, write_ruleset
from typer.testing import CliRunner

from governance.i18n import (
    LANG_ENV,
    UnknownLanguage,
    choose_language,
    format_boolean,
    format_date,
    format_money,
    format_number,
    read_catalog,
    translator,
)
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden" / "text"
REGENERATE = os.environ.get("MEDUNION_REGENERATE_GOLDEN") == "1"
PACKAGES = ("governance", "medunion", "appraisal", "lifecycle", "charter", "records", "batch", "publication")
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _run(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    environment = {LANG_ENV: None} | (env or {})  # the tests' own choice, whatever the shell has
    result = CliRunner().invoke(app, [str(a) for a in args], env=environment)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# --- golden letters -------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_decide_text_is_the_golden_letter(case: Path, lang: str) -> None:
    code, out, err = _run("decide", "--case", case.relative_to(ROOT), "--lang", lang)
    assert code in (0, 3), err
    golden = GOLDEN / f"{case.stem}.{lang}.txt"
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
        pytest.skip(f"regenerated {golden.relative_to(ROOT)}")
    assert out == golden.read_text(encoding="utf-8")


def test_every_example_has_golden_letters_in_both_languages() -> None:
    expected = {f"{c.stem}.{lang}.txt" for c in CASES for lang in ("zh", "en")}
    assert {g.name for g in GOLDEN.glob("*.txt")} == expected


def test_the_chinese_letter_is_the_default_terminal_output() -> None:
    case = CASES[0].relative_to(ROOT)
    default = _run("decide", "--case", case)[1]
    assert default == _run("decide", "--case", case, "--lang", "zh")[1]
    assert default != _run("decide", "--case", case, "--lang", "en")[1]


def test_the_chinese_letter_speaks_chinese() -> None:
    out = (GOLDEN / "zhenghe-upward-referral.zh.txt").read_text(encoding="utf-8")
    assert out.startswith("依据“双向转诊与医保倾斜”")  # the rule set's Chinese title
    assert "决定结果：" in out and "依据规则“" in out and "成立的条件：" in out
    assert "- 报销金额（reimbursement）：10,200.00 元" in out  # the label beside the code; money to the fen
    assert "= 10,200.00 元\n" in out  # the formula's result in its output's unit
    assert "2017年9月1日" in out and "（transfer_to_county）：是" in out
    assert "（政和县）" in out and "Zhenghe County" not in out  # the jurisdiction's Chinese name
    assert "What was decided" not in out and "because of rule" not in out
    assert "(方案英文译本（非原文）)" in out  # the quote stays as the file has it, labelled a translation


def test_markdown_in_chinese() -> None:
    code, out, _ = _run("decide", "--case", CASES[0].relative_to(ROOT), "--format", "markdown", "--lang", "zh")
    assert code in (0, 3)
    assert "| 结果项 | 值 | 依据 | 条款 |" in out
    assert "| output |" not in out


# --- choosing the language ------------------------------------------------------------------------

def test_option_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LANG_ENV, raising=False)
    assert choose_language(None, "zh") == "zh"
    assert choose_language(None, "en") == "en"
    monkeypatch.setenv(LANG_ENV, "zh_CN")
    assert choose_language(None, "en") == "zh"
    assert choose_language("en", "zh") == "en"
    monkeypatch.setenv(LANG_ENV, "")
    assert choose_language(None, "en") == "en"  # an empty variable is not a choice


@pytest.mark.parametrize(("option", "env"), [("fr", None), (None, "fr"), ("klingon", "zh")])
def test_an_unknown_language_is_refused(monkeypatch: pytest.MonkeyPatch, option: str | None, env: str | None) -> None:
    if env is None:
        monkeypatch.delenv(LANG_ENV, raising=False)
    else:
        monkeypatch.setenv(LANG_ENV, env)
    with pytest.raises(UnknownLanguage, match="choose one of zh, en"):
        choose_language(option, "en")


def test_environment_and_option_on_the_command_line() -> None:
    case = str(CASES[0].relative_to(ROOT))
    assert "决定结果：" in _run("decide", "--case", case, env={LANG_ENV: "zh"})[1]
    assert "What was decided:" in _run("decide", "--case", case, "--lang", "en", env={LANG_ENV: "zh"})[1]
    assert "决定结果：" in _run("decide", "--case", case, "--lang", "zh", env={LANG_ENV: "en"})[1]


@pytest.mark.parametrize("command", [["decide", "--case", "examples/cases/zhenghe-upward-referral.yaml"],
                                     ["check", "rules"]])
def test_an_unknown_language_is_a_usage_error(command: list[str]) -> None:
    code, _, err = _run(*command, "--lang", "fr")
    assert code == 2 and "unknown language 'fr'; choose one of zh, en" in err
    code, _, err = _run(*command, env={LANG_ENV: "de"})
    assert code == 2 and "MEDUNION_LANG: unknown language 'de'" in err


# --- check ----------------------------------------------------------------------------------------

BODY = COVERED_BODY


def test_check_summary_and_severity_in_chinese(tmp_path: Path) -> None:
    path = write_ruleset(tmp_path / "rules", BODY.replace("cost * 0.5", "cots * 0.5"))
    line, column = position(path.read_text(), "cots")
    code, out, err = _run("check", str(path), "--lang", "zh")
    assert code == 1
    assert f"{path}:{line}:{column}: 错误: `cots`：未知名称“cots”；是否想写“cost”？" in out  # in Chinese too
    assert re.search(r"^1 个错误，\d+ 个警告$", err, re.M), err
    code, out, err = _run("check", str(path), "--lang", "en")
    assert f"{path}:{line}:{column}: error: `cots`" in out and re.search(r"^1 error\(s\), \d+ warning\(s\)$", err, re.M)


# --- the catalog ----------------------------------------------------------------------------------

def _extracted() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        templates = [("templates/**.j2", "jinja2")] if package == "publication" else []  # the site's words
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(ROOT / package), method_map=[("**.py", "python"), *templates]):
            found.update((message,) if isinstance(message, str) else tuple(message))
    return found


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale="zh_CN")


def test_every_message_in_the_code_has_a_chinese_translation() -> None:
    used = _extracted()
    assert len(used) > 50  # the extraction found the program's messages, not nothing
    catalog = read_catalog("zh")
    missing = sorted(m for m in used if m not in catalog or not catalog[m].string or catalog[m].fuzzy)
    assert not missing, f"untranslated (run `make messages`, then fill msgstr): {missing}"


def test_the_template_is_up_to_date_with_the_code() -> None:
    template = _catalog(ROOT / "governance" / "locale" / "medunion.pot")
    assert {m.id for m in template if m.id} == _extracted(), "run `make messages`"


def test_every_translation_keeps_the_placeholders_of_its_message() -> None:
    for message in read_catalog("zh"):
        if message.id:
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id


def test_translators() -> None:
    zh, en = translator("zh"), translator("en")
    assert zh.gettext("What was decided:") == "决定结果：" and en.gettext("What was decided:") == "What was decided:"
    assert zh.gettext("a message nobody wrote") == "a message nobody wrote"  # falls back to English
    assert en.ngettext("file", "files", 1) == "file" and en.ngettext("file", "files", 2) == "files"
    with pytest.raises(UnknownLanguage):
        translator("fr")


# --- numbers, money, dates ------------------------------------------------------------------------

def test_chinese_formats() -> None:
    assert format_money(10200, "zh") == "10,200.00 元"
    assert format_money(1002.005, "zh") == "1,002.01 元"  # 四舍五入 on the decimal people read
    assert format_money(0.125, "zh") == "0.13 元" and format_money(-2.345, "zh") == "-2.35 元"
    assert format_money(10200, "en") == "10,200.00 yuan"
    assert format_number(10200.5, "zh") == "10,200.5"
    assert format_date(dt.date(2020, 3, 31), "zh") == "2020年3月31日"
    assert format_date(dt.date(2020, 3, 31), "en") == "2020-03-31"
    assert (format_boolean(True, "zh"), format_boolean(False, "zh")) == ("是", "否")
