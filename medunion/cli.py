"""The `medunion` command line: one typer app, each command group declared in `medunion.commands`.

Command modules import only typer at module level; each command imports the libraries it
needs when it runs, so `medunion --help` starts in a fraction of a second.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from medunion.commands import appraisal, bulk, charter, docs, impact, lifecycle, records, rules, serve
from medunion.commands.common import command_group

app = command_group("Rules as code for county medical associations.", name="medunion")


def _version(value: bool) -> None:
    if value:
        from medunion import version

        typer.echo(f"medunion {version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Rules as code for county medical associations."""


for _group in (rules, charter, appraisal, lifecycle, docs, records, bulk, impact, serve):
    _group.register(app)


DEBUG_ENV = "MEDUNION_DEBUG"


def main() -> None:
    """Run the command line; an exception no command handled is a bug, reported in one line.

    Every refusal of bad input is a `file:line:col: error:` message and exit 1, printed by the
    command itself. What reaches this handler is a fault of medunion, not of the input: one line
    on stderr and exit 1 rather than a traceback, unless MEDUNION_DEBUG=1 asks for the traceback.
    """
    try:
        app()
    except Exception as exc:  # KeyboardInterrupt and SystemExit (typer's exit codes) pass through
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        message = " ".join(str(exc).split())
        print(f"medunion: internal error: {type(exc).__name__}: {message} (this is a bug; run with "
              f"{DEBUG_ENV}=1 for the traceback)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
