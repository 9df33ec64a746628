"""The core's own messages in Chinese (issue 12, item 1): `check` and the refusals of `decide`.

Each bad input is written where its place can be computed, then checked with `--lang zh` and
`--lang en`: the same file:line:column, the Chinese message in one and the English in the other.
The last tests read the source of the core's modules: a template that is an f-string would never
reach the catalog, so it is refused here.
"""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest
from fixtures.builders import COVERED_BODY, position, write_ruleset
from typer.testing import CliRunner

from governance.diagnostics import Message, error
from governance.i18n import read_catalog, translator
from medunion.cli import app

ROOT = Path(__file__).resolve().parents[1]
CORE_MODULES = [ROOT / "governance" / f"{name}.py" for name in (
    "load", "amend", "testing", "source", "schema", "workspace", "columnmap", "impact", "tables", "cases", "values",
    "policy", "bulk", "textfile", "sensitivity", "diff", "clauses")] + sorted((ROOT / "governance" / "expressions")
                                                                         .glob("*.py"))


def _run(*args: str) -> tuple[int, str]:
    """Exit status and everything the command printed (messages go to stdout for check, stderr for decide)."""
    result = CliRunner().invoke(app, [str(a) for a in args])  # English unless --lang (conftest)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout + result.stderr


def _both(path: Path, needle: str, zh: str, en: str, nth: int = 0, shift: int = 0,
          command: tuple[str, ...] = ("check",)) -> None:
    """The command in Chinese and in English: the message at the place of `needle` (`shift`
    characters further right) in each language."""
    line, column = position(path.read_text(encoding="utf-8"), needle, nth)
    where = f"{path}:{line}:{column + shift}"
    code, out = _run(*command, path, "--lang", "zh")
    assert code == 1 and f"{where}: 错误: {zh}" in out, out
    code, out = _run(*command, path, "--lang", "en")
    assert code == 1 and f"{where}: error: {en}" in out, out
    assert zh not in out  # no Chinese in the English output


def _file(tmp_path: Path, body: str = COVERED_BODY, **header: str) -> Path:
    return write_ruleset(tmp_path / "rules", body, **header)


# --- YAML, the schema, the loader -----------------------------------------------------------------

def test_yaml_syntax(tmp_path: Path) -> None:
    path = _file(tmp_path, COVERED_BODY.replace("    minimum: 0\n", "    minimum: 0: 1\n"))
    _both(path, ": 1", "YAML 语法错误：此处不能写映射的值（冒号后的内容）；请检查缩进和引号",
          "YAML syntax: mapping values are not allowed here; check indentation and quoting")


def test_duplicate_key(tmp_path: Path) -> None:
    path = _file(tmp_path, COVERED_BODY.replace("  insured:\n", "  cost:\n    type: number\n  insured:\n", 1))
    _both(path, "cost:", "键“cost”重复（第一次出现在第 13 行）；YAML 会悄悄只保留最后一个：请删除或改名其中一个",
          "duplicate key 'cost' (first written at line 13)", nth=1)


def test_schema_required_field(tmp_path: Path) -> None:
    path = _file(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("title: Demo\n", ""), encoding="utf-8")
    _both(path, "kind:", "文件顶层 缺少必填字段“title”；请添加",
          "the document lacks the required field 'title'; add it")


def test_schema_enum(tmp_path: Path) -> None:
    path = _file(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("status: draft", "status: final"), encoding="utf-8")
    _both(path, "final", "status：不允许 'final'；请从以下取值中选用：", "status: 'final' is not allowed; use one of: ")


def test_schema_type(tmp_path: Path) -> None:
    path = _file(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('version: "1.0"', "version: [1]"), encoding="utf-8")
    _both(path, "[1]", "version 须为文本（string），实际为列表（list）", "version must be string, found list")


def test_schema_bound_in_jsonschemas_own_english(tmp_path: Path) -> None:
    body = COVERED_BODY.replace("  insured:\n    type: boolean\n", "  level:\n    type: enum\n    values: []\n")
    path = _file(tmp_path, body)
    _both(path, "[]", "inputs.level.values：[] 不能为空", "inputs.level.values: [] should be non-empty")


