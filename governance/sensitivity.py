"""What would change a decision: for each input, the smallest change that flips one output.

A drafter or an officer asks "how close was this case?". The answer is solved from the rule set,
not searched for: every comparison of an input with a literal or a parameter (in a rule's
conditions or formula, in a table's column or cell) is a boundary, and the value just across it
is the smallest change that could flip the output — exactly the boundary where the comparison is
non-strict on the far side (`x > 6` fails at 6), the next value past it where it is strict (an
integer's next whole number, a date's next day, a number's next hundredth, or the next float when
that is not across). For an enum or a true/false input each other value is tried. Every answer is
verified by deciding the case again with the change; one that does not flip the output is
dropped, and reported as dropped, so what is shown is always a decision medunion really makes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from governance.cases import check_case, parameters_on
from governance.compile import Plan
from governance.decide import decide_with_plan, depends_on
from governance.diagnostics import MedunionError, Message, error, joined, said
from governance.expressions.syntax import Binary, Call, Literal, Name, Node, walk
from governance.i18n import N_
from governance.model import DecisionTable, Field, Rule
from governance.values import json_value

_FLIPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_ORDERED = ("integer", "number", "date")


@dataclass(frozen=True)
class Boundary:
    """`input op value`, as a rule or table of the rule set compares it."""

    input: str
    op: str  # < <= > >= == !=
    value: Any
    source: str  # "rule <id>" / "table <id>"
    clause: str
    parameter: str | None = None  # the parameter the value is, when it is one


@dataclass(frozen=True)
class Change:
    """A change of one input that flips the output, verified by deciding again."""

    input: str
    current: Any  # JSON-ready; None when the case does not give it
    to: Any  # JSON-ready: the value that flips the output
    kind: str  # threshold | value
    gives: Any  # JSON-ready value of the output after the change (None: not decided)
    decided: bool  # whether the output is decided after the change
    condition: str | None = None  # threshold: the side of the boundary that flips it, e.g. "<= 6"
    boundary: Boundary | None = None


@dataclass(frozen=True)
class Dropped:
    """A candidate change that did not flip the output when decided again, and why."""

    input: str
    to: Any
    reason: str


@dataclass(frozen=True)
class Sensitivity:
    output: str
    value: Any  # JSON-ready current value (None: not decided)
    decided: bool
    changes: tuple[Change, ...]
    dropped: tuple[Dropped, ...]
    unchanged: tuple[str, ...]  # inputs it depends on for which no flipping change was found
    moves_with: tuple[str, ...] = ()  # of those, the inputs a formula computes it from (any change moves it)
    not_given: tuple[str, ...] = ()  # inputs it depends on that the case does not give


def what_would_change(plan: Plan, case: Mapping[str, Any], on: dt.date, output: str) -> Sensitivity:
    """For each input the output depends on, the smallest verified change that flips it."""
    rs = plan.ruleset
    if output not in rs.outputs:
        raise MedunionError(error(N_("{ruleset} has no output '{output}'; its outputs are: {known}"), rs.location,
                                  ruleset=rs.id, output=output, known=", ".join(rs.outputs)))
    base = decide_with_plan(plan, case, on, only=[output])
    record = base.trace.outputs[output]
    checked = check_case(rs, case)
    parameters = parameters_on(rs, on)
    reads = depends_on(plan, [output])
    boundaries = list(_boundaries(plan, reads, parameters))
    changes: list[Change] = []
    dropped: list[Dropped] = []
    unchanged: list[str] = []
    for name, spec in rs.inputs.items():
        if name not in reads:
            continue
        current = checked.values.get(name)
        found: list[Change] = []
        for values, condition, boundary in _candidates(name, spec, current, boundaries):
            for to in values:
                flip, why = _verify(plan, case, on, output, record.value, record.decided, name, to)
                if flip is not None:
                    found.append(Change(name, json_value(current) if current is not None else None, json_value(to),
                                        "threshold" if boundary is not None else "value", flip[0], flip[1],
                                        condition, boundary))
                    break
            else:
                dropped.append(Dropped(name, json_value(values[0]), why))
        kept = _smallest(found, current, spec)
        if kept:
            changes.extend(kept)
        elif current is not None:
            unchanged.append(name)
    computed = _computed_from(plan, reads)
    return Sensitivity(output, record.value, record.decided, tuple(changes), tuple(dropped), tuple(unchanged),
                       tuple(name for name in unchanged if name in computed),
                       tuple(name for name in checked.missing if name in reads))


def _computed_from(plan: Plan, reads: set[str]) -> set[str]:
    """The names the formulas (a rule's `then`, a table row's results) of the outputs read."""
    names: set[str] = set()
    for name in reads:
        for producer in plan.producers.get(name, ()):
            if isinstance(producer, Rule):
                names |= producer.assignments[name].names()
            else:
                at = producer.outputs.index(name)
                for row in producer.rows:
                    names |= row.results[at].names()
    return names


# -- boundaries --------------------------------------------------------------------------------


def _constant(node: Node, parameters: Mapping[str, Any]) -> tuple[bool, Any, str | None]:
    """(is a constant, its value, the parameter it is) for a literal, a parameter or date('…')."""
    if isinstance(node, Literal):
        return True, node.value, None
    if isinstance(node, Name) and node.name in parameters:
        return True, parameters[node.name], node.name
    if isinstance(node, Call) and node.function == "date" and len(node.args) == 1 \
            and isinstance(node.args[0], Literal) and isinstance(node.args[0].value, str):
        try:
            return True, dt.date.fromisoformat(node.args[0].value), None
        except ValueError:
            return False, None, None
    return False, None, None


def _comparisons(tree: Node, inputs: Mapping[str, Field], parameters: Mapping[str, Any]
                 ) -> Iterator[tuple[str, str, Any, str | None]]:
    for node in walk(tree):
        if not isinstance(node, Binary) or node.op not in _FLIPPED:
            continue
        for side, other, op in ((node.left, node.right, node.op), (node.right, node.left, _FLIPPED[node.op])):
            if isinstance(side, Name) and side.name in inputs:
                constant, value, parameter = _constant(other, parameters)
                if constant:
                    yield side.name, op, value, parameter


def _boundaries(plan: Plan, reads: set[str], parameters: Mapping[str, Any]) -> Iterator[Boundary]:
    rs = plan.ruleset
    seen: set[int] = set()
    for name in rs.outputs:
        if name not in reads:
            continue
        for producer in plan.producers.get(name, ()):
            if id(producer) in seen:
                continue
            seen.add(id(producer))
            where = f"{'rule' if isinstance(producer, Rule) else 'table'} {producer.id}"
            trees: list[Node] = []
            if isinstance(producer, Rule):
                trees = [e.tree for e in (*producer.conditions, *producer.assignments.values())]
            else:
                trees = [e.tree for e in producer.columns] + [e.tree for row in producer.rows for e in row.results]
                yield from _cell_boundaries(producer, rs.inputs, where)
            for tree in trees:
                for input_name, op, value, parameter in _comparisons(tree, rs.inputs, parameters):
                    yield Boundary(input_name, op, value, where, producer.clause, parameter)


def _cell_boundaries(table: DecisionTable, inputs: Mapping[str, Field], where: str) -> Iterator[Boundary]:
    for c, column in enumerate(table.columns):
        if not isinstance(column.tree, Name) or column.tree.name not in inputs:
            continue
        name = column.tree.name
        for row in table.rows:
            cell = row.cells[c]
            if cell.kind == "compare":
                yield Boundary(name, cell.op, cell.value, where, table.clause)
            elif cell.kind == "interval":
                yield Boundary(name, ">=" if cell.low_closed else ">", cell.low, where, table.clause)
                yield Boundary(name, "<=" if cell.high_closed else "<", cell.high, where, table.clause)
            elif cell.kind == "member":
                for item in cell.items:
                    yield Boundary(name, "==", item, where, table.clause)


# -- candidates --------------------------------------------------------------------------------


def _step(spec: Field, value: Any, up: bool) -> list[Any]:
    """The values just past a strict boundary, nicest first (each is verified)."""
    sign = 1 if up else -1
    if spec.type.kind == "date":
        return [value + dt.timedelta(days=sign)]
    if spec.type.kind == "integer":
        return [math.floor(value) + 1 if up else math.ceil(value) - 1]
    decimals = len(repr(float(value)).split(".")[1].rstrip("0")) if not float(value).is_integer() else 0
    nice = round(value + sign * 10 ** -(decimals + 2), decimals + 2)
    return [nice, math.nextafter(float(value), math.inf if up else -math.inf)]


def _holds(op: str, left: Any, right: Any) -> bool:
    return bool({"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
                 "==": left == right, "!=": left != right}[op])


def _candidates(name: str, spec: Field, current: Any, boundaries: list[Boundary]
                ) -> Iterator[tuple[list[Any], str | None, Boundary | None]]:
    """(values to try in order, the side of the boundary they are on, the boundary) for each change
    worth deciding: the first value that verifies is the answer for that boundary."""
    kind = spec.type.kind
    if kind == "boolean":
        for value in (True, False):
            if value != current:
                yield [value], None, None
        return
    if kind == "enum":
        for value in spec.type.values:
            if value != current:
                yield [value], None, None
        return
    if kind not in _ORDERED:
        for b in boundaries:
            if b.input == name and b.op in ("==", "!=") and b.value != current:
                yield [b.value], None, None
        return
    if current is None:
        return
    tried: set[Any] = set()
    for b in boundaries:
        if b.input != name or isinstance(b.value, bool) or (kind == "date") != isinstance(b.value, dt.date):
            continue
        now = _holds(b.op, current, b.value)
        options: list[tuple[list[Any], str]] = []
        if b.op in ("<", ">=", "<=", ">"):
            # the nearest value where `input op value` turns: the boundary itself when the far side
            # includes it (non-strict there), else the value just past it
            if _holds(b.op, b.value, b.value) != now and not (kind == "integer" and b.value != int(b.value)):
                options.append(([b.value], f"{_side(b.op, now)} {_shown(b.value)}"))
            else:
                options.append((_step(spec, b.value, up=b.op in (">", "<=")), f"{_side(b.op, now)} {_shown(b.value)}"))
        elif current == b.value:
            options += [(_step(spec, b.value, up), f"!= {_shown(b.value)}") for up in (True, False)]
        else:
            options.append(([b.value], f"== {_shown(b.value)}"))
        for values, condition in options:
            values = [v for v in values if v not in tried and v != current]
            if values:
                tried.update(values)
                yield values, condition, b


def _side(op: str, now: bool) -> str:
    """The relation the input must satisfy for `input op value` to turn from `now` to the other."""
    if not now:
        return op
    return {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


def _verify(plan: Plan, case: Mapping[str, Any], on: dt.date, output: str, value: Any, decided: bool,
            name: str, to: Any) -> tuple[tuple[Any, bool] | None, str]:
    changed = dict(case)
    changed[name] = to.isoformat() if isinstance(to, dt.date) else to
    try:
        again = decide_with_plan(plan, changed, on, only=[output]).trace.outputs[output]
    except MedunionError as exc:
        reasons = joined([said(d) for d in exc.diagnostics], N_("{first}; {rest}"))
        return None, Message(N_("refused: {problems}"), problems=reasons)
    if again.decided == decided and again.value == value:
        return None, Message(N_("deciding again with {name} = {value} gives the same {output}"), name=name,
                             value=_shown(to), output=output)
    return (again.value, again.decided), ""


def _smallest(found: list[Change], current: Any, spec: Field) -> list[Change]:
    """Per input: the nearest flip below and above the current value (a threshold), or every value
    that flips it (an enum, a true/false, a text)."""
    if not found or spec.type.kind not in _ORDERED or current is None:
        return found

    def distance(change: Change) -> Any:
        to = dt.date.fromisoformat(change.to) if spec.type.kind == "date" else change.to
        gap = to - current
        return abs(gap.days) if isinstance(gap, dt.timedelta) else abs(gap)

    kept: list[Change] = []
    for side in (-1, 1):
        near = [c for c in found if (distance(c) != 0) and _direction(c, current, spec) == side]
        if near:
            kept.append(min(near, key=distance))
    return kept


def _direction(change: Change, current: Any, spec: Field) -> int:
    to = dt.date.fromisoformat(change.to) if spec.type.kind == "date" else change.to
    return 1 if to > current else -1


def to_json(result: Sensitivity) -> dict[str, Any]:
    """The answer as JSON-ready data."""
    return {
        "output": result.output, "value": result.value, "decided": result.decided,
        "changes": [{"input": c.input, "from": c.current, "to": c.to, "kind": c.kind, "condition": c.condition,
                     "boundary": None if c.boundary is None else {
                         "value": json_value(c.boundary.value), "parameter": c.boundary.parameter,
                         "in": c.boundary.source, "clause": c.boundary.clause},
                     "gives": c.gives, "decided": c.decided, "verified": True} for c in result.changes],
        "dropped": [{"input": d.input, "to": d.to, "reason": d.reason} for d in result.dropped],
        "unchanged": list(result.unchanged),
        "moves_with": list(result.moves_with),
        "not_given": list(result.not_given),
    }


def render_text(result: Sensitivity) -> str:
    """The answer in words, one line per change."""
    def value(v: Any, decided: bool = True) -> str:
        if not decided:
            return "not decided"
        return {True: "yes", False: "no"}.get(v, str(v)) if isinstance(v, bool) else str(v)

    out = [f"{result.output} is {value(result.value, result.decided)}. What would change it "
           "(each verified by deciding again):"]
    for c in result.changes:
        now = "not given" if c.current is None else value(c.current)
        if c.kind == "threshold" and c.boundary is not None:
            via = f" (boundary {_shown(c.boundary.value)}" + (f", parameter {c.boundary.parameter}"
                                                            if c.boundary.parameter else "") \
                + f", {c.boundary.source}, {c.boundary.clause})"
            out.append(f"- {c.input} {c.condition} instead of {now}, e.g. {value(c.to)}{via}: "
                       f"{result.output} becomes {value(c.gives, c.decided)}")
        else:
            out.append(f"- {c.input} = {value(c.to)} instead of {now}: {result.output} becomes "
                       f"{value(c.gives, c.decided)}")
    if not result.changes:
        out.append("- no change of one input flips it")
    steady = [name for name in result.unchanged if name not in result.moves_with]
    if result.moves_with:
        out.append(f"{result.output} is computed from " + ", ".join(result.moves_with)
                   + ": any change of it moves the amount; no threshold of it was found.")
    if steady:
        out.append("No change of these inputs alone flips it: " + ", ".join(steady) + ".")
    if result.not_given:
        out.append("Not given by the case (it depends on them): " + ", ".join(result.not_given) + ".")
    if result.dropped:
        out.append(f"Dropped {len(result.dropped)} candidate change(s) that did not verify:")
        out += [f"- {d.input} = {d.to}: {d.reason}" for d in result.dropped]
    return "\n".join(out) + "\n"
