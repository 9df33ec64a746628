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
    """Let each package add its commands; the core's own are registered first."""
    from governance.core_cli import register as _core

    _core(app)
    # --- registrations: one line per package (each package owns its cli module) ---
    from publication.cli import register as _docs; _docs(app)  # noqa: E702, I001
    from governance.charter_cli import register as _charter; _charter(app)  # noqa: E702, I001
    from appraisal.cli import register as _appraisal; _appraisal(app)  # noqa: E702, I001
    from lifecycle.cli import register as _lifecycle; _lifecycle(app)  # noqa: E702, I001


def main() -> None:
    _register_packages()
    app()


if __name__ == "__main__":
    main()
