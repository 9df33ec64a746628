"""`medunion docs build|serve`: the public site from the command line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from medunion.commands.common import REFUSED, command_group


def _quiet_theme_banner() -> None:
    """Material prints a multi-line notice about MkDocs 2 on every build; it is not ours to show."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def _show_mkdocs_warnings() -> None:
    """mkdocs logs why a strict build stops; called as a library nothing prints its log, so the
    reason would be lost. Its warnings and errors go to stderr (the one of the moment), one a line."""
    import logging

    class _Stderr(logging.Handler):
        medunion = True

        def emit(self, record: logging.LogRecord) -> None:
            typer.echo(self.format(record), err=True)

    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "medunion", False) for h in logger.handlers):
        handler = _Stderr(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
        logger.addHandler(handler)


def register(app: typer.Typer) -> None:
    """Add the `docs` command group to the medunion app."""
    docs = command_group("The public doc site generated from the rules.")

    @docs.command("build")
    def build_command(
        out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("site"),
        strict: Annotated[
            bool,
            typer.Option("--strict/--no-strict", help="Treat broken links and warnings as errors."),
        ] = True,
    ) -> None:
        """Build the site (rule pages are generated from rules/ at build time)."""
        from mkdocs.exceptions import Abort

        from publication.build import build_site

        _quiet_theme_banner()
        _show_mkdocs_warnings()
        try:
            site_dir = build_site(out, strict=strict)
        except Abort as exc:  # why was logged above (the rule files' file:line:col for the plugin's refusal)
            typer.echo(f"the site was not built: {exc}", err=True)
            raise typer.Exit(REFUSED) from None
        english = site_dir / "en" / "index.html"
        also = f" (English: {english})" if english.is_file() else ""
        typer.echo(f"site built in {site_dir} — open {site_dir / 'index.html'}{also}")

    @docs.command("serve")
    def serve_command(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    ) -> None:
        """Serve the site on localhost, rebuilding when docs/ or rules/ change."""
        from publication.build import serve_site

        _quiet_theme_banner()
        typer.echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)")
        serve_site(host, port)

    app.add_typer(docs, name="docs")
