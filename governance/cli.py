"""The `medunion` command line: one typer app; each package registers its own commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="medunion",
    help="Rules as code for county medical associations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_packages() -> None:
    """Let each package add its commands (imported here so that `--help` lists them all)."""
    from appraisal.cli import register as register_appraisal
    from governance.charter_cli import register as register_charter
    from governance.core_cli import register as register_core
    from lifecycle.cli import register as register_lifecycle
    from publication.cli import register as register_docs

    if getattr(app, "_medunion_registered", False):
        return
    for register in (register_core, register_charter, register_appraisal, register_lifecycle, register_docs):
        register(app)
    app._medunion_registered = True  # type: ignore[attr-defined]


def main() -> None:
    _register_packages()
    app()


if __name__ == "__main__":
    main()
