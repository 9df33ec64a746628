"""Handle one event: load the case, decide the guards, fire the engine, save, delete the session.

Guards are evaluated here with the project's expression language (and the decisions of
the rule sets they name); only their true/false values reach durable-rules, which picks
the transition. Nothing is written unless a transition fired: a refused event changes
nothing and says why. An event id is applied once; a second submission returns the first
outcome.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.compile import Plan, compile_ruleset
from governance.decide import decide_with_plan
from governance.diagnostics import MedunionError
from governance.expressions import evaluate, render_with_values
from governance.values import check_field, check_value, json_value
from lifecycle.check import BUILTINS, decision_ruleset_on, decision_rulesets
from lifecycle.engine import ChartSpec, ChartTransition, EngineError, LifecycleEngine
from lifecycle.load import in_force
from lifecycle.model import Lifecycle, Transition
from lifecycle.store import CaseRecord, Conflict, DuplicateEvent, HistoryEntry, Store


@dataclass
class Outcome:
    """What happened to one submitted event."""

    status: str  # applied | duplicate | refused
    case_id: str
    event: str
    event_id: str
    from_state: str | None = None
    to_state: str | None = None
    transition: str | None = None
    reason: str | None = None
    entry: HistoryEntry | None = None
    guards: list[dict[str, Any]] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return self.status == "applied"


def default_event_id(lifecycle: str, case_id: str, event: str, on: dt.date, data: Mapping[str, Any]) -> str:
    """An id derived from the event's content, so submitting the same report twice applies it once."""
    text = json.dumps([lifecycle, case_id, event, on.isoformat(), dict(data)], sort_keys=True,
                      ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def chart_id(transition: Transition) -> str:
    """A transition's id in the engine: unique even when one declaration has several `from`."""
    return f"{transition.id}/{transition.source}"


def chart_spec(lifecycle: Lifecycle) -> ChartSpec:
    return ChartSpec(
        name=f"{lifecycle.id}@{lifecycle.version}",
        states=tuple(lifecycle.states),
        transitions=tuple(ChartTransition(chart_id(t), t.source, t.event, t.target)
                          for t in lifecycle.transitions),
    )


class Refused(Exception):
    """The event cannot be applied; the message says why. Nothing was changed."""


class Runner:
    """Applies events to cases of one or more lifecycles, state in `store`, charts in `engine`."""

    def __init__(self, store: Store, engine: LifecycleEngine | None = None,
                 rules_root: str | Path | None = None) -> None:
        self.store = store
        self.engine = engine or LifecycleEngine()
        self.rules_root = rules_root
        self._plans: dict[tuple[str, str], Plan] = {}
        self._rulesets: dict[str, Any] = {}

    def _prepare(self, lifecycle: Lifecycle) -> None:
        spec = chart_spec(lifecycle)
        if not self.engine.is_registered(spec.name):
            self.engine.register(spec)
        if lifecycle.id not in self._rulesets:
            self._rulesets[lifecycle.id] = decision_rulesets(lifecycle, self.rules_root)

    def submit(self, lifecycle: Lifecycle, case_id: str, event: str, data: Mapping[str, Any] | None,
               on: dt.date, event_id: str | None = None) -> Outcome:
        """Apply one event to one case (opening it in the initial state if it is new)."""
        data = dict(data or {})
        event_id = event_id or default_event_id(lifecycle.id, case_id, event, on, data)
        self._prepare(lifecycle)
        for _attempt in range(5):
            case, earlier = self.store.load(case_id, event_id)
            if earlier is not None:
                return self._duplicate(earlier, case_id, event, event_id)
            try:
                return self._submit_once(lifecycle, case, case_id, event, data, on, event_id)
            except Refused as refusal:
                return Outcome("refused", case_id, event, event_id, reason=str(refusal),
                               guards=getattr(refusal, "guards", []))
            except DuplicateEvent:
                continue
            except Conflict:
                continue
        raise MedunionError(f"case {case_id}: gave up after repeated concurrent changes")

    def _duplicate(self, earlier: HistoryEntry, case_id: str, event: str, event_id: str) -> Outcome:
        if earlier.case_id != case_id or earlier.event != event:
            return Outcome("refused", case_id, event, event_id, reason=(
                f"event id {event_id} was already used for event '{earlier.event}' of case "
                f"{earlier.case_id}; give each event its own id"))
        return Outcome("duplicate", case_id, event, event_id, earlier.from_state, earlier.to_state,
                       earlier.record.get("transition", {}).get("id"),
                       reason=f"already applied on {earlier.recorded_at} (history #{earlier.seq})",
                       entry=earlier)

    def _event_data(self, lifecycle: Lifecycle, event: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Event data typed against the declarations before anything is evaluated or fired."""
        declared = lifecycle.events[event].data
        values: dict[str, Any] = {}
        problems = []
        for name, raw in data.items():
            if name not in declared:
                problems.append(f"event '{event}' does not carry '{name}' (it carries: "
                                f"{', '.join(declared) or 'nothing'})")
                continue
            spec = lifecycle.data[name]
            value, problem = check_field(spec, raw)
            if problem:
                problems.append(f"field '{name}': {problem}")
            else:
                values[name] = value
        if problems:
            raise Refused("; ".join(problems))
        return values

    def _case_data(self, lifecycle: Lifecycle, stored: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, spec in lifecycle.data.items():
            if name in stored and stored[name] is not None:
                values[name], _ = check_value(spec.type, stored[name])
            elif spec.has_default:
                values[name] = spec.default
        return values

    def _parameters(self, lifecycle: Lifecycle, on: dt.date) -> dict[str, Any]:
        values = {}
        for name, parameter in lifecycle.parameters.items():
            current = parameter.value_on(on)
            if current is None:
                raise Refused(f"parameter '{name}' has no value on {on}")
            values[name] = current.value
        return values

    def _plan(self, versions: list[Any], on: dt.date) -> Plan:
        ruleset = decision_ruleset_on(versions, on)
        key = (ruleset.id, ruleset.version)
        if key not in self._plans:
            self._plans[key] = compile_ruleset(ruleset)
        return self._plans[key]

    def _submit_once(self, lifecycle: Lifecycle, case: CaseRecord | None, case_id: str, event: str,
                     data: dict[str, Any], on: dt.date, event_id: str) -> Outcome:
        if event not in lifecycle.events:
            raise Refused(f"{lifecycle.id} has no event '{event}'; events: {', '.join(lifecycle.events)}")
        if not in_force(lifecycle, on):
            raise Refused(f"{lifecycle.id} {lifecycle.version} is not in force on {on}")
        event_data = self._event_data(lifecycle, event, data)
        new = case is None
        if case is None:
            case = CaseRecord(case_id, lifecycle.id, lifecycle.version, lifecycle.initial,
                              self._case_data(lifecycle, {}), on, on, None)
            case.deadline = self._deadline(lifecycle, case.state, on)
        elif case.lifecycle != lifecycle.id:
            raise Refused(f"case {case_id} belongs to lifecycle {case.lifecycle}, not {lifecycle.id}")
        if case.state not in lifecycle.states:
            raise Refused(f"case {case_id} is in state '{case.state}' (version {case.lifecycle_version}), "
                          f"which {lifecycle.id} {lifecycle.version} does not have")
        if on < case.entered_on:
            raise Refused(f"the event is dated {on}, before the case entered '{case.state}' on "
                          f"{case.entered_on}; events are applied in date order")
        candidates = lifecycle.candidates(case.state, event)
        if not candidates:
            state = lifecycle.states[case.state]
            where = "final state" if state.final else "state"
            accepted = lifecycle.accepted_events(case.state)
            raise Refused(f"event '{event}' is not accepted in {where} '{case.state}' ({state.title})"
                          + (f"; accepted there: {', '.join(accepted)}" if accepted else
                             "; nothing can change it"))

        deadline = lifecycle.states[case.state].deadline
        if deadline is not None and deadline.event == event and case.deadline and on <= case.deadline:
            raise Refused(f"'{event}' is the deadline event of '{case.state}', whose deadline is "
                          f"{case.deadline}; it can only come after that day")
        env: dict[str, Any] = {**self._parameters(lifecycle, on), **self._case_data(lifecycle, case.data),
                               **event_data}
        env["event_date"] = on
        env["entered_on"] = case.entered_on
        env["days_in_state"] = (on - case.entered_on).days
        decisions = self._decide(lifecycle, candidates, env, on)

        guards: list[dict[str, Any]] = []
        values: dict[str, bool] = {}
        for t in candidates:
            record = {"transition": t.id, "to": t.target, "clause": t.clause}
            if t.guard is None:
                record.update(expression=None, value=True)
            else:
                absent = sorted(n for n in t.guard.names() if n not in env)
                undecided = sorted(n for n in t.guard.names() if n in env and env[n] is None)
                if absent:
                    record.update(expression=t.guard.text, value=False,
                                  note=f"the case has no {', '.join(absent)} yet")
                elif undecided:
                    record.update(expression=t.guard.text, value=False,
                                  note=f"not decided: {', '.join(undecided)}")
                else:
                    try:
                        value = evaluate(t.guard, env)
                    except MedunionError as exc:
                        raise Refused(f"guard of '{t.id}' could not be evaluated: {exc}") from None
                    record.update(expression=t.guard.text, value=bool(value),
                                  with_values=render_with_values(t.guard, env),
                                  values={n: json_value(env[n]) for n in sorted(t.guard.names())})
            values[chart_id(t)] = bool(record["value"])
            guards.append(record)

        try:
            firing = self.engine.fire(f"{lifecycle.id}@{lifecycle.version}", case_id, case.state,
                                      event, values)
        except EngineError as exc:  # a fault, not a refusal: nothing was saved
            raise MedunionError(f"lifecycle engine failed on case {case_id}: {exc}") from exc
        if firing.transition is None:
            failed = "; ".join(f"'{g['transition']}' needs {g['expression']}, which is false: "
                               f"{g.get('with_values') or g.get('note')}" for g in guards)
            refusal = Refused(f"event '{event}' changes nothing in state '{case.state}': no guard holds "
                              f"({failed})")
            refusal.guards = guards  # type: ignore[attr-defined]
            raise refusal
        chosen = next(t for t in candidates if chart_id(t) == firing.transition)
        first_true = next(t for t in candidates if values[chart_id(t)])
        if chosen is not first_true or firing.state != chosen.target:
            raise MedunionError(f"the engine chose {firing.transition} -> {firing.state}, expected "
                                f"{chart_id(first_true)} -> {first_true.target}")

        new_data = {**self._case_data(lifecycle, case.data), **event_data}
        assigned = {}
        for name, expr in chosen.assignments.items():
            assigned[name] = evaluate(expr, env)
        new_data.update(assigned)
        from_state = case.state
        moved = chosen.target != from_state
        record = self._record(lifecycle, chosen, guards, decisions, env, on, assigned)
        if moved:
            case.state = chosen.target
            case.entered_on = on
            case.deadline = self._deadline(lifecycle, chosen.target, on)
            if case.deadline is not None:
                record["deadline"] = self._deadline_record(lifecycle, chosen.target, on, case.deadline)
        case.data = {k: json_value(v) for k, v in new_data.items()}
        case.lifecycle_version = lifecycle.version  # the version that moved it last
        entry = HistoryEntry(event_id, case_id, lifecycle.id, event, on,
                             {k: json_value(v) for k, v in event_data.items()},
                             None if new else from_state, chosen.target, chosen.id, record)
        if new:
            entry.record["opened"] = {"state": from_state, "on": on.isoformat()}
        self.store.apply(case, entry, new)
        return Outcome("applied", case_id, event, event_id, from_state, chosen.target, chosen.id,
                       entry=entry, guards=guards)

    def _decide(self, lifecycle: Lifecycle, candidates: list[Transition], env: dict[str, Any],
                on: dt.date) -> dict[str, Any]:
        """Outputs of the rule sets the candidate guards read, added to `env`; their explanation."""
        wanted = set().union(*(t.guard.names() for t in candidates if t.guard is not None))
        for t in candidates:
            for expr in t.assignments.values():
                wanted |= expr.names()
        explained: dict[str, Any] = {}
        for rid, versions in self._rulesets[lifecycle.id].items():
            if not wanted & set(versions[-1].outputs):
                continue
            plan = self._plan(versions, on)
            ruleset = plan.ruleset
            inputs = {name: env[name] for name in ruleset.inputs if name in env}
            try:
                decision = decide_with_plan(plan, inputs, on)
            except MedunionError as exc:
                raise Refused(f"rule set {rid} could not decide: {exc}") from None
            env.update(decision.outputs)
            explained[rid] = {
                "version": ruleset.version,
                "inputs": decision.explanation["inputs"],
                "outputs": {k: json_value(v) for k, v in decision.outputs.items()},
                "fired": [{"id": r["id"], "clause": r["clause"], "title": r["title"]}
                          for r in decision.explanation["rules"] if r["fired"]],
                "warnings": decision.explanation["warnings"],
                "notes": decision.explanation["notes"],
            }
        return explained

    def _deadline(self, lifecycle: Lifecycle, state: str, on: dt.date) -> dt.date | None:
        deadline = lifecycle.states[state].deadline
        if deadline is None:
            return None
        days = deadline.days
        if isinstance(days, str):
            days = int(self._parameters(lifecycle, on)[days])
        return on + dt.timedelta(days=days)

    def _deadline_record(self, lifecycle: Lifecycle, state: str, on: dt.date,
                         date: dt.date) -> dict[str, Any]:
        deadline = lifecycle.states[state].deadline
        assert deadline is not None
        record: dict[str, Any] = {"date": date.isoformat(), "event": deadline.event}
        if isinstance(deadline.days, str):
            parameter = lifecycle.parameters[deadline.days]
            record.update(parameter=deadline.days, days=(date - on).days, status=parameter.status,
                          clause=parameter.clause, note=" ".join((parameter.note or "").split()))
        else:
            record["days"] = deadline.days
        return record

    def _record(self, lifecycle: Lifecycle, chosen: Transition, guards: list[dict[str, Any]],
                decisions: dict[str, Any], env: dict[str, Any], on: dt.date,
                assigned: dict[str, Any]) -> dict[str, Any]:
        """The explanation kept with the event: everything needed to answer "why?" later."""
        used = set(chosen.guard.names()) if chosen.guard is not None else set()
        parameters = {}
        for name in sorted(used & set(lifecycle.parameters)):
            p = lifecycle.parameters[name]
            parameters[name] = {"value": json_value(env[name]), "status": p.status, "clause": p.clause}
        return {
            "lifecycle": {"id": lifecycle.id, "version": lifecycle.version, "path": lifecycle.path},
            "transition": {"id": chosen.id, "title": chosen.title, "from": chosen.source,
                           "to": chosen.target, "clause": chosen.clause, "source": chosen.quote,
                           "note": " ".join(chosen.note.split()) if chosen.note else None},
            "guard": next(g for g in guards if g["transition"] == chosen.id),
            "other_guards": [g for g in guards if g["transition"] != chosen.id],
            "decisions": decisions,
            "parameters": parameters,
            "set": {k: json_value(v) for k, v in assigned.items()},
            "builtins": {name: json_value(env[name]) for name in BUILTINS if name in used},
        }

    def tick(self, lifecycles: Mapping[str, Lifecycle], on: dt.date) -> list[Outcome]:
        """Submit the deadline event of every case whose deadline passed before `on`.

        The event is dated the day after the deadline and its id names the case, state and
        deadline, so running tick again (or later) applies each deadline once.
        """
        outcomes = []
        for case in list(self.store.due(on)):
            lifecycle = lifecycles.get(case.lifecycle)
            if lifecycle is None:
                continue
            deadline = lifecycle.states[case.state].deadline
            if deadline is None or case.deadline is None:
                continue
            passed = case.deadline + dt.timedelta(days=1)
            event_id = f"deadline:{case.case_id}:{case.state}:{case.deadline.isoformat()}"
            outcomes.append(self.submit(lifecycle, case.case_id, deadline.event, deadline.data,
                                        passed, event_id))
        return outcomes
