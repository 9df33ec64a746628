"""`medunion lifecycle …`: processes over time (rectification, termination, referral cases)."""

from __future__ import annotations

import json
import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medunion.commands.common import REFUSED, RULES_ENV, RulesOption, command_group, fail, parse_date, rules_root
from medunion.commands.language import LangOption, chosen_language

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


def _echo_outcome(outcome: Outcome, output_format: Format, lang: str = "en",
                  lifecycle: Lifecycle | None = None) -> None:
    """One outcome as a line in `lang`; in Chinese, states by the lifecycle file's Chinese labels.

    A reason the runner words as a catalog `Message` is shown in `lang`; the guard values it quotes
    (`x (= true)`) and a conflict's details stay as the runner states them."""
    from governance.diagnostics import Message
    from governance.i18n import N_, format_date, translator

    if output_format is Format.json:
        typer.echo(json.dumps(_outcome_json(outcome), ensure_ascii=False, indent=2, default=str, allow_nan=False))
        return
    _ = translator(lang).gettext
    reason = outcome.reason.text(_) if isinstance(outcome.reason, Message) else outcome.reason
    for first in outcome.deadlines:  # deadlines that passed before the event's date come first
        typer.echo(_(N_("deadline passed first: ")), nl=False, err=first.status in FAILED)
        _echo_outcome(first, output_format, lang, lifecycle)
    if outcome.status == "refused":
        typer.echo(_shown(_(N_("refused: case {case}, event {event}: {reason}")).format(
            case=outcome.case_id, event=outcome.event, reason=reason)), err=True)
    elif outcome.status == "conflict":
        typer.echo(_shown(_(N_("conflict: case {case}, event {event}: {reason}")).format(
            case=outcome.case_id, event=outcome.event, reason=reason)), err=True)
    elif outcome.status == "duplicate":
        typer.echo(_(N_("duplicate: event {event_id} {reason}; nothing changed")).format(
            event_id=outcome.event_id, reason=reason))
    else:
        clause = outcome.entry.record["transition"]["clause"] if outcome.entry else ""
        dated = _(N_(" on {date}")).format(date=format_date(outcome.entry.occurred_on, lang)) if outcome.entry else ""
        typer.echo(_(N_("applied: case {case}: {source} → {target} by '{transition}' [{clause}]{dated} "
                        "(event id {event_id})")).format(
            case=outcome.case_id, source=_state(outcome.from_state, lifecycle, lang),
            target=_state(outcome.to_state, lifecycle, lang), transition=outcome.transition, clause=clause,
            dated=dated, event_id=outcome.event_id))


def _state(name: str | None, lifecycle: Lifecycle | None, lang: str) -> str:
    """A state's name; in Chinese its label from the lifecycle file beside it: 整改中（rectifying）."""
    state = lifecycle.states.get(name) if lifecycle is not None and name is not None else None
    if lang == "zh" and state is not None and state.title_zh:
        return f"{state.title_zh}（{name}）"
    return str(name)


def _event_data(path: Path, lifecycle: Lifecycle, event: str) -> dict[Any, Any]:
    """An event's data file, read as a case file is: every field the event does not carry or
    that does not fit its declaration is refused at its place in the file before anything runs."""
    from governance.diagnostics import MedunionError, error
    from governance.i18n import N_
    from governance.source import load_yaml
    from lifecycle.data import event_data_problems

    document = load_yaml(path)
    values = document.data
    if not isinstance(values, dict):
        what = {list: N_("event data is a mapping of field names to values; this file holds a list"),
                str: N_("event data is a mapping of field names to values; this file holds text"),
                type(None): N_("event data is a mapping of field names to values; this file holds nothing (null)")}
        raise MedunionError(error(what.get(type(values), N_("event data is a mapping of field names to values; "
                                                            "this file holds a single value")), document.locate()))
    if event in lifecycle.events:  # an event the lifecycle lacks is refused by the runner, which lists them
        _, problems = event_data_problems(lifecycle, event, values)
        if problems:
            raise MedunionError(
                error(p.message, document.locate_key((p.name,)) if p.unknown else document.locate((p.name,)))
                for p in problems)  # a `Message`: kept a template, shown in the reader's language
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
    lang: LangOption = None,
) -> None:
    """Apply one event to a case; a refused event, or an event id re-used with other content, exits 1."""
    from governance.diagnostics import MedunionError
    from lifecycle.load import find_lifecycle
    from lifecycle.run import Runner
    from lifecycle.store import Store

    language = chosen_language(lang)
    day = parse_date(on, default_today=True)
    try:
        chosen = find_lifecycle(lifecycle, _lifecycles(root, rules))
        values = _event_data(data, chosen, event) if data else {}
        store = Store(db)
        runner = Runner(store, rules_root=_decision_rules(root, rules))
        outcome = runner.submit(chosen, case, event, values, day, event_id)
    except MedunionError as exc:
        fail(exc, language)
    _echo_outcome(outcome, output_format, language, chosen)
    if outcome.status in FAILED:
        raise typer.Exit(REFUSED)


