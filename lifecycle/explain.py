"""A case's history read back from the record: every transition, its event, guard values and clause.

"Why is unit X terminated?" is answered from what was stored when each event was applied,
not by re-running today's rules, so the answer stays true when the rules change later.

The history is shown in English or Chinese: the program's words are catalog templates, the names of
states, events and transitions are the lifecycle file's own labels (`title`/`title_zh`), so a case
is read with the labels of the file it was opened under when that file is at hand, and by its
names otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from governance.expressions import format_value
from governance.i18n import N_, format_boolean, format_date, translator
from governance.trace import SOURCE_LABEL_ZH
from governance.values import json_value
from lifecycle.model import Lifecycle
from lifecycle.store import CaseRecord, HistoryEntry, Store


@dataclass(frozen=True)
class Labels:
    """The English and Chinese labels of a lifecycle's states, events and transitions, by name."""

    states: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    events: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    transitions: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    @classmethod
    def of(cls, lifecycle: Lifecycle | None) -> Labels:
        if lifecycle is None:
            return cls()
        return cls({n: (s.title, s.title_zh) for n, s in lifecycle.states.items()},
                   {n: (e.title, e.title_zh) for n, e in lifecycle.events.items()},
                   {t.id: (t.title, t.title_zh) for t in lifecycle.transitions})

    def pair(self, kind: str, name: str | None) -> dict[str, str | None]:
        """`{"label": …, "label_zh": …}` of a name (both None when the file does not name it)."""
        title, title_zh = getattr(self, kind).get(name, (None, None)) if name is not None else (None, None)
        return {"label": title, "label_zh": title_zh}


