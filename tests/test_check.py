"""Schema and semantic checks: each fires on a minimal bad rule set, at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.builders import BENEFITS, position, rule, write_ruleset

from governance.check import SUMMARY_WARNINGS, check_ruleset
from governance.diagnostics import Diagnostic, MedunionError
from governance.load import load_ruleset
from governance.workspace import check_paths as core_check_paths
from medunion.kinds import checkers


def check_paths(paths: list) -> list:
    return core_check_paths(paths, checkers())

INPUTS = """inputs:
  x:
    type: number
    minimum: 0
    maximum: 600
  months:
    type: integer
  severity:
    type: enum
    values: [ordinary, acute, severe]
  admitted_on:
    type: date
outputs:
  a:
    type: number
  b:
    type: number
"""


def _check(tmp_path: Path, body: str) -> tuple[Path, list[Diagnostic]]:
    path = write_ruleset(tmp_path, body)
    return path, check_ruleset(load_ruleset(path))


def _load_errors(tmp_path: Path, body: str) -> tuple[Path, list[str]]:
    path = write_ruleset(tmp_path, body)
    with pytest.raises(MedunionError) as exc:
        load_ruleset(path)
    return path, [str(d) for d in exc.value.diagnostics]


def _at(path: Path, needle: str, nth: int = 0) -> str:
    line, column = position(path.read_text(), needle, nth)
    return f"{path}:{line}:{column}"


def _public_label(found: Diagnostic) -> bool:
    """A warning about what the public reads (a Chinese label, the plain summary): tested in
    test_chinese_labels and test_plain_summaries, left out where a test counts the other findings."""
    return "no Chinese label" in found.message or found.template in SUMMARY_WARNINGS


def _one(found: list[Diagnostic], severity: str = "error") -> str:
    matching = [str(d) for d in found if d.severity == severity]
    assert len(matching) == 1, found
    return matching[0]


# --- schema ------------------------------------------------------------------------------------


def test_unknown_field_has_a_did_you_mean_hint_at_the_key(tmp_path: Path) -> None:
    body = INPUTS + "rules:\n" + rule("r", "x > 1", "a: 1", extra="    priorty: 2\n")
    path, errors = _load_errors(tmp_path, body)
    assert errors == [f"{_at(path, 'priorty')}: error: unknown field 'priorty' in rules.0; "
                      "did you mean 'priority'?"]


def test_unknown_field_in_an_input_declaration(tmp_path: Path) -> None:
    body = INPUTS.replace("    maximum: 600\n", "    maximum: 600\n    unti: yuan\n")
    path, errors = _load_errors(tmp_path, body)
    assert errors == [f"{_at(path, 'unti')}: error: unknown field 'unti' in inputs.x; did you mean 'unit'?"]


def test_missing_required_field_points_at_the_mapping_that_lacks_it(tmp_path: Path) -> None:
    text = rule("r", "x > 1", "a: 1").replace("    source: The plan says so.\n", "")
    path, errors = _load_errors(tmp_path, INPUTS + "rules:\n" + text)
    assert errors == [f"{_at(path, 'id: r')}: error: rules.0 lacks the required field 'source'; add it"]


def test_bad_enum_value_lists_the_allowed_ones(tmp_path: Path) -> None:
    path, errors = _load_errors(tmp_path, INPUTS.replace("type: integer", "type: integr"))
    assert errors == [f"{_at(path, 'integr')}: error: inputs.months.type: 'integr' is not allowed; "
                      "use one of: number, integer, boolean, enum, date, string"]


def test_bad_hit_policy(tmp_path: Path) -> None:
    path, errors = _load_errors(tmp_path, _table_body("uniq", [["< 6"]], column="months"))
    assert len(errors) == 1
    assert errors[0].startswith(f"{_at(path, 'uniq')}: error: tables.0.hit: 'uniq' is not allowed")


def test_every_schema_error_is_reported_not_just_the_first(tmp_path: Path) -> None:
    body = INPUTS.replace("type: integer", "type: integr") + "rules:\n" + rule(
        "r", "x > 1", "a: 1", extra="    priorty: 2\n")
    _, errors = _load_errors(tmp_path, body)
    assert len(errors) == 2


# --- names and types ---------------------------------------------------------------------------


def test_unknown_name_with_suggestion(tmp_path: Path) -> None:
    path, found = _check(tmp_path, INPUTS + "rules:\n" + rule("r", "severty == 'acute'", "a: 1"))
    assert _one(found) == (f"{_at(path, 'severty')}: error: `severty`: unknown name 'severty'; "
                           "did you mean 'severity'?")


def test_unknown_name_in_a_formula(tmp_path: Path) -> None:
    path, found = _check(tmp_path, INPUTS + "rules:\n" + rule("r", "x > 1", "a: x * ratio"))
    message = _one(found)
    assert message.startswith(f"{_at(path, 'ratio')}: error: `ratio`: unknown name 'ratio'")


def test_type_mismatch_in_a_condition(tmp_path: Path) -> None:
    path, found = _check(tmp_path, INPUTS + "rules:\n" + rule("r", "admitted_on > 3", "a: 1"))
    assert _one(found) == (f"{_at(path, 'admitted_on > 3')}: error: `admitted_on > 3`: cannot order "
                           "a date against an integer")


def test_formula_of_the_wrong_type_for_its_output(tmp_path: Path) -> None:
    path, found = _check(tmp_path, INPUTS + "rules:\n" + rule("r", "x > 1", "a: x > 2"))
    assert _one(found) == f"{_at(path, 'x > 2')}: error: rule 'r' gives output 'a' (a number) a boolean"


def test_condition_that_is_not_a_condition(tmp_path: Path) -> None:
    path, found = _check(tmp_path, INPUTS + "rules:\n" + rule("r", "x + 1", "a: 1"))
    assert _one(found).startswith(f"{_at(path, 'x + 1')}: error: rule 'r': condition `x + 1` is a number")


def test_rule_setting_an_undeclared_output(tmp_path: Path) -> None:
    body = INPUTS + "rules:\n" + rule("r", "x > 1", "c: 1") + rule("s", None, "a: 1") + rule("t", None, "b: 1")
    path, found = _check(tmp_path, body)
    line, column = position(path.read_text(), "c: 1")
    assert _one(found) == (f"{path}:{line}:{column + 3}: error: rule 'r' sets unknown output 'c'; "
                           "declare it under outputs")


def test_duplicate_rule_ids(tmp_path: Path) -> None:
    body = INPUTS + "rules:\n" + rule("same", "x > 1", "a: 1") + rule("same", "x > 2", "b: 2")
    path, found = _check(tmp_path, body)
    first_line = position(path.read_text(), "id: same")[0]
    assert _one(found) == (f"{_at(path, 'id: same', nth=1)}: error: duplicate id 'same' (first at line "
                           f"{first_line}); ids must be unique")


def test_cycle_between_outputs(tmp_path: Path) -> None:
    body = INPUTS + "rules:\n" + rule("r1", "x > 1", "a: b + 1") + rule("r2", "x > 1", "b: a * 2")
    path, found = _check(tmp_path, body)
    assert _one(found) == (f"{_at(path, 'a:', nth=0)}: error: outputs depend on each other in a cycle: "
                           "a → b → a; one of them must be computed without the others")


def test_a_cycle_through_a_condition(tmp_path: Path) -> None:
    body = INPUTS + "rules:\n" + rule("r1", "b > 1", "a: 1") + rule("r2", "a > 1", "b: 2")
    _, found = _check(tmp_path, body)
    assert "cycle: a → b → a" in _one(found)


def test_exception_to_an_unknown_rule(tmp_path: Path) -> None:
    body = INPUTS + "rules:\n" + rule("base", "x > 1", "a: 1") + rule(
        "special", "x > 2", "a: 2", extra="    exception_to: bsae\n") + rule("other", None, "b: 1")
    path, found = _check(tmp_path, body)
    assert _one(found) == (f"{_at(path, 'id: special')}: error: rule 'special' is an exception to unknown "
                           "rule 'bsae'")


def test_conflicting_rules_are_warned(tmp_path: Path) -> None:
    body = INPUTS + "rules:\n" + rule("low", "x > 1", "a: 1") + rule("high", "x > 5", "a: 2") + rule(
        "b", None, "b: 1")
    path, found = _check(tmp_path, body)
    assert not [d for d in found if d.severity == "error"]
    message = _one(found, "warning")
    assert message.startswith(f"{_at(path, 'id: high')}: warning: rules 'low' and 'high' both set 'a'")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("x > 5", "x < 3"),
        ("severity == 'acute'", "\"severity in ['ordinary', 'severe']\""),
        ("x == 7", "[x > 1, x < 7]"),
    ],
)
def test_rules_that_cannot_both_fire_are_no_conflict(tmp_path: Path, first: str, second: str) -> None:
    body = INPUTS + "rules:\n" + rule("one", first, "a: 1") + rule("two", second, "a: 2") + rule("b", None, "b: 1")
    _, found = _check(tmp_path, body)
    assert found == []


@pytest.mark.parametrize(
    "extra",
    [
        "    exception_to: low\n",  # an exception is not a conflict
        "    priority: 1\n",  # nor is a rule of higher priority
    ],
)
def test_exceptions_and_priorities_are_not_conflicts(tmp_path: Path, extra: str) -> None:
    body = INPUTS + "rules:\n" + rule("low", "x > 1", "a: 1") + rule("high", "x > 5", "a: 2", extra) + rule(
        "b", None, "b: 1")
    _, found = _check(tmp_path, body)
    assert found == []


# --- rules that can never fire -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "why"),
    [
        ("[months > 5, months < 3]", "no value of 'months' satisfies its bounds"),
        ("months > 5 and months < 3", "no value of 'months' satisfies its bounds"),
        ("x > 700", "no value of 'x' satisfies its bounds (declared range 0 to 600)"),
        ("x < 0", "no value of 'x' satisfies its bounds (declared range 0 to 600)"),
        ("[5 < months, months <= 5]", "no value of 'months' satisfies its bounds"),
        ("[severity == 'acute', severity == 'severe']", "no value of 'severity' satisfies all of its conditions"),
        ("[\"severity in ['acute', 'severe']\", severity == 'ordinary']",
         "no value of 'severity' satisfies all of its conditions"),
        ("false", "condition `false` is always false"),
        ("x == 700", "no value of 'x' satisfies all of its conditions"),  # above the declared maximum
        ("x in [-1, 601]", "no value of 'x' satisfies all of its conditions"),
        ("[months == 3, months > 3]", "no value of 'months' satisfies all of its conditions"),
    ],
)
def test_rule_that_can_never_fire(tmp_path: Path, when: str, why: str) -> None:
    body = INPUTS + "rules:\n" + rule("dead", when, "a: 1") + rule("alive", None, "b: 1")
    path, found = _check(tmp_path, body)
    assert _one(found) == f"{_at(path, 'id: dead')}: error: rule 'dead' can never fire: {why}; fix or remove it"


@pytest.mark.parametrize(
    "when", ["[x > 3, x < 5]", "[x >= 5, x <= 5]", "x <= 600", "x >= 0", "x == 600", "x in [-1, 6]",
             "[months == 3, months >= 3]"])
def test_satisfiable_rules_are_not_reported(tmp_path: Path, when: str) -> None:
    body = INPUTS + "rules:\n" + rule("alive", when, "a: 1") + rule("other", None, "b: 1")
    _, found = _check(tmp_path, body)
    assert found == []


# --- decision tables ---------------------------------------------------------------------------


def _table(hit: str, rows: list[list[str]], column: str = "x", default: bool = False) -> tuple[str, str]:
    """The table YAML, and the declaration of its output `out`."""
    lines = [
        "tables:",
        "  - id: t",
        "    title: T",
        "    clause: demo-2017 I.1",
        "    source: s",
        f"    hit: {hit}",
        *(["    aggregate: sum"] if hit == "collect" else []),
        f"    inputs: [{column}]",
        "    outputs: [out]",
        "    rows:",
    ]
    for i, cells in enumerate(rows):
        lines.append("      - when: [" + ", ".join(f'"{c}"' for c in cells) + "]")
        lines.append(f"        then: [{i}]")
    out = "  out:\n    type: integer\n" + ("    default: 0\n" if default else "")
    return "\n".join(lines) + "\n", out


def _table_body(hit: str, rows: list[list[str]], column: str = "x", default: bool = False,
                inputs: str = INPUTS) -> str:
    table, out = _table(hit, rows, column, default)
    # outputs a and b are not used by tables; give them a rule so they are not reported as unset
    return (inputs.replace("outputs:\n", "outputs:\n" + out) + "rules:\n" + rule("a", None, "a: 1")
            + rule("b", None, "b: 1") + table)


NUMBER_X = INPUTS.replace("    minimum: 0\n    maximum: 600\n", "")


@pytest.mark.parametrize(
    "cells",
    [
        ["[0, 6)", "[6, 12]", "< 0", "> 12"],
        ["< 6", ">= 6"],
        ["<= 6", "> 6"],
        ["(6, 12]", "<= 6", "> 12"],
        ["== 6", "!= 6"],
    ],
)
def test_disjoint_unique_rows_are_accepted(tmp_path: Path, cells: list[str]) -> None:
    _, found = _check(tmp_path, _table_body("unique", [[c] for c in cells], inputs=NUMBER_X))
    assert found == []


@pytest.mark.parametrize(
    ("cells", "where"),
    [
        (["<= 6", ">= 6"], "x = 6"),
        (["[0, 6]", "[6, 12]"], "x = 6"),
        (["< 10", "> 5"], "x in (5, 10)"),
        (["-", "== 3"], "x = 3"),
        (["in [1, 2]", "[2, 3)"], "x = 2"),
    ],
)
def test_overlapping_unique_rows_are_an_error(tmp_path: Path, cells: list[str], where: str) -> None:
    path, found = _check(tmp_path, _table_body("unique", [[c] for c in cells], inputs=NUMBER_X, default=True))
    errors = [str(d) for d in found if d.severity == "error"]
    assert errors == [f"{_at(path, 'when: [', nth=1)}: error: table 't' has hit policy unique, but row 1 and "
                      f"row 2 both match when {where}; make their cells disjoint or use hit: first"]


def test_overlap_is_allowed_with_hit_first(tmp_path: Path) -> None:
    _, found = _check(tmp_path, _table_body("first", [["<= 6"], [">= 6"]], inputs=NUMBER_X))
    assert found == []


@pytest.mark.parametrize(
    ("cells", "column", "gap"),
    [
        (["< 6", "> 6"], "x", "x = 6"),
        (["<= 6", ">= 7"], "x", "x in (6, 7)"),  # a number column has values between 6 and 7
        (["[0, 6)", "(6, 12]", "< 0", "> 12"], "x", "x = 6"),
        (["'ordinary'", "'acute'"], "severity", "severity = 'severe'"),
    ],
)
def test_gaps_are_an_error_without_a_default(tmp_path: Path, cells: list[str], column: str, gap: str) -> None:
    inputs = NUMBER_X if column == "x" else INPUTS
    path, found = _check(tmp_path, _table_body("unique", [[c] for c in cells], column=column, inputs=inputs))
    message = _one(found)
    assert message.startswith(f"{_at(path, 'id: t')}: error: table 't' has a gap: no row covers {gap}")
    assert message.endswith("add a row or a default")


def test_gap_with_a_default_is_a_warning(tmp_path: Path) -> None:
    _, found = _check(tmp_path, _table_body("unique", [["< 6"], ["> 6"]], inputs=NUMBER_X, default=True))
    assert [d.severity for d in found] == ["warning"]
    assert "the outputs' defaults apply there" in str(found[0])


@pytest.mark.parametrize(
    "cells",
    [
        ["<= 6", ">= 7"],  # an integer column has nothing between 6 and 7
        ["[0, 6]", "[7, 12]", "< 0", "> 12"],
        ["< 3", "[3, 6]", "(6, 9)", ">= 9"],
        ["< 6.5", "> 6.5"],  # 6.5 is not a value of an integer column
        ["<= 6.5", ">= 6.5"],  # so these do not overlap either
    ],
)
def test_integer_columns_have_no_gap_between_consecutive_integers(tmp_path: Path, cells: list[str]) -> None:
    _, found = _check(tmp_path, _table_body("unique", [[c] for c in cells], column="months"))
    assert found == []


def test_declared_bounds_limit_the_domain(tmp_path: Path) -> None:
    # x is declared in [0, 600]: rows covering exactly that range leave no gap
    _, found = _check(tmp_path, _table_body("unique", [["[0, 300)"], ["[300, 600]"]]))
    assert found == []


def test_table_cell_of_the_wrong_type_is_reported_not_crashed_on(tmp_path: Path) -> None:
    path, found = _check(tmp_path, _table_body("unique", [["< 6"], [">= 6"]], column="admitted_on"))
    errors = [str(d) for d in found]
    first, second = _at(path, '"< 6"'), _at(path, '">= 6"')
    assert errors == [
        f"{first}: error: table 't' row 1: cell `< 6` compares `admitted_on` (a date) with an integer",
        f"{second}: error: table 't' row 2: cell `>= 6` compares `admitted_on` (a date) with an integer",
    ]


def test_table_cell_with_an_enum_typo(tmp_path: Path) -> None:
    path, found = _check(tmp_path, _table_body(
        "first", [["'acute'"], ["'sever'"], ["-"]], column="severity"))
    where = _at(path, "\"'sever'\"")
    assert _one(found) == (f"{where}: error: table 't' row 2: cell `'sever'`: 'sever' is not a "
                           "value of `severity` (ordinary, acute, severe)")


@pytest.mark.parametrize("cell", ["[0, 'a')", "(6, 6)", "> x", "in [1, x]"])
def test_malformed_cells_are_load_errors_at_the_cell(tmp_path: Path, cell: str) -> None:
    path, errors = _load_errors(tmp_path, _table_body("first", [[cell]], inputs=NUMBER_X))
    assert len(errors) == 1
    where = _at(path, '"' + cell + '"')
    assert errors[0].startswith(f"{where}: error: table cell `{cell}`")


# --- versions ----------------------------------------------------------------------------------


def _versions(tmp_path: Path, first_until: str | None, second_from: str) -> list[str]:
    marked = "    status: law\n"
    body = INPUTS + "rules:\n" + rule("a", None, "a: 1", marked) + rule("b", None, "b: 1", marked)
    write_ruleset(tmp_path, body, version="1.0", start="2017-01-01", until=first_until)
    write_ruleset(tmp_path, body, version="2.0", start=second_from)
    return [str(d) for d in check_paths([tmp_path]) if not _public_label(d)]  # see test_chinese_labels


def test_overlapping_versions_are_an_error(tmp_path: Path) -> None:
    found = _versions(tmp_path, None, "2018-01-01")
    later = tmp_path / "demo" / "2.0.yaml"
    lines = later.read_text().splitlines()
    line = next(i for i, x in enumerate(lines, 1) if "from: 2018-01-01" in x)
    assert len(found) == 1  # pointed at the later version's effective period, which the drafter must change
    assert found[0].startswith(f"{later}:{line}:")
    assert ": error: demo version 2.0 (from 2018-01-01) overlaps version 1.0" in found[0]


def test_until_is_inclusive(tmp_path: Path) -> None:
    assert len(_versions(tmp_path, "2018-01-01", "2018-01-01")) == 1
    assert _versions(tmp_path / "apart", "2017-12-31", "2018-01-01") == []


def test_the_fixture_rule_set_checks_clean_but_for_its_documented_gap() -> None:
    found = check_ruleset(load_ruleset(BENEFITS))
    assert [d.severity for d in found] == ["warning"]
    assert "table 'grade' has a gap" in str(found[0])


# --- declarations and sources ------------------------------------------------------------------


def test_a_name_declared_twice(tmp_path: Path) -> None:
    body = INPUTS + "  x:\n    type: number\nrules:\n" + rule("a", None, "a: 1") + rule("b", None, "b: 1") + rule(
        "x", None, "x: 1")
    path, found = _check(tmp_path, body)
    assert _one(found) == f"{_at(path, 'x:', nth=1)}: error: 'x' is declared as both input and output; rename one"


def test_a_clause_citing_a_plan_that_is_not_a_source(tmp_path: Path) -> None:
    text = rule("a", None, "a: 1").replace("demo-2017 I.1", "zhenghe-2017 IV.7.2")
    path, found = _check(tmp_path, INPUTS + "rules:\n" + text + rule("b", None, "b: 1"))
    assert (f"{_at(path, 'id: a')}: error: clause 'zhenghe-2017 IV.7.2' cites 'zhenghe-2017', "
            "which is not among this rule set's sources (demo-2017); add it under sources or fix "
            "the key") in [str(d) for d in found]


def test_a_rule_file_with_no_clause_index_above_it_cannot_decide(tmp_path: Path) -> None:
    from governance.compile import compile_ruleset
    from governance.load import load_ruleset

    path = write_ruleset(tmp_path, INPUTS + "rules:\n" + rule("a", None, "a: 1") + rule("b", None, "b: 1"))
    (tmp_path / "clauses.yaml").unlink()
    found = [str(d) for d in check_ruleset(load_ruleset(path))]
    assert found == [f"{path}:1:1: error: no clause index (clauses.yaml) in any folder above {path}, so its "
                     "citations cannot be checked; keep rule files in a rules folder that has clauses.yaml"]
    with pytest.raises(MedunionError):
        compile_ruleset(load_ruleset(path))


def test_an_output_reading_itself_is_a_cycle(tmp_path: Path) -> None:
    _, found = _check(tmp_path, INPUTS + "rules:\n" + rule("a", "x > 1", "a: a + 1") + rule("b", None, "b: 1"))
    assert "cycle: a → a" in _one(found)


def test_a_parameter_without_a_value_at_the_start_is_warned(tmp_path: Path) -> None:
    parameters = """parameters:
  rate:
    type: number
    clause: demo-2017 I.1
    status: law
    values:
      - from: 2018-01-01
        value: 0.5
