"""The one module that imports durable-rules; it contains the library's global state and faults.

durable-rules keeps sessions in C-level global tables (at most 1,024 live per rule set,
~190 KiB each), runs actions on background threads, swallows action exceptions into
the session state, compares strings with numbers as strings and can crash the process
when a session in which no rule fired is deleted. Everything outside this module sees
plain dataclasses: a chart is registered once, and one event is fired on a fresh session
that is created, used and deleted inside `fire`, so no session outlives a call.
"""

from __future__ import annotations

import contextlib
import copy
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import durable.engine as _durable
import durable_rules_engine as _native

LOAD_STATE = "_load"
"""The chart's start state: the first message of every session moves the chart to the case's
stored state, so the engine never needs to remember a case between events."""

UNRESTORED = "_unrestored"
"""Where the load state's sentinel goes when a restore message names no state (a target,
so that `_load` stays the chart's only start state)."""

REFUSED = "_refused"
"""Where a state's sentinel goes: not back to the state itself, because a self-transition
makes durable-rules keep that state's label as a fact (a retract and an assert on every
event) instead of an event. The action still records the unchanged state."""

SENTINEL = "_sentinel"
"""Trigger name of the lowest-priority rule in every state that accepts any message we post.

It matches on the `restore` or `event` field, never on `sid`: the chart's own state
labels carry a sid, and a rule matching them would fire forever.

It guarantees that a rule fires for every message posted (deleting a session in which no
rule fired crashes durable-rules), and it is how the engine says "no transition applies".
"""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SENTINEL_PRIORITY = 1_000_000
_NOT_FOUND = "error code: 309"


class EngineError(Exception):
    """durable-rules failed or refused a message that validation should have let through."""


@dataclass(frozen=True)
class ChartTransition:
    """One transition as the engine sees it; guards are decided outside and passed as booleans."""

    id: str
    source: str
    event: str
    target: str


@dataclass(frozen=True)
class ChartSpec:
    """A lifecycle reduced to what the statechart needs: names only, in priority order."""

    name: str
    states: tuple[str, ...]
    transitions: tuple[ChartTransition, ...]

    @property
    def events(self) -> frozenset[str]:
        return frozenset(t.event for t in self.transitions)


@dataclass(frozen=True)
class Firing:
    """What the engine decided for one event: the transition its statechart fired and the state
    that rule moved to, or None and the unchanged state when only the sentinel fired (refused)."""

    transition: str | None
    state: str


class _SyncHost(_durable.Host):
    """A Host without the background dispatch threads, which race with synchronous callers."""

    def _run(self) -> None:
        return None


def _check_name(kind: str, value: object) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise EngineError(f"{kind} {value!r} is not a plain lower-case name")
    return value


def _record(field: str, value: str, target: str) -> Callable[[Any], None]:
    """An action that writes what happened into the session state (the rule name is not passed)."""

    def action(c: Any) -> None:
        c.s[field] = value
        c.s.state = target

    return action


def compile_chart(spec: ChartSpec) -> dict[str, dict[str, dict[str, Any]]]:
    """The durable-rules statechart dict for a lifecycle: plain data plus action callables.

    Transition `i` fires on `{"event": E, "g<i>": true}` in its source state; transitions
    are tried in declaration order (`pri`), and the sentinel catches whatever is left.
    """
    for state in spec.states:
        _check_name("state", state)
    states = set(spec.states)
    chart: dict[str, dict[str, dict[str, Any]]] = {LOAD_STATE: {}}
    for i, state in enumerate(spec.states):
        chart[LOAD_STATE][f"restore{i}"] = {
            "all": [{"m": {"restore": state}}],
            "to": state,
            "run": _record("restored", state, state),
        }
        chart[state] = {}
    chart[LOAD_STATE][SENTINEL] = {
        "all": [{"m": {"$ex": {"restore": 1}}}],
        "to": UNRESTORED,
        "pri": _SENTINEL_PRIORITY,
        "run": _record("fired", SENTINEL, UNRESTORED),
    }
    chart[UNRESTORED] = {}
    for i, t in enumerate(spec.transitions):
        if t.source not in states or t.target not in states:
            raise EngineError(f"transition {t.id} joins unknown states {t.source} -> {t.target}")
        _check_name("event", t.event)
        chart[t.source][f"t{i}"] = {
            "all": [{"m": {"$and": [{"event": t.event}, {f"g{i}": True}]}}],
            "to": t.target,
            "pri": i,
            "run": _record("fired", t.id, t.target),
        }
    for state in spec.states:
        chart[state][SENTINEL] = {
            "all": [{"m": {"$ex": {"event": 1}}}],
            "to": REFUSED,
            "pri": _SENTINEL_PRIORITY,
            "run": _record("fired", SENTINEL, state),
        }
    chart[REFUSED] = {}
    return chart