def explain_case(store: Store, case_id: str, lifecycle: Lifecycle | None = None) -> dict[str, Any] | None:
    """The case and its full history as JSON-ready data; None if there is no such case.

    With the case's `lifecycle`, each state, event and transition carries its `label` and
    `label_zh` from the file beside its name."""
    case = store.get_case(case_id)
    if case is None:
        return None
    labels = Labels.of(lifecycle if lifecycle is not None and lifecycle.id == case.lifecycle else None)
    history = store.history(case_id)
    steps = [_labelled_step(_step(entry), labels) for entry in history]
    arrived = next((s for s in reversed(steps) if s["to"] == case.state and s["from"] != s["to"]), None)
    shown = _case(case)
    shown["state_label"] = labels.pair("states", case.state)
    return {
        "case": shown,
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


def _labelled_step(step: dict[str, Any], labels: Labels) -> dict[str, Any]:
    """A step with the labels of its event, states and transition beside their names."""
    step["event_label"] = labels.pair("events", step["event"])
    step["from_label"] = labels.pair("states", step["from"])
    step["to_label"] = labels.pair("states", step["to"])
    step["transition_label"] = labels.pair("transitions", step["transition"].get("id"))
    for other in step["other_guards"]:
        other["to_label"] = labels.pair("states", other.get("to"))
    return step


@dataclass(frozen=True)
class _Voice:
    """How a history is worded: the language's catalog, dates, booleans and labels."""

    lang: str
    _: Callable[[str], str]

    def say(self, template: str, **values: object) -> str:
        return self._(template).format(**values)

    def date(self, iso: object) -> str:
        if self.lang == "zh" and isinstance(iso, str):
            try:
                return format_date(dt.date.fromisoformat(iso), "zh")
            except ValueError:
                return iso
        return str(iso)

    def boolean(self, value: object) -> str:
        return format_boolean(value, self.lang) if isinstance(value, bool) else str(value).lower()

    def label(self, name: object, pair: dict[str, str | None] | None) -> str:
        """A state's or event's name; in Chinese its Chinese label with the name beside it."""
        if self.lang == "zh" and pair and pair.get("label_zh"):
            return f"{pair['label_zh']}（{name}）"
        return str(name)

    def title(self, transition: dict[str, Any], pair: dict[str, str | None] | None) -> str:
        if self.lang == "zh" and pair and pair.get("label_zh"):
            return str(pair["label_zh"])
        return str(transition.get("title"))

    def quote(self, text: object) -> str:
        """The plan's words as the file quotes them: in Chinese, labelled as the English translation."""
        if self.lang == "zh":
            return f"“{text}”（{SOURCE_LABEL_ZH}）"
        return f"\"{text}\""


def _dating(step: dict[str, Any], voice: _Voice) -> str:
    """What dated a step besides its own date: a correction's earlier fact, or the deadline that passed."""
    correction = step.get("correction")
    if correction:
        return voice.say(N_(" (correction recorded {on}, effective {effective})"), on=voice.date(step["on"]),
                         effective=voice.date(correction.get("effective")))
    if step.get("deadline_passed"):
        return voice.say(N_(" (deadline {date} passed)"), date=voice.date(step["deadline_passed"]))
    return ""


def _guard_line(guard: dict[str, Any], voice: _Voice) -> str:
    if not guard.get("expression"):
        return voice.say(N_("no guard (always)"))
    shown = guard.get("with_values") or guard.get("note") or ""
    return f"{guard['expression']}  →  {shown}  = {voice.boolean(guard.get('value'))}"


def render_text(explained: dict[str, Any], lang: str = "en") -> str:
    """The explanation as plain text for the terminal or a letter, in English or Chinese.

    The quoted plan text stays as the lifecycle file has it (the English translation of the plan),
    labelled as such in Chinese; the English output is unchanged by the Chinese one.
    """
    voice = _Voice(lang, translator(lang).gettext)
    say = voice.say
    case = explained["case"]
    state = voice.label(case["state"], case.get("state_label"))
    lines = [say(N_("Case {case} ({lifecycle} {version}): {state} since {since}"), case=case["id"],
                 lifecycle=case["lifecycle"], version=case["version"], state=state, since=voice.date(case["since"]))]
    if case["deadline"]:
        lines.append(say(N_("  deadline: {date} (after it passes, `tick` moves the case)"),
                         date=voice.date(case["deadline"])))
    why = explained["why"]
    if why is not None:
        t = why["transition"]
        lines.append(say(N_("Why {state}: on {on}, event '{event}'{dating} fired '{transition}' ({title})"),
                         state=state, on=voice.date(why["on"]), event=voice.label(why["event"], why.get("event_label")),
                         dating=_dating(why, voice), transition=t.get("id"),
                         title=voice.title(t, why.get("transition_label"))))
        lines.append(say(N_("  clause {clause}: {quote}"), clause=t.get("clause"), quote=voice.quote(t.get("source"))))
        lines.append(say(N_("  guard: {guard}"), guard=_guard_line(why["guard"], voice)))
    lines.append(say(N_("History:")))
    for step in explained["history"]:
        t = step["transition"]
        opened = say(N_(" (case opened)")) if step["opened"] else ""
        lines.append(say(N_("  {seq}. {on}  {event}{opened}{dating}: {source} → {target}  by '{transition}'  "
                            "[{clause}]"), seq=step["seq"], on=voice.date(step["on"]),
                         event=voice.label(step["event"], step.get("event_label")), opened=opened,
                         dating=_dating(step, voice), source=voice.label(step["from"], step.get("from_label")),
                         target=voice.label(step["to"], step.get("to_label")), transition=t.get("id"),
                         clause=t.get("clause")))
        if step["data"]:
            data = ", ".join(f"{k}={_value(v, voice)}" for k, v in sorted(step["data"].items()))
            lines.append(say(N_("     data: {data}"), data=data))
        lines.append(say(N_("     guard: {guard}"), guard=_guard_line(step["guard"], voice)))
        for rid, decision in step["decisions"].items():
            fired = ", ".join(f"{r['id']} [{r['clause']}]" for r in decision["fired"]) or say(N_("no rule fired"))
            lines.append(say(N_("     decided by {ruleset} {version}: {fired}"), ruleset=rid,
                             version=decision["version"], fired=fired))
        for other in step["other_guards"]:
            lines.append(say(N_("     not taken: '{transition}' → {target}: {guard}"), transition=other["transition"],
                             target=voice.label(other["to"], other.get("to_label")), guard=_guard_line(other, voice)))
        for name, p in step["parameters"].items():
            lines.append(say(N_("     parameter {name} = {value} ({status}, {clause})"), name=name, value=p["value"],
                             status=p["status"], clause=p["clause"]))
        if step["deadline"]:
            d = step["deadline"]
            basis = (say(N_("{parameter} = {days} days, {status}"), parameter=d.get("parameter"), days=d.get("days"),
                         status=d.get("status")) if d.get("parameter")
                     else say(N_("{days} days"), days=d.get("days")))
            lines.append(say(N_("     deadline set: {date} ({basis}); then '{event}'"), date=voice.date(d["date"]),
                             basis=basis, event=d["event"]))
        lines.append(say(N_("     source: {quote}"), quote=voice.quote(t.get("source"))))
    return "\n".join(lines)


def _value(value: Any, voice: _Voice) -> str:
    """A data value of a step: booleans as 是/否 and ISO dates as 年月日 in Chinese."""
    if voice.lang == "zh" and isinstance(value, bool):
        return format_boolean(value, "zh")
    if voice.lang == "zh" and isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
        shown = voice.date(value)
        if shown != value:
            return shown
    return format_value(value)
