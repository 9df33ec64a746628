"""The explanation kept with each applied event: everything needed to answer "why?" later.

`lifecycle/explain.py` reads these records back; they are written once, when the event is
applied, so the answer stays true when the rules change afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from governance.values import json_value
from lifecycle.decisions import DecisionRecord
from lifecycle.guards import BUILTINS, GuardValue
from lifecycle.model import Lifecycle, Transition


def transition_record(lifecycle: Lifecycle, chosen: Transition, guards: Sequence[GuardValue],
                      decisions: Mapping[str, DecisionRecord], env: Mapping[str, Any],
                      assigned: Mapping[str, Any]) -> dict[str, Any]:
    """The transition the engine fired, its guard and the others', the decisions and parameters read."""
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
        "guard": next(g.as_record() for g in guards if g.transition is chosen),
        "other_guards": [g.as_record() for g in guards if g.transition is not chosen],
        "decisions": {rid: d.as_record() for rid, d in decisions.items()},
        "parameters": parameters,
        "set": {k: json_value(v) for k, v in assigned.items()},
        "builtins": {name: json_value(env[name]) for name in BUILTINS if name in used},
    }


def deadline_record(lifecycle: Lifecycle, state: str, on: dt.date, date: dt.date) -> dict[str, Any]:
    """The deadline set on entering `state`, with the parameter (and its status) it was read from."""
    deadline = lifecycle.states[state].deadline
    if deadline is None:
        raise ValueError(f"state '{state}' has no deadline")
    record: dict[str, Any] = {"date": date.isoformat(), "event": deadline.event}
    if isinstance(deadline.days, str):
        parameter = lifecycle.parameters[deadline.days]
        record.update(parameter=deadline.days, days=(date - on).days, status=parameter.status,
                      clause=parameter.clause, note=" ".join((parameter.note or "").split()))
    else:
        record["days"] = deadline.days
    return record