class LifecycleEngine:
    """Registered charts on one synchronous host; sessions exist only during `fire`."""

    def __init__(self) -> None:
        self._host = _SyncHost()
        self._specs: dict[str, ChartSpec] = {}
        self._rule_names: dict[str, str] = {}
        self._index: dict[str, dict[str, int]] = {}
        self._live: set[tuple[str, str]] = set()
        self.max_live_sessions = 0
        self.sessions_opened = 0

    def register(self, spec: ChartSpec) -> None:
        """Compile and register one chart; registering the same spec twice is a no-op."""
        if spec.name in self._specs:
            if self._specs[spec.name] != spec:
                raise EngineError(f"chart {spec.name} is already registered differently")
            return
        rule_name = "lc_" + re.sub(r"[^a-z0-9_]", "_", spec.name)
        chart = copy.deepcopy(compile_chart(spec))  # Ruleset() mutates what it is given
        try:
            self._host.set_rulesets({rule_name + "$state": chart})
        except Exception as exc:  # durable raises bare Exception for bad definitions
            raise EngineError(f"durable-rules refused chart {spec.name}: {exc}") from exc
        self._specs[spec.name] = spec
        self._rule_names[spec.name] = rule_name
        self._index[spec.name] = {t.id: i for i, t in enumerate(spec.transitions)}

    def is_registered(self, name: str) -> bool:
        return name in self._specs

    def fire(self, chart: str, sid: str, state: str, event: str, guards: Mapping[str, bool]) -> Firing:
        """Restore `state` on a fresh session, post `event` with its guard facts, then delete it.

        `guards` maps transition ids to booleans computed outside; only booleans and known
        names reach the engine, because durable-rules compares mixed types as strings. The
        statechart decides: of the rules of `state` that match the event and a true guard
        fact, the one of highest priority (declaration order) fires and names the new state.
        """
        spec = self._specs.get(chart)
        if spec is None:
            raise EngineError(f"chart {chart} is not registered")
        if not isinstance(sid, str) or not sid:
            raise EngineError(f"session id must be a non-empty string, not {sid!r}")
        if state not in spec.states:
            raise EngineError(f"{chart} has no state {state!r}")
        if event not in spec.events:
            raise EngineError(f"{chart} has no event {event!r}")
        message: dict[str, Any] = {"sid": sid, "event": event}
        index = self._index[chart]
        for tid, value in guards.items():
            if tid not in index:
                raise EngineError(f"{chart} has no transition {tid!r}")
            if type(value) is not bool:
                raise EngineError(f"guard of {tid} must be true or false, not {value!r}")
            message[f"g{index[tid]}"] = value
        name = self._rule_names[chart]
        key = (name, sid)
        if key in self._live:
            raise EngineError(f"session {sid} of {chart} is already in use")
        self._live.add(key)
        self.sessions_opened += 1
        self.max_live_sessions = max(self.max_live_sessions, len(self._live))
        try:
            restored = self._post(name, {"sid": sid, "restore": state})
            if restored.get("restored") != state:
                raise EngineError(f"{chart} could not restore state {state}")
            result = self._post(name, message)
        finally:
            # Safe: the restore message is always handled by a rule (or the sentinel).
            try:
                self._host.delete_state(name, sid)
            except Exception as exc:
                raise EngineError(f"durable-rules could not delete session {sid}: {exc}") from exc
            self._live.discard(key)  # only once durable-rules has really let it go
        fired = result.get("fired")
        if fired == SENTINEL:
            return Firing(transition=None, state=state)
        if fired not in index:
            raise EngineError(f"{chart} fired unknown transition {fired!r}")
        chosen = spec.transitions[index[fired]]
        if (chosen.source, chosen.event) != (state, event):
            raise EngineError(f"{chart} fired {fired} ({chosen.source} on {chosen.event}) for {event} in {state}")
        moved_to = result.get("state")
        if not isinstance(moved_to, str):
            raise EngineError(f"{chart} fired {fired} but recorded no state")
        return Firing(transition=fired, state=moved_to)

    def _post(self, name: str, message: dict[str, Any]) -> dict[str, Any]:
        """Post one message and check the state for the exception durable-rules swallows."""
        try:
            result = self._host.post(name, message)
        except _durable.MessageNotHandledException as exc:
            raise EngineError(exc.message) from None
        except Exception as exc:
            raise EngineError(f"durable-rules failed: {exc}") from exc
        if not isinstance(result, dict):
            raise EngineError(f"durable-rules returned no state for {message!r}")
        if "exception" in result:
            raise EngineError(f"an action failed inside durable-rules: {result['exception']}")
        return result

    @property
    def live_sessions(self) -> int:
        """Sessions this wrapper has opened and not yet deleted (0 between calls)."""
        return len(self._live)

    def engine_holds(self, chart: str, sid: str) -> bool:
        """Ask durable-rules itself whether it still keeps a session for `sid`."""
        name = self._rule_names[chart]
        try:
            self._host.get_state(name, sid)
        except Exception as exc:
            if _NOT_FOUND in str(exc):
                return False
            raise EngineError(f"durable-rules failed: {exc}") from exc
        return True

    def close(self) -> None:
        """Free the native rule sets (they live in process-global tables)."""
        for name in self._rule_names.values():
            with contextlib.suppress(Exception):  # best effort: the process may be ending
                _native.delete_ruleset(self._host.get_ruleset(name)._handle)
        self._specs.clear()
        self._rule_names.clear()
        self._index.clear()


_bare_counter = 0


def bare_durable_rate(cases: int) -> tuple[int, float]:
    """Cases a second through bare durable-rules: one rule, one session per case, deleted.

    The baseline beside which the lifecycle engine's rate (with persistence) is reported.
    Returns (cases, seconds).
    """
    global _bare_counter
    _bare_counter += 1
    name = f"bare_{_bare_counter}"
    host = _SyncHost()
    seen: list[int] = []

    def action(c: Any) -> None:
        seen.append(1)

    host.set_rulesets({name: {"r": {"all": [{"m": {"event": "go"}}], "run": action}}})
    start = time.perf_counter()
    for i in range(cases):
        sid = str(i)
        result = host.post(name, {"sid": sid, "event": "go"})
        if "exception" in result:
            raise EngineError(str(result["exception"]))
        host.delete_state(name, sid)
    seconds = time.perf_counter() - start
    _native.delete_ruleset(host.get_ruleset(name)._handle)
    if len(seen) != cases:
        raise EngineError(f"bare durable-rules fired {len(seen)} times for {cases} cases")
    return cases, seconds
