"""A lifecycle as plain frozen dataclasses: states, events, guarded transitions, each with its clause.

A lifecycle is a process over time that a rule set cannot express alone: a member unit is
ordered to rectify, then rectifies or is terminated when the deadline passes. Positions are
kept so that every finding of the checker points at file:line:col.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from governance.diagnostics import Location
from governance.expressions import Expression
from governance.model import Field, Parameter, SourceRef


@dataclass(frozen=True)
class Deadline:
    """A state that must be left within `days` (a parameter name or a number) of being entered.

    When `medunion lifecycle tick --on DATE` finds the deadline passed, it submits `event`
    with `data`, exactly as if someone had reported it.
    """

    days: str | int
    event: str
    data: dict[str, Any]
    location: Location


@dataclass(frozen=True)
class State:
    name: str
    title: str
    location: Location
    initial: bool = False
    final: bool = False
    deadline: Deadline | None = None
    title_zh: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Event:
    """Something that happens to a case; a `correction` records an earlier fact without rewriting history.

    A correction is applied in date order like any event (dated when it is recorded); it may
    carry `effective`, the earlier date the fact it records took effect, which is kept in the
    history and shown in the explanation, and which guards read as `effective_date`.
    """

    name: str
    title: str
    data: tuple[str, ...]  # the data fields this event may carry
    location: Location
    description: str | None = None
    correction: bool = False
    title_zh: str | None = None


@dataclass(frozen=True)
class Transition:
    """`source` --`event` [guard]--> `target`; tried in file order, the first whose guard holds fires."""

    id: str
    source: str
    event: str
    target: str
    guard: Expression | None
    clause: str
    quote: str
    title: str
    location: Location
    assignments: dict[str, Expression] = field(default_factory=dict)
    note: str | None = None
    places: dict[str, Location] = field(default_factory=dict, compare=False)  # from/to/event
    title_zh: str | None = None

    def where(self, part: str) -> Location:
        """Where one field of the transition is written, for pointed messages."""
        return self.places.get(part, self.location)


@dataclass(frozen=True)
class Lifecycle:
    id: str
    title: str
    jurisdiction: str
    version: str
    status: str
    effective_from: dt.date
    effective_until: dt.date | None
    subject: str
    sources: tuple[SourceRef, ...]
    decisions: tuple[str, ...]  # rule-set ids whose outputs guards may read
    data: dict[str, Field]
    parameters: dict[str, Parameter]
    states: dict[str, State]
    events: dict[str, Event]
    transitions: tuple[Transition, ...]
    path: str
    location: Location
    title_zh: str | None = None

    @property
    def initial(self) -> str:
        return next(s.name for s in self.states.values() if s.initial)

    def candidates(self, state: str, event: str) -> list[Transition]:
        """The transitions that could take this event in this state, in priority (file) order."""
        return [t for t in self.transitions if t.source == state and t.event == event]

    def accepted_events(self, state: str) -> list[str]:
        return sorted({t.event for t in self.transitions if t.source == state})

    def transition(self, transition_id: str) -> Transition | None:
        return next((t for t in self.transitions if t.id == transition_id), None)

    def in_force(self, on: dt.date) -> bool:
        """Whether events dated `on` may be applied under this version (both ends inclusive)."""
        until = self.effective_until
        return self.effective_from <= on and (until is None or on <= until)
