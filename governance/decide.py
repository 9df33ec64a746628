"""The reference evaluator: one case, on one date, every output with its explanation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from governance.cases import parameters_on, validate_case
from governance.compile import Plan, compile_ruleset
from governance.diagnostics import MedunionError, error
from governance.expressions import Expression, evaluate, format_value, render_with_values
from governance.model import DecisionTable, Rule, RuleSet
from governance.tables import cell_matches
from governance.values import json_value, same_value_key

EXPLANATION_FORMAT = "medunion/explanation@1"


@dataclass
class Decision:
    """The outputs of one case and the data that explains each of them."""

    outputs: dict[str, Any]
    explanation: dict[str, Any]
    ruleset: RuleSet = field(repr=False)

    @property
    def decided(self) -> dict[str, Any]:
        return {k: v for k, v in self.outputs.items() if self.explanation["outputs"][k]["decided"]}


class _Case:
    def __init__(self, plan: Plan, inputs: dict[str, Any], parameters: dict[str, Any]) -> None:
        self.plan = plan
        self.rs = plan.ruleset
        self.env: dict[str, Any] = {**parameters, **inputs}
        self.undecided: dict[str, str] = {}
        self.rules: dict[str, dict[str, Any]] = {}
        self.tables: dict[str, dict[str, Any]] = {}
        self.used_parameters: set[str] = set()
        self.table_values: dict[tuple[str, str], Any] = {}  # (table id, output) -> value, unconverted

    def blocked(self, expr: Expression) -> str | None:
        for name in sorted(expr.names()):
            if name in self.undecided:
                return f"reads output '{name}', which is not decided ({self.undecided[name]})"
        return None

    def value(self, expr: Expression) -> Any:
        self.used_parameters |= expr.names() & set(self.rs.parameters)
        return evaluate(expr, self.env)

    def rule(self, rule: Rule) -> dict[str, Any]:
        if rule.id in self.rules:
            return self.rules[rule.id]
        conditions: list[dict[str, Any]] = []
        fired = True
        failed = None
        for condition in rule.conditions:
            for part in condition.conjuncts():
                record: dict[str, Any] = {"expression": part.text}
                if not fired:
                    record["value"] = None
                    record["note"] = "not evaluated: an earlier condition failed"
                    conditions.append(record)
                    continue
                reason = self.blocked(part)
                if reason:
                    record["value"] = None
                    record["note"] = reason
                    fired = False
                else:
                    result = bool(self.value(part))
                    record["with_values"] = render_with_values(part, self.env)
                    record["value"] = result
                    fired = result
                if not fired:
                    failed = len(conditions)
                conditions.append(record)
        self.rules[rule.id] = {
            "kind": "rule",
            "id": rule.id,
            "title": rule.title,
            "title_zh": rule.title_zh,
            "clause": rule.clause,
            "source": rule.source,
            "fired": fired,
            "conditions": conditions,
            "failed_condition": failed,
            "exception_to": rule.exception_to,
            "priority": rule.priority,
            "sets": sorted(rule.assignments),
        }
        return self.rules[rule.id]

    def table(self, table: DecisionTable) -> dict[str, Any]:
        if table.id in self.tables:
            return self.tables[table.id]
        record: dict[str, Any] = {
            "kind": "table", "id": table.id, "title": table.title, "title_zh": table.title_zh,
            "clause": table.clause, "source": table.source, "hit": table.hit,
            "aggregate": table.aggregate, "rows": [], "matched": [], "results": {},
        }
        self.tables[table.id] = record
        for column in table.columns:
            reason = self.blocked(column)
            if reason:
                record["note"] = f"column `{column.text}` {reason}"
                return record
        values = [self.value(column) for column in table.columns]
        matched = []
        for row in table.rows:
            cells = []
            ok = True
            for column, cell, value in zip(table.columns, row.cells, values, strict=True):
                result = cell_matches(cell, value)
                cells.append({"column": column.text, "value": json_value(value), "test": cell.text,
                              "result": result})
                ok = ok and result
            failed = next((i for i, c in enumerate(cells) if not c["result"]), None)
            record["rows"].append({"row": row.label, "matched": ok, "cells": cells, "failed_cell": failed})
            if ok:
                matched.append(row)
                if table.hit == "first":
                    break
        if table.hit == "unique" and len(matched) > 1:
            labels = ", ".join(r.label for r in matched)
            raise MedunionError(error(f"table '{table.id}' (hit policy unique) matched several rows: {labels}",
                                      table.location))
        record["matched"] = [r.label for r in matched]
        if not matched:
            return record
        for o, output in enumerate(table.outputs):
            results = []
            for row in matched:
                expr = row.results[o]
                reason = self.blocked(expr)
                if reason:
                    record["results"][output] = {"decided": False, "reason": reason}
                    break
                results.append((row, expr, self.value(expr)))
            else:
                combined = self.combine(table, results)
                self.table_values[(table.id, output)] = combined["value"]
                combined["value"] = json_value(combined["value"])  # the explanation is JSON-ready
                record["results"][output] = combined
        return record

    def combine(self, table: DecisionTable, results: list[tuple[Any, Expression, Any]]) -> dict[str, Any]:
        formulas = [{"row": row.label, "expression": expr.text,
                     "with_values": render_with_values(expr, self.env), "value": json_value(value)}
                    for row, expr, value in results]
        values = [value for _, _, value in results]
        if table.hit != "collect":
            value = values[0]
        elif table.aggregate == "sum":
            value = sum(values)
        elif table.aggregate == "min":
            value = min(values)
        elif table.aggregate == "max":
            value = max(values)
        else:
            value = len(values)
        return {"decided": True, "value": value, "formulas": formulas}

    def output(self, name: str) -> dict[str, Any]:
        spec = self.rs.outputs[name]
        producers = self.plan.producers[name]
        base: dict[str, Any] = {"unit": spec.unit, "description": spec.description}
        tables = [p for p in producers if isinstance(p, DecisionTable)]
        if tables:
            table = self.table(tables[0])
            result = table["results"].get(name)
            if result and result["decided"]:
                self.env[name] = self.table_values[(tables[0].id, name)]
                return {**base, "decided": True, "value": json_value(result["value"]),
                        "by": self.by(tables[0], rows=table["matched"]), "formulas": result["formulas"]}
            reason = (result or {}).get("reason") or table.get("note") or "no row of the table matched"
            return self.fallback(name, base, reason, candidates=[tables[0].id])
        rules = [p for p in producers if isinstance(p, Rule)]
        fired = [r for r in rules if self.rule(r)["fired"]]
        fired_ids = {r.id for r in fired}
        standing = [r for r in fired
                    if not set(self.plan.overridden_by.get((r.id, name), ())) & fired_ids]
        overridden = [r.id for r in fired if r not in standing]
        if not standing:
            reasons = [f"{r.id}: {self.failure(r)}" for r in rules] or ["no rule sets it"]
            return self.fallback(name, base, "no rule applies (" + "; ".join(reasons) + ")",
                                 candidates=[r.id for r in rules])
        top = max(r.priority for r in standing)
        winners = [r for r in standing if r.priority == top]
        outcomes = []
        for rule in winners:
            formula = rule.assignments[name]
            reason = self.blocked(formula)
            if reason:
                return self.fallback(name, base, f"rule '{rule.id}' {reason}", candidates=[rule.id])
            outcomes.append((rule, formula, self.value(formula)))
        distinct = {same_value_key(v) for _, _, v in outcomes}
        if len(distinct) > 1:
            detail = "; ".join(f"{r.id} gives {format_value(v)}" for r, _, v in outcomes)
            raise MedunionError(error(
                f"conflict on output '{name}': {detail}. Neither rule is an exception to the other and they "
                "have the same priority; the drafter must say which wins (exception_to or priority)",
                winners[1].location))
        rule, formula, value = outcomes[0]
        self.env[name] = value
        for r in overridden:
            self.rules[r].setdefault("overridden_by", {})[name] = list(
                set(self.plan.overridden_by[(r, name)]) & fired_ids)
        return {
            **base, "decided": True, "value": json_value(value), "by": self.by(rule),
            "formula": {"expression": formula.text, "with_values": render_with_values(formula, self.env),
                        "value": json_value(value)},
            "overrode": overridden,
            "also_fired": [r.id for r, _, _ in outcomes[1:]] + [r.id for r in standing if r not in winners],
        }

    def failure(self, rule: Rule) -> str:
        record = self.rule(rule)
        if record["fired"]:
            return "fired, but was overridden"
        failed = record["conditions"][record["failed_condition"]]
        shown = failed.get("with_values") or failed["expression"]
        return f"`{shown}` is false" if failed["value"] is False else f"`{failed['expression']}` {failed['note']}"

    def fallback(self, name: str, base: dict[str, Any], reason: str, candidates: list[str]) -> dict[str, Any]:
        spec = self.rs.outputs[name]
        if spec.has_default:
            self.env[name] = spec.default
            return {**base, "decided": True, "value": json_value(spec.default),
                    "by": {"kind": "default"}, "reason": reason, "candidates": candidates}
        self.undecided[name] = reason
        return {**base, "decided": False, "value": None, "reason": reason, "candidates": candidates}

    @staticmethod
    def by(item: Rule | DecisionTable, rows: list[str] | None = None) -> dict[str, Any]:
        kind = "rule" if isinstance(item, Rule) else "table"
        found = {"kind": kind, "id": item.id, "title": item.title, "title_zh": item.title_zh,
                 "clause": item.clause, "source": item.source}
        if rows is not None:
            found["rows"] = rows
        return found


def decide_with_plan(plan: Plan, case: Mapping[str, Any], on: dt.date) -> Decision:
    """Decide one case with an already compiled plan (for callers deciding many cases)."""
    rs = plan.ruleset
    if not rs.in_force(on):
        until = rs.effective_until or "open end"
        raise MedunionError(error(
            f"{rs.id} version {rs.version} is in force from {rs.effective_from} to {until}, not on {on}; "
            "pick the version in force (give the rule set's id or folder instead of a file)", rs.location))
    inputs = validate_case(rs, case)
    parameters = parameters_on(rs, on)
    state = _Case(plan, inputs, parameters)
    outputs_explained = {name: state.output(name) for name in plan.order}
    for rule in rs.rules:  # rules that set nothing needed still get a verdict in the explanation
        state.rule(rule)
    outputs = {name: state.env.get(name) if explained["decided"] else None
               for name, explained in outputs_explained.items()}
    used = sorted(state.used_parameters)
    warnings = []
    notes = []
    if rs.status == "draft":
        warnings.append(f"Version {rs.version} of {rs.id} is a draft, not adopted: this decision shows what the "
                        "draft would decide, not what the law decides.")
    for name in used:
        parameter = rs.parameters[name]
        if parameter.status == "uncertain-reading":
            warnings.append(f"Parameter '{name}' ({parameter.clause}) is an uncertain reading of the source: "
                            f"{(parameter.note or '').strip()}")
        elif parameter.status == "drafter-choice":
            notes.append(f"Parameter '{name}' is a drafter's choice, not stated by {parameter.clause}: "
                         f"{(parameter.note or '').strip()}")
    explanation = {
        "format": EXPLANATION_FORMAT,
        "ruleset": {"id": rs.id, "title": rs.title, "title_zh": rs.title_zh, "version": rs.version,
                    "status": rs.status, "jurisdiction": rs.jurisdiction,
                    "effective": {"from": rs.effective_from.isoformat(),
                                  "until": rs.effective_until.isoformat() if rs.effective_until else None},
                    "path": rs.path, "sources": [s.key for s in rs.sources]},
        "on": on.isoformat(),
        "inputs": {k: json_value(v) for k, v in inputs.items()},
        "outputs": {name: outputs_explained[name] for name in rs.outputs},
        "rules": [state.rules[r.id] for r in rs.rules],
        "tables": [state.tables[t.id] for t in rs.tables if t.id in state.tables],
        "parameters": {
            name: {"value": json_value(parameters[name]),
                   "from": rs.parameters[name].value_on(on).start.isoformat(),  # type: ignore[union-attr]
                   "reference": rs.parameters[name].value_on(on).reference,  # type: ignore[union-attr]
                   "unit": rs.parameters[name].unit, "clause": rs.parameters[name].clause,
                   "status": rs.parameters[name].status, "note": rs.parameters[name].note,
                   "description": rs.parameters[name].description}
            for name in used
        },
        "warnings": warnings,
        "notes": notes,
    }
    return Decision(outputs=outputs, explanation=explanation, ruleset=rs)


def decide(ruleset: RuleSet, case: Mapping[str, Any], on: dt.date) -> Decision:
    """Check the rule set, validate the case, and decide every output with its explanation."""
    return decide_with_plan(compile_ruleset(ruleset), case, on)