def test_bad_date(tmp_path: Path) -> None:
    path = _file(tmp_path, start="2017-02-30")
    _both(path, "2017-02-30", "'2017-02-30' 不是有效日期；请写成 YYYY-MM-DD",
          "'2017-02-30' is not a valid date; write YYYY-MM-DD")


def test_a_value_in_a_rule_file(tmp_path: Path) -> None:
    path = _file(tmp_path, COVERED_BODY.replace("    default: false", "    default: 'no'"))
    _both(path, "'no'", "“covered”的默认值：应为 true 或 false，实际为 'no'",
          "default of 'covered': expected true or false, found 'no'")


def test_duplicate_rule_id(tmp_path: Path) -> None:
    """A duplicate id is found by the checks of rule sets (catalog part rules.po), through the same
    diagnostics: Chinese with --lang zh, at the second id."""
    path = _file(tmp_path, COVERED_BODY.replace("id: reimburse", "id: covered"))
    line, column = position(path.read_text(encoding="utf-8"), "id: covered", 1)
    code, out = _run("check", path, "--lang", "zh")
    prefix = f"{path}:{line}:{column}: 错误: "
    found = [x.removeprefix(prefix) for x in out.splitlines() if x.startswith(prefix)]
    assert code == 1 and found and "“covered”" in found[0] and "duplicate" not in found[0], out
    code, out = _run("check", path, "--lang", "en")
    assert f"{path}:{line}:{column}: error: duplicate id 'covered'" in out


# --- expressions ----------------------------------------------------------------------------------

def test_unknown_name_in_an_expression(tmp_path: Path) -> None:
    path = _file(tmp_path, COVERED_BODY.replace("cost * 0.5", "cots * 0.5"))
    _both(path, "cots", "`cots`：未知名称“cots”；是否想写“cost”？", "`cots`: unknown name 'cots'; did you mean 'cost'?")


def test_expression_syntax(tmp_path: Path) -> None:
    path = _file(tmp_path, COVERED_BODY.replace("cost * 0.5", "cost *"))
    _both(path, "cost *", "表达式 `cost *` 中：此处应为一个值，实际为 表达式结尾",
          "in expression `cost *`: expected a value, found the end of the expression", shift=len("cost *"))


def test_a_type_error_quotes_the_types_in_chinese(tmp_path: Path) -> None:
    path = _file(tmp_path, COVERED_BODY.replace("cost * 0.5", "cost * insured"))
    _both(path, "cost * insured", "`cost * insured`：不能将数值与布尔值相乘",
          "`cost * insured`: cannot multiply a number and a boolean")


# --- amendments -------------------------------------------------------------------------------

def test_an_amendment_extending_a_missing_version(tmp_path: Path) -> None:
    base = _file(tmp_path)
    amendment = base.with_name("2.0.yaml")
    amendment.write_text('kind: ruleset\nid: demo\nextends: "0.9"\nversion: "2.0"\nstatus: draft\n'
                         "effective:\n  from: 2019-01-01\n", encoding="utf-8")
    _both(amendment, '"0.9"', f"extends '0.9'：{base.parent}/ 中没有 demo 的 0.9 版本（该处的版本：1.0）",
          f"extends '0.9': no version 0.9 of demo in {base.parent}/ (versions there: 1.0)")


def test_an_amendment_without_its_own_status(tmp_path: Path) -> None:
    base = _file(tmp_path)
    amendment = base.with_name("2.0.yaml")
    amendment.write_text('kind: ruleset\nid: demo\nextends: "1.0"\nversion: "2.0"\n'
                         "effective:\n  from: 2019-01-01\n", encoding="utf-8")
    _both(amendment, "kind", "修订版须写明自己的“status”（不从 1.0 继承）；请添加",
          "an amendment states its own 'status' (it is not inherited from 1.0); add it")


# --- a case refused by decide ---------------------------------------------------------------------

