"""Handle one event in four stages: load the case, compute the guard facts, let the engine choose, persist.

1. load case   the stored case (or a new one in the initial state), the event's data typed,
               the transitions that could take the event; anything invalid refuses here.
2. guard facts every candidate's guard evaluated with the project's expression language (and
               the decisions of the rule sets it names) to a typed boolean.
3. engine      those booleans are posted to the durable-rules statechart; the rule that fires
               is the transition, and the state it names is the case's new state.
4. persist     the engine's choice, its `set` values and the explanation record, saved in one
               transaction.

Before those stages, time is put in order: an event dated before the case's last applied
event is refused (a correction is recorded as a new event, see `Event`), and every deadline
of the case that has passed by the event's date is applied first, exactly as `tick` on that
date would have applied it, so the legal outcome never depends on when `tick` last ran.

Nothing is written unless the engine fired a transition: a refused event writes nothing
(deadlines that passed before its date stay applied, as `tick` would have applied them) and
says why. An event id is applied once: the same id with the same content returns the first
outcome (`duplicate`); with other content it is a `conflict` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from governance.diagnostics import MedunionError, Message
from governance.expressions import evaluate
from governance.i18n import N_
from governance.values import json_value
from lifecycle.chart import chart_id, chart_name, chart_spec
from lifecycle.data import (
    EFFECTIVE,
    assigned_values,
    case_values,
    effective_value,
    entry_data,
    event_values,
    parameter_values,
)
from lifecycle.deadlines import deadline_event_date, deadline_event_id, has_passed
from lifecycle.decisions import Decider, DecisionRecord
from lifecycle.engine import EngineError, LifecycleEngine
from lifecycle.guards import GuardValue, builtin_values, evaluate_guard, names_read
from lifecycle.model import Lifecycle, Transition
from lifecycle.outcome import Outcome, Refused
from lifecycle.record import deadline_record, transition_record
from lifecycle.store import CaseRecord, Conflict, DuplicateEvent, HistoryEntry, Store

__all__ = ["Outcome", "Refused", "Runner", "chart_id", "chart_spec", "default_event_id"]


def _hashable(value: Any) -> Any:
    """Raw event data as strict JSON for its hash: a NaN or infinity (refused later, when the data is
    typed) is hashed as its text rather than written as JSON that is not JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _hashable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_hashable(v) for v in value]
    return value


