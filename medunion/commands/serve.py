"""`medunion serve`: the HTTP API (medunion.service) on uvicorn, on this machine only by default."""

from __future__ import annotations

from typing import Annotated

import typer

from medunion.commands.common import REFUSED, RulesOption, fail, rules_root

DEFAULT_DB = "sqlite:///medunion-records.sqlite"  # records.DEFAULT_URL, not imported here: --help stays fast


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; 127.0.0.1 serves this machine only "
                                                    "(put a reverse proxy with TLS in front to serve others)")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on")] = 8000,
    db: Annotated[str, typer.Option("--db", help="Where decisions are recorded: a SQLAlchemy URL (hash-chained; "
                                                 "see `medunion records verify`)")] = DEFAULT_DB,
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not record decisions")] = False,
    rules: RulesOption = None,
) -> None:
    """Serve the HTTP API: rule sets, decisions with their explanation and record, bulk files.

    Every decision is recorded in --db unless --no-record is given. Rule files are read once, when
    the server starts: restart it to serve changed rules. The OpenAPI document is at /openapi.json,
    the interactive documentation at /docs.
    """
    from governance.diagnostics import MedunionError

    try:
        from medunion.service.app import create_app

        app = create_app(rules_root(rules), None if no_record else db)
    except MedunionError as exc:
        fail(exc)
    import uvicorn

    where = "not recorded" if no_record else f"recorded in {_shown(db)}"
    typer.echo(f"medunion API on http://{host}:{port} ({len(app.state.service.versions)} rule sets; decisions "
               f"{where}); OpenAPI at /openapi.json", err=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
    except OSError as exc:  # the port is taken, the address is not this machine's
        typer.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(REFUSED) from None


def _shown(url: str) -> str:
    from governance.diagnostics import shown_url

    return shown_url(url)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