def test_a_bad_case_value(tmp_path: Path) -> None:
    rules = _file(tmp_path).parent.parent
    case = tmp_path / "case.yaml"
    case.write_text("ruleset: demo\non: 2018-01-01\ninputs:\n  cost: -5\n  insured: 'yes'\n  colour: red\n",
                    encoding="utf-8")
    for needle, zh, en in (
            ("-5", "字段“cost”：-5 低于最小值 0", "field 'cost': -5 is below the minimum 0"),
            ("'yes'", "字段“insured”：应为 true 或 false，实际为 'yes'",
             "field 'insured': expected true or false, found 'yes'"),
            ("colour", "规则集 demo 没有字段“colour”；请删除，或将其声明为输入项",
             "unknown field 'colour' for rule set demo; remove it or declare it as an input")):
        line, column = position(case.read_text(encoding="utf-8"), needle)
        code, out = _run("decide", "--case", case, "--rules", rules, "--lang", "zh")
        assert code == 1 and f"{case}:{line}:{column}: 错误: {zh}" in out, out
        code, out = _run("decide", "--case", case, "--rules", rules, "--lang", "en")
        assert code == 1 and f"{case}:{line}:{column}: error: {en}" in out, out


def test_an_unknown_enum_value_and_a_wrong_type_in_a_case(tmp_path: Path) -> None:
    level = "  level:\n    type: enum\n    values: [county, township]\n"
    body = COVERED_BODY.replace("  insured:\n    type: boolean\n", "  insured:\n    type: boolean\n" + level)
    rules = _file(tmp_path, body).parent.parent
    case = tmp_path / "case.yaml"
    case.write_text("ruleset: demo\non: 2018-01-01\ninputs:\n  cost: '12'\n  insured: true\n  level: city\n",
                    encoding="utf-8")
    code, out = _run("decide", "--case", case, "--rules", rules, "--lang", "zh")
    assert code == 1
    assert "字段“cost”：应为数值，实际为 '12'（str）" in out
    assert "字段“level”：'city' 不是以下枚举值之一：county, township" in out


# --- the messages as data -------------------------------------------------------------------------

def test_a_message_inside_a_message_is_translated_and_keeps_its_english() -> None:
    inner = Message("{value} is below the minimum {minimum}", value=-5, minimum=0)
    found = error("field '{name}': {problem}", None, name="cost", problem=inner)
    assert found.message == "field 'cost': -5 is below the minimum 0"
    assert found.text(translator("zh").gettext) == "字段“cost”：-5 低于最小值 0"
    assert found.to_dict(translator("zh").gettext)["message_en"] == found.message
    assert pickle.loads(pickle.dumps(found)) == found  # whole, for the processes of a dask run
    again = pickle.loads(pickle.dumps(inner))
    assert isinstance(again, Message) and again.text(translator("zh").gettext) == "-5 低于最小值 0"


def test_every_core_template_has_chinese_in_the_catalog() -> None:
    catalog = read_catalog("zh")
    from babel.messages.extract import extract_from_file

    extracted = {m[0] if isinstance(m, tuple) else m
                 for module in CORE_MODULES for _line, m, _c, _ctx in extract_from_file("python", str(module))}
    assert len(extracted) > 250  # the core's messages are templates, not f-strings the extractor cannot see
    missing = sorted(m for m in extracted if m not in catalog or not catalog[m].string)
    assert not missing


def _calls(tree: ast.AST, names: set[str]) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id in names)
        or (isinstance(node.func, ast.Attribute) and node.func.attr in names))]


@pytest.mark.parametrize("module", CORE_MODULES, ids=[str(m.relative_to(ROOT)) for m in CORE_MODULES])
def test_no_template_is_an_f_string(module: Path) -> None:
    """N_() must hold a literal string; error(), warning() and Message() a template, never an f-string or
    a sum of strings (the extractor would miss it, and the message would stay English)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for call in _calls(tree, {"N_"}):
        assert len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str), \
            f"{module.name}:{call.lineno}: N_() of something that is not a literal string"
    for call in _calls(tree, {"error", "warning", "Message", "MedunionError", "_Failure", "_refuse"}):
        for arg in call.args[:2]:
            assert not isinstance(arg, ast.JoinedStr), f"{module.name}:{call.lineno}: an f-string as a message"
            assert not (isinstance(arg, ast.BinOp) and any(isinstance(side, ast.JoinedStr | ast.Constant)
                                                           for side in (arg.left, arg.right))), \
                f"{module.name}:{call.lineno}: a message built by adding strings"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.search(r"[a-z]{3}", arg.value):
                pytest.fail(f"{module.name}:{call.lineno}: a literal message not marked with N_(): {arg.value!r}")