def default_event_id(lifecycle: str, case_id: str, event: str, on: dt.date, data: Mapping[str, Any]) -> str:
    """An id derived from the event's content, so submitting the same report twice applies it once."""
    text = json.dumps([lifecycle, case_id, event, on.isoformat(), _hashable(dict(data))], sort_keys=True,
                      ensure_ascii=False, default=str, allow_nan=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


_ATTEMPTS = 5  # loads after a concurrent writer got there first, before giving up

MAX_CATCH_UP = 100
"""At most this many deadline transitions are applied to one case by one event or one tick. A
lifecycle whose deadlines lead from state to state in a cycle (a 0-day deadline each way) would
otherwise apply one a day up to the event's date, for ever as far as the user can tell."""


def _too_many(case_id: str, on: dt.date) -> str:
    return (f"more than {MAX_CATCH_UP} deadlines of case {case_id} passed before {on}: the lifecycle's deadlines "
            f"lead from state to state in a cycle; the first {MAX_CATCH_UP} were applied. Run `tick` with "
            "earlier dates to move the case in steps, or give the deadlines more days")


def deadline_date(lifecycle: Lifecycle, state: str, entered: dt.date) -> dt.date | None:
    """The last day in time for a case that entered `state` on `entered`, or None without a deadline."""
    deadline = lifecycle.states[state].deadline
    if deadline is None:
        return None
    days = deadline.days
    if isinstance(days, str):
        days = int(parameter_values(lifecycle, entered)[days])
    return entered + dt.timedelta(days=days)


@dataclass(frozen=True)
class Submission:
    """One event as submitted: what every stage starts from."""

    lifecycle: Lifecycle
    case_id: str
    event: str
    data: dict[str, Any]
    on: dt.date
    event_id: str
    deadline: dt.date | None = None  # for a deadline event: the deadline that passed


@dataclass(frozen=True)
class LoadedCase:
    """Stage 1 → 2: the case as stored (or just opened), its data and the event's data typed."""

    case: CaseRecord
    new: bool
    case_data: dict[str, Any]
    event_data: dict[str, Any]
    candidates: tuple[Transition, ...]  # in priority (file) order
    effective: dt.date | None = None  # a correction's `effective` date


@dataclass(frozen=True)
class GuardFacts:
    """Stage 2 → 3: one boolean per candidate (what the engine is told) and what they were computed from."""

    guards: tuple[GuardValue, ...]
    env: dict[str, Any]
    decisions: dict[str, DecisionRecord]

    def engine_facts(self) -> dict[str, bool]:
        """The guard facts by engine transition id: the only values that reach durable-rules."""
        return {chart_id(g.transition): g.value for g in self.guards}

    def records(self) -> list[dict[str, Any]]:
        return [g.as_record() for g in self.guards]


@dataclass(frozen=True)
class Choice:
    """Stage 3 → 4: the transition the engine's statechart fired and the state it moved the case to."""

    transition: Transition
    to_state: str


class Runner:
    """Applies events to cases of one or more lifecycles, state in `store`, charts in `engine`."""

    def __init__(self, store: Store, engine: LifecycleEngine | None = None,
                 rules_root: str | Path | None = None) -> None:
        self.store = store
        self.engine = engine or LifecycleEngine()
        self.rules_root = rules_root
        self.decider = Decider(rules_root)

    def _prepare(self, lifecycle: Lifecycle) -> None:
        """Register the lifecycle's chart and find its rule sets, once per lifecycle version."""
        spec = chart_spec(lifecycle)
        if not self.engine.is_registered(spec.name):
            self.engine.register(spec)
        self.decider.prepare(lifecycle)

    def submit(self, lifecycle: Lifecycle, case_id: str, event: str, data: Mapping[str, Any] | None,
               on: dt.date, event_id: str | None = None) -> Outcome:
        """Apply one event to one case (opening it in the initial state if it is new).

        Deadlines of the case that passed by `on` are applied first (`Outcome.deadlines`).
        """
        data = dict(data or {})
        submission = Submission(lifecycle, case_id, event, data, on,
                                event_id or default_event_id(lifecycle.id, case_id, event, on, data))
        self._prepare(lifecycle)
        return self._run(submission, catch_up=True)

    def tick(self, lifecycles: Mapping[str, Lifecycle], on: dt.date) -> list[Outcome]:
        """Apply the deadline event of every case whose deadline has passed on `on`.

        The same step every event takes first (`submit`): each deadline event is dated the
        day after the deadline and its id names the case, state and deadline, so running
        tick again (or later, or after an event already applied it) applies it once.
        """
        outcomes: list[Outcome] = []
        for case in list(self.store.due(on)):
            lifecycle = lifecycles.get(case.lifecycle)
            if lifecycle is None or case.state not in lifecycle.states:  # say so rather than skip it
                known = (f"lifecycle {case.lifecycle} was not loaded (loaded: {', '.join(lifecycles) or 'none'})"
                         if lifecycle is None else
                         f"{lifecycle.id} {lifecycle.version} has no state '{case.state}'")
                outcomes.append(Outcome("refused", case.case_id, "(deadline)", "", case.state, reason=(
                    f"deadline {case.deadline} passed, but {known}; the case was not moved")))
                continue
            self._prepare(lifecycle)
            tried: set[str] = set()
            while (due := self._due_deadline(lifecycle, self.store.get_case(case.case_id), on, tried)) is not None:
                if len(tried) >= MAX_CATCH_UP:
                    outcomes.append(Outcome("refused", case.case_id, due.event, due.event_id, reason=_too_many(
                        case.case_id, on)))
                    break
                tried.add(due.event_id)
                outcome = self._run(due, catch_up=False)
                if outcome.status != "duplicate":
                    outcomes.append(outcome)
        return outcomes

    def _run(self, submission: Submission, catch_up: bool) -> Outcome:
        """Load the case and apply the submission, reloading whenever the case moved under us.

        With `catch_up`, a deadline that has passed by the submission's date is applied first
        (each at most once), then the case is loaded again; the order of dates is checked
        before anything is applied, so a backdated event changes nothing.
        """
        first: list[Outcome] = []
        tried: set[str] = set()
        conflicts = 0
        while True:
            case, earlier = self.store.load(submission.case_id, submission.event_id)
            if earlier is not None:
                return self._earlier(earlier, submission, first)
            if submission.deadline is not None and self._due_deadline(
                    submission.lifecycle, case, submission.on, set()) != submission:
                # another writer moved the case meanwhile: this deadline no longer applies (callers skip it)
                return Outcome("duplicate", submission.case_id, submission.event, submission.event_id,
                               reason=Message(N_("no longer due: the case moved meanwhile")))
            try:
                self._check_event(submission)
                if case is not None:
                    self._check_case(submission, case)  # refuse before any deadline is applied
                due = self._due_deadline(submission.lifecycle, case, submission.on, tried) if catch_up else None
                if due is not None and len(tried) >= MAX_CATCH_UP:
                    raise Refused(_too_many(submission.case_id, submission.on))
                if due is not None:
                    tried.add(due.event_id)
                    outcome = self._run(due, catch_up=False)
                    if outcome.status != "duplicate":  # a duplicate was applied before: nothing new
                        first.append(outcome)
                    continue  # load again: the deadline moved the case (a refused one is not tried again)
                outcome = self._submit_once(submission, case)
            except Refused as refusal:
                return Outcome("refused", submission.case_id, submission.event, submission.event_id,
                               reason=self._after_deadlines(refusal.reason, first), guards=refusal.guards,
                               deadlines=first)
            except (DuplicateEvent, Conflict):
                conflicts += 1  # another writer got there first: load again and decide again
                if conflicts >= _ATTEMPTS:
                    raise MedunionError(f"case {submission.case_id}: gave up after repeated concurrent "
                                        "changes") from None
                continue
            outcome.deadlines = first
            return outcome

    def _submit_once(self, submission: Submission, stored: CaseRecord | None) -> Outcome:
        """The four stages; any of the first three may refuse, and only the last one writes."""
        loaded = self._load_case(submission, stored)
        facts = self._guard_facts(submission, loaded)
        choice = self._engine_choice(submission, loaded, facts)
        return self._persist(submission, loaded, facts, choice)

    @staticmethod
    def _due_deadline(lifecycle: Lifecycle, case: CaseRecord | None, on: dt.date,
                      tried: set[str]) -> Submission | None:
        """The deadline event `tick --on` would submit for this case now, unless already tried."""
        if case is None or case.lifecycle != lifecycle.id or case.state not in lifecycle.states:
            return None
        deadline = lifecycle.states[case.state].deadline
        if deadline is None or case.deadline is None or not has_passed(case.deadline, on):
            return None
        event_id = deadline_event_id(case.case_id, case.state, case.deadline)
        if event_id in tried:
            return None
        return Submission(lifecycle, case.case_id, deadline.event, dict(deadline.data),
                          deadline_event_date(case.deadline), event_id, case.deadline)

    @staticmethod
    def _after_deadlines(reason: str, first: list[Outcome]) -> str:
        """A refusal's reason, saying first which deadline transitions were applied before the event."""
        moved = [o for o in first if o.applied]
        if not moved:
            return reason
        steps = "; ".join(f"the deadline of '{o.from_state}' ({o.entry.record.get('deadline_passed')}) had passed, "
                          f"so '{o.event}' dated {o.entry.occurred_on} moved the case {o.from_state} → "
                          f"{o.to_state} by '{o.transition}'" for o in moved if o.entry is not None)
        return Message(N_("applied first, as tick would have: {steps}. Then: {reason}"), steps=steps, reason=reason)

    def _earlier(self, earlier: HistoryEntry, submission: Submission, first: list[Outcome]) -> Outcome:
        """The first outcome of an event id with the same content; a conflict if the content differs."""
        case_id, event, event_id = submission.case_id, submission.event, submission.event_id
        differs = self._differences(earlier, submission)
        if differs:
            return Outcome("conflict", case_id, event, event_id, entry=earlier, deadlines=first, reason=(
                f"event id {event_id} is already used by history #{earlier.seq} ('{earlier.event}' of case "
                f"{earlier.case_id} dated {earlier.occurred_on}, applied {earlier.recorded_at}); this "
                f"submission differs in {', '.join(differs)}, so nothing was changed. Give each event its "
                "own id (without --event-id the id is derived from the content)"))
        return Outcome("duplicate", case_id, event, event_id, earlier.from_state, earlier.to_state,
                       earlier.record.get("transition", {}).get("id"),
                       reason=Message(N_("already applied on {at} (history #{seq})"), at=earlier.recorded_at,
                                      seq=earlier.seq),
                       entry=earlier, deadlines=first)

    @staticmethod
    def _differences(earlier: HistoryEntry, submission: Submission) -> list[str]:
        """What differs between a stored event and a new submission of its id: case, event, date, data."""
        lifecycle = submission.lifecycle
        differs = [what for what, mine, theirs in (
            ("lifecycle", lifecycle.id, earlier.lifecycle), ("case", submission.case_id, earlier.case_id),
            ("event", submission.event, earlier.event), ("date", submission.on, earlier.occurred_on),
        ) if mine != theirs]
        try:
            content = entry_data(event_values(lifecycle, submission.event, submission.data),
                                 effective_value(lifecycle, submission.event, submission.data, submission.on))
        except (Refused, KeyError):  # an unknown event or data that does not type: not what was stored
            content = None
        if content != earlier.data:
            differs.append("data")
        return differs

    # Stage 1 ---------------------------------------------------------------------------------

    def _load_case(self, submission: Submission, stored: CaseRecord | None) -> LoadedCase:
        """The case the event applies to and the transitions that could take it, or a refusal saying why."""
        lifecycle, event, on = submission.lifecycle, submission.event, submission.on
        event_data = event_values(lifecycle, event, submission.data)
        effective = effective_value(lifecycle, event, submission.data, on)
        case = stored if stored is not None else self._open_case(submission)
        self._check_case(submission, case)
        return LoadedCase(case=case, new=stored is None, case_data=case_values(lifecycle, case.data),
                          event_data=event_data, candidates=self._candidates(submission, case),
                          effective=effective)

    @staticmethod
    def _check_event(submission: Submission) -> None:
        """Refuse an event the lifecycle does not declare, or dated when the lifecycle is not in force."""
        lifecycle, event, on = submission.lifecycle, submission.event, submission.on
        if event not in lifecycle.events:
            raise Refused(Message(N_("{lifecycle} has no event '{event}'; events: {events}"), lifecycle=lifecycle.id,
                                  event=event, events=", ".join(lifecycle.events)))
        if not lifecycle.in_force(on):
            raise Refused(Message(N_("{lifecycle} {version} is not in force on {on}"), lifecycle=lifecycle.id,
                                  version=lifecycle.version, on=on))

    @staticmethod
    def _open_case(submission: Submission) -> CaseRecord:
        """A new case in the initial state, entered on the event's date (saved only if the event applies)."""
        lifecycle, on = submission.lifecycle, submission.on
        initial = lifecycle.initial
        return CaseRecord(submission.case_id, lifecycle.id, lifecycle.version, initial,
                          case_values(lifecycle, {}), on, on, deadline_date(lifecycle, initial, on))

    @staticmethod
    def _check_case(submission: Submission, case: CaseRecord) -> None:
        """Refuse a case of another lifecycle, in a state this version lacks, or an event out of date order."""
        lifecycle, on = submission.lifecycle, submission.on
        if case.lifecycle != lifecycle.id:
            raise Refused(Message(N_("case {case} belongs to lifecycle {owner}, not {lifecycle}"), case=case.case_id,
                                  owner=case.lifecycle, lifecycle=lifecycle.id))
        if case.state not in lifecycle.states:
            raise Refused(Message(N_("case {case} is in state '{state}' (version {case_version}), which {lifecycle} "
                                     "{version} does not have"), case=case.case_id, state=case.state,
                                  case_version=case.lifecycle_version, lifecycle=lifecycle.id,
                                  version=lifecycle.version))
        last = max(filter(None, (case.last_event_on, case.entered_on)))
        if on < last:
            raise Refused(Message(N_("event '{event}' is dated {on}, before {last}, the date of the last event applied "
                                     "to case {case}; events are applied in date order, so nothing was changed. "
                                     "{advice}"), event=submission.event, on=on, last=last, case=case.case_id,
                                  advice=_how_to_correct(lifecycle, case.state, submission.event, on, last)))

    @staticmethod
    def _candidates(submission: Submission, case: CaseRecord) -> tuple[Transition, ...]:
        """The transitions leaving the case's state on the event; refuse if there are none, or too early."""
        lifecycle, event, on = submission.lifecycle, submission.event, submission.on
        candidates = tuple(lifecycle.candidates(case.state, event))
        if not candidates:
            state = lifecycle.states[case.state]
            accepted = lifecycle.accepted_events(case.state)
            if accepted:
                why = (N_("event '{event}' is not accepted in final state '{state}' ({title}); accepted there: "
                          "{accepted}") if state.final else
                       N_("event '{event}' is not accepted in state '{state}' ({title}); accepted there: {accepted}"))
            else:
                why = (N_("event '{event}' is not accepted in final state '{state}' ({title}); nothing can change it")
                       if state.final else
                       N_("event '{event}' is not accepted in state '{state}' ({title}); nothing can change it"))
            raise Refused(Message(why, event=event, state=case.state, title=state.title, accepted=", ".join(accepted)))
        deadline = lifecycle.states[case.state].deadline
        if deadline is not None and deadline.event == event and case.deadline and on <= case.deadline:
            raise Refused(Message(N_("'{event}' is the deadline event of '{state}', whose deadline is {deadline}; it "
                                     "can only come after that day"), event=event, state=case.state,
                                  deadline=case.deadline))
        return candidates

    # Stage 2 ---------------------------------------------------------------------------------

    def _guard_facts(self, submission: Submission, loaded: LoadedCase) -> GuardFacts:
        """Every candidate's guard as a boolean, from the case, the event, parameters and rule-set decisions."""
        lifecycle, on = submission.lifecycle, submission.on
        env: dict[str, Any] = {**parameter_values(lifecycle, on), **loaded.case_data, **loaded.event_data,
                               **builtin_values(on, loaded.case.entered_on, loaded.effective)}
        outputs, decisions = self.decider.decide(lifecycle, names_read(loaded.candidates), env, on)
        env.update(outputs)
        guards = tuple(evaluate_guard(t, env) for t in loaded.candidates)
        return GuardFacts(guards=guards, env=env, decisions=decisions)

    # Stage 3 ---------------------------------------------------------------------------------

    def _engine_choice(self, submission: Submission, loaded: LoadedCase, facts: GuardFacts) -> Choice:
        """Post the guard facts to the statechart; the rule that fires is the transition applied.

        Only the sentinel firing means no transition applies: the event is refused with every
        guard and the values it read.
        """
        state, event = loaded.case.state, submission.event
        try:
            firing = self.engine.fire(chart_name(submission.lifecycle), submission.case_id, state, event,
                                      facts.engine_facts())
        except EngineError as exc:  # a fault, not a refusal: nothing was saved
            raise MedunionError(f"lifecycle engine failed on case {submission.case_id}: {exc}") from exc
        if firing.transition is None:
            failed = "; ".join(g.why_false() for g in facts.guards)
            raise Refused(Message(N_("event '{event}' changes nothing in state '{state}': no guard holds ({failed})"),
                                  event=event, state=state, failed=failed), facts.records())
        fired = {chart_id(t): t for t in loaded.candidates}[firing.transition]
        return Choice(transition=fired, to_state=firing.state)

    # Stage 4 ---------------------------------------------------------------------------------

    def _persist(self, submission: Submission, loaded: LoadedCase, facts: GuardFacts, choice: Choice) -> Outcome:
        """Save the engine's choice: the case moved to its state with its new data, and the event's record."""
        lifecycle, on, chosen = submission.lifecycle, submission.on, choice.transition
        assigned = assigned_values(lifecycle, chosen,
                                   {name: evaluate(expr, facts.env) for name, expr in chosen.assignments.items()})
        data = {**loaded.case_data, **loaded.event_data, **assigned}
        from_state = loaded.case.state
        record = transition_record(lifecycle, chosen, facts.guards, facts.decisions, facts.env, assigned)
        case = replace(loaded.case, data={k: json_value(v) for k, v in data.items()},
                       lifecycle_version=lifecycle.version)  # the version that moved it last
        if choice.to_state != from_state:  # a self-transition keeps the running deadline
            case.state, case.entered_on = choice.to_state, on
            case.deadline = deadline_date(lifecycle, choice.to_state, on)
            if case.deadline is not None:
                record["deadline"] = deadline_record(lifecycle, choice.to_state, on, case.deadline)
        if loaded.new:
            record["opened"] = {"state": from_state, "on": on.isoformat()}
        if submission.deadline is not None:
            record["deadline_passed"] = submission.deadline.isoformat()
        if lifecycle.events[submission.event].correction:
            record["correction"] = {"effective": (loaded.effective or on).isoformat(), "recorded_on": on.isoformat()}
        entry = HistoryEntry(submission.event_id, submission.case_id, lifecycle.id, submission.event, on,
                             entry_data(loaded.event_data, loaded.effective),
                             None if loaded.new else from_state, choice.to_state, chosen.id, record)
        self.store.apply(case, entry, loaded.new)
        return Outcome("applied", submission.case_id, submission.event, submission.event_id, from_state,
                       choice.to_state, chosen.id, entry=entry, guards=facts.records())


def _how_to_correct(lifecycle: Lifecycle, state: str, event: str, on: dt.date, last: dt.date) -> Message:
    """What to do instead of backdating: a correction event if the lifecycle has one, else a note."""
    if lifecycle.states[state].final:
        return Message(N_("The case is in final state '{state}', which no later event changes."), state=state)
    corrections = [e for e in lifecycle.accepted_events(state) if lifecycle.events[e].correction]
    if corrections:
        return Message(N_("To record a fact of {on}, submit a correction event ({events}) dated {last} or later, "
                          "with `{field}: {on}` in its data."), on=on, events=", ".join(corrections), last=last,
                       field=EFFECTIVE)
    notes = [n for n in lifecycle.events[event].data if lifecycle.data[n].type.kind == "string"]
    if notes:
        return Message(N_("To record a fact of {on}, submit the event dated {last} or later (e.g. today) and note the "
                          "date it happened ({on}) in its `{note}`; {lifecycle} declares no correction event for state "
                          "'{state}'."), on=on, last=last, note=notes[0], lifecycle=lifecycle.id, state=state)
    return Message(N_("To record a fact of {on}, submit the event dated {last} or later (e.g. today) and keep the date "
                      "it happened ({on}) with the case's papers; {lifecycle} declares no correction event for state "
                      "'{state}'."), on=on, last=last, lifecycle=lifecycle.id, state=state)
