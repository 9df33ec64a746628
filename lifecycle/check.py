"""Semantic checks of a lifecycle, reported like the rule-set checker's: file:line:col and advice.

A lifecycle that names an unknown state, leaves a state unreachable, strands a case in a
state that is not final, or declares an event nothing accepts is a drafting error that
would otherwise show up years later as a case nobody can move.
"""

from __future__ import annotations

from pathlib import Path

from governance.check import missing_label
from governance.clauses import clause_index, unknown_clause
from governance.diagnostics import Diagnostic, MedunionError, error, warning
from governance.expressions import BOOLEAN, ExpressionType, infer_type
from governance.i18n import N_
from governance.model import RuleSet
from governance.source import SourceDocument, load_yaml
from lifecycle.build import build_lifecycle
from lifecycle.data import EFFECTIVE
from lifecycle.decisions import decision_rulesets, rules_root
from lifecycle.guards import BUILTINS
from lifecycle.model import Lifecycle


def type_env(lifecycle: Lifecycle, rulesets: dict[str, list[RuleSet]]) -> dict[str, ExpressionType]:
    """Every name a guard may read, with its type: builtins, data, parameters, decisions."""
    env = dict(BUILTINS)
    for name, field in lifecycle.data.items():
        env[name] = field.type
    for name, parameter in lifecycle.parameters.items():
        env[name] = parameter.type
    for versions in rulesets.values():
        for name, field in versions[-1].outputs.items():
            env[name] = field.type
    return env


def check_lifecycle(lifecycle: Lifecycle, root: str | Path | None = None) -> list[Diagnostic]:
    """Every semantic problem of one lifecycle, in file order."""
    found: list[Diagnostic] = []
    states = lifecycle.states
    add = found.append

    initial = [s for s in states.values() if s.initial]
    if len(initial) != 1:
        where = initial[1].location if len(initial) > 1 else lifecycle.location
        add(error(N_("a lifecycle needs exactly one state with `initial: true`; found {count}"), where,
                  count=len(initial)))

    seen: set[tuple[str, str]] = set()
    for t in lifecycle.transitions:
        if (t.id, t.source) in seen:
            add(error(N_("transition id '{id}' is used twice from state '{state}'; ids must be unique"),
                      t.location, id=t.id, state=t.source))
        seen.add((t.id, t.source))
        for role, state in (("from", t.source), ("to", t.target)):
            if state not in states:
                add(error(N_("transition '{id}': unknown state '{state}' in `{role}`; states are: {states}"),
                          t.where(role), id=t.id, state=state, role=role, states=", ".join(states)))
        if t.event not in lifecycle.events:
            add(error(N_("transition '{id}': unknown event '{event}'; declare it under `events`"),
                      t.where("event"), id=t.id, event=t.event))
        if t.source in states and states[t.source].final:
            add(error(N_("transition '{id}' leaves final state '{state}'; a final state has no way out"),
                      t.location, id=t.id, state=t.source))

    for state in states.values():
        outgoing = [t for t in lifecycle.transitions if t.source == state.name]
        if not state.final and not outgoing:
            add(error(N_("state '{state}' has no way out and is not final; add a transition "
                         "from it or mark it `final: true`"), state.location, state=state.name))
        if state.final and state.deadline is not None:
            add(error(N_("final state '{state}' cannot have a deadline"), state.deadline.location,
                      state=state.name))

    if len(initial) == 1:
        reachable = {initial[0].name}
        frontier = [initial[0].name]
        while frontier:
            current = frontier.pop()
            for t in lifecycle.transitions:
                if t.source == current and t.target in states and t.target not in reachable:
                    reachable.add(t.target)
                    frontier.append(t.target)
        for state in states.values():
            if state.name not in reachable:
                add(error(N_("state '{state}' cannot be reached from the initial state '{initial}'"),
                          state.location, state=state.name, initial=initial[0].name))

    accepted = {t.event for t in lifecycle.transitions}
    for event in lifecycle.events.values():
        if event.name not in accepted:
            add(error(N_("event '{event}' is accepted by no transition; remove it or add one"),
                      event.location, event=event.name))
        for name in event.data:
            if name not in lifecycle.data:
                add(error(N_("event '{event}' carries unknown data field '{name}'; declare it under `data`"),
                          event.location, event=event.name, name=name))
    corrections = [e.name for e in lifecycle.events.values() if e.correction]
    if corrections and EFFECTIVE in lifecycle.data:
        add(error(N_("data field '{name}' has the name under which a correction event "
                     "({events}) gives its effective date; rename the field"),
                  lifecycle.data[EFFECTIVE].location, name=EFFECTIVE, events=", ".join(corrections)))

    try:
        rulesets = decision_rulesets(lifecycle, root)
    except MedunionError as exc:
        found.extend(exc.diagnostics)
        rulesets = {}
    for rid in lifecycle.decisions:
        if rid not in rulesets:
            add(error(N_("`decisions` names rule set '{ruleset}', which is not under {folder}"),
                      lifecycle.location, ruleset=rid, folder=root or rules_root(lifecycle.path)))
            continue
        latest = rulesets[rid][-1]
        for name, field in latest.inputs.items():
            mine = lifecycle.data.get(name)
            if mine is None and not field.has_default:
                add(error(N_("rule set '{ruleset}' needs input '{name}'; declare it under `data` ({type})"),
                          lifecycle.location, ruleset=rid, name=name, type=field.type.describe()))
            elif mine is not None and mine.type != field.type:
                add(error(N_("data field '{name}' is {type} but rule set '{ruleset}' reads it as {expected}"),
                          mine.location, name=name, type=mine.type.describe(), ruleset=rid,
                          expected=field.type.describe()))
        for name in latest.outputs:
            if name in lifecycle.data or name in lifecycle.parameters or name in BUILTINS:
                add(error(N_("output '{name}' of rule set '{ruleset}' has the name of a data field, "
                             "parameter or built-in; guards could not tell them apart"), lifecycle.location,
                          name=name, ruleset=rid))

    env = type_env(lifecycle, rulesets)
    checked: set[int] = set()
    for t in lifecycle.transitions:
        if t.guard is not None and id(t.guard) not in checked:
            checked.add(id(t.guard))
            try:
                kind = infer_type(t.guard, env)
                if kind != BOOLEAN:
                    add(error(N_("the guard of '{id}' is {type}; a guard must be true or false"),
                              t.guard.origin or t.location, id=t.id, type=kind.describe()))
            except MedunionError as exc:
                found.extend(exc.diagnostics)
        for name, expr in t.assignments.items():
            if id(expr) in checked:
                continue
            checked.add(id(expr))
            if name not in lifecycle.data:
                add(error(N_("transition '{id}' sets unknown data field '{name}'"), t.location, id=t.id, name=name))
                continue
            try:
                kind = infer_type(expr, env)
                if not lifecycle.data[name].type.accepts(kind):
                    add(error(N_("transition '{id}' sets '{name}' ({type}) to {value}"), expr.origin or t.location,
                              id=t.id, name=name, type=lifecycle.data[name].type.describe(), value=kind.describe()))
            except MedunionError as exc:
                found.extend(exc.diagnostics)

    for state in states.values():
        deadline = state.deadline
        if deadline is None:
            continue
        if deadline.event not in lifecycle.events:
            add(error(N_("deadline of '{state}' submits unknown event '{event}'"), deadline.location,
                      state=state.name, event=deadline.event))
        elif not lifecycle.candidates(state.name, deadline.event):
            add(error(N_("deadline of '{state}' submits '{event}', which no transition from '{state}' accepts"),
                      deadline.location, state=state.name, event=deadline.event))
        if isinstance(deadline.days, str):
            parameter = lifecycle.parameters.get(deadline.days)
            if parameter is None:
                add(error(N_("deadline of '{state}': '{days}' is not a parameter; give "
                             "a number of days or a parameter name"), deadline.location,
                          state=state.name, days=deadline.days))
            elif parameter.type.kind != "integer":
                add(error(N_("deadline parameter '{days}' must be an integer number of days"),
                          parameter.location, days=deadline.days))
        for name, value in deadline.data.items():
            field = lifecycle.data.get(name)
            if field is None:
                add(error(N_("deadline of '{state}' sets unknown data field '{name}'"), deadline.location,
                          state=state.name, name=name))
            elif field.type.kind == "boolean" and not isinstance(value, bool):
                add(error(N_("deadline of '{state}': '{name}' must be true or false"), deadline.location,
                          state=state.name, name=name))

    index = clause_index(lifecycle.path)
    if index is not None:
        cited = [(t.clause, t.location) for t in lifecycle.transitions]
        cited += [(p.clause, p.location) for p in lifecycle.parameters.values()]
        for key, where in cited:
            problem = unknown_clause(key, index)
            if problem:
                add(error(problem, where))

    unique = {str(d): d for d in found}
    return sorted(unique.values(),
                  key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))


