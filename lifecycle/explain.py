"""A case's history read back from the record: every transition, its event, guard values and clause.

"Why is unit X terminated?" is answered from what was stored when each event was applied,
not by re-running today's rules, so the answer stays true when the rules change later.
"""

from __future__ import annotations

from typing import Any

from governance.expressions import format_value
from governance.values import json_value
from lifecycle.store import CaseRecord, HistoryEntry, Store


def explain_case(store: Store, case_id: str) -> dict[str, Any] | None:
    """The case and its full history as JSON-ready data; None if there is no such case."""
    case = store.get_case(case_id)
    if case is None:
        return None
    history = store.history(case_id)
    steps = [_step(entry) for entry in history]
    arrived = next((s for s in reversed(steps) if s["to"] == case.state and s["from"] != s["to"]), None)
    return {
        "case": _case(case),
        "why": arrived,
        "history": steps,
    }


def _case(case: CaseRecord) -> dict[str, Any]:
    return {
        "id": case.case_id, "lifecycle": case.lifecycle, "version": case.lifecycle_version,
        "state": case.state, "since": case.entered_on.isoformat(), "opened_on": case.opened_on.isoformat(),
        "deadline": case.deadline.isoformat() if case.deadline else None,
        "data": {k: json_value(v) for k, v in case.data.items()},
    }


def _step(entry: HistoryEntry) -> dict[str, Any]:
    record = entry.record
    opened = record.get("opened")
    return {
        "seq": entry.seq, "event_id": entry.event_id, "event": entry.event,
        "on": entry.occurred_on.isoformat(), "data": entry.data,
        "from": entry.from_state if entry.from_state is not None else (opened or {}).get("state"),
        "to": entry.to_state, "opened": opened is not None,
        "transition": record.get("transition", {}), "guard": record.get("guard", {}),
        "other_guards": record.get("other_guards", []), "decisions": record.get("decisions", {}),
        "parameters": record.get("parameters", {}), "deadline": record.get("deadline"),
        "set": record.get("set", {}), "recorded_at": entry.recorded_at,
        "correction": record.get("correction"), "deadline_passed": record.get("deadline_passed"),
    }


def _dating(step: dict[str, Any]) -> str:
    """What dated a step besides its own date: a correction's earlier fact, or the deadline that passed."""
    correction = step.get("correction")
    if correction:
        return f" (correction recorded {step['on']}, effective {correction.get('effective')})"
    if step.get("deadline_passed"):
        return f" (deadline {step['deadline_passed']} passed)"
    return ""


def _guard_line(guard: dict[str, Any]) -> str:
    if not guard.get("expression"):
        return "no guard (always)"
    shown = guard.get("with_values") or guard.get("note") or ""
    return f"{guard['expression']}  →  {shown}  = {str(guard.get('value')).lower()}"


def render_text(explained: dict[str, Any]) -> str:
    """The explanation as plain text for the terminal or a letter."""
    case = explained["case"]
    lines = [f"Case {case['id']} ({case['lifecycle']} {case['version']}): {case['state']} since {case['since']}"]
    if case["deadline"]:
        lines.append(f"  deadline: {case['deadline']} (after it passes, `tick` moves the case)")
    why = explained["why"]
    if why is not None:
        t = why["transition"]
        lines.append(f"Why {case['state']}: on {why['on']}, event '{why['event']}'{_dating(why)} fired "
                     f"'{t.get('id')}' ({t.get('title')})")
        lines.append(f"  clause {t.get('clause')}: \"{t.get('source')}\"")
        lines.append(f"  guard: {_guard_line(why['guard'])}")
    lines.append("History:")
    for step in explained["history"]:
        t = step["transition"]
        opened = " (case opened)" if step["opened"] else ""
        lines.append(f"  {step['seq']}. {step['on']}  {step['event']}{opened}{_dating(step)}: "
                     f"{step['from']} → {step['to']}  by '{t.get('id')}'  [{t.get('clause')}]")
        if step["data"]:
            data = ", ".join(f"{k}={format_value(v)}" for k, v in sorted(step["data"].items()))
            lines.append(f"     data: {data}")
        lines.append(f"     guard: {_guard_line(step['guard'])}")
        for rid, decision in step["decisions"].items():
            fired = ", ".join(f"{r['id']} [{r['clause']}]" for r in decision["fired"]) or "no rule fired"
            lines.append(f"     decided by {rid} {decision['version']}: {fired}")
        for other in step["other_guards"]:
            lines.append(f"     not taken: '{other['transition']}' → {other['to']}: "
                         f"{_guard_line(other)}")
        for name, p in step["parameters"].items():
            lines.append(f"     parameter {name} = {p['value']} ({p['status']}, {p['clause']})")
        if step["deadline"]:
            d = step["deadline"]
            basis = f"{d.get('parameter')} = {d.get('days')} days, {d.get('status')}" if d.get(
                "parameter") else f"{d.get('days')} days"
            lines.append(f"     deadline set: {d['date']} ({basis}); then '{d['event']}'")
        lines.append(f"     source: \"{t.get('source')}\"")
    return "\n".join(lines)
