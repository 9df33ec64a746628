"""The `medunion` command line: one typer app, each command group declared in `medunion.commands`.

Command modules import only typer at module level; each command imports the libraries it
needs when it runs, so `medunion --help` starts in a fraction of a second.
"""

from __future__ import annotations

from typing import Annotated

import typer

from medunion.commands import appraisal, charter, docs, lifecycle, rules
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


for _group in (rules, charter, appraisal, lifecycle, docs):
    _group.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
