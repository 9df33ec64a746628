"""`medunion records verify/show` and `medunion replay`: the decision records an office keeps."""

from __future__ import annotations

import json
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from medunion.commands.common import RulesOption, command_group, fail, rules_root

if TYPE_CHECKING:
    from records.record import DecisionRecord
    from records.store import RecordStore

DEFAULT_DB = "sqlite:///medunion-records.sqlite"


class Format(str, Enum):
    text = "text"
    json = "json"


DbOption = Annotated[str, typer.Option("--db", help="SQLAlchemy URL of the record store")]
RecordArgument = Annotated[str, typer.Argument(help="The record's id")]


def _open(db: str) -> RecordStore:
    """The store, only if it exists: a mistyped --db must not look like an empty, whole chain."""
    from governance.diagnostics import MedunionError
    from records.store import RecordStore

    try:
        return RecordStore(db, create=False)
    except MedunionError as exc:
        fail(exc)


def _find(db: str, record_id: str) -> DecisionRecord:
    from governance.diagnostics import shown_url

    store = _open(db)
    try:
        record = store.get(record_id)
    finally:
        store.close()
    if record is None:
        typer.echo(f"no record {record_id} in {shown_url(db)}", err=True)
        raise typer.Exit(1)
    return record


def verify_command(db: DbOption = DEFAULT_DB) -> None:
    """Check the chain of records: exit 0 when it is whole, 1 with one line per edited, deleted or moved record."""
    from records.verify import verify

    store = _open(db)
    try:
        problems = verify(store)
        head = None if problems else store.head()
    finally:
        store.close()
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"chain broken: {len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    if head is None:
        typer.echo("chain whole: no records")
    else:
        typer.echo(f"chain whole: {head.sequence} record(s); head {head.record_id} hash {head.hash}")


def show_command(record_id: RecordArgument, db: DbOption = DEFAULT_DB,
                 output_format: Annotated[Format, typer.Option("--format", help="text or json")] = Format.text
                 ) -> None:
    """Show one record: rule set and its hash, engine, date, inputs, outputs and its place in the chain."""
    from records.record import canonical_json, record_json

    record = _find(db, record_id)
    if output_format is Format.json:
        typer.echo(json.dumps(record_json(record), ensure_ascii=False, indent=2, allow_nan=False))
        return
    typer.echo(f"record {record.record_id} (sequence {record.sequence})")
    typer.echo(f"  made at:   {record.made_at}")
    typer.echo(f"  rule set:  {record.ruleset_id} version {record.ruleset_version} (sha256 {record.ruleset_digest})")
    typer.echo(f"  engine:    medunion {record.engine_version}")
    typer.echo(f"  on:        {record.on}")
    for title, values in (("inputs", record.inputs), ("outputs", record.outputs)):
        typer.echo(f"  {title}:")
        if not isinstance(values, dict):  # edited into something that is not JSON
            typer.echo(f"    {values}")
            continue
        for name, value in values.items():
            typer.echo(f"    {name}: {canonical_json(value)}")
    typer.echo(f"  previous:  {record.previous_hash}")
    typer.echo(f"  hash:      {record.hash}")


def replay_command(record_id: RecordArgument, db: DbOption = DEFAULT_DB, rules: RulesOption = None) -> None:
    """Decide a recorded case again under the rules as they are now: exit 0 when identical, 1 with what differs."""
    from records.replay import replay

    record = _find(db, record_id)
    result = replay(record, rules_root(rules))
    subject = f"record {record.record_id} ({record.ruleset_id} {record.ruleset_version} on {record.on})"
    if result.identical:
        typer.echo(f"identical: {subject}: same rule file, outputs and explanation")
        return
    typer.echo(f"differs: {subject}")
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
