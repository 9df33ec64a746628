"""The `medunion` command line: one typer app, each command group declared in `medunion.commands`.

Command modules import only typer at module level; each command imports the libraries it
needs when it runs, so `medunion --help` starts in a fraction of a second.
"""

from __future__ import annotations

from typing import Annotated

import typer

from medunion.commands import appraisal, charter, docs, lifecycle, rules

app = typer.Typer(
    name="medunion",
    help="Rules as code for county medical associations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from medunion import __version__

        typer.echo(f"medunion {__version__}")
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