"""
    body = INPUTS + parameters + "rules:\n" + rule("a", None, "a: x * rate") + rule("b", None, "b: 1")
    path, found = _check(tmp_path, body)
    assert _one(found, "warning") == (f"{_at(path, 'rate:')}: warning: parameter 'rate' has no value before "
                                      "2018-01-01, but the rule set is in force from 2017-01-01")


def test_an_integer_gap_is_named_by_its_integer(tmp_path: Path) -> None:
    _, found = _check(tmp_path, _table_body("unique", [["< 6.5"], [">= 8"]], column="months"))
    assert "no row covers months = 7;" in _one(found)


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        (["< date('2018-01-01')", ">= date('2018-01-01')"], None),
        (["< date('2018-01-01')", "> date('2018-01-01')"], "gap: no row covers admitted_on = 2018-01-01"),
        (["<= date('2018-01-01')", ">= date('2018-01-01')"],
         "row 1 and row 2 both match when admitted_on = 2018-01-01"),
        (["<= date('2017-12-31')", ">= date('2018-01-01')"], None),  # no day between them
    ],
)
def test_date_columns_are_checked_day_by_day(tmp_path: Path, cells: list[str], problem: str | None) -> None:
    _, found = _check(tmp_path, _table_body("unique", [[c] for c in cells], column="admitted_on"))
    if problem is None:
        assert found == []
    else:
        assert problem in _one(found)


def test_two_files_with_one_version_number(tmp_path: Path) -> None:
    marked = "    status: law\n"
    body = INPUTS + "rules:\n" + rule("a", None, "a: 1", marked) + rule("b", None, "b: 1", marked)
    first = write_ruleset(tmp_path, body, until="2017-12-31")
    second = first.with_name("1.0-again.yaml")
    second.write_text(first.read_text().replace("from: 2017-01-01\n  until: 2017-12-31", "from: 2018-01-01"))
    found = [str(d) for d in check_paths([tmp_path]) if not _public_label(d)]
    assert found == [f"{second}:1:1: error: demo: version 1.0 is also in {first}; give each file its own version"]


# --- every message a catalog template ------------------------------------------------------------


def test_every_message_of_the_checker_is_a_catalog_template() -> None:
    """No f-string nor concatenation reaches error()/warning() in governance/check.py: each message is an N_()
    template (directly or from a table of them), so `check --lang zh` can show it in Chinese. The one
    exception is the clause index's own message (governance/clauses.py), passed on as it comes."""
    import ast

    import governance.check as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id in ("error", "warning", "severity", "unmarked")]
    assert len(calls) > 30
    loose = [ast.unparse(call.args[0]) for call in calls
             if not (isinstance(call.args[0], ast.Call) and getattr(call.args[0].func, "id", None) == "N_")
             and not isinstance(call.args[0], ast.Name | ast.Subscript)]
    assert loose == [], loose
    names = {ast.unparse(call.args[0]) for call in calls if isinstance(call.args[0], ast.Name)}
    assert names == {"problem", "template", "_NO_JURISDICTION_ZH", "_NO_TOPICS", "_NO_PLAIN", "_NO_PLAIN_EN",
                     "_MISSING_LABEL_OTHER"}, names