def check_lifecycle_file(path: str | Path) -> list[Diagnostic]:
    """What `medunion check` reports for a `kind: lifecycle` file."""
    try:
        doc = load_yaml(path)
    except MedunionError as exc:
        return list(exc.diagnostics)
    lifecycle, found = build_lifecycle(doc)
    if lifecycle is None:
        return found
    return found + check_lifecycle(lifecycle) + check_labels(doc)


def check_labels(doc: SourceDocument) -> list[Diagnostic]:
    """Warnings for the public labels without their Chinese form: the lifecycle's title, its states,
    events and transitions, its data fields and parameters, and each enum value of its data."""
    data = doc.data
    found: list[Diagnostic] = []
    if not data.get("title_zh"):
        found.append(missing_label("lifecycle", str(data.get("id")), "title_zh", doc.locate_key(("title",))))
    for section, kind in (("states", "state"), ("events", "event")):
        for name, spec in (data.get(section) or {}).items():
            if isinstance(spec, dict) and not spec.get("title_zh"):
                found.append(missing_label(kind, name, "title_zh", doc.locate_key((section, name))))
    for i, spec in enumerate(data.get("transitions") or []):
        if isinstance(spec, dict) and spec.get("title") and not spec.get("title_zh"):
            found.append(missing_label("transition", str(spec.get("id")), "title_zh", doc.locate(("transitions", i))))
    for section, kind in (("data", "data field"), ("parameters", "parameter")):
        for name, spec in (data.get(section) or {}).items():
            if not isinstance(spec, dict):
                continue
            if not spec.get("label_zh"):
                found.append(missing_label(kind, name, "label_zh", doc.locate_key((section, name))))
            named = spec.get("values_zh") or {}
            lacking = [v for v in spec.get("values") or [] if spec.get("type") == "enum" and v not in named]
            if lacking:
                unnamed = (N_("data field '{name}': enum value(s) {values} have no Chinese label; "
                              "add `values_zh: {{{first}: …}}` naming each value in Chinese") if section == "data" else
                           N_("parameter '{name}': enum value(s) {values} have no Chinese label; "
                              "add `values_zh: {{{first}: …}}` naming each value in Chinese"))
                found.append(warning(unnamed, doc.locate_key((section, name)), name=name,
                                     values=", ".join(repr(v) for v in lacking), first=lacking[0]))
    return found
