"""One clause, one boundary: thresholds that two files draw from the same clause, compared.

A rule set and an appraisal scheme may both encode a figure of the same clause (huangzhong-2017 I's
"more than 90%" is a rule in `huangzhong-goals` and an indicator target in `county-monitoring`). If
one file reads the figure strictly and the other inclusively, or writes another number, the law
says two things. This check, run by `medunion check`, finds the thresholds each file writes as a
number (in a comparison of a rule, a table cell, or an indicator's target, floor or cap) and warns
where files of different ids disagree on a clause. A figure a scheme takes from a rule set's
parameter (`{parameter: ruleset.name}`) is stated once, so it is not compared.

It lives in the application because it reads both kinds of file: the core may not import appraisal.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from governance.diagnostics import Diagnostic, Location, MedunionError, warning
from governance.expressions import Expression
from governance.expressions.syntax import Binary, Literal, Name, walk
from governance.i18n import N_
from governance.load import kind_of, load_ruleset, yaml_files
from governance.model import DecisionTable, RuleSet
from governance.source import load_yaml

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
SAME_FIGURE = N_("{clause}: {b} reads the same figure with another boundary than {a} ({b_reads} vs {a_reads}, at "
                 "{where}); state the clause's figure once, as a parameter with its status, and take it from there")
ANOTHER_FIGURE = N_("{clause}: {b} writes another figure than {a} ({b_reads} vs {a_reads}, at {where}); state the "
                    "clause's figure once, as a parameter with its status, and take it from there")


@dataclass(frozen=True)
class Threshold:
    """A figure a file compares with, on the scale of a ratio when its unit is a percent."""

    owner: str  # the rule set's or scheme's id: versions of one id may differ, ids may not
    clause: str
    value: float
    inclusive: bool  # whether a value exactly at the figure is on the side the comparison asks for
    what: str  # where it is, in words
    location: Location | None
    measure: str = ""  # "share" for a ratio or percent, else the unit: only figures of one measure compare

    def reads(self) -> str:
        return f"{self.value:g} ({'inclusive' if self.inclusive else 'strict'})"


def _scale(value: float, unit: str | None) -> float:
    return value / 100 if (unit or "").strip().lower() in ("percent", "%") else value


def _measure(unit: str | None) -> str:
    unit = (unit or "").strip().lower()
    return "share" if unit in ("ratio", "percent", "%") else unit


def _unit_of(ruleset: RuleSet, name: str) -> str | None:
    for group in (ruleset.inputs, ruleset.outputs):
        if name in group:
            return group[name].unit
    parameter = ruleset.parameters.get(name)
    return parameter.unit if parameter is not None else None


def _figures(ruleset: RuleSet, node: object) -> list[tuple[float, str | None, str]]:
    """The numbers a side of a comparison stands for: a literal, or every dated value of a parameter."""
    if isinstance(node, Literal) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return [(float(node.value), None, str(node.value))]
    if isinstance(node, Name) and node.name in ruleset.parameters:
        parameter = ruleset.parameters[node.name]
        return [(float(v.value), parameter.unit, f"{node.name} = {v.value}") for v in parameter.values
                if isinstance(v.value, int | float) and not isinstance(v.value, bool)]
    return []


def _expression_thresholds(ruleset: RuleSet, clause: str, owner_what: str, expr: Expression) -> list[Threshold]:
    found = []
    for node in walk(expr.tree):
        if not isinstance(node, Binary) or node.op not in _FLIP:
            continue
        left, right, op = node.left, node.right, node.op
        if not isinstance(left, Name) or left.name in ruleset.parameters:
            left, right, op = right, left, _FLIP[op]
        if not isinstance(left, Name) or left.name in ruleset.parameters:
            continue
        unit = _unit_of(ruleset, left.name)
        for value, own_unit, shown in _figures(ruleset, right):
            if value == 0 or not math.isfinite(value):  # a sign test, not a figure of the law
                continue
            found.append(Threshold(ruleset.id, clause, _scale(value, own_unit or unit), op in (">=", "<="),
                                   f"{owner_what}: `{left.name} {op} {shown}`", expr.origin,
                                   _measure(own_unit or unit)))
    return found


def _table_thresholds(ruleset: RuleSet, table: DecisionTable) -> list[Threshold]:
    found = []
    for index, column in enumerate(table.columns):
        name = column.text.strip()
        unit = _unit_of(ruleset, name)
        found += _expression_thresholds(ruleset, table.clause, f"{ruleset.id} table '{table.id}' column", column)
        for row in table.rows:
            cell = row.cells[index]
            if cell.kind != "compare" or cell.op not in _FLIP:
                continue
            value = cell.value
            if isinstance(value, bool) or not isinstance(value, int | float) or value == 0:
                continue
            found.append(Threshold(ruleset.id, table.clause, _scale(float(value), unit), cell.op in (">=", "<="),
                                   f"{ruleset.id} table '{table.id}' {row.label}: `{name} {cell.text}`",
                                   cell.location or row.location, _measure(unit)))
    return found


def ruleset_thresholds(ruleset: RuleSet) -> list[Threshold]:
    """Every figure a rule set compares with, by the clause of the rule or table that compares."""
    found: list[Threshold] = []
    for rule in ruleset.rules:
        for expr in (*rule.conditions, *rule.assignments.values()):
            found += _expression_thresholds(ruleset, rule.clause, f"{ruleset.id} rule '{rule.id}'", expr)
    for table in ruleset.tables:
        found += _table_thresholds(ruleset, table)
    return found


def scheme_thresholds(path: Path) -> list[Threshold]:
    """The targets, floors and caps an appraisal scheme writes as numbers, by indicator clause."""
    from appraisal.scheme import load_scheme

    try:
        scheme = load_scheme(path)
    except MedunionError:  # its problems are reported by the scheme's own check
        return []
    found = []
    for indicator in scheme.indicators:
        from_parameters = {f.field for f in indicator.figures}
        inclusive = getattr(indicator, "boundary", "inclusive") != "exclusive"
        for field in ("target",):
            value = getattr(indicator, field)
            if field != "target" or value is None or field in from_parameters:
                continue  # a floor or cap shapes the score, it is no figure of the law
            found.append(Threshold(scheme.id, indicator.clause, _scale(float(value), indicator.unit), inclusive,
                                   f"{scheme.id} indicator '{indicator.id}' {field} {value:g} {indicator.unit}",
                                   indicator.location, _measure(indicator.unit)))
    return found


def boundary_warnings(paths: Iterable[str | Path]) -> list[Diagnostic]:
    """A warning for each clause whose figure two files of different ids write differently."""
    thresholds: list[Threshold] = []
    for path in yaml_files(paths):
        try:
            kind = kind_of(load_yaml(path))
            if kind == "ruleset":
                thresholds += ruleset_thresholds(load_ruleset(path))
            elif kind == "appraisal-scheme":
                thresholds += scheme_thresholds(path)
        except MedunionError:  # reported by the file's own check
            continue
    by_clause: dict[str, list[Threshold]] = {}
    for item in thresholds:
        by_clause.setdefault(item.clause, []).append(item)
    found: list[Diagnostic] = []
    for clause, items in sorted(by_clause.items()):
        reported: set[tuple[str, str]] = set()
        for a, b in itertools.combinations(items, 2):
            if a.owner == b.owner or a.measure != b.measure or (a.owner, b.owner) in reported:
                continue
            same_figure = math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-12)
            if same_figure and a.inclusive == b.inclusive:
                continue
            if not same_figure and _other_figure_in_both(items, a, b):
                continue  # the clause has several figures, and both files write this one alike
            reported.add((a.owner, b.owner))
            template = SAME_FIGURE if same_figure else ANOTHER_FIGURE
            found.append(warning(template, b.location, clause=clause, b=b.what, a=a.what, b_reads=b.reads(),
                                 a_reads=a.reads(), where=a.location or a.owner))
    return found


def _other_figure_in_both(items: list[Threshold], a: Threshold, b: Threshold) -> bool:
    """Whether a clause with several figures has `a`'s figure in b's file and `b`'s in a's file, read alike."""
    def has(owner: str, like: Threshold) -> bool:
        return any(t.owner == owner and math.isclose(t.value, like.value, abs_tol=1e-12)
                   and t.inclusive == like.inclusive for t in items)
    return has(b.owner, a) and has(a.owner, b)
