"""Guards → facts: each candidate transition's guard evaluated to the boolean the engine is told.

Guards are written in the project's expression language and may read rule-set decisions,
which durable-rules cannot evaluate (it compares mixed types as strings). So they are
evaluated here, in the core's language, and only their true/false values reach the
engine, which then chooses the transition. What each guard read is kept for the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from governance.diagnostics import MedunionError
from governance.expressions import DATE, INTEGER, ExpressionType, evaluate, render_with_values
from governance.values import json_value
from lifecycle.model import Transition
from lifecycle.outcome import Refused

BUILTINS: dict[str, ExpressionType] = {
    "event_date": DATE,  # the date the event happened (the `--on` of the command)
    "entered_on": DATE,  # the date the case entered its current state
    "days_in_state": INTEGER,  # event_date - entered_on, in days
    "effective_date": DATE,  # a correction's `effective` date; the event's date for any other event
}
"""Names every guard may read besides data, parameters and the decisions' outputs."""


def builtin_values(on: dt.date, entered_on: dt.date, effective: dt.date | None = None) -> dict[str, Any]:
    """The values of `BUILTINS` for an event dated `on` in a state entered on `entered_on`."""
    return {"event_date": on, "entered_on": entered_on, "days_in_state": (on - entered_on).days,
            "effective_date": effective or on}


def names_read(candidates: Iterable[Transition]) -> set[str]:
    """Every name the candidates' guards and `set` formulas read: the decisions worth making."""
    wanted: set[str] = set()
    for t in candidates:
        if t.guard is not None:
            wanted |= t.guard.names()
        for expr in t.assignments.values():
            wanted |= expr.names()
    return wanted


@dataclass(frozen=True)
class GuardValue:
    """One candidate's guard on this event: the boolean the engine is told, and what it read."""

    transition: Transition
    value: bool
    with_values: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    note: str | None = None

    @property
    def expression(self) -> str | None:
        return self.transition.guard.text if self.transition.guard is not None else None

    def as_record(self) -> dict[str, Any]:
        """The JSON kept with the event and shown with a refusal (`guard`, `other_guards`)."""
        t = self.transition
        record: dict[str, Any] = {"transition": t.id, "to": t.target, "clause": t.clause,
                                  "expression": self.expression, "value": self.value}
        if self.note is not None:
            record["note"] = self.note
        elif self.with_values is not None:
            record.update(with_values=self.with_values, values=self.values)
        return record

    def why_false(self) -> str:
        """One line of a refusal: what this transition needed and the values that made it false."""
        return (f"'{self.transition.id}' needs {self.expression}, which is false: "
                f"{self.with_values or self.note}")


def evaluate_guard(transition: Transition, env: Mapping[str, Any]) -> GuardValue:
    """The guard's value; a guard reading a name the case lacks (or that was not decided) is false."""
    guard = transition.guard
    if guard is None:
        return GuardValue(transition, True)
    absent = sorted(n for n in guard.names() if n not in env)
    if absent:
        return GuardValue(transition, False, note=f"the case has no {', '.join(absent)} yet")
    undecided = sorted(n for n in guard.names() if env[n] is None)
    if undecided:
        return GuardValue(transition, False, note=f"not decided: {', '.join(undecided)}")
    try:
        value = evaluate(guard, env)
    except MedunionError as exc:
        raise Refused(f"guard of '{transition.id}' could not be evaluated: {exc}") from None
    return GuardValue(transition, bool(value), with_values=render_with_values(guard, env),
                      values={n: json_value(env[n]) for n in sorted(guard.names())})
