"""A case's values typed by the core's one values module: event data, stored data, `set` results, parameters.

Every value that enters a case goes through `governance.values.check_field` (type, then
bounds), so "yes" is never a boolean and "9" never a number here either; nothing in the
lifecycle package checks or converts values itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance.diagnostics import Message, joined
from governance.expressions import DATE
from governance.i18n import N_
from governance.values import check_field, check_value, json_value
from lifecycle.model import Lifecycle, Transition
from lifecycle.outcome import Refused

EFFECTIVE = "effective"
"""The key under which a correction event's data gives the earlier date its fact took effect."""


@dataclass(frozen=True)
class DataProblem:
    """Why one field of an event's data is refused; `unknown` when the event does not carry the
    field at all (the problem is its name, not its value)."""

    name: Any
    message: Message
    unknown: bool


def event_data_problems(lifecycle: Lifecycle, event: str, data: Mapping[Any, Any]
                        ) -> tuple[dict[str, Any], list[DataProblem]]:
    """Event data typed against the declarations: the typed values and every field refused.

    A correction's `effective` is not case data: `effective_value` reads it.
    """
    spec = lifecycle.events[event]
    declared = spec.data
    values: dict[str, Any] = {}
    problems: list[DataProblem] = []
    for name, raw in data.items():
        if name == EFFECTIVE and spec.correction:
            continue
        if name not in declared:
            carried = ", ".join(declared)
            if name == EFFECTIVE:
                why = (N_("event '{event}' does not carry '{name}' (it carries: {carried}); only an event declared "
                          "`correction: true` carries `effective`") if carried else
                       N_("event '{event}' does not carry '{name}' (it carries: nothing); only an event declared "
                          "`correction: true` carries `effective`"))
            else:
                why = (N_("event '{event}' does not carry '{name}' (it carries: {carried})") if carried else
                       N_("event '{event}' does not carry '{name}' (it carries: nothing)"))
            problems.append(DataProblem(name, Message(why, event=event, name=name, carried=carried), True))
            continue
        value, problem = check_field(lifecycle.data[name], raw)
        if problem:
            problems.append(DataProblem(name, Message(N_("field '{name}': {problem}"), name=name, problem=problem),
                                        False))
        else:
            values[name] = value
    return values, problems


def event_values(lifecycle: Lifecycle, event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Event data typed against the declarations before anything is evaluated or fired."""
    values, problems = event_data_problems(lifecycle, event, data)
    if problems:
        raise Refused(joined([p.message for p in problems], N_("{first}; {rest}")))
    return values


def effective_value(lifecycle: Lifecycle, event: str, data: Mapping[str, Any], on: dt.date) -> dt.date | None:
    """A correction's `effective` date, on or before the correction's own date; None when not given.

    A correction is applied on its own date (events are applied in date order); `effective`
    only records when the fact it reports took effect, so it can never lie in the future.
    """
    if EFFECTIVE not in data or not lifecycle.events[event].correction:
        return None
    value, problem = check_value(DATE, data[EFFECTIVE])
    if problem:
        raise Refused(Message(N_("correction '{event}': `{field}` {problem}"), event=event, field=EFFECTIVE,
                              problem=problem))
    if value > on:
        raise Refused(Message(N_("correction '{event}' is dated {on} but says it took effect on {value}; `{field}` is "
                                 "the earlier date of the fact it records"), event=event, on=on, value=value,
                              field=EFFECTIVE))
    return value


def entry_data(event_data: Mapping[str, Any], effective: dt.date | None) -> dict[str, Any]:
    """An event's data as the history keeps it (JSON), with a correction's `effective` date.

    The same form is compared when an event id comes again, so "same content" means the
    same thing as "what was stored".
    """
    stored = {k: json_value(v) for k, v in event_data.items()}
    if effective is not None:
        stored[EFFECTIVE] = effective.isoformat()
    return stored


def case_values(lifecycle: Lifecycle, stored: Mapping[str, Any]) -> dict[str, Any]:
    """The stored data (JSON) typed again, defaults filling what the case has not been told.

    A stored value that no longer fits its field (the lifecycle's declaration changed under
    an open case) refuses the event rather than being read as undecided.
    """
    values: dict[str, Any] = {}
    for name, spec in lifecycle.data.items():
        if name in stored and stored[name] is not None:
            value, problem = check_field(spec, stored[name])
            if problem:
                raise Refused(Message(N_("the case's stored '{name}' no longer fits the lifecycle's declaration: "
                                         "{problem}"), name=name, problem=problem))
            values[name] = value
        elif spec.has_default:
            values[name] = spec.default
    return values


def assigned_values(lifecycle: Lifecycle, transition: Transition, computed: Mapping[str, Any]) -> dict[str, Any]:
    """The values a transition's `set` computed, checked like event data before they are stored."""
    values: dict[str, Any] = {}
    for name, raw in computed.items():
        value, problem = check_field(lifecycle.data[name], raw)
        if problem:
            raise Refused(Message(N_("transition '{id}' sets '{name}' to {value}: {problem}"), id=transition.id,
                                  name=name, value=repr(raw), problem=problem))
        values[name] = value
    return values


def parameter_values(lifecycle: Lifecycle, on: dt.date) -> dict[str, Any]:
    """Every parameter's value in force on `on`; one without a value refuses the event."""
    values = {}
    for name, parameter in lifecycle.parameters.items():
        current = parameter.value_on(on)
        if current is None:
            raise Refused(Message(N_("parameter '{name}' has no value on {on}"), name=name, on=on))
        values[name] = current.value
    return values
