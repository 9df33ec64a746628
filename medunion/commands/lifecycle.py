"""`medunion lifecycle …`: processes over time (rectification, termination, referral cases)."""

from __future__ import annotations

import json
import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medunion.commands.common import REFUSED, RULES_ENV, RulesOption, command_group, fail, parse_date, rules_root

if TYPE_CHECKING:
    from lifecycle.model import Lifecycle
    from lifecycle.run import Outcome

DEFAULT_DB = "sqlite:///medunion-lifecycle.sqlite"


class Format(str, Enum):
    text = "text"
    json = "json"


DbOption = Annotated[str, typer.Option("--db", help="SQLAlchemy URL of the case store")]
RootOption = Annotated[Path | None, typer.Option("--lifecycles", help="Folder of lifecycle files "
                                                                      "(default: <rules>/lifecycles)")]
FormatOption = Annotated[Format, typer.Option("--format", help="text or json")]


def _lifecycles(root: Path | None, rules: Path | None) -> Path:
    return root if root is not None else rules_root(rules) / "lifecycles"


def _decision_rules(root: Path | None, rules: Path | None) -> Path | None:
    """The rules folder for the rule sets a lifecycle decides with; None lets the lifecycle's own
    folder say (its parent), when only --lifecycles was given."""
    if root is not None and rules is None and RULES_ENV not in os.environ:
        return None
    return rules_root(rules)


FAILED = ("refused", "conflict")  # statuses that make `event` exit 1


def _outcome_json(outcome: Outcome) -> dict[str, object]:
    return {"status": outcome.status, "case": outcome.case_id, "event": outcome.event,
            "event_id": outcome.event_id, "from": outcome.from_state, "to": outcome.to_state,
            "transition": outcome.transition, "reason": outcome.reason, "guards": outcome.guards,
            "deadlines": [_outcome_json(d) for d in outcome.deadlines]}


def _shown(text: str) -> str:
    """A line that quotes case data (a reason, a note) for the terminal: escape sequences shown, not run."""
    from governance.escaping import terminal_text

    return terminal_text(text)


def _echo_outcome(outcome: Outcome, output_format: Format) -> None:
    if output_format is Format.json:
        typer.echo(json.dumps(_outcome_json(outcome), ensure_ascii=False, indent=2, default=str, allow_nan=False))
        return
    for first in outcome.deadlines:  # deadlines that passed before the event's date come first
        typer.echo("deadline passed first: ", nl=False, err=first.status in FAILED)
        _echo_outcome(first, output_format)
    if outcome.status == "refused":
        typer.echo(_shown(f"refused: case {outcome.case_id}, event {outcome.event}: {outcome.reason}"), err=True)
    elif outcome.status == "conflict":
        typer.echo(_shown(f"conflict: case {outcome.case_id}, event {outcome.event}: {outcome.reason}"), err=True)
    elif outcome.status == "duplicate":
        typer.echo(f"duplicate: event {outcome.event_id} {outcome.reason}; nothing changed")
    else:
        clause = outcome.entry.record["transition"]["clause"] if outcome.entry else ""
        dated = f" on {outcome.entry.occurred_on}" if outcome.entry else ""
        typer.echo(f"applied: case {outcome.case_id}: {outcome.from_state} → {outcome.to_state} "
                   f"by '{outcome.transition}' [{clause}]{dated} (event id {outcome.event_id})")


def _event_data(path: Path, lifecycle: Lifecycle, event: str) -> dict[Any, Any]:
    """An event's data file, read as a case file is: every field the event does not carry or
    that does not fit its declaration is refused at its place in the file before anything runs."""
    from governance.diagnostics import MedunionError, error
    from governance.source import load_yaml
    from lifecycle.data import event_data_problems

    document = load_yaml(path)
    values = document.data
    if not isinstance(values, dict):
        what = {list: "a list", str: "text", type(None): "nothing (null)"}.get(type(values), "a single value")
        raise MedunionError(error(f"event data is a mapping of field names to values; this file holds {what}",
                                  document.locate()))
    if event in lifecycle.events:  # an event the lifecycle lacks is refused by the runner, which lists them
        _, problems = event_data_problems(lifecycle, event, values)
        if problems:
            raise MedunionError(
                error(p.message, document.locate_key((p.name,)) if p.unknown else document.locate((p.name,)))
                for p in problems)
    return values


