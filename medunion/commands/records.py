"""`medunion records verify/show` and `medunion replay`: the decision records an office keeps."""

from __future__ import annotations

import json
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer

from medunion.commands.common import RulesOption, command_group, fail, rules_root
from medunion.commands.language import LangOption, chosen_language

if TYPE_CHECKING:
    from records.record import DecisionRecord
    from records.store import RecordStore

DEFAULT_DB = "sqlite:///medunion-records.sqlite"


class Format(str, Enum):
    text = "text"
    json = "json"


DbOption = Annotated[str, typer.Option("--db", help="SQLAlchemy URL of the record store")]
RecordArgument = Annotated[str, typer.Argument(help="The record's id")]


def _open(db: str, lang: str = "en") -> RecordStore:
    """The store, only if it exists: a mistyped --db must not look like an empty, whole chain."""
    from governance.diagnostics import MedunionError
    from records.store import RecordStore

    try:
        return RecordStore(db, create=False)
    except MedunionError as exc:
        fail(exc, lang)


def _say(lang: str, template: str, **values: object) -> str:
    """A line of these commands in `lang` (its template is marked N_ where it is written)."""
    from governance.i18n import translator

    return translator(lang).gettext(template).format(**values)


def _find(db: str, record_id: str, lang: str = "en") -> DecisionRecord:
    from governance.diagnostics import shown_url
    from governance.i18n import N_

    store = _open(db, lang)
    try:
        record = store.get(record_id)
    finally:
        store.close()
    if record is None:
        typer.echo(_say(lang, N_("no record {record} in {db}"), record=record_id, db=shown_url(db)), err=True)
        raise typer.Exit(1)
    return record


def verify_command(db: DbOption = DEFAULT_DB, lang: LangOption = None) -> None:
    """Check the chain of records: exit 0 when it is whole, 1 with one line per edited, deleted or moved record."""
    from governance.i18n import N_
    from records.verify import verify

    language = chosen_language(lang)
    store = _open(db, language)
    try:
        problems = verify(store)
        head = None if problems else store.head()
    finally:
        store.close()
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(_say(language, N_("chain broken: {count} problem(s)"), count=len(problems)), err=True)
        raise typer.Exit(1)
    if head is None:
        typer.echo(_say(language, N_("chain whole: no records")))
    else:
        typer.echo(_say(language, N_("chain whole: {count} record(s); head {record} hash {hash}"),
                        count=head.sequence, record=head.record_id, hash=head.hash))


def show_command(record_id: RecordArgument, db: DbOption = DEFAULT_DB,
                 output_format: Annotated[Format, typer.Option("--format", help="text or json")] = Format.text,
                 lang: LangOption = None) -> None:
    """Show one record: rule set and its hash, engine, date, inputs, outputs and its place in the chain."""
    from governance.i18n import N_
    from records.record import canonical_json, record_json

    language = chosen_language(lang)
    record = _find(db, record_id, language)
    if output_format is Format.json:
        typer.echo(json.dumps(record_json(record), ensure_ascii=False, indent=2, allow_nan=False))
        return
    say = partial(_say, language)
    typer.echo(say(N_("record {record} (sequence {sequence})"), record=record.record_id, sequence=record.sequence))
    typer.echo(say(N_("  made at:   {made_at}"), made_at=record.made_at))
    typer.echo(say(N_("  rule set:  {ruleset} version {version} (sha256 {digest})"), ruleset=record.ruleset_id,
                   version=record.ruleset_version, digest=record.ruleset_digest))
    typer.echo(say(N_("  engine:    medunion {version}"), version=record.engine_version))
    typer.echo(say(N_("  on:        {on}"), on=record.on))
    for title, values in ((N_("  inputs:"), record.inputs), (N_("  outputs:"), record.outputs)):
        typer.echo(say(title))
        if not isinstance(values, dict):  # edited into something that is not JSON
            typer.echo(f"    {values}")
            continue
        for name, value in values.items():
            typer.echo(f"    {name}: {canonical_json(value)}")
    typer.echo(say(N_("  previous:  {hash}"), hash=record.previous_hash))
    typer.echo(say(N_("  hash:      {hash}"), hash=record.hash))


def replay_command(record_id: RecordArgument, db: DbOption = DEFAULT_DB, rules: RulesOption = None,
                   lang: LangOption = None) -> None:
    """Decide a recorded case again under the rules as they are now: exit 0 when identical, 1 with what differs.

    What differs is listed in English (the replay's own lines quote rule and output names)."""
    from governance.i18n import N_
    from records.replay import replay

    language = chosen_language(lang)
    record = _find(db, record_id, language)
    result = replay(record, rules_root(rules))
    subject = _say(language, N_("record {record} ({ruleset} {version} on {on})"), record=record.record_id,
                   ruleset=record.ruleset_id, version=record.ruleset_version, on=record.on)
    if result.identical:
        typer.echo(_say(language, N_("identical: {subject}: same rule file, outputs and explanation"),
                        subject=subject))
        return
    typer.echo(_say(language, N_("differs: {subject}"), subject=subject))
    for line in result.lines():
        typer.echo(f"  {line}")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `records` group and the top-level `replay` command to the medunion app."""
    group = command_group("Decision records: a hash chain of what was decided, verified and replayed.",
                          name="records")
    group.command("verify")(verify_command)
    group.command("show")(show_command)
    app.add_typer(group, name="records")
    app.command("replay")(replay_command)
