"""The reference evaluator: one case, on one date, every output with its trace.

The decision policy (exceptions, priorities, conflicts, defaults, hit policies) is
governance.policy's, shared with the column evaluator; this module supplies the arithmetic on
one case's Python values (a truth is a bool) and records what the policy finds into the typed
trace (governance.trace), from which the explanation JSON is produced.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from governance.cases import CaseSource, check_case, parameters_on
from governance.check import dependencies
from governance.compile import Plan, plan_for
from governance.diagnostics import MedunionError, error
from governance.expressions import Expression, evaluate, format_value, render_with_values
from governance.i18n import N_
from governance.model import CellTest, DecisionTable, Field, Rule, RuleSet, TableRow
from governance.policy import (
    BLOCKED_COLUMN,
    BLOCKED_CONDITION,
    BLOCKED_FORMULA,
    BLOCKED_RESULT,
    NO_ROW,
    NO_RULE,
    Outcome,
    Policy,
    Shortfall,
    TableOutcome,
    Verdict,
)
from governance.readings import attach_readings, names_read
from governance.tables import cell_matches
from governance.trace import (
    EXPLANATION_FORMAT,
    CellTrace,
    ConditionTrace,
    DecidedBy,
    DecisionTrace,
    FormulaTrace,
    InputLabel,
    OutputTrace,
    ParameterTrace,
    RowTrace,
    RulesetTrace,
    RuleTrace,
    TableResultTrace,
    TableTrace,
    Words,
    cautions,
    to_json,
    words,
)
from governance.values import json_value, same_value_key

__all__ = ["EXPLANATION_FORMAT", "Decision", "decide", "decide_with_plan", "depends_on", "needed_inputs"]

_NOT_EVALUATED = words(N_("not evaluated: an earlier condition failed"))
_Rendered = ConditionTrace | FormulaTrace


@dataclass
class Decision:
    """The outputs of one case and the trace that explains each of them.

    Writing each expression with its values is most of the cost of a trace, and most decisions
    made in bulk are never explained: the evaluator leaves those texts to be written the first
    time `trace` is read, from the case's final values (a name an expression read never changes
    value afterwards, so the text is the one it would have had when the expression was read).
    """

    outputs: dict[str, Any]
    _trace: DecisionTrace = field(repr=False)  # read it through `trace`
    ruleset: RuleSet = field(repr=False)
    _env: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _unrendered: list[tuple[_Rendered, Expression]] = field(default_factory=list, repr=False, compare=False)

    @property
    def trace(self) -> DecisionTrace:
        """The typed trace of the decision (governance.trace)."""
        if self._unrendered:
            for record, expr in self._unrendered:
                if record.with_values is None:
                    record.with_values = render_with_values(expr, self._env)
            self._unrendered = []
        return self._trace

    @property
    def decided(self) -> dict[str, Any]:
        """The outputs that were decided (by a rule, a table or a default)."""
        return {k: v for k, v in self.outputs.items() if self._trace.outputs[k].decided}

    @cached_property
    def explanation(self) -> dict[str, Any]:
        """The trace as JSON-ready data (format `medunion/explanation@1`), made once when asked for."""
        return to_json(self.trace)


def _by(item: Rule | DecisionTable, rows: tuple[str, ...] | None = None) -> DecidedBy:
    kind = "rule" if isinstance(item, Rule) else "table"
    return DecidedBy(kind, item.id, item.title, item.title_zh, item.clause, item.source, rows,
                     source_zh=item.source_zh, source_zh_status=item.source_zh_status)


class _Case:
    """The policy's backend for one case: truths are bools, values are Python values.

    It also records the trace: each rule's conditions, each table's rows, each output's verdict.
    """

    def __init__(self, plan: Plan, inputs: dict[str, Any], parameters: dict[str, Any],
                 missing: tuple[str, ...] = ()) -> None:
        self.plan = plan
        self.rs = plan.ruleset
        self.env: dict[str, Any] = {**parameters, **inputs}
        self.parameter_names = frozenset(parameters)
        self.missing = frozenset(missing)  # required inputs the case does not give
        # output (or missing input) -> why it is not decided: a missing input blocks what reads it
        self.undecided: dict[str, Words] = {name: words(N_("needs input '{name}'"), name=name) for name in missing}
        self.held_up: set[str] = set()  # outputs left undecided because something they read is not
        self.used_parameters: set[str] = set()
        self.conditions: list[ConditionTrace] = []  # of the rule being read
        self.failed: int | None = None  # of the rule being read
        self.rules: dict[str, RuleTrace] = {}
        self.tables: dict[str, TableTrace] = {}
        self.outputs: dict[str, OutputTrace] = {}
        self.unrendered: list[tuple[_Rendered, Expression]] = []  # written when the trace is read

    # --- truths --------------------------------------------------------------------------------

    def everywhere(self) -> bool:
        return True

    def nowhere(self) -> bool:
        return False

    def unless(self, a: bool, b: bool) -> bool:
        return a and not b

    def some(self, a: bool) -> bool:
        return a

    # --- expressions ---------------------------------------------------------------------------

    def blocked(self, expr: Expression) -> bool:
        return bool(self.undecided) and not self.undecided.keys().isdisjoint(expr.names())

    def why_blocked(self, expr: Expression) -> Words:
        name = next(n for n in sorted(expr.names()) if n in self.undecided)
        if name in self.missing:
            return self.undecided[name]
        return words(N_("reads output '{name}', which is not decided ({reason})"), name=name,
                     reason=self.undecided[name])

    def value(self, expr: Expression) -> Any:
        self.used_parameters |= expr.names() & self.parameter_names
        try:
            result = evaluate(expr, self.env)
        except (OverflowError, ValueError) as exc:  # e.g. an amount too large for a float: refused where it stands
            raise MedunionError(error(N_("`{expression}` cannot be computed for this case: {problem}"),
                                      expr.location_of(expr.tree), expression=expr.text, problem=exc)) from None
        if isinstance(result, float) and not math.isfinite(result):  # never an Infinity in an explanation
            raise MedunionError(error(
                N_("`{expression}` gives {result} for this case, not a finite amount; the case's values are too large"),
                expr.location_of(expr.tree), expression=expr.text, result=result))
        return result

    def holds(self, expr: Expression, rows: bool) -> bool:
        return bool(self.value(expr)) if rows else False

    def compute(self, expr: Expression, rows: bool) -> Any:
        return self.value(expr) if rows else None

    def matches(self, cell: CellTest, value: Any) -> bool:
        return cell_matches(cell, value)

    # --- values --------------------------------------------------------------------------------

    def blank(self, spec: Field) -> Any:
        return None

    def constant(self, value: Any) -> Any:
        return value

    def select(self, rows: bool, new: Any, old: Any) -> Any:
        return new if rows else old

    def differ(self, a: Any, b: Any) -> bool:
        return same_value_key(a) != same_value_key(b)

    def start(self, aggregate: str) -> Any:
        return 0 if aggregate in ("sum", "count") else None

    def fold(self, aggregate: str, total: Any, rows: bool, value: Any) -> Any:
        """As Python's sum, min, max and len over the matched rows' values, in row order."""
        if not rows:
            return total
        if aggregate == "count":
            return total + 1
        if aggregate == "sum":
            return total + value
        if total is None:
            return value
        if aggregate == "min":
            return value if value < total else total
        return value if value > total else total

    # --- errors --------------------------------------------------------------------------------

    def conflict(self, output: str, outcomes: list[Outcome[bool, Any]], clash: Outcome[bool, Any], rows: bool
                 ) -> MedunionError:
        detail = "; ".join(f"{o.rule.id} gives {format_value(o.value)}" for o in outcomes)
        return MedunionError(error(
            N_("conflict on output '{output}': {detail}. Neither rule is an exception to the other and they "
               "have the same priority; the drafter must say which wins (exception_to or priority)"),
            outcomes[1].rule.location, output=output, detail=detail))

    def ambiguous(self, table: DecisionTable, matches: list[tuple[TableRow, bool]], rows: bool) -> MedunionError:
        labels = ", ".join(row.label for row, matched in matches if matched)
        return MedunionError(error(N_("table '{table}' (hit policy unique) matched several rows: {rows}"),
                                   table.location, table=table.id, rows=labels))

    # --- the trace -----------------------------------------------------------------------------

    def condition(self, rule: Rule, part: Expression, reached: bool, stopped: bool, held: bool) -> None:
        if not reached:
            record = ConditionTrace(part.text, None, None, str(_NOT_EVALUATED), _NOT_EVALUATED)
        elif stopped:
            why = self.why_blocked(part)
            record = ConditionTrace(part.text, None, None, str(why), why)
        else:
            record = ConditionTrace(part.text, held)
            self.unrendered.append((record, part))
        if reached and not held and self.failed is None:
            self.failed = len(self.conditions)
        self.conditions.append(record)

    def rule(self, rule: Rule, fired: bool) -> None:
        self.rules[rule.id] = RuleTrace(
            rule.id, rule.title, rule.title_zh, rule.clause, rule.source, fired, tuple(self.conditions),
            self.failed, rule.exception_to, rule.priority, self.plan.sets[rule.id],
            source_zh=rule.source_zh, source_zh_status=rule.source_zh_status)
        self.conditions = []
        self.failed = None

    def table(self, outcome: TableOutcome[bool, Any]) -> None:
        table = outcome.table
        note = None
        if not outcome.usable:
            column = _read_undecided(outcome.shortfalls[0][0])
            note = words(N_("column `{column}` {reason}"), column=column.text, reason=self.why_blocked(column))
        rows = []
        for test in outcome.tests:
            cells = tuple(CellTrace(column.text, json_value(value), cell.text, result) for column, cell, value, result
                          in zip(table.columns, test.row.cells, outcome.values, test.cells, strict=True))
            failed = next((i for i, result in enumerate(test.cells) if not result), None)
            rows.append(RowTrace(test.row.label, test.matched, cells, failed))
        results: dict[str, TableResultTrace] = {}
        if outcome.matched:
            for name, result in outcome.results.items():
                if result.decided:
                    formulas = tuple(self.formula(p.expression, p.value, p.row.label) for p in result.parts)
                    results[name] = TableResultTrace(True, json_value(result.value), formulas)
                else:
                    expr = _read_undecided(result.shortfalls[0][0])
                    why = self.why_blocked(expr)
                    results[name] = TableResultTrace(False, reason=str(why), reason_words=why)
        matched = tuple(row.label for row, hit in outcome.matches if hit)
        self.tables[table.id] = TableTrace(table.id, table.title, table.title_zh, table.clause, table.source,
                                           table.hit, table.aggregate, tuple(rows), matched, results,
                                           str(note) if note is not None else None, note,
                                           source_zh=table.source_zh, source_zh_status=table.source_zh_status)

    def settle(self, verdict: Verdict[bool, Any]) -> None:
        name = verdict.output
        spec = verdict.spec
        if verdict.produced:
            value = verdict.value
            self.env[name] = value
            if verdict.table is not None:
                table = self.tables[verdict.table.table.id]
                self.outputs[name] = OutputTrace(name, spec.unit, spec.description, True, json_value(value),
                                                 _by(verdict.table.table, table.matched),
                                                 formulas=table.results[name].formulas,
                                                 label_zh=spec.label_zh, value_zh=_enum_zh(spec, value),
                                                 kind=spec.type.kind)
                return
            self.outputs[name] = self._by_rule(verdict)
            return
        shortfall, _ = verdict.shortfalls[0]  # one case falls short in one way
        reason, candidates = self.reason(shortfall, name)
        if verdict.defaulted:
            self.env[name] = verdict.value
            self.outputs[name] = OutputTrace(name, spec.unit, spec.description, True, json_value(verdict.value),
                                             DecidedBy("default"), None, (), (), (), str(reason), candidates,
                                             reason_words=reason, label_zh=spec.label_zh,
                                             value_zh=_enum_zh(spec, verdict.value), kind=spec.type.kind)
        else:
            self.undecided[name] = reason
            if shortfall.kind not in (NO_RULE, NO_ROW):  # blocked by a name not decided, not by the law
                self.held_up.add(name)
            self.outputs[name] = OutputTrace(name, spec.unit, spec.description, False, None, None, None, (), (), (),
                                             str(reason), candidates, reason_words=reason, label_zh=spec.label_zh,
                                             kind=spec.type.kind)

    def _by_rule(self, verdict: Verdict[bool, Any]) -> OutputTrace:
        name = verdict.output
        contest = verdict.contest
        assert contest is not None
        first, *others = verdict.outcomes
        overrode = []
        also_fired = [o.rule.id for o in others]
        for c in contest.contenders:
            rule_id = c.rule.id
            if contest.overridden[rule_id]:
                overrode.append(rule_id)
                self.rules[rule_id].overridden_by[name] = tuple(x for x in c.overridden_by if contest.fired[x])
        also_fired += [c.rule.id for c in contest.contenders
                       if contest.standing[c.rule.id] and not contest.winners[c.rule.id]]
        formula = self.formula(first.formula, verdict.value)
        return OutputTrace(name, verdict.spec.unit, verdict.spec.description, True, formula.value, _by(first.rule),
                           formula, (), tuple(overrode), tuple(also_fired), label_zh=verdict.spec.label_zh,
                           value_zh=_enum_zh(verdict.spec, verdict.value), kind=verdict.spec.type.kind)

    def formula(self, expr: Expression, value: Any, row: str | None = None) -> FormulaTrace:
        record = FormulaTrace(expr.text, None, json_value(value), row)
        self.unrendered.append((record, expr))
        return record

    def reason(self, shortfall: Shortfall, output: str) -> tuple[Words, tuple[str, ...]]:
        """Why the producers did not decide, in words, and which could have."""
        producers = tuple([p.id for p in shortfall.producers])
        if shortfall.kind in (NO_RULE, BLOCKED_CONDITION):  # blocked: a rule stopped at a name not decided
            rules = self.plan.rules_of[output] if shortfall.kind == BLOCKED_CONDITION else shortfall.producers
            reasons = tuple(words(N_("{rule}: {failure}"), rule=r.id, failure=self.failure(r.id)) for r in rules) \
                or (words(N_("no rule sets it")),)
            return words(N_("no rule applies ({reasons})"), reasons=reasons), tuple(r.id for r in rules)
        if shortfall.kind == BLOCKED_FORMULA:
            return words(N_("rule '{rule}' {reason}"), rule=producers[0],
                         reason=self.why_blocked(_read_undecided(shortfall))), producers
        if shortfall.kind == BLOCKED_COLUMN:
            return self.tables[producers[0]].note_words or words(""), producers
        if shortfall.kind == BLOCKED_RESULT:
            return self.why_blocked(_read_undecided(shortfall)), producers
        return words(N_("no row of the table matched")), producers

    def failure(self, rule_id: str) -> Words:
        record = self.rules[rule_id]
        if record.fired:
            return words(N_("fired, but was overridden"))
        index = record.failed_condition
        assert index is not None  # a rule that did not fire stopped at some condition
        failed = record.conditions[index]
        if failed.note is None and failed.with_values is None:  # the reason shows it now
            failed.with_values = render_with_values(self.plan.conditions[rule_id][index], self.env)
        shown = failed.with_values or failed.expression
        if failed.value is False:
            return words(N_("`{condition}` is false"), condition=shown)
        return words(N_("`{condition}` {note}"), condition=failed.expression, note=failed.note_words or words(""))


def _read_undecided(shortfall: Shortfall) -> Expression:
    """The expression that read an undecided output, for the shortfalls that have one."""
    assert shortfall.expression is not None, shortfall.kind
    return shortfall.expression


def _enum_zh(spec: Field, value: Any) -> str | None:
    """The Chinese name of an enum value, when the file gives one."""
    return spec.values_zh.get(value) if spec.values_zh and isinstance(value, str) else None


def _ruleset_trace(rs: RuleSet) -> RulesetTrace:
    return RulesetTrace(rs.id, rs.title, rs.title_zh, rs.version, rs.status, rs.jurisdiction, rs.effective_from,
                        rs.effective_until, rs.path, tuple(s.key for s in rs.sources), rs.jurisdiction_zh)


def _input_labels(rs: RuleSet, inputs: Mapping[str, Any], missing: tuple[str, ...]) -> dict[str, InputLabel]:
    """The Chinese names the file gives of the case's inputs and their enum values, and of the
    missing inputs (a letter asks for those by name)."""
    labels = {}
    for name in (*inputs, *missing):
        spec = rs.inputs.get(name)
        if spec is not None and (spec.label_zh or spec.values_zh):
            labels[name] = InputLabel(spec.label_zh, _enum_zh(spec, inputs.get(name)))
    return labels


def depends_on(plan: Plan, outputs: Iterable[str], whole_tables: bool = False) -> set[str]:
    """Every name the outputs are decided from, through the outputs they read (the outputs
    themselves included): what their producers read — inputs, parameters and outputs — in turn.
    With `whole_tables`, a table counts as reading what any of its outputs reads (a table is
    evaluated whole, so deciding one of its outputs needs all that)."""
    found: set[str] = set()
    todo = list(outputs)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for producer in plan.producers.get(name, ()):
            reads = dependencies(producer) if whole_tables and isinstance(producer, DecisionTable) \
                else names_read(producer, name, None)
            todo.extend(reads - found)
    return found


def needed_inputs(plan: Plan, output: str, missing: Iterable[str]) -> tuple[str, ...]:
    """The missing inputs an output depends on, directly or through other outputs, in declaration order."""
    reads = depends_on(plan, [output])
    wanted = set(missing)
    return tuple(name for name in plan.ruleset.inputs if name in wanted and name in reads)


def _asked(plan: Plan, only: Iterable[str]) -> tuple[str, ...]:
    asked = tuple(dict.fromkeys(only))
    unknown = [name for name in asked if name not in plan.ruleset.outputs]
    if unknown:
        rs = plan.ruleset
        raise MedunionError(error(
            N_("{ruleset} has no output {unknown}; its outputs are: {outputs}"), rs.location, ruleset=rs.id,
            unknown=", ".join(repr(n) for n in unknown), outputs=", ".join(rs.outputs)))
    return asked


def decide_with_plan(plan: Plan, case: Mapping[str, Any], on: dt.date, source: CaseSource | None = None,
                     only: Iterable[str] | None = None) -> Decision:
    """Decide one case with an already compiled plan (for callers deciding many cases).

    `source` says where the case was written (a case file), so that a refused field is reported
    at its file position. A required input the case does not give blocks only the outputs that
    read it; each of those lists the missing inputs it needs. `only` limits the decision to
    those outputs and what they are decided from (an unknown name is refused, listing the outputs).
    """
    rs = plan.ruleset
    if not rs.in_force(on):
        fields = {"ruleset": rs.id, "version": rs.version, "start": rs.effective_from, "on": on}
        if rs.effective_until is None:
            raise MedunionError(error(
                N_("{ruleset} version {version} is in force from {start} to open end, not on {on}; "
                   "pick the version in force (give the rule set's id or folder instead of a file)"),
                rs.location, **fields))
        raise MedunionError(error(
            N_("{ruleset} version {version} is in force from {start} to {until}, not on {on}; "
               "pick the version in force (give the rule set's id or folder instead of a file)"),
            rs.location, until=rs.effective_until, **fields))
    asked = _asked(plan, only) if only is not None else ()
    checked = check_case(rs, case, source=source)
    inputs = checked.values
    parameters = parameters_on(rs, on)
    state = _Case(plan, inputs, parameters, checked.missing)
    policy: Policy[bool, Any] = Policy(plan, state)
    wanted = depends_on(plan, asked, whole_tables=True) if asked else None
    if wanted is None:
        policy.run()
    else:
        for name in plan.order:
            if name in wanted:
                policy.settle(name)
    for rule in rs.rules:  # rules that set nothing needed still get a verdict in the trace
        if wanted is None or not wanted.isdisjoint(rule.assignments):
            policy.fired(rule)
    order = plan.order if wanted is None else tuple(n for n in plan.order if n in wanted)
    outputs = {name: state.env.get(name) if state.outputs[name].decided else None for name in order}
    if checked.missing:
        for name in order:
            if name in state.held_up:
                state.outputs[name].needs = needed_inputs(plan, name, checked.missing)
    for name, value in outputs.items():  # a table's sum can overflow without any one formula doing so
        if isinstance(value, float) and not math.isfinite(value):
            raise MedunionError(error(N_("output '{name}' comes to {value} for this case, not a finite amount; "
                                         "the case's values are too large"), rs.outputs[name].location,
                                      name=name, value=value))
    used = sorted(state.used_parameters)
    parameter_traces = {}
    for name in used:
        parameter = rs.parameters[name]
        current = parameter.value_on(on)
        assert current is not None  # parameters_on refused the date otherwise
        parameter_traces[name] = ParameterTrace(name, json_value(parameters[name]), current.start, current.reference,
                                                parameter.unit, parameter.clause, parameter.status, parameter.note,
                                                parameter.description, label_zh=parameter.label_zh,
                                                description_zh=parameter.description_zh, kind=parameter.type.kind)
    outputs_traced = {name: state.outputs[name] for name in rs.outputs if name in state.outputs}
    uncertain, drafters = attach_readings(rs, state.rules, state.tables, outputs_traced, parameter_traces)
    relied = (*uncertain, *drafters)  # the parameters' first, then the rules' and tables', as `warnings` lists them
    ruleset_trace = _ruleset_trace(rs)
    warnings, notes = cautions(ruleset_trace, relied)
    trace = DecisionTrace(
        ruleset=ruleset_trace,
        on=on,
        inputs={k: json_value(v) for k, v in inputs.items()},
        outputs=outputs_traced,
        rules=tuple(state.rules[r.id] for r in rs.rules if r.id in state.rules),
        tables=tuple(state.tables[t.id] for t in rs.tables if t.id in state.tables),
        parameters=parameter_traces,
        warnings=warnings,
        notes=notes,
        missing=checked.missing,
        only=asked,
        relied_on=relied,
        input_labels=_input_labels(rs, inputs, checked.missing),
    )
    return Decision(outputs, trace, rs, state.env, state.unrendered)


def decide(ruleset: RuleSet, case: Mapping[str, Any], on: dt.date, source: CaseSource | None = None,
           only: Iterable[str] | None = None) -> Decision:
    """Check the rule set (once per file content), validate the case, and decide every output with its
    trace (or only the outputs named in `only`, and what they are decided from)."""
    return decide_with_plan(plan_for(ruleset), case, on, source, only)