def event_command(
    lifecycle: Annotated[str, typer.Argument(help="Lifecycle id or file")],
    case: Annotated[str, typer.Argument(help="Case id (opened in the initial state if new)")],
    event: Annotated[str, typer.Argument(help="Event name")],
    data: Annotated[Path | None, typer.Option("--data", help="YAML or JSON file with the event's data")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Date of the event (default: today)")] = None,
    event_id: Annotated[str | None, typer.Option("--event-id", help="Id applied once (default: "
                                                 "derived from the event's content)")] = None,
    db: DbOption = DEFAULT_DB,
    root: RootOption = None,
    rules: RulesOption = None,
    output_format: FormatOption = Format.text,
) -> None:
    """Apply one event to a case; a refused event, or an event id re-used with other content, exits 1."""
    from governance.diagnostics import MedunionError
    from lifecycle.load import find_lifecycle
    from lifecycle.run import Runner
    from lifecycle.store import Store

    day = parse_date(on, default_today=True)
    try:
        chosen = find_lifecycle(lifecycle, _lifecycles(root, rules))
        values = _event_data(data, chosen, event) if data else {}
        store = Store(db)
        runner = Runner(store, rules_root=_decision_rules(root, rules))
        outcome = runner.submit(chosen, case, event, values, day, event_id)
    except MedunionError as exc:
        fail(exc)
    _echo_outcome(outcome, output_format)
    if outcome.status in FAILED:
        raise typer.Exit(REFUSED)


def show_command(
    case: Annotated[str, typer.Argument(help="Case id")],
    db: DbOption = DEFAULT_DB,
    output_format: FormatOption = Format.text,
) -> None:
    """A case's state and its history: each transition, its event, guard values and clause."""
    from governance.diagnostics import MedunionError, shown_url
    from lifecycle.explain import explain_case, render_text
    from lifecycle.store import Store

    try:
        explained = explain_case(Store(db), case)
    except MedunionError as exc:
        fail(exc)
    if explained is None:
        typer.echo(f"no case {case} in {shown_url(db)}", err=True)
        raise typer.Exit(REFUSED)
    if output_format is Format.json:
        typer.echo(json.dumps(explained, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        typer.echo("\n".join(_shown(line) for line in render_text(explained).splitlines()))


def list_command(
    state: Annotated[str | None, typer.Option("--state", help="Only cases in this state")] = None,
    lifecycle: Annotated[str | None, typer.Option("--lifecycle", help="Only this lifecycle")] = None,
    db: DbOption = DEFAULT_DB,
    output_format: FormatOption = Format.text,
) -> None:
    """Cases, optionally in one state, with the date they entered it and any deadline."""
    from governance.diagnostics import MedunionError
    from lifecycle.store import Store

    try:
        found = Store(db).cases(state=state, lifecycle=lifecycle)
    except MedunionError as exc:
        fail(exc)
    if output_format is Format.json:
        typer.echo(json.dumps([{"case": c.case_id, "lifecycle": c.lifecycle, "state": c.state,
                                "since": c.entered_on.isoformat(),
                                "deadline": c.deadline.isoformat() if c.deadline else None}
                               for c in found], ensure_ascii=False, indent=2, allow_nan=False))
        return
    for c in found:
        deadline = f"  deadline {c.deadline}" if c.deadline else ""
        typer.echo(f"{c.case_id}\t{c.lifecycle}\t{c.state}\tsince {c.entered_on}{deadline}")
    typer.echo(f"{len(found)} case(s)", err=True)


def tick_command(
    on: Annotated[str, typer.Option("--on", help="Today's date: deadlines before it have passed")],
    db: DbOption = DEFAULT_DB,
    root: RootOption = None,
    rules: RulesOption = None,
    output_format: FormatOption = Format.text,
) -> None:
    """Move every case whose deadline passed (each deadline is applied once, however often run)."""
    from governance.diagnostics import MedunionError
    from lifecycle.load import lifecycle_files, load_lifecycle
    from lifecycle.run import Runner
    from lifecycle.store import Store

    day = parse_date(on, default_today=True)
    try:
        files = lifecycle_files(_lifecycles(root, rules))
        lifecycles = {lc.id: lc for lc in (load_lifecycle(p) for p in files)}
        outcomes = Runner(Store(db), rules_root=_decision_rules(root, rules)).tick(lifecycles, day)
    except MedunionError as exc:
        fail(exc)
    for outcome in outcomes:
        _echo_outcome(outcome, output_format)
    applied = sum(o.status == "applied" for o in outcomes)
    typer.echo(f"{applied} case(s) moved, {len(outcomes) - applied} not moved", err=True)
    if any(o.status == "conflict" for o in outcomes):
        raise typer.Exit(REFUSED)


def open_from_appraisal_command(
    results: Annotated[Path, typer.Argument(help="results.csv written by `medunion appraise`")],
    lifecycle: Annotated[str, typer.Option("--lifecycle", help="Lifecycle id or file")] = "zhenghe-membership",
    on: Annotated[str | None, typer.Option("--on", help="Date of the event (default: 31 Dec of the "
                                           "appraisal year)")] = None,
    case_prefix: Annotated[str, typer.Option("--case-prefix", help="Prefix for case ids")] = "",
    db: DbOption = DEFAULT_DB,
    root: RootOption = None,
    rules: RulesOption = None,
    output_format: FormatOption = Format.text,
) -> None:
    """Open a rectification case for every unit the appraisal graded below the floor (idempotent)."""
    from governance.diagnostics import MedunionError
    from lifecycle.feeds import open_from_appraisal
    from lifecycle.load import find_lifecycle
    from lifecycle.run import Runner
    from lifecycle.store import Store

    try:
        chosen = find_lifecycle(lifecycle, _lifecycles(root, rules))
        runner = Runner(Store(db), rules_root=_decision_rules(root, rules))
        done = open_from_appraisal(runner, chosen, results, parse_date(on) if on else None,
                                   case_prefix)
    except MedunionError as exc:
        fail(exc)
    for item in done:
        _echo_outcome(item.outcome, output_format)
    opened = sum(item.outcome.status == "applied" for item in done)
    typer.echo(f"{opened} rectification case(s) opened or moved, {len(done) - opened} unchanged", err=True)
    if any(item.outcome.status == "conflict" for item in done):  # results changed since they were fed
        raise typer.Exit(REFUSED)


def register(app: typer.Typer) -> None:
    """Add the `lifecycle` command group to the medunion app."""
    group = command_group("Processes over time: rectification, referral cases.", name="lifecycle")
    group.command("event")(event_command)
    group.command("show")(show_command)
    group.command("list")(list_command)
    group.command("tick")(tick_command)
    group.command("open-from-appraisal")(open_from_appraisal_command)
    app.add_typer(group, name="lifecycle")