def show_command(
    case: Annotated[str, typer.Argument(help="Case id")],
    db: DbOption = DEFAULT_DB,
    output_format: FormatOption = Format.text,
    root: RootOption = None,
    rules: RulesOption = None,
    lang: LangOption = None,
) -> None:
    """A case's state and its history: each transition, its event, guard values and clause.

    States, events and transitions are labelled from the case's lifecycle file (found by its id
    under --lifecycles); a case whose file is not there is shown by its names."""
    from governance.diagnostics import MedunionError, shown_url
    from governance.i18n import N_, translator
    from lifecycle.explain import explain_case, render_text
    from lifecycle.store import Store

    language = chosen_language(lang)
    try:
        store = Store(db)
        found = store.get_case(case)
        explained = explain_case(store, case, _labels_of(found.lifecycle, root, rules) if found else None)
    except MedunionError as exc:
        fail(exc, language)
    if explained is None:
        typer.echo(translator(language).gettext(N_("no case {case} in {db}")).format(case=case, db=shown_url(db)),
                   err=True)
        raise typer.Exit(REFUSED)
    if output_format is Format.json:
        typer.echo(json.dumps(explained, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        typer.echo("\n".join(_shown(line) for line in render_text(explained, language).splitlines()))


def _labels_of(lifecycle_id: str, root: Path | None, rules: Path | None) -> Lifecycle | None:
    """The lifecycle file of a case, for its labels; None when it is not under the lifecycles folder
    (or does not load there: `check` reports that; the history is still shown, by names)."""
    from governance.diagnostics import MedunionError
    from lifecycle.load import find_lifecycle

    try:
        return find_lifecycle(lifecycle_id, _lifecycles(root, rules))
    except MedunionError:
        return None


def list_command(
    state: Annotated[str | None, typer.Option("--state", help="Only cases in this state")] = None,
    lifecycle: Annotated[str | None, typer.Option("--lifecycle", help="Only this lifecycle")] = None,
    db: DbOption = DEFAULT_DB,
    output_format: FormatOption = Format.text,
    lang: LangOption = None,
) -> None:
    """Cases, optionally in one state, with the date they entered it and any deadline."""
    from governance.diagnostics import MedunionError
    from governance.i18n import N_, format_date, translator
    from lifecycle.store import Store

    language = chosen_language(lang)
    _ = translator(language).gettext
    try:
        found = Store(db).cases(state=state, lifecycle=lifecycle)
    except MedunionError as exc:
        fail(exc, language)
    if output_format is Format.json:
        typer.echo(json.dumps([{"case": c.case_id, "lifecycle": c.lifecycle, "state": c.state,
                                "since": c.entered_on.isoformat(),
                                "deadline": c.deadline.isoformat() if c.deadline else None}
                               for c in found], ensure_ascii=False, indent=2, allow_nan=False))
        return
    for c in found:
        deadline = _(N_("  deadline {date}")).format(date=format_date(c.deadline, language)) if c.deadline else ""
        since = _(N_("since {date}")).format(date=format_date(c.entered_on, language))
        typer.echo(f"{c.case_id}\t{c.lifecycle}\t{c.state}\t{since}{deadline}")
    typer.echo(_(N_("{count} case(s)")).format(count=len(found)), err=True)


def tick_command(
    on: Annotated[str, typer.Option("--on", help="Today's date: deadlines before it have passed")],
    db: DbOption = DEFAULT_DB,
    root: RootOption = None,
    rules: RulesOption = None,
    output_format: FormatOption = Format.text,
    lang: LangOption = None,
) -> None:
    """Move every case whose deadline passed (each deadline is applied once, however often run)."""
    from governance.diagnostics import MedunionError
    from governance.i18n import N_, translator
    from lifecycle.load import lifecycle_files, load_lifecycle
    from lifecycle.run import Runner
    from lifecycle.store import Store

    language = chosen_language(lang)
    day = parse_date(on, default_today=True)
    try:
        files = lifecycle_files(_lifecycles(root, rules))
        lifecycles = {lc.id: lc for lc in (load_lifecycle(p) for p in files)}
        store = Store(db)
        outcomes = Runner(store, rules_root=_decision_rules(root, rules)).tick(lifecycles, day)
    except MedunionError as exc:
        fail(exc, language)
    for outcome in outcomes:
        moved = store.get_case(outcome.case_id) if outcome.case_id else None
        _echo_outcome(outcome, output_format, language, lifecycles.get(moved.lifecycle) if moved else None)
    applied = sum(o.status == "applied" for o in outcomes)
    typer.echo(translator(language).gettext(N_("{applied} case(s) moved, {other} not moved")).format(
        applied=applied, other=len(outcomes) - applied), err=True)
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
    lang: LangOption = None,
) -> None:
    """Open a rectification case for every unit the appraisal graded below the floor (idempotent)."""
    from governance.diagnostics import MedunionError
    from governance.i18n import N_, translator
    from lifecycle.feeds import open_from_appraisal
    from lifecycle.load import find_lifecycle
    from lifecycle.run import Runner
    from lifecycle.store import Store

    language = chosen_language(lang)
    try:
        chosen = find_lifecycle(lifecycle, _lifecycles(root, rules))
        runner = Runner(Store(db), rules_root=_decision_rules(root, rules))
        done = open_from_appraisal(runner, chosen, results, parse_date(on) if on else None,
                                   case_prefix)
    except MedunionError as exc:
        fail(exc, language)
    for item in done:
        _echo_outcome(item.outcome, output_format, language, chosen)
    opened = sum(item.outcome.status == "applied" for item in done)
    typer.echo(translator(language).gettext(N_("{opened} rectification case(s) opened or moved, {other} unchanged"))
               .format(opened=opened, other=len(done) - opened), err=True)
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
