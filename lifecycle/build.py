"""A lifecycle document → model: the lifecycle schema, then every guard parsed and placed.

Fields, parameters and expressions are built by the rule-set loader's own builder, so a
lifecycle's data and guards mean exactly what they mean in a rule set. Both the checker and
the loader start here, which is why this step has a module of its own.
"""

from __future__ import annotations

from typing import Any

from governance.diagnostics import Diagnostic, has_errors
from governance.load import DocumentReader, read_date
from governance.model import SourceRef
from governance.schema import validate
from governance.source import SourceDocument
from lifecycle.model import Deadline, Event, Lifecycle, State, Transition


def build_lifecycle(doc: SourceDocument) -> tuple[Lifecycle | None, list[Diagnostic]]:
    """The model and every problem found on the way; None when the schema already failed."""
    found = validate(doc, "lifecycle", package="lifecycle")
    if has_errors(found):
        return None, found
    data: dict[str, Any] = doc.data
    builder = DocumentReader(doc)
    fields = {n: builder.field(n, s, ("data", n)) for n, s in (data.get("data") or {}).items()}
    parameters = {
        n: builder.parameter(n, s, ("parameters", n)) for n, s in (data.get("parameters") or {}).items()
    }
    states: dict[str, State] = {}
    for name, spec in data["states"].items():
        deadline = None
        if "deadline" in spec:
            d = spec["deadline"]
            deadline = Deadline(days=d["days"], event=d["event"], data=dict(d.get("data") or {}),
                                location=doc.locate(("states", name, "deadline")))
        states[name] = State(
            name=name, title=spec["title"], location=doc.locate_key(("states", name)),
            initial=bool(spec.get("initial", False)), final=bool(spec.get("final", False)),
            deadline=deadline, title_zh=spec.get("title_zh"), description=spec.get("description"),
        )
    events = {
        name: Event(name=name, title=spec["title"], data=tuple(spec.get("data") or ()),
                    location=doc.locate_key(("events", name)), description=spec.get("description"),
                    correction=bool(spec.get("correction", False)), title_zh=spec.get("title_zh"))
        for name, spec in data["events"].items()
    }
    transitions: list[Transition] = []
    for i, spec in enumerate(data["transitions"]):
        path = ("transitions", i)
        guard = builder.expression((*path, "guard")) if "guard" in spec else None
        assignments = {}
        for target, _ in (spec.get("set") or {}).items():
            parsed = builder.expression((*path, "set", target))
            if parsed is not None:
                assignments[target] = parsed
        listed = isinstance(spec["from"], list)
        sources = spec["from"] if listed else [spec["from"]]
        for k, source in enumerate(sources):
            places = {"from": doc.locate((*path, "from", k) if listed else (*path, "from")),
                      "to": doc.locate((*path, "to")), "event": doc.locate((*path, "event"))}
            transitions.append(Transition(
                id=spec["id"], source=source, event=spec["event"], target=spec["to"], guard=guard,
                clause=spec["clause"], quote=" ".join(spec["source"].split()), title=spec["title"],
                location=doc.locate(path), assignments=assignments, note=spec.get("note"),
                places=places, title_zh=spec.get("title_zh"),
            ))
    found.extend(builder.found)
    effective = data["effective"]
    start = read_date(effective["from"], doc, ("effective", "from"), found)
    until = read_date(effective["until"], doc, ("effective", "until"), found) if "until" in effective else None
    lifecycle = Lifecycle(
        id=data["id"], title=data["title"], jurisdiction=data["jurisdiction"],
        version=str(data["version"]), status=data["status"], effective_from=start,
        effective_until=until, subject=data["subject"],
        sources=tuple(SourceRef(s["key"], s["title"], s.get("document"), s.get("url"))
                      for s in data["sources"]),
        decisions=tuple(data.get("decisions") or ()), data=fields, parameters=parameters,
        states=states, events=events, transitions=tuple(transitions), path=doc.path,
        location=doc.locate(()), title_zh=data.get("title_zh"),
    )
    return lifecycle, found
